//! Optimizers, learning-rate schedules and the training loop for **nn**.
//!
//! # Quick start
//! ```
//! use ndarray::array;
//! use nn_core::{Activation, Loss, Network};
//! use nn_optim::{schedule::Constant, Sgd, SgdConfig, Trainer};
//!
//! // XOR with a 2-4-1 sigmoid network.
//! let x = array![[0.0_f64, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
//! let y = array![[0.0], [1.0], [1.0], [0.0]];
//! let mut net = Network::<f64>::mlp(&[2, 4, 1], Activation::Sigmoid, Activation::Sigmoid, 1)?;
//! let mut sgd = Sgd::new(SgdConfig { momentum: 0.9, ..Default::default() })?;
//! let mut trainer = Trainer::new(4, 1);
//! let reports = trainer.fit(&mut net, &mut sgd, &Constant::new(2.0)?, Loss::HalfSse, x.view(), y.view(), 2000)?;
//! assert!(reports.last().unwrap().train_loss < reports[0].train_loss);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

pub mod checkpoint;
pub mod clip;
pub mod dist;
mod error;
mod optimizer;
pub mod schedule;
mod sgd;
mod trainer;

pub use checkpoint::Checkpoint;
pub use clip::{grad_norm, ClipGradNorm};
pub use error::{OptimError, Result};
pub use optimizer::Optimizer;
pub use schedule::{LrSchedule, Schedule};
pub use sgd::{Sgd, SgdConfig};
pub use trainer::{EpochReport, Trainer};
