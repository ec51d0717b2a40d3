//! Activation functions and their derivatives.
//!
//! Every derivative here is computed from the activation's *output* `a = f(z)`, so the forward
//! pass needs to keep only `a`:
//!
//! | activation | `f(z)` | `f'(z)` written with `a` |
//! |---|---|---|
//! | identity | `z` | `1` |
//! | sigmoid | `1 / (1 + e^(−z))` | `a (1 − a)` |
//! | tanh | `tanh z` | `1 − a²` |
//! | ReLU | `max(0, z)` | `1 if a > 0 else 0` |
//! | leaky ReLU | `z if z > 0 else s·z` (`s ≥ 0`) | `1 if a > 0 else s` |
//! | softmax (row-wise) | `e^(z_j − max z) / Σ_k e^(z_k − max z)` | `∂L/∂z = a ⊙ (∂L/∂a − Σ_k a_k ∂L/∂a_k)` |

use ndarray::{ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Zip};
use nn_tensor::{fused, Float};
use serde::{Deserialize, Serialize};

/// An activation function, applied element-wise (softmax: row-wise).
///
/// ```
/// use ndarray::array;
/// use nn_core::Activation;
/// let mut z = array![[0.0_f64, 2.0]];
/// Activation::Sigmoid.apply(z.view_mut());
/// assert_eq!(z[[0, 0]], 0.5); // σ(0) = 0.5
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Activation {
    /// `f(z) = z`: linear output (regression, or logits for a fused loss).
    Identity,
    /// The logistic function `1 / (1 + e^(−z))`.
    Sigmoid,
    /// The hyperbolic tangent.
    Tanh,
    /// `max(0, z)`.
    Relu,
    /// `z` for `z > 0`, `slope·z` otherwise; `slope` must be in `[0, 1)`.
    LeakyRelu {
        /// The slope for negative inputs (Keras default 0.3, PyTorch 0.01).
        slope: f64,
    },
    /// Row-wise softmax, max-subtracted so logits of ±1000 stay finite.
    Softmax,
}

