//! Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay.
//!
//! For each weight `w` with gradient `g` (of the loss, averaged over the batch):
//!
//! ```text
//! g ← g + λ·w                 (weights only: biases are not decayed)
//! v ← μ·v + g                 (v starts at 0)
//! w ← w − η·(g + μ·v)         if Nesterov
//! w ← w − η·v                 otherwise (μ = 0 gives plain SGD: w ← w − η·g)
//! ```
//!
//! **Objective convention.** The objective is `loss + (λ/2)·Σ w²` over weights (biases
//! excluded), whose gradient adds `λ·w`. Other libraries:
//! - PyTorch `SGD(weight_decay=wd)`: the same update with `λ = wd` (but PyTorch also decays
//!   biases unless they are put in a separate parameter group).
//! - Keras `kernel_regularizer=l2(l)` adds `l·Σ w²` to the loss, gradient `2l·w`: `λ = 2l`.
//! - scikit-learn `MLPClassifier(alpha=a)` adds `(a / (2·n))·Σ w²` per batch of `n` samples,
//!   gradient `(a/n)·w`: `λ = a / batch_size`.

use nn_core::{Param, ParamKind, Parameters};
use nn_tensor::Float;
use serde::{Deserialize, Serialize};

use crate::parts::{for_each_indexed, in_parts, slot};
use crate::{check, OptimError, Optimizer, Result};

/// SGD hyper-parameters (all default to 0 / off: plain SGD).
///
/// ```
/// use nn_optim::SgdConfig;
/// let c = SgdConfig { momentum: 0.9, ..Default::default() };
/// assert!(c.validate().is_ok());
/// assert!(SgdConfig { momentum: 1.5, ..Default::default() }.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SgdConfig {
    /// Momentum `μ` in `[0, 1)`.
    pub momentum: f64,
    /// Use Nesterov momentum (needs `momentum > 0`).
    pub nesterov: bool,
    /// L2 weight decay `λ ≥ 0` (see the module docs for the convention).
    pub weight_decay: f64,
}

impl SgdConfig {
    /// Checks the ranges documented on each field.
    pub fn validate(&self) -> Result<()> {
        check::unit_interval("momentum", self.momentum)?;
        if self.nesterov && self.momentum == 0.0 {
            let reason = "Nesterov momentum needs momentum > 0".into();
            return Err(OptimError::InvalidConfig {
                name: "nesterov",
                reason,
            });
        }
        check::non_negative("weight-decay", self.weight_decay)
    }
}

/// The SGD optimizer and its momentum buffers (serialisable, for checkpoints).
///
/// ```
/// use ndarray::array;
/// use nn_core::{Activation, Dense, Loss, Network};
/// use nn_optim::{Optimizer, Sgd, SgdConfig};
/// // One step on E = ½(w·1 − 3)² from w = 0 with lr 0.1: ∂E/∂w = −3, w = 0.3.
/// let mut net = Network::new(vec![Dense::from_parts(array![[0.0_f64]], array![0.0], Activation::Identity)?])?;
/// let x = array![[1.0]];
/// net.forward(x.view())?;
/// net.backward_loss(x.view(), array![[3.0]].view(), Loss::HalfSse)?;
/// Sgd::new(SgdConfig::default())?.step(&mut net, 0.1);
/// assert!((net.layers()[0].weight()[[0, 0]] - 0.3).abs() < 1e-15);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sgd<T> {
    config: SgdConfig,
    velocity: Vec<Vec<T>>,
}

impl<T: Float> Sgd<T> {
    /// An optimizer with validated hyper-parameters.
    pub fn new(config: SgdConfig) -> Result<Self> {
        config.validate()?;
        Ok(Sgd {
            config,
            velocity: Vec::new(),
        })
    }

    /// The hyper-parameters.
    pub fn config(&self) -> SgdConfig {
        self.config
    }

    /// Each parameter's buffer lengths (for checkpoint validation).
    pub(crate) fn buffer_lens(&self) -> Vec<Vec<usize>> {
        self.velocity.iter().map(|v| vec![v.len()]).collect()
    }

