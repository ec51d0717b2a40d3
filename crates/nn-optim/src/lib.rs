//! Optimizers (SGD, Adam/AdamW, RMSprop), learning-rate schedules and the training loop for
//! **nn**. [`OptimizerConfig`] picks an optimizer at run time; [`AnyOptimizer`] holds it with its
//! state, for checkpoints.
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
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod adam;
mod any_optimizer;
mod batches;
mod check;
pub mod checkpoint;
pub mod clip;
pub mod dist;
mod driver;
mod early_stopping;
mod error;
pub mod freeze;
mod hook;
mod lerp;
mod lr_finder;
mod optimizer;
mod optimizer_config;
mod parts;
mod rmsprop;
pub mod schedule;
mod sgd;
mod state_check;
mod trainer;
mod validation;

pub use adam::{Adam, AdamConfig};
pub use any_optimizer::AnyOptimizer;
pub use checkpoint::Checkpoint;
pub use clip::{grad_norm, ClipGradNorm};
pub use driver::{CheckpointPolicy, EpochCallback, FitOptions, Stop, TrainState};
pub use early_stopping::EarlyStopping;
pub use error::{OptimError, Result};
pub use freeze::FreezeBias;
pub use hook::{BatchStats, GradientHook, StepReport};
pub use lr_finder::{lr_range_test, LrRangeTest};
pub use optimizer::Optimizer;
pub use optimizer_config::OptimizerConfig;
pub use rmsprop::{RmsProp, RmsPropConfig};
pub use schedule::{LrSchedule, Schedule};
pub use sgd::{Sgd, SgdConfig};
pub use trainer::{EpochReport, Trainer};
pub use validation::{evaluate_chunks, Validation, ValidationSet, Validator, EVAL_CHUNK};
