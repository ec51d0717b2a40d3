//! Optimizers, learning-rate schedules and the training loop for **nn**.
#![warn(missing_docs)]

pub mod schedule;

pub use schedule::LrSchedule;
