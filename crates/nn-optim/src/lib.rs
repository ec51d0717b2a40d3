//! Optimizers, learning-rate schedules and the training loop for **nn**.
#![warn(missing_docs)]

mod error;
pub mod schedule;

pub use error::{OptimError, Result};
pub use schedule::{LrSchedule, Schedule};
