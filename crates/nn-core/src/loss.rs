//! Loss functions, each with its value and its gradient with respect to the network output.
//!
//! With `n` samples in the batch, `m` outputs, network output `o` and target `t`:
//!
//! | loss | value | gradient `∂L/∂o` |
//! |---|---|---|
//! | `half_sse` | `(1/n) Σ_samples Σ_outputs ½ (t − o)²` (the textbook's `E_total`, batch-averaged) | `(o − t) / n` |
//! | `mse` | `(1/(n·m)) Σ (t − o)²` (PyTorch `MSELoss`, Keras `mse`) | `2 (o − t) / (n·m)` |
//! | `cross_entropy` | `(1/n) Σ_samples −Σ_j t_j log softmax(o)_j`, `o` = logits | `(softmax(o) − t) / n` |
//! | `bce` | `(1/(n·m)) Σ −[t log σ(o) + (1 − t) log(1 − σ(o))]`, `o` = logits | `(σ(o) − t) / (n·m)` |
//!
//! The two fused losses take *logits* (use an identity output layer) and are computed with the
//! log-sum-exp trick, so logits of ±1000 give finite values; [`Loss::link`] turns logits into
//! probabilities for prediction.
//!
//! In `f32`, softmax cross-entropy runs [`nn_tensor::fused::softmax_ce_f32`] (branch-free
//! `exp`/`ln` within 2 ulp, 8 rows per vector); `f64` keeps the standard library's `exp`/`ln`.

use crate::activation::sigmoid;
use crate::{Activation, CoreError, Result};
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2, Zip};
use nn_tensor::fused::softmax_ce_f32;
use nn_tensor::Float;
use serde::{Deserialize, Serialize};

/// A loss function.
///
/// ```
/// use ndarray::array;
/// use nn_core::Loss;
/// // E = ½(0.85 − 0.75)² = 0.005
/// let e = Loss::HalfSse.value(array![[0.75_f64]].view(), array![[0.85]].view())?;
/// assert!((e - 0.005).abs() < 1e-15);
/// # Ok::<(), nn_core::CoreError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// `Σ ½ (t − o)²` over outputs, averaged over the batch (the textbook's `E_total`).
    HalfSse,
    /// Mean squared error over every element.
    Mse,
    /// Softmax cross-entropy on logits; targets are one-hot rows (or any distribution).
    CrossEntropy,
    /// Binary cross-entropy on logits, fused with the sigmoid; targets in `[0, 1]`.
    Bce,
}