    fn update(&mut self, index: usize, p: Param<'_, T>, lr: f64) {
        let c = self.config;
        let decay = if p.kind == ParamKind::Weight {
            T::from_f64(c.weight_decay)
        } else {
            T::zero()
        };
        let rule = Rule {
            eta: T::from_f64(lr),
            mu: T::from_f64(c.momentum),
            decay,
            nesterov: c.nesterov,
        };
        if c.momentum == 0.0 {
            return in_parts(p.value, p.grad, [], |w, g, _| rule.plain(w, g));
        }
        let v = slot(&mut self.velocity, index);
        v.resize(p.value.len(), T::zero());
        in_parts(p.value, p.grad, [v], |w, g, [v]| rule.momentum(w, g, v));
    }
}

/// One step's update rule (see the module docs), applied to matching slices.
#[derive(Clone, Copy)]
struct Rule<T> {
    eta: T,
    mu: T,
    decay: T,
    nesterov: bool,
}

impl<T: Float> Rule<T> {
    fn plain(self, w: &mut [T], g: &[T]) {
        for (w, &g) in w.iter_mut().zip(g) {
            *w -= self.eta * (g + self.decay * *w);
        }
    }

    fn momentum(self, w: &mut [T], g: &[T], v: &mut [T]) {
        for ((w, &g), v) in w.iter_mut().zip(g).zip(v.iter_mut()) {
            let g = g + self.decay * *w;
            *v = self.mu * *v + g;
            *w -= self.eta * if self.nesterov { g + self.mu * *v } else { *v };
        }
    }
}

impl<T: Float> Optimizer<T> for Sgd<T> {
    fn step(&mut self, model: &mut dyn Parameters<T>, lr: f64) {
        for_each_indexed(model, |index, p| self.update(index, p, lr));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nn_core::{Param, ParamKind};

    /// A single scalar parameter with a settable gradient.
    struct Scalar {
        w: [f64; 1],
        g: [f64; 1],
        kind: ParamKind,
    }

    impl Parameters<f64> for Scalar {
        fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>)) {
            f(Param {
                value: &mut self.w,
                grad: &self.g,
                kind: self.kind,
            });
        }
    }

    /// Minimises (w − 3)² from w = 0: g = 2(w − 3).
    fn descend(config: SgdConfig, steps: usize, kind: ParamKind) -> Vec<f64> {
        let mut p = Scalar {
            w: [0.0],
            g: [0.0],
            kind,
        };
        let mut opt = Sgd::new(config).unwrap();
        (0..steps)
            .map(|_| {
                p.g = [2.0 * (p.w[0] - 3.0)];
                opt.step(&mut p, 0.1);
                p.w[0]
            })
            .collect()
    }

    fn assert_seq(got: &[f64], want: &[f64]) {
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
        }
    }

    #[test]
    fn plain_sgd_on_a_parabola() {
        // w1 = 0 − 0.1·(−6) = 0.6 (STYLE.md reference); w2 = 0.6 − 0.1·2(0.6 − 3) = 1.08
        assert_seq(
            &descend(SgdConfig::default(), 2, ParamKind::Weight),
            &[0.6, 1.08],
        );
    }

    #[test]
    fn momentum_and_nesterov() {
        // momentum 0.9: v1 = −6, w1 = 0.6; g2 = −4.8, v2 = 0.9·(−6) − 4.8 = −10.2, w2 = 1.62
        let m = SgdConfig {
            momentum: 0.9,
            ..Default::default()
        };
        assert_seq(&descend(m, 2, ParamKind::Weight), &[0.6, 1.62]);
        // Nesterov: v1 = −6, w1 = 0 − 0.1·(−6 + 0.9·(−6)) = 1.14;
        // g2 = 2(1.14 − 3) = −3.72, v2 = −5.4 − 3.72 = −9.12, w2 = 1.14 − 0.1·(−3.72 − 8.208) = 2.3328
        let n = SgdConfig {
            momentum: 0.9,
            nesterov: true,
            ..Default::default()
        };
        assert_seq(&descend(n, 2, ParamKind::Weight), &[1.14, 2.3328]);
    }

    #[test]
    fn weight_decay_skips_biases() {
        // λ = 0.5: w1 = 0 (decay term 0); w2 = 0.6 − 0.1·(2(0.6 − 3) + 0.5·0.6) = 1.05
        let c = SgdConfig {
            weight_decay: 0.5,
            ..Default::default()
        };
        assert_seq(&descend(c, 2, ParamKind::Weight), &[0.6, 1.05]);
        assert_seq(&descend(c, 2, ParamKind::Bias), &[0.6, 1.08]);
    }
}
