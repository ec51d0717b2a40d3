//! Scoring a network on held-out data between epochs: the [`Validator`] trait the epoch driver
//! calls, and [`evaluate_chunks`], the one evaluation loop (a bounded number of rows forwarded at
//! a time, so the network's buffers never grow to the size of the set).

use std::ops::Range;

use ndarray::ArrayView2;
use nn_core::{Loss, Network};
use nn_tensor::s;
use nn_tensor::Float;

use crate::Result;

/// A validation score: the loss (what plateau schedules and early stopping watch) and an
/// optional metric (accuracy, R², …) for reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Validation {
    /// The validation loss, as [`Loss::value`] defines it.
    pub loss: f64,
    /// A metric of the caller's choice, reported beside the loss.
    pub metric: Option<f64>,
}

/// Scores the network after each epoch (with dropout off: [`Network::forward`]).
pub trait Validator<T> {
    /// The network's validation score.
    fn validate(&mut self, net: &mut Network<T>) -> Result<Validation>;
}

/// A validation set scored by its loss only.
///
/// ```
/// use ndarray::array;
/// use nn_core::{Activation, Dense, Loss, Network};
/// use nn_optim::{ValidationSet, Validator};
/// // y = 2x with w = 1: half-sse per sample ½(x − 2x)² = ½x²; mean over x = 1, 2 is 1.25.
/// let mut net = Network::new(vec![Dense::from_parts(array![[1.0_f64]], array![0.0], Activation::Identity)?])?;
/// let (x, y) = (array![[1.0], [2.0]], array![[2.0], [4.0]]);
/// let v = ValidationSet::new(x.view(), y.view(), Loss::HalfSse).validate(&mut net)?;
/// assert_eq!(v.loss, 1.25);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ValidationSet<'a, T> {
    x: ArrayView2<'a, T>,
    y: ArrayView2<'a, T>,
    loss: Loss,
}

impl<'a, T: Float> ValidationSet<'a, T> {
    /// Features `x` and targets `y` (row by row), scored with `loss`.
    pub fn new(x: ArrayView2<'a, T>, y: ArrayView2<'a, T>, loss: Loss) -> Self {
        ValidationSet { x, y, loss }
    }
}

impl<T: Float> Validator<T> for ValidationSet<'_, T> {
    fn validate(&mut self, net: &mut Network<T>) -> Result<Validation> {
        let loss = evaluate_chunks(net, self.loss, self.x, self.y, EVAL_CHUNK, |_, _| {})?;
        Ok(Validation { loss, metric: None })
    }
}

/// Rows forwarded at a time by [`ValidationSet`] (and the CLI's validation).
pub const EVAL_CHUNK: usize = 1024;

/// The loss of `net` on `(x, y)`, forwarding `chunk` rows at a time; `outputs` receives
/// each chunk's row range and its linked outputs (probabilities for the fused losses).
///
/// The loss is summed in the order of [`Loss::value`] over all rows at once (element by
/// element, row by row), so it is the same number up to the network's kernels, whose rounding
/// may differ in the last bit for another row count.
///
/// ```
/// use ndarray::array;
/// use nn_core::{Activation, Dense, Loss, Network};
/// let mut net = Network::new(vec![Dense::from_parts(array![[0.0_f64], [0.0]], array![0.0, 0.0], Activation::Identity)?])?;
/// let (x, y) = (array![[1.0], [2.0]], array![[1.0, 0.0], [0.0, 1.0]]);
/// let mut probs = Vec::new();
/// let loss = nn_optim::evaluate_chunks(&mut net, Loss::CrossEntropy, x.view(), y.view(), 1, |_, p| probs.extend(p.iter().copied()))?;
/// assert!((loss - 2f64.ln()).abs() < 1e-15 && probs == vec![0.5; 4]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate_chunks<T: Float>(
    net: &mut Network<T>,
    loss: Loss,
    x: ArrayView2<T>,
    y: ArrayView2<T>,
    chunk: usize,
    mut outputs: impl FnMut(Range<usize>, ArrayView2<T>),
) -> Result<f64> {
    let (n, m) = y.dim();
    let chunk = chunk.max(1);
    let mut total = 0.0;
    let mut linked = ndarray::Array2::zeros((0, m));
    for start in (0..n).step_by(chunk) {
        let rows = start..(start + chunk).min(n);
        let out = net.forward(x.slice(s![rows.clone(), ..]))?;
        for row in loss.per_output(out, y.slice(s![rows.clone(), ..]))?.rows() {
            total += row.iter().sum::<f64>();
        }
        linked = out.to_owned();
        loss.link(linked.view_mut());
        outputs(rows, linked.view());
    }
    drop(linked);
    // Loss::value's denominator: per sample for half-sse and cross-entropy, per output else.
    let denominator = match loss {
        Loss::HalfSse | Loss::CrossEntropy => n.max(1),
        Loss::Mse | Loss::Bce => (n * m).max(1),
    };
    Ok(total / denominator as f64)
}
