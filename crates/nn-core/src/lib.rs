//! Layers, activations, losses and the `Network` of **nn**, with backpropagation written out by
//! the chain rule.
//!
//! # Quick start
//! ```
//! use ndarray::array;
//! use nn_core::{Activation, Loss, Network};
//!
//! // A 2-4-1 sigmoid network, seeded.
//! let mut net = Network::<f64>::mlp(&[2, 4, 1], Activation::Sigmoid, Activation::Sigmoid, 7)?;
//! let x = array![[0.0, 1.0], [1.0, 0.0]];
//! let y = array![[1.0], [1.0]];
//! let out = net.forward(x.view())?;
//! assert_eq!(out.dim(), (2, 1));
//! let loss = net.backward_loss(x.view(), y.view(), Loss::HalfSse)?; // gradients now in the layers
//! assert!(loss > 0.0);
//! # Ok::<(), nn_core::CoreError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod activation;
mod dense;
pub mod dropout;
pub mod dropout_key;
mod error;
pub mod gradcheck;
mod init;
mod loss;
pub mod network;
mod param;
pub mod sample_weight;
pub mod textbook;
pub mod trace;

pub use activation::Activation;
pub use dense::Dense;
pub use dropout_key::DropoutKey;
pub use error::{CoreError, Result};
pub use init::Init;
pub use loss::Loss;
pub use network::Network;
pub use param::{Param, ParamKind, Parameters};
