//! The step-level extension points of the batch loop: where a gradient all-reduce goes
//! ([`GradientHook`], between backward and the optimizer step) and what one step reports
//! ([`StepReport`]).

use std::ops::Range;

use nn_core::Network;

use nn_tensor::Float;

use crate::{Optimizer, Result};

/// What one mini-batch step computed, before the optimizer applies it.
///
/// A data-parallel hook replaces these by their sums over all processes (and may raise
/// `stop` so that every process stops together).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchStats {
    /// The batch loss times its row count (the loss sum over the batch's rows).
    pub loss_sum: f64,
    /// Rows in the batch.
    pub rows: usize,
    /// Whether training should stop after this step (e.g. Ctrl-C on some process).
    pub stop: bool,
}

/// Runs between the backward pass and the optimizer step of every mini-batch: the place for a
/// gradient all-reduce across processes (data parallelism), gradient surgery or logging.
///
/// ```
/// use nn_core::Network;
/// use nn_optim::{BatchStats, GradientHook};
/// /// Counts the rows seen.
/// struct Rows(usize);
/// impl GradientHook<f32> for Rows {
///     fn after_backward(&mut self, _: &mut Network<f32>, stats: &mut BatchStats) -> nn_optim::Result<()> {
///         self.0 += stats.rows;
///         Ok(())
///     }
/// }
/// ```
pub trait GradientHook<T: Float> {
    /// The parts of a batch of `rows` rows that this process computes, as row ranges within
    /// the batch; each is forwarded and backpropagated on its own and handed to
    /// [`after_part`](Self::after_part). The default, the whole batch as one part, is the
    /// single-process loop; a data-parallel hook returns this rank's slice (or shards).
    fn parts(&mut self, rows: usize) -> Vec<Range<usize>> {
        std::iter::once(0..rows).collect()
    }
    /// Whether each part's gradients should be its share of the batch's mean gradient (the
    /// part's loss gradient scaled by its rows, or class weight, over the batch's), so that
    /// summing every part's gradients gives the batch's mean, as a summing all-reduce needs.
    /// The default, `false`, leaves each part's gradients its own mean.
    fn sums_parts(&self) -> bool {
        false
    }
    /// After the backward pass of one part: the network holds its gradients, `loss` is its
    /// mean loss over `rows` rows.
    fn after_part(&mut self, _net: &mut Network<T>, _loss: f64, _rows: usize) {}
    /// Called with the network holding this batch's gradients and the batch's statistics.
    fn after_backward(&mut self, net: &mut Network<T>, stats: &mut BatchStats) -> Result<()>;
    /// The optimizer step; the default steps on the network's own gradients, a data-parallel
    /// hook on the gradients reduced over every process.
    fn step(&mut self, net: &mut Network<T>, opt: &mut dyn Optimizer<T>, lr: f64) {
        opt.step(net, lr);
    }
}

/// What one finished step did (reported to per-step observers such as the learning-rate finder).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepReport {
    /// The step's index within its epoch.
    pub step: usize,
    /// The learning rate the step used.
    pub lr: f64,
    /// The batch's mean loss (before the step).
    pub loss: f64,
}
