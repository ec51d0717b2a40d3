//! Gradient clipping by global norm, with PyTorch's `torch.nn.utils.clip_grad_norm_` semantics.
//!
//! The global norm is the L2 norm of all parameter gradients concatenated,
//! `‖g‖ = sqrt(Σ_params Σ_i g_i²)`. When `‖g‖ > max_norm`, every gradient is multiplied by
//! `max_norm / (‖g‖ + 1e-6)` (PyTorch's `clip_coef`); otherwise the gradients are left alone.

use nn_core::{Param, Parameters};
use nn_tensor::Float;

use crate::{OptimError, Optimizer, Result};

/// The global L2 norm of every gradient `model` exposes, accumulated in `f64`.
///
/// ```
/// use nn_core::{Param, ParamKind, Parameters};
/// struct Two { w: [f64; 2], g: [f64; 2] }
/// impl Parameters<f64> for Two {
///     fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>)) {
///         f(Param { value: &mut self.w, grad: &self.g, kind: ParamKind::Weight });
///     }
/// }
/// let mut m = Two { w: [0.0; 2], g: [3.0, 4.0] };
/// assert_eq!(nn_optim::grad_norm(&mut m), 5.0);
/// ```
pub fn grad_norm<T: Float>(model: &mut dyn Parameters<T>) -> f64 {
    let mut sum = 0.0_f64;
    model.visit_params(&mut |p| {
        sum += p
            .grad
            .iter()
            .map(|&g| Float::to_f64(g).powi(2))
            .sum::<f64>();
    });
    sum.sqrt()
}

/// Wraps an optimizer so that each step first clips the gradients' global norm to
/// `max_norm` (the optimizer then sees the scaled gradients; the model's own gradient buffers
/// are not modified).
///
/// ```
/// use nn_core::{Param, ParamKind, Parameters};
/// use nn_optim::{ClipGradNorm, Optimizer, Sgd, SgdConfig};
/// struct Two { w: [f64; 2], g: [f64; 2] }
/// impl Parameters<f64> for Two {
///     fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>)) {
///         f(Param { value: &mut self.w, grad: &self.g, kind: ParamKind::Weight });
///     }
/// }
/// // ‖(3, 4)‖ = 5 > 1: the step uses (0.6, 0.8) (up to PyTorch's 1e-6 in the denominator).
/// let mut m = Two { w: [0.0; 2], g: [3.0, 4.0] };
/// let mut sgd = Sgd::new(SgdConfig::default())?;
/// ClipGradNorm::new(&mut sgd, 1.0)?.step(&mut m, 1.0);
/// assert!((m.w[0] + 0.6).abs() < 1e-6 && (m.w[1] + 0.8).abs() < 1e-6);
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
pub struct ClipGradNorm<'a, T> {
    inner: &'a mut dyn Optimizer<T>,
    max_norm: f64,
}

impl<'a, T: Float> ClipGradNorm<'a, T> {
    /// Clips to `max_norm`, which must be finite and > 0.
    pub fn new(inner: &'a mut dyn Optimizer<T>, max_norm: f64) -> Result<Self> {
        if !(max_norm > 0.0 && max_norm.is_finite()) {
            return Err(OptimError::InvalidConfig {
                name: "clip-grad-norm",
                reason: format!("must be > 0 and finite, got {max_norm}"),
            });
        }
        Ok(ClipGradNorm { inner, max_norm })
    }
}

/// PyTorch's clipping coefficient: `max_norm / (norm + 1e-6)` when it is below 1.
///
/// ```
/// assert_eq!(nn_optim::clip::clip_coefficient(2.0, 4.0), None);
/// assert_eq!(nn_optim::clip::clip_coefficient(4.0, 2.0), Some(2.0 / (4.0 + 1e-6)));
/// ```
pub fn clip_coefficient(norm: f64, max_norm: f64) -> Option<f64> {
    let coef = max_norm / (norm + 1e-6);
    (coef < 1.0).then_some(coef)
}

