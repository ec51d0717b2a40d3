//! RMSprop (Hinton's lecture 6e), with PyTorch's hyper-parameter names, defaults and arithmetic
//! order (`torch.optim.RMSprop`, single-tensor path).
//!
//! For each parameter `w` with gradient `g`:
//!
//! ```text
//! g ← g + λ·w                          weights only (biases are not decayed)
//! s ← α·s + (1 − α)·g²                 running mean of g²
//! ḡ ← ḡ + (1 − α)·(g − ḡ)              running mean of g, if centered
//! d ← √(s − ḡ²) + ε  if centered,  √s + ε  otherwise   (ε outside the root)
//! b ← μ·b + g / d;  w ← w − η·b        if momentum μ > 0
//! w ← w − η·g / d                      otherwise
//! ```
//!
//! **Weight decay touches weights only** ([`ParamKind::Weight`]), as for
//! [`Sgd`](crate::Sgd): PyTorch decays every parameter it is given, so to match nn there put
//! the biases in a parameter group with `weight_decay=0`.

use nn_core::{Param, ParamKind, Parameters};
use nn_tensor::Float;
use serde::{Deserialize, Serialize};

use crate::lerp::Lerp;
use crate::parts::{for_each_indexed, in_parts, slot};
use crate::{check, Optimizer, Result};

/// RMSprop hyper-parameters; `Default` gives PyTorch's defaults.
///
/// ```
/// use nn_optim::RmsPropConfig;
/// let c = RmsPropConfig::default();
/// assert_eq!((c.alpha, c.eps, c.weight_decay, c.momentum, c.centered), (0.99, 1e-8, 0.0, 0.0, false));
/// assert!(RmsPropConfig { alpha: -0.1, ..c }.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RmsPropConfig {
    /// Decay of the running means, `α ∈ [0, 1)`.
    pub alpha: f64,
    /// Added to the root for stability, `ε > 0`.
    pub eps: f64,
    /// L2 weight decay `λ ≥ 0` (weights only).
    pub weight_decay: f64,
    /// Momentum `μ ∈ [0, 1)` (0 = none).
    pub momentum: f64,
    /// Normalise by the running variance (`s − ḡ²`) instead of the raw second moment.
    pub centered: bool,
}

impl Default for RmsPropConfig {
    fn default() -> Self {
        RmsPropConfig {
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
        }
    }
}

impl RmsPropConfig {
    /// Checks the ranges documented on each field.
    pub fn validate(&self) -> Result<()> {
        check::unit_interval("alpha", self.alpha)?;
        check::positive("eps", self.eps)?;
        check::non_negative("weight-decay", self.weight_decay)?;
        check::unit_interval("momentum", self.momentum)
    }
}

/// The RMSprop optimizer and its running means (serialisable, for checkpoints).
///
/// ```
/// use nn_core::{Param, ParamKind, Parameters};
/// use nn_optim::{Optimizer, RmsProp, RmsPropConfig};
/// struct One { w: [f64; 1], g: [f64; 1] }
/// impl Parameters<f64> for One {
///     fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>)) {
///         f(Param { value: &mut self.w, grad: &self.g, kind: ParamKind::Weight });
///     }
/// }
/// // First step: s = 0.01·g² = 0.04, so w = −0.1·2 / (√0.04 + ε) = −1 (up to ε).
/// let mut p = One { w: [0.0], g: [2.0] };
/// RmsProp::new(RmsPropConfig::default())?.step(&mut p, 0.1);
/// assert!((p.w[0] + 1.0).abs() < 1e-6);
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RmsProp<T> {
    config: RmsPropConfig,
    buffers: Vec<Buffers<T>>,
}

/// One parameter's state (`grad_avg` empty unless centered, `momentum_buffer` unless μ > 0).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Buffers<T> {
    square_avg: Vec<T>,
    grad_avg: Vec<T>,
    momentum_buffer: Vec<T>,
}

impl<T: Float> RmsProp<T> {
    /// An optimizer with validated hyper-parameters.
    pub fn new(config: RmsPropConfig) -> Result<Self> {
        config.validate()?;
        Ok(RmsProp {
            config,
            buffers: Vec::new(),
        })
    }

    /// The hyper-parameters.
    pub fn config(&self) -> RmsPropConfig {
        self.config
    }

    /// Each parameter's buffer lengths (for checkpoint validation).
    pub(crate) fn buffer_lens(&self) -> Vec<Vec<usize>> {
        let lens = |b: &Buffers<T>| {
            vec![
                b.square_avg.len(),
                b.grad_avg.len(),
                b.momentum_buffer.len(),
            ]
        };
        self.buffers.iter().map(lens).collect()
    }

    fn update(&mut self, index: usize, p: Param<'_, T>, lr: f64) {
        let c = self.config;
        let b = slot(&mut self.buffers, index);
        let n = p.value.len();
        b.square_avg.resize(n, T::zero());
        b.grad_avg.resize(if c.centered { n } else { 0 }, T::zero());
        b.momentum_buffer
            .resize(if c.momentum > 0.0 { n } else { 0 }, T::zero());
        let rule = Rule::new(&c, p.kind, lr);
        let state = [
            &mut b.square_avg[..],
            &mut b.grad_avg,
            &mut b.momentum_buffer,
        ];
        in_parts(p.value, p.grad, state, |w, g, s| rule.apply(w, g, s));
    }
}

/// One parameter's update rule for one step (see the module docs), in `T`.
#[derive(Clone, Copy)]
struct Rule<T> {
    decay: T,
    alpha: T,
    one_minus_alpha: T,
    mean: Lerp<T>,
    eps: T,
    momentum: T,
    neg_lr: T,
}

impl<T: Float> Rule<T> {
    fn new(c: &RmsPropConfig, kind: ParamKind, lr: f64) -> Self {
        let decay = if kind == ParamKind::Weight {
            c.weight_decay
        } else {
            0.0
        };
        Rule {
            decay: T::from_f64(decay),
            alpha: T::from_f64(c.alpha),
            one_minus_alpha: T::from_f64(1.0 - c.alpha),
            mean: Lerp::new(T::from_f64(1.0 - c.alpha)),
            eps: T::from_f64(c.eps),
            momentum: T::from_f64(c.momentum),
            neg_lr: T::from_f64(-lr),
        }
    }

    fn apply(self, w: &mut [T], g: &[T], state: &mut [&mut [T]; 3]) {
        let [s, g_avg, buf] = state;
        let (centered, momentum) = (!g_avg.is_empty(), !buf.is_empty());
        for (i, (w, &g)) in w.iter_mut().zip(g).enumerate() {
            let g = g + self.decay * *w;
            s[i] = s[i] * self.alpha + self.one_minus_alpha * g * g;
            let root = if centered {
                g_avg[i] = self.mean.apply(g_avg[i], g);
                (s[i] - g_avg[i] * g_avg[i]).sqrt()
            } else {
                s[i].sqrt()
            };
            let d = root + self.eps;
            if momentum {
                buf[i] = buf[i] * self.momentum + g / d;
                *w += self.neg_lr * buf[i];
            } else {
                *w += self.neg_lr * g / d;
            }
        }
    }
}

impl<T: Float> Optimizer<T> for RmsProp<T> {
    fn step(&mut self, model: &mut dyn Parameters<T>, lr: f64) {
        for_each_indexed(model, |index, p| self.update(index, p, lr));
    }
}