impl Loss {
    /// The name users type on the command line.
    ///
    /// ```
    /// assert_eq!(nn_core::Loss::CrossEntropy.name(), "cross-entropy");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Loss::HalfSse => "half-sse",
            Loss::Mse => "mse",
            Loss::CrossEntropy => "cross-entropy",
            Loss::Bce => "bce",
        }
    }

    /// The activation the output layer should have with this loss (identity for the fused
    /// losses, whose input is logits).
    ///
    /// ```
    /// use nn_core::{Activation, Loss};
    /// assert_eq!(Loss::CrossEntropy.fused_activation(), Some(Activation::Softmax));
    /// assert_eq!(Loss::Mse.fused_activation(), None);
    /// ```
    pub fn fused_activation(&self) -> Option<Activation> {
        match self {
            Loss::CrossEntropy => Some(Activation::Softmax),
            Loss::Bce => Some(Activation::Sigmoid),
            Loss::HalfSse | Loss::Mse => None,
        }
    }

    /// The loss of a batch (see the module table), accumulated in `f64`.
    ///
    /// ```
    /// use ndarray::array;
    /// // mse of [1, 2] vs [0, 4]: ((1 − 0)² + (2 − 4)²) / 2 = 2.5
    /// let v = nn_core::Loss::Mse.value(array![[1.0_f32, 2.0]].view(), array![[0.0, 4.0]].view())?;
    /// assert_eq!(v, 2.5);
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn value<T: Float>(&self, out: ArrayView2<T>, target: ArrayView2<T>) -> Result<f64> {
        check_shapes(out, target)?;
        let total: f64 = out
            .rows()
            .into_iter()
            .zip(target.rows())
            .map(|(o, t)| self.row(o, t))
            .sum();
        Ok(total / self.denominator(out.dim()) as f64)
    }

    /// The loss of each output of each sample, before averaging (the textbook's `E_o1`, `E_o2`).
    /// For cross-entropy each entry is `−t_j log softmax(o)_j`.
    ///
    /// ```
    /// use ndarray::array;
    /// let e = nn_core::Loss::HalfSse.per_output(array![[1.0_f64, 0.0]].view(), array![[0.0, 0.0]].view())?;
    /// assert_eq!(e, array![[0.5, 0.0]]);
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn per_output<T: Float>(
        &self,
        out: ArrayView2<T>,
        target: ArrayView2<T>,
    ) -> Result<Array2<f64>> {
        check_shapes(out, target)?;
        let mut e = Array2::zeros(out.dim());
        for ((mut e, o), t) in e.rows_mut().into_iter().zip(out.rows()).zip(target.rows()) {
            let lse = if *self == Loss::CrossEntropy {
                log_sum_exp(o)
            } else {
                0.0
            };
            for ((e, &o), &t) in e.iter_mut().zip(o).zip(t) {
                *e = self.element(o.to_f64(), t.to_f64(), lse);
            }
        }
        Ok(e)
    }

    /// Writes `∂L/∂o` into `grad` and returns the loss value, in one pass.
    ///
    /// ```
    /// use ndarray::{array, Array2};
    /// let mut g = Array2::zeros((1, 1));
    /// // half_sse: ∂E/∂o = o − t = 0.75 − 0.85
    /// nn_core::Loss::HalfSse.value_and_grad(array![[0.75_f64]].view(), array![[0.85]].view(), g.view_mut())?;
    /// assert!((g[[0, 0]] + 0.1).abs() < 1e-15);
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn value_and_grad<T: Float>(
        &self,
        out: ArrayView2<T>,
        target: ArrayView2<T>,
        mut grad: ArrayViewMut2<T>,
    ) -> Result<f64> {
        check_shapes(out, target)?;
        check_shapes(out, grad.view())?;
        let scale = T::from_f64(1.0 / self.denominator(out.dim()) as f64);
        match self {
            Loss::HalfSse => Zip::from(&mut grad)
                .and(out)
                .and(target)
                .for_each(|g, &o, &t| *g = (o - t) * scale),
            Loss::Mse => {
                let two = T::from_f64(2.0);
                Zip::from(&mut grad)
                    .and(out)
                    .and(target)
                    .for_each(|g, &o, &t| *g = two * (o - t) * scale)
            }
            Loss::CrossEntropy => return Ok(softmax_ce_grad(out, target, grad, scale)),
            Loss::Bce => Zip::from(&mut grad)
                .and(out)
                .and(target)
                .for_each(|g, &o, &t| *g = (sigmoid(o) - t) * scale),
        }
        self.value(out, target)
    }

    /// Turns network outputs into predictions in place: softmax for cross-entropy, sigmoid for
    /// BCE, unchanged otherwise.
    ///
    /// ```
    /// use ndarray::array;
    /// let mut o = array![[0.0_f64, 0.0]];
    /// nn_core::Loss::CrossEntropy.link(o.view_mut());
    /// assert_eq!(o, array![[0.5, 0.5]]);
    /// ```
    pub fn link<T: Float>(&self, out: ArrayViewMut2<T>) {
        if let Some(act) = self.fused_activation() {
            act.apply(out);
        }
    }

    fn denominator(&self, (n, m): (usize, usize)) -> usize {
        match self {
            Loss::HalfSse | Loss::CrossEntropy => n.max(1),
            Loss::Mse | Loss::Bce => (n * m).max(1),
        }
    }

    fn row<T: Float>(&self, o: ArrayView1<T>, t: ArrayView1<T>) -> f64 {
        let lse = if *self == Loss::CrossEntropy {
            log_sum_exp(o)
        } else {
            0.0
        };
        o.iter()
            .zip(t)
            .map(|(&o, &t)| self.element(o.to_f64(), t.to_f64(), lse))
            .sum()
    }

    /// One element's contribution; `lse` is the row's log-sum-exp (cross-entropy only).
    fn element(&self, o: f64, t: f64, lse: f64) -> f64 {
        match self {
            Loss::HalfSse => 0.5 * (t - o) * (t - o),
            Loss::Mse => (t - o) * (t - o),
            // −t·log softmax(o) = t·(lse − o); skip t = 0 so −inf logits do not give NaN.
            Loss::CrossEntropy => {
                if t == 0.0 {
                    0.0
                } else {
                    t * (lse - o)
                }
            }
            // −[t log σ(o) + (1 − t) log(1 − σ(o))] = max(o, 0) − o·t + log(1 + e^(−|o|))
            Loss::Bce => o.max(0.0) - o * t + (-o.abs()).exp().ln_1p(),
        }
    }
}

