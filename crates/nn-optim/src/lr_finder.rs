//! The learning-rate range test (Leslie Smith's "LR finder", as in fastai and PyTorch
//! Lightning): train from the current weights while the learning rate grows exponentially from
//! `start_lr` to `end_lr`, one step per mini-batch, recording the smoothed loss, until the loss
//! explodes. A good rate lies about a tenth below the one with the lowest loss.

use std::ops::ControlFlow;

use ndarray::ArrayView2;
use nn_core::{Loss, Network};
use nn_tensor::Float;

use crate::batches::Batches;
use crate::trainer::StepControl;
use crate::{OptimError, Optimizer, Result, StepReport, Trainer};

/// The settings of [`lr_range_test`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LrRangeTest {
    /// The first step's learning rate.
    pub start_lr: f64,
    /// The last step's learning rate.
    pub end_lr: f64,
    /// How many steps (mini-batches) at most.
    pub steps: usize,
}

/// `(learning rate, smoothed loss)` for each step until the smoothed loss exceeds 4× the best
/// so far or stops being finite. The loss is smoothed exponentially (factor 0.98, with bias
/// correction). Batches come from `trainer` (its batch size, shuffling and seed).
///
/// ```
/// use ndarray::Array2;
/// use nn_core::{Activation, Loss, Network};
/// use nn_optim::{lr_range_test, LrRangeTest, Sgd, SgdConfig, Trainer};
/// let x = Array2::from_shape_fn((64, 2), |(i, j)| ((i * 3 + j) % 7) as f32 / 7.0);
/// let y = x.map_axis(ndarray::Axis(1), |r| r[0] - r[1]).insert_axis(ndarray::Axis(1));
/// let mut net = Network::<f32>::mlp(&[2, 8, 1], Activation::Tanh, Activation::Identity, 1)?;
/// let mut sgd = Sgd::new(SgdConfig::default())?;
/// let test = LrRangeTest { start_lr: 1e-4, end_lr: 10.0, steps: 100 };
/// let curve = lr_range_test(&mut Trainer::new(8, 0), &mut net, &mut sgd, Loss::Mse, x.view(), y.view(), test)?;
/// assert!(!curve.is_empty() && curve[0].0 == 1e-4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn lr_range_test<T: Float, D: Float>(
    trainer: &mut Trainer,
    net: &mut Network<T>,
    opt: &mut dyn Optimizer<T>,
    loss: Loss,
    x: ArrayView2<D>,
    y: ArrayView2<D>,
    test: LrRangeTest,
) -> Result<Vec<(f64, f64)>> {
    if !(test.start_lr > 0.0 && test.end_lr > test.start_lr && test.end_lr.is_finite()) {
        return Err(OptimError::InvalidConfig {
            name: "learning-rate range",
            reason: format!(
                "need 0 < start ({}) < end ({}), both finite",
                test.start_lr, test.end_lr
            ),
        });
    }
    let mut batches = Batches::new(trainer.batch_size(), x, y)?;
    let ratio = (test.end_lr / test.start_lr).powf(1.0 / (test.steps.max(2) - 1) as f64);
    let mut finder = Finder {
        start: test.start_lr,
        ratio,
        steps: test.steps,
        step: 0,
        average: 0.0,
        best: f64::INFINITY,
        curve: Vec::new(),
        done: test.steps == 0,
    };
    while !finder.done {
        match trainer.run_steps(&mut batches, net, opt, loss, &mut finder) {
            Ok(_) => {}
            // A loss that stops being finite ends the test like one that explodes.
            Err(OptimError::Diverged { .. }) => break,
            Err(e) => return Err(e),
        }
    }
    Ok(finder.curve)
}

/// The range test's state across epochs.
struct Finder {
    start: f64,
    ratio: f64,
    steps: usize,
    step: usize,
    average: f64,
    best: f64,
    curve: Vec<(f64, f64)>,
    done: bool,
}

impl<T: nn_tensor::Float> StepControl<T> for Finder {
    fn lr(&mut self, _step: usize) -> f64 {
        self.start * self.ratio.powi(self.step as i32)
    }

    fn after_step(&mut self, report: &StepReport) -> ControlFlow<()> {
        self.average = 0.98 * self.average + 0.02 * report.loss;
        let smoothed = self.average / (1.0 - 0.98_f64.powi(self.step as i32 + 1));
        self.step += 1;
        if !smoothed.is_finite() || smoothed > 4.0 * self.best {
            self.done = true;
            return ControlFlow::Break(());
        }
        self.best = self.best.min(smoothed);
        self.curve.push((report.lr, smoothed));
        if self.step >= self.steps {
            self.done = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }
}