impl Activation {
    /// The name users type on the command line (`relu`, `leaky-relu`, …).
    ///
    /// ```
    /// assert_eq!(nn_core::Activation::LeakyRelu { slope: 0.01 }.name(), "leaky-relu");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Activation::Identity => "identity",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::LeakyRelu { .. } => "leaky-relu",
            Activation::Softmax => "softmax",
        }
    }

    /// Replaces every `z` in place by `f(z)`.
    ///
    /// ```
    /// use ndarray::array;
    /// let mut z = array![[-1.0_f32, 2.0]];
    /// nn_core::Activation::Relu.apply(z.view_mut());
    /// assert_eq!(z, array![[0.0, 2.0]]);
    /// ```
    pub fn apply<T: Float>(&self, mut z: ArrayViewMut2<T>) {
        match *self {
            Activation::Identity => {}
            Activation::Sigmoid => z.mapv_inplace(sigmoid),
            Activation::Tanh => z.mapv_inplace(|v| v.tanh()),
            Activation::Relu => z.mapv_inplace(|v| if v > T::zero() { v } else { T::zero() }),
            Activation::LeakyRelu { slope } => {
                let s = T::from_f64(slope);
                z.mapv_inplace(|v| if v > T::zero() { v } else { s * v });
            }
            Activation::Softmax => z.rows_mut().into_iter().for_each(softmax_row),
        }
    }

    /// `a = f(z + b)` in one pass over `z` (the forward epilogue: bias broadcast over rows, then
    /// the activation).
    ///
    /// ```
    /// use ndarray::array;
    /// let mut z = array![[-1.0_f64, 1.0]];
    /// nn_core::Activation::Relu.apply_with_bias(z.view_mut(), array![0.5, 0.5].view());
    /// assert_eq!(z, array![[0.0, 1.5]]);
    /// ```
    pub fn apply_with_bias<T: Float>(&self, mut z: ArrayViewMut2<T>, bias: ArrayView1<T>) {
        let zero = T::zero();
        match *self {
            Activation::Identity => map_biased(z, bias, |v| v),
            Activation::Sigmoid => map_biased(z, bias, sigmoid),
            Activation::Tanh => map_biased(z, bias, |v| v.tanh()),
            Activation::Relu => map_biased(z, bias, |v| if v > zero { v } else { zero }),
            Activation::LeakyRelu { slope } => {
                let s = T::from_f64(slope);
                map_biased(z, bias, |v| if v > zero { v } else { s * v })
            }
            Activation::Softmax => {
                for mut row in z.rows_mut() {
                    row += &bias;
                    softmax_row(row);
                }
            }
        }
    }

    /// Turns `∂L/∂a` into `∂L/∂z` in place, given the activation's output `a`.
    ///
    /// ```
    /// use ndarray::array;
    /// // sigmoid at z = 0: a = 0.5, f'(0) = a(1 − a) = 0.25
    /// let a = array![[0.5_f64]];
    /// let mut grad = array![[1.0_f64]];
    /// nn_core::Activation::Sigmoid.backward(a.view(), grad.view_mut());
    /// assert_eq!(grad[[0, 0]], 0.25);
    /// ```
    pub fn backward<T: Float>(&self, a: ArrayView2<T>, mut grad: ArrayViewMut2<T>) {
        let zip = Zip::from(&mut grad).and(&a);
        match *self {
            Activation::Identity => {}
            Activation::Sigmoid => zip.for_each(|g, &a| *g *= a * (T::one() - a)),
            Activation::Tanh => zip.for_each(|g, &a| *g *= T::one() - a * a),
            Activation::Relu => zip.for_each(|g, &a| {
                if a <= T::zero() {
                    *g = T::zero()
                }
            }),
            Activation::LeakyRelu { slope } => {
                let s = T::from_f64(slope);
                zip.for_each(|g, &a| {
                    if a <= T::zero() {
                        *g *= s
                    }
                })
            }
            Activation::Softmax => {
                let rows = grad.rows_mut().into_iter().zip(a.rows());
                rows.for_each(|(mut g, a)| {
                    let dot = g
                        .iter()
                        .zip(a.iter())
                        .fold(T::zero(), |s, (&g, &a)| s + g * a);
                    g.zip_mut_with(&a, |g, &a| *g = a * (*g - dot));
                })
            }
        }
    }

    /// [`backward`](Self::backward) fused with the bias gradient: turns `∂L/∂a` into `∂L/∂z`
    /// in place and writes `Σ_rows ∂L/∂z` into `bias_grad`, in one pass over the batch.
    ///
    /// ```
    /// use ndarray::{array, Array1};
    /// let a = array![[0.5_f64], [0.0]];
    /// let mut grad = array![[2.0_f64], [3.0]];
    /// let mut db = Array1::zeros(1);
    /// nn_core::Activation::Relu.backward_with_bias_grad(a.view(), grad.view_mut(), db.view_mut());
    /// assert_eq!((grad, db), (array![[2.0], [0.0]], array![2.0]));
    /// ```
    pub fn backward_with_bias_grad<T: Float>(
        &self,
        a: ArrayView2<T>,
        grad: ArrayViewMut2<T>,
        mut bias_grad: ArrayViewMut1<T>,
    ) {
        let (zero, one) = (T::zero(), T::one());
        match *self {
            Activation::Identity => scale_and_sum(a, grad, bias_grad, |_| one),
            Activation::Sigmoid => scale_and_sum(a, grad, bias_grad, |a| a * (one - a)),
            Activation::Tanh => scale_and_sum(a, grad, bias_grad, |a| one - a * a),
            Activation::Relu => {
                scale_and_sum(a, grad, bias_grad, |a| if a > zero { one } else { zero })
            }
            Activation::LeakyRelu { slope } => {
                let s = T::from_f64(slope);
                scale_and_sum(a, grad, bias_grad, |a| if a > zero { one } else { s })
            }
            Activation::Softmax => {
                let mut grad = grad;
                self.backward(a, grad.view_mut());
                bias_grad.fill(zero);
                grad.rows().into_iter().for_each(|row| bias_grad += &row);
            }
        }
    }

    /// `f'(z)` element-wise as the textbook writes it (`∂out/∂l`); softmax reports the
    /// diagonal of its Jacobian, `a_j (1 − a_j)`.
    ///
    /// ```
    /// use ndarray::array;
    /// let d = nn_core::Activation::Tanh.derivative(array![[0.0_f64]].view());
    /// assert_eq!(d[[0, 0]], 1.0); // 1 − tanh²(0)
    /// ```
    pub fn derivative<T: Float>(&self, a: ArrayView2<T>) -> ndarray::Array2<T> {
        let mut d = ndarray::Array2::from_elem(a.dim(), T::one());
        match self {
            Activation::Softmax => d.zip_mut_with(&a, |d, &a| *d = a * (T::one() - a)),
            _ => self.backward(a, d.view_mut()),
        }
        d
    }
}

