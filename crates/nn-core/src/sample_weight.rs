//! Per-sample weights for the loss (class weights are one per sample: `w_i = c[y_i]`).
//!
//! With `ℓ_i` the loss of sample `i` alone as [`Loss::value`] defines it (the sum over outputs
//! for `half_sse` and cross-entropy, the mean over outputs for `mse` and BCE), the weighted
//! objective is `L = Σ_i w_i·ℓ_i / Σ_i w_i`, so equal weights give the plain batch loss. For
//! cross-entropy with one-hot targets and `w_i = c[y_i]` this is PyTorch's
//! `F.cross_entropy(logits, y, weight=c)` (mean reduction, divided by `Σ_i c[y_i]`). For BCE the
//! weight belongs to the sample, not to each output:
//! `F.binary_cross_entropy_with_logits(o, t, weight=w[:, None], reduction="sum") / (m·Σ_i w_i)`
//! with `m` outputs (for one output, `Σ w_i ℓ_i / Σ w_i`).
//!
//! The gradient reuses the loss's own: [`Loss::value_and_grad`] writes row `i` as
//! `(1/n)·∂ℓ_i/∂o_i`, and `∂L/∂o_i = (w_i/Σw)·∂ℓ_i/∂o_i`, so each row is scaled by `n·w_i/Σw`.

use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2};
use nn_tensor::s;
use nn_tensor::{Float, TensorError};

use crate::{CoreError, Loss, Result};

/// Checks `n` weights (finite, `≥ 0`, positive sum) and returns their sum.
pub(crate) fn check_weights<T: Float>(weights: ArrayView1<T>, n: usize) -> Result<f64> {
    if weights.len() != n {
        return Err(CoreError::Tensor(TensorError::ShapeMismatch {
            op: "sample weights",
            expected: vec![n],
            got: vec![weights.len()],
        }));
    }
    let invalid = |reason: String| CoreError::InvalidConfig {
        name: "sample weights",
        reason,
    };
    if let Some((i, w)) = weights
        .iter()
        .map(|&w| <T as Float>::to_f64(w))
        .enumerate()
        .find(|&(_, w)| !(w.is_finite() && w >= 0.0))
    {
        return Err(invalid(format!(
            "weights must be finite and ≥ 0, got {w} for sample {i}"
        )));
    }
    let total: f64 = weights.iter().map(|&w| <T as Float>::to_f64(w)).sum();
    if !(total > 0.0 && total.is_finite()) {
        return Err(invalid(format!(
            "weights must have a positive, finite sum, got {total}"
        )));
    }
    Ok(total)
}

/// Given `grad = ∂(unweighted loss)/∂out` from [`Loss::value_and_grad`], scales row `i` by
/// `n·w_i/total` and returns the weighted loss `Σ w_i ℓ_i / total` (see the module docs).
pub(crate) fn reweight<T: Float>(
    loss: Loss,
    out: ArrayView2<T>,
    target: ArrayView2<T>,
    weights: ArrayView1<T>,
    total: f64,
    mut grad: ArrayViewMut2<T>,
) -> Result<f64> {
    let n = out.nrows() as f64;
    let mut value = 0.0;
    for (i, (&w, mut g)) in weights.iter().zip(grad.rows_mut()).enumerate() {
        let rows = s![i..i + 1, ..];
        let w = <T as Float>::to_f64(w);
        if w > 0.0 {
            // (a weight of 0 drops the sample, even one whose loss is infinite)
            value += w * loss.value(out.slice(rows), target.slice(rows))?;
        }
        let factor = T::from_f64(n * w / total);
        g.mapv_inplace(|v| v * factor);
    }
    Ok(value / total)
}