/// Softmax cross-entropy value and gradient `(softmax(o) − t)·scale` in one pass per row.
///
/// Runs on flat row-major slices (the network's own buffers are); other layouts are copied
/// into that form first.
fn softmax_ce_grad<T: Float>(
    out: ArrayView2<T>,
    target: ArrayView2<T>,
    mut grad: ArrayViewMut2<T>,
    scale: T,
) -> f64 {
    let m = out.ncols();
    if m == 0 {
        return 0.0;
    }
    let (o, t) = (out.as_standard_layout(), target.as_standard_layout());
    let (o, t) = (
        o.as_slice().expect("standard"),
        t.as_slice().expect("standard"),
    );
    let mut total = 0.0;
    match grad.as_slice_mut() {
        Some(g) => softmax_ce_any(o, t, g, m, scale, &mut total),
        None => {
            let mut g = Array2::zeros(grad.dim());
            let flat = g.as_slice_mut().expect("standard");
            softmax_ce_any(o, t, flat, m, scale, &mut total);
            grad.assign(&g);
        }
    }
    total * scale.to_f64()
}

/// [`nn_tensor::fused::softmax_ce_f32`] for `f32`, [`softmax_ce_rows`] (libm `exp`/`ln`) for
/// `f64`.
fn softmax_ce_any<T: Float>(o: &[T], t: &[T], g: &mut [T], m: usize, scale: T, total: &mut f64) {
    let f32s = (T::as_f32(o), T::as_f32(t), T::as_f32_mut(g));
    if let (Some(o), Some(t), Some(g)) = f32s {
        *total += softmax_ce_f32(o, t, g, m, scale.to_f64() as f32);
        return;
    }
    softmax_ce_rows(o, t, g, m, scale, total);
}

/// [`softmax_ce_grad`] on row-major slices with rows of `m`; adds `Σ t·(lse − o)` to `total`.
///
/// Two passes: every `e_j = exp(o_j − max)` first, then per row `lse = max + ln Σ e`,
/// `grad = (e/Σe − t)·scale` and the loss. Splitting them lets the `exp` and `ln` calls of
/// different rows overlap instead of chaining through each row (same operations, same order).
fn softmax_ce_rows<T: Float>(o: &[T], t: &[T], g: &mut [T], m: usize, scale: T, total: &mut f64) {
    for (o, g) in o.chunks_exact(m).zip(g.chunks_exact_mut(m)) {
        let max = row_max(o);
        for (g, &o) in g.iter_mut().zip(o) {
            *g = (o - max).exp();
        }
    }
    let rows = o.chunks_exact(m).zip(t.chunks_exact(m));
    for ((o, t), g) in rows.zip(g.chunks_exact_mut(m)) {
        let (max, sum) = (row_max(o), g.iter().fold(T::zero(), |s, &e| s + e));
        let (lse, inv) = (max + sum.ln(), T::one() / sum);
        for ((g, &o), &t) in g.iter_mut().zip(o).zip(t) {
            *g = (*g * inv - t) * scale;
            if t != T::zero() {
                *total += (t * (lse - o)).to_f64();
            }
        }
    }
}

/// The largest element (−∞ for an empty row; NaN elements are skipped).
fn row_max<T: Float>(o: &[T]) -> T {
    o.iter()
        .fold(T::neg_infinity(), |m, &v| if v > m { v } else { m })
}

/// `log Σ_j e^(o_j)`, max-subtracted so it never overflows.
fn log_sum_exp<T: Float>(o: ArrayView1<T>) -> f64 {
    let max = o.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v.to_f64()));
    if !max.is_finite() {
        return max;
    }
    max + o
        .iter()
        .map(|&v| (v.to_f64() - max).exp())
        .sum::<f64>()
        .ln()
}