/// The logistic function, written to stay finite for any input.
///
/// ```
/// assert_eq!(nn_core::activation::sigmoid(0.0_f64), 0.5);
/// assert_eq!(nn_core::activation::sigmoid(-1000.0_f64), 0.0);
/// ```
pub fn sigmoid<T: Float>(z: T) -> T {
    if z >= T::zero() {
        T::one() / (T::one() + (-z).exp())
    } else {
        let e = z.exp();
        e / (T::one() + e)
    }
}

/// `g ← g·d(a)` element-wise and `bias_grad = Σ_rows g`, one pass (`d` is `f'` written with `a`).
fn scale_and_sum<T: Float>(
    a: ArrayView2<T>,
    mut grad: ArrayViewMut2<T>,
    mut bias_grad: ArrayViewMut1<T>,
    d: impl Fn(T) -> T,
) {
    bias_grad.fill(T::zero());
    let m = grad.ncols();
    // Whole contiguous buffers (the network's own): flat tiles, no per-row iterator overhead.
    let flat = (grad.as_slice_mut(), a.as_slice(), bias_grad.as_slice_mut());
    if let (Some(g), Some(a), Some(b), true) = (flat.0, flat.1, flat.2, m > 0) {
        return fused::scale_and_sum(g, a, b, d);
    }
    for (mut g, a) in grad.rows_mut().into_iter().zip(a.rows()) {
        // Contiguous rows take the slice path, which vectorises.
        if let (Some(g), Some(a), Some(b)) =
            (g.as_slice_mut(), a.as_slice(), bias_grad.as_slice_mut())
        {
            for ((g, &a), b) in g.iter_mut().zip(a).zip(b) {
                *g *= d(a);
                *b += *g;
            }
            continue;
        }
        Zip::from(&mut g)
            .and(&a)
            .and(&mut bias_grad)
            .for_each(|g, &a, b| {
                *g *= d(a);
                *b += *g;
            });
    }
}

fn map_biased<T: Float>(mut z: ArrayViewMut2<T>, bias: ArrayView1<T>, f: impl Fn(T) -> T) {
    let m = z.ncols();
    if let (Some(z), Some(b), true) = (z.as_slice_mut(), bias.as_slice(), m > 0) {
        return fused::map_biased(z, b, f);
    }
    for mut row in z.rows_mut() {
        match (row.as_slice_mut(), bias.as_slice()) {
            (Some(r), Some(b)) => r.iter_mut().zip(b).for_each(|(v, &b)| *v = f(*v + b)),
            _ => row.zip_mut_with(&bias, |v, &b| *v = f(*v + b)),
        }
    }
}

