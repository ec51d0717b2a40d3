//! The [`Optimizer`] trait: one update of every parameter, with the learning rate passed in so
//! optimizers and schedules compose.

use nn_core::Parameters;

/// Updates a model's parameters from the gradients of its last backward pass.
pub trait Optimizer<T> {
    /// One step with learning rate `lr` (taken from a schedule by the caller).
    fn step(&mut self, model: &mut dyn Parameters<T>, lr: f64);
}