impl<T: Float> Optimizer<T> for ClipGradNorm<'_, T> {
    fn step(&mut self, model: &mut dyn Parameters<T>, lr: f64) {
        match clip_coefficient(grad_norm(model), self.max_norm) {
            Some(coef) => self.inner.step(
                &mut Scaled {
                    model,
                    scale: T::from_f64(coef),
                    buffer: Vec::new(),
                },
                lr,
            ),
            None => self.inner.step(model, lr),
        }
    }
}

/// A view of a model whose gradients are multiplied by `scale`.
struct Scaled<'a, T> {
    model: &'a mut dyn Parameters<T>,
    scale: T,
    buffer: Vec<T>,
}

impl<T: Float> Parameters<T> for Scaled<'_, T> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, T>)) {
        let (scale, buffer) = (self.scale, &mut self.buffer);
        self.model.visit_params(&mut |p| {
            buffer.clear();
            buffer.extend(p.grad.iter().map(|&g| g * scale));
            f(Param {
                value: p.value,
                grad: buffer,
                kind: p.kind,
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Sgd, SgdConfig};
    use nn_core::ParamKind;

    /// A weight of two values and a bias of one, with settable gradients.
    struct Net {
        w: [f64; 2],
        b: [f64; 1],
        gw: [f64; 2],
        gb: [f64; 1],
    }

    impl Parameters<f64> for Net {
        fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>)) {
            let kind = ParamKind::Weight;
            f(Param {
                value: &mut self.w,
                grad: &self.gw,
                kind,
            });
            let kind = ParamKind::Bias;
            f(Param {
                value: &mut self.b,
                grad: &self.gb,
                kind,
            });
        }
    }

    fn net(gw: [f64; 2], gb: f64) -> Net {
        Net {
            w: [0.0; 2],
            b: [0.0],
            gw,
            gb: [gb],
        }
    }

    #[test]
    fn global_norm_spans_all_parameters() {
        // ‖(2, 3, 6)‖ = sqrt(4 + 9 + 36) = 7
        assert_eq!(grad_norm(&mut net([2.0, 3.0], 6.0)), 7.0);
    }

    #[test]
    fn clips_like_pytorch() {
        // ‖g‖ = 7, max 3.5: coef = 3.5 / (7 + 1e-6) = 0.49999992857…;
        // plain SGD with lr 1: w = −coef·(2, 3), b = −coef·6.
        let mut m = net([2.0, 3.0], 6.0);
        let mut sgd = Sgd::new(SgdConfig::default()).unwrap();
        ClipGradNorm::new(&mut sgd, 3.5).unwrap().step(&mut m, 1.0);
        let coef = 3.5 / (7.0 + 1e-6);
        assert_eq!(m.w, [-2.0 * coef, -3.0 * coef]);
        assert_eq!(m.b, [-6.0 * coef]);
        assert!((m.b[0] + 2.99999957).abs() < 1e-8);
        assert_eq!(m.gw, [2.0, 3.0], "the model's own gradients are untouched");
    }

    #[test]
    fn small_gradients_pass_unchanged() {
        // ‖g‖ = 7 ≤ 10: the step is plain SGD.
        let mut m = net([2.0, 3.0], 6.0);
        let mut sgd = Sgd::new(SgdConfig::default()).unwrap();
        ClipGradNorm::new(&mut sgd, 10.0).unwrap().step(&mut m, 0.5);
        assert_eq!((m.w, m.b), ([-1.0, -1.5], [-3.0]));
    }

    #[test]
    fn rejects_non_positive_max_norm() {
        let mut sgd = Sgd::<f64>::new(SgdConfig::default()).unwrap();
        assert!(ClipGradNorm::new(&mut sgd, 0.0).is_err());
        let err = ClipGradNorm::new(&mut sgd, f64::NAN).err().unwrap();
        assert!(err.to_string().contains("clip-grad-norm"), "{err}");
    }
}