fn softmax_row<T: Float>(mut row: ndarray::ArrayViewMut1<T>) {
    let max = row
        .iter()
        .fold(T::neg_infinity(), |m, &v| if v > m { v } else { m });
    let mut sum = T::zero();
    row.mapv_inplace(|v| {
        let e = (v - max).exp();
        sum += e;
        e
    });
    row.mapv_inplace(|v| v / sum);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn sigmoid_reference_values() {
        // σ(0) = 0.5, σ'(0) = 0.25 (textbook); σ(0.385) = 0.595078474 (textbook out_h1).
        assert_eq!(sigmoid(0.0_f64), 0.5);
        assert!((sigmoid(0.385_f64) - 0.595078474).abs() < 1e-9);
        let d = Activation::Sigmoid.derivative(array![[0.5_f64]].view());
        assert_eq!(d[[0, 0]], 0.25);
    }

    #[test]
    fn softmax_of_1_2_3() {
        // e^k / (e + e² + e³) for k = 1, 2, 3: 0.0900305732, 0.2447284711, 0.6652409558.
        let mut z = array![[1.0_f64, 2.0, 3.0]];
        Activation::Softmax.apply(z.view_mut());
        let want = [0.09003057317038046, 0.24472847105479764, 0.6652409557748219];
        for (got, want) in z.iter().zip(want) {
            assert!((got - want).abs() < 1e-15);
        }
    }

    #[test]
    fn softmax_of_huge_logits_is_finite() {
        let mut z = array![[1000.0_f32, -1000.0, 1000.0]];
        Activation::Softmax.apply(z.view_mut());
        assert_eq!(z, array![[0.5, 0.0, 0.5]]);
    }

    /// Integer-valued `(n, m)` data in about [−40, 40], so that sums are exact in any order.
    fn ints(n: usize, m: usize, seed: usize) -> ndarray::Array2<f64> {
        ndarray::Array2::from_shape_fn((n, m), |(i, j)| {
            ((i * 31 + j * 17 + seed) % 81) as f64 - 40.0
        })
    }

    #[test]
    fn bias_grad_sums_every_row_for_any_width() {
        // Tiles of 64 / m rows (m = 3: 21 rows), one row per tile (m ≥ 33), a partial last
        // tile, rows longer than a tile (m = 65, 100).
        for (n, m) in [
            (1, 1),
            (150, 3),
            (7, 16),
            (150, 16),
            (5, 21),
            (40, 64),
            (9, 65),
            (3, 100),
        ] {
            let a = ints(n, m, 1);
            let mut g = ints(n, m, 2);
            let mut db = ndarray::Array1::from_elem(m, f64::NAN);
            Activation::Relu.backward_with_bias_grad(a.view(), g.view_mut(), db.view_mut());
            let masked = ints(n, m, 2) * a.mapv(|a| if a > 0.0 { 1.0 } else { 0.0 });
            assert_eq!(g, masked, "{n}×{m}");
            assert_eq!(db, masked.sum_axis(ndarray::Axis(0)), "{n}×{m}");
        }
    }

    #[test]
    fn biased_forward_for_any_width() {
        for (n, m) in [(1, 1), (150, 3), (7, 16), (150, 16), (5, 21), (9, 65)] {
            let mut z = ints(n, m, 3);
            let b = ndarray::Array1::from_shape_fn(m, |j| j as f64 * 0.5 - 3.0);
            let want = (&z + &b).mapv(|v| v.max(0.0));
            Activation::Relu.apply_with_bias(z.view_mut(), b.view());
            assert_eq!(z, want, "{n}×{m}");
        }
    }

    #[test]
    fn relu_and_leaky_relu_derivatives() {
        let a = array![[-0.02_f64, 0.0, 3.0]];
        let d = Activation::LeakyRelu { slope: 0.01 }.derivative(a.view());
        assert_eq!(d, array![[0.01, 0.01, 1.0]]);
        let d = Activation::Relu.derivative(array![[0.0_f64, 3.0]].view());
        assert_eq!(d, array![[0.0, 1.0]]);
    }
}