fn check_shapes<T>(out: ArrayView2<T>, target: ArrayView2<T>) -> Result<()> {
    if out.dim() != target.dim() {
        return Err(CoreError::Tensor(nn_tensor::TensorError::ShapeMismatch {
            op: "loss",
            expected: vec![out.nrows(), out.ncols()],
            got: vec![target.nrows(), target.ncols()],
        }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn textbook_e_total() {
        // out_o1 = 0.702307507, out_o2 = 0.714634132, targets 0.85, 0.30 (textbook 2.2):
        // E_o1 = ½(0.85 − 0.702307507)² = 0.010906536, E_o2 = 0.085960731, E_total = 0.096867268.
        let out = array![[0.7023075067_f64, 0.7146341320]];
        let t = array![[0.85, 0.30]];
        let e = Loss::HalfSse.per_output(out.view(), t.view()).unwrap();
        assert!((e[[0, 0]] - 0.010906536).abs() < 1e-9);
        assert!((e[[0, 1]] - 0.085960731).abs() < 1e-9);
        assert!((Loss::HalfSse.value(out.view(), t.view()).unwrap() - 0.096867268).abs() < 1e-9);
    }

    #[test]
    fn mse_of_two_vectors() {
        // ((3 − 1)² + (−1 − 1)² + (0 − 2)² + (5 − 2)²) / 4 = (4 + 4 + 4 + 9) / 4 = 5.25
        let v = Loss::Mse.value(
            array![[3.0_f64, -1.0], [0.0, 5.0]].view(),
            array![[1.0, 1.0], [2.0, 2.0]].view(),
        );
        assert_eq!(v.unwrap(), 5.25);
    }

    #[test]
    fn cross_entropy_with_huge_logits_is_finite_and_right() {
        // logits [1000, −1000, 0], class 0: lse = 1000 + log(1 + e^−2000 + e^−1000) = 1000,
        // loss = lse − 1000 = 0; class 1: loss = 2000. Gradient = softmax − onehot.
        let o = array![[1000.0_f64, -1000.0, 0.0], [1000.0, -1000.0, 0.0]];
        let t = array![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
        let mut g = Array2::zeros((2, 3));
        let v = Loss::CrossEntropy
            .value_and_grad(o.view(), t.view(), g.view_mut())
            .unwrap();
        assert_eq!(v, 1000.0); // (0 + 2000) / 2
        assert_eq!(g, array![[0.0, 0.0, 0.0], [0.5, -0.5, 0.0]]);
        let v32 =
            Loss::CrossEntropy.value(o.mapv(|v| v as f32).view(), t.mapv(|v| v as f32).view());
        assert_eq!(v32.unwrap(), 1000.0);
    }

    use nn_testutil::cross_entropy_case as ce_case;

    #[test]
    fn f32_cross_entropy_agrees_with_the_f64_path() {
        // The f32 path (own exp/ln, 8 rows at a time, padded last block) against f64 with libm:
        // shapes with and without a partial block, one column, and rows too long for the stack.
        for (n, m, soft) in [
            (1, 3, false),
            (7, 3, false),
            (150, 3, false),
            (9, 1, false),
            (13, 20, true),
            (16, 5, true),
        ] {
            let (o, t) = ce_case(n, m, soft);
            let (mut g64, mut g32) = (Array2::zeros((n, m)), Array2::zeros((n, m)));
            let v64 = Loss::CrossEntropy
                .value_and_grad(o.view(), t.view(), g64.view_mut())
                .unwrap();
            let (o32, t32) = (o.mapv(|v| v as f32), t.mapv(|v| v as f32));
            let v32 = Loss::CrossEntropy
                .value_and_grad(o32.view(), t32.view(), g32.view_mut())
                .unwrap();
            // One column: softmax is 1, so loss and gradient are exactly 0.
            assert!(v64 > 0.1 || (m == 1 && v32 == 0.0), "{n}×{m}: loss {v64}");
            assert!((v32 - v64).abs() <= 1e-6 * v64, "{n}×{m}: {v32} vs {v64}");
            for (a, b) in g32.iter().zip(&g64) {
                assert!(
                    (f64::from(*a) - b).abs() <= 1e-7,
                    "{n}×{m}: grad {a} vs {b}"
                );
            }
            // Every row's gradient sums to 0 (softmax and target rows both sum to 1).
            for row in g64.rows() {
                assert!(row.sum().abs() < 1e-12);
            }
        }
    }

    #[test]
    fn bce_matches_formula() {
        // o = 0, t = 1: −log σ(0) = log 2; o = 2, t = 0: −log(1 − σ(2)) = log(1 + e²) = 2.126928011
        let v = Loss::Bce
            .value(array![[0.0_f64, 2.0]].view(), array![[1.0, 0.0]].view())
            .unwrap();
        assert!((v - (std::f64::consts::LN_2 + 2.1269280110429727) / 2.0).abs() < 1e-15);
        let v = Loss::Bce
            .value(array![[-1000.0_f32]].view(), array![[1.0]].view())
            .unwrap();
        assert_eq!(v, 1000.0);
    }

    #[test]
    fn mismatched_shapes_are_errors() {
        let r = Loss::Mse.value(array![[1.0_f64]].view(), array![[1.0, 2.0]].view());
        assert!(r.is_err());
    }
}
