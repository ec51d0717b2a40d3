//! Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019), with PyTorch's hyper-parameter
//! names, defaults and arithmetic order (`torch.optim.Adam` / `AdamW`, single-tensor path).
//!
//! At step `t` (from 1), for each parameter `w` with gradient `g`:
//!
//! ```text
//! g ← g + λ·w                          Adam (L2), weights only
//! w ← w − η·λ·w                        AdamW (decoupled), weights only
//! m ← m + (1 − β1)·(g − m)             first moment (PyTorch's lerp)
//! v ← β2·v + (1 − β2)·g²               second moment
//! v̂ ← max(v̂, v) if amsgrad, else v
//! w ← w − (η / (1 − β1ᵗ)) · m / (√v̂ / √(1 − β2ᵗ) + ε)
//! ```
//!
//! **Weight decay touches weights only.** nn decays weight matrices
//! ([`ParamKind::Weight`]) and never biases, for Adam's L2 term as for AdamW's decoupled decay
//! (and as [`Sgd`](crate::Sgd) does). PyTorch decays every parameter it is given: to match nn
//! there, put the biases in a separate parameter group with `weight_decay=0`. PyTorch's
//! `AdamW` defaults to `weight_decay=0.01` ([`AdamConfig::adamw_default`]); `Adam` to 0.

use nn_core::{Param, ParamKind, Parameters};
use nn_tensor::Float;
use serde::{Deserialize, Serialize};

use crate::lerp::Lerp;
use crate::parts::{for_each_indexed, in_parts, slot};
use crate::{check, Optimizer, Result};

/// Adam / AdamW hyper-parameters; `Default` gives PyTorch's `Adam` defaults.
///
/// ```
/// use nn_optim::AdamConfig;
/// let c = AdamConfig::default();
/// assert_eq!((c.beta1, c.beta2, c.eps, c.weight_decay, c.amsgrad), (0.9, 0.999, 1e-8, 0.0, false));
/// assert_eq!(AdamConfig::adamw_default().weight_decay, 0.01);
/// assert!(AdamConfig { beta2: 1.0, ..c }.validate().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdamConfig {
    /// Decay of the gradient's running mean, `β1 ∈ [0, 1)`.
    pub beta1: f64,
    /// Decay of the squared gradient's running mean, `β2 ∈ [0, 1)`.
    pub beta2: f64,
    /// Added to the denominator for stability, `ε > 0`.
    pub eps: f64,
    /// Weight decay `λ ≥ 0`: L2 for [`Adam::new`], decoupled for [`Adam::adamw`].
    pub weight_decay: f64,
    /// Normalise by the largest second moment seen so far (AMSGrad).
    pub amsgrad: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
        }
    }
}

impl AdamConfig {
    /// PyTorch's `AdamW` defaults: those of `Adam` with `weight_decay = 0.01`.
    pub fn adamw_default() -> Self {
        AdamConfig {
            weight_decay: 0.01,
            ..Default::default()
        }
    }

    /// Checks the ranges documented on each field.
    pub fn validate(&self) -> Result<()> {
        check::unit_interval("beta1", self.beta1)?;
        check::unit_interval("beta2", self.beta2)?;
        check::positive("eps", self.eps)?;
        check::non_negative("weight-decay", self.weight_decay)
    }
}

/// The Adam optimizer (L2 or decoupled weight decay) and its moment buffers (serialisable,
/// for checkpoints).
///
/// ```
/// use nn_core::{Param, ParamKind, Parameters};
/// use nn_optim::{Adam, AdamConfig, Optimizer};
/// struct One { w: [f64; 1], g: [f64; 1] }
/// impl Parameters<f64> for One {
///     fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>)) {
///         f(Param { value: &mut self.w, grad: &self.g, kind: ParamKind::Weight });
///     }
/// }
/// // The first step moves by lr·g / (|g| + ε): m̂ = g and √v̂ = |g| after bias correction.
/// let mut p = One { w: [0.0], g: [2.0] };
/// Adam::new(AdamConfig::default())?.step(&mut p, 0.1);
/// assert!((p.w[0] + 0.1 * 2.0 / (2.0 + 1e-8)).abs() < 1e-15);
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adam<T> {
    config: AdamConfig,
    decoupled: bool,
    steps: u64,
    moments: Vec<Moments<T>>,
}

/// One parameter's running moments (`max_exp_avg_sq` is empty unless AMSGrad).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Moments<T> {
    exp_avg: Vec<T>,
    exp_avg_sq: Vec<T>,
    max_exp_avg_sq: Vec<T>,
}

impl<T: Float> Adam<T> {
    /// Each parameter's buffer lengths (for checkpoint validation).
    pub(crate) fn buffer_lens(&self) -> Vec<Vec<usize>> {
        let lens =
            |m: &Moments<T>| vec![m.exp_avg.len(), m.exp_avg_sq.len(), m.max_exp_avg_sq.len()];
        self.moments.iter().map(lens).collect()
    }

    /// Adam with L2 weight decay (`torch.optim.Adam`), validated.
    pub fn new(config: AdamConfig) -> Result<Self> {
        Self::with_decay_mode(config, false)
    }

    /// AdamW: decoupled weight decay (`torch.optim.AdamW`), validated.
    pub fn adamw(config: AdamConfig) -> Result<Self> {
        Self::with_decay_mode(config, true)
    }

    fn with_decay_mode(config: AdamConfig, decoupled: bool) -> Result<Self> {
        config.validate()?;
        Ok(Adam {
            config,
            decoupled,
            steps: 0,
            moments: Vec::new(),
        })
    }

    /// The hyper-parameters.
    pub fn config(&self) -> AdamConfig {
        self.config
    }

    /// Whether weight decay is decoupled (AdamW) rather than L2 (Adam).
    pub fn is_decoupled(&self) -> bool {
        self.decoupled
    }

    fn update(&mut self, index: usize, p: Param<'_, T>, step: &StepScalars) {
        let m = slot(&mut self.moments, index);
        let n = p.value.len();
        m.exp_avg.resize(n, T::zero());
        m.exp_avg_sq.resize(n, T::zero());
        m.max_exp_avg_sq
            .resize(if self.config.amsgrad { n } else { 0 }, T::zero());
        let rule = Rule::new(&self.config, self.decoupled, p.kind, step);
        let state = [&mut m.exp_avg[..], &mut m.exp_avg_sq, &mut m.max_exp_avg_sq];
        in_parts(p.value, p.grad, state, |w, g, s| rule.apply(w, g, s));
    }
}

/// The step's scalars, computed in `f64` as PyTorch computes them in Python floats.
struct StepScalars {
    lr: f64,
    step_size: f64,
    bias_correction2_sqrt: f64,
}

impl StepScalars {
    fn new(config: &AdamConfig, lr: f64, step: u64) -> Self {
        let t = step as f64;
        let bias_correction1 = 1.0 - config.beta1.powf(t);
        let bias_correction2 = 1.0 - config.beta2.powf(t);
        StepScalars {
            lr,
            step_size: lr / bias_correction1,
            bias_correction2_sqrt: bias_correction2.sqrt(),
        }
    }
}

/// One parameter's update rule for one step (see the module docs), in `T`.
#[derive(Clone, Copy)]
struct Rule<T> {
    l2: T,
    shrink: T,
    first: Lerp<T>,
    beta2: T,
    one_minus_beta2: T,
    neg_step_size: T,
    bias_correction2_sqrt: T,
    eps: T,
}

impl<T: Float> Rule<T> {
    fn new(c: &AdamConfig, decoupled: bool, kind: ParamKind, s: &StepScalars) -> Self {
        let decay = if kind == ParamKind::Weight {
            c.weight_decay
        } else {
            0.0
        };
        let (l2, shrink) = match decoupled {
            true if decay != 0.0 => (0.0, 1.0 - s.lr * decay),
            _ => (decay, 1.0),
        };
        Rule {
            l2: T::from_f64(l2),
            shrink: T::from_f64(shrink),
            first: Lerp::new(T::from_f64(1.0 - c.beta1)),
            beta2: T::from_f64(c.beta2),
            one_minus_beta2: T::from_f64(1.0 - c.beta2),
            neg_step_size: T::from_f64(-s.step_size),
            bias_correction2_sqrt: T::from_f64(s.bias_correction2_sqrt),
            eps: T::from_f64(c.eps),
        }
    }

    /// The rule over matching slices, one loop per case so that each can be vectorised.
    fn apply(self, w: &mut [T], g: &[T], state: &mut [&mut [T]; 3]) {
        let [m, v, v_max] = state;
        let moments = w.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut());
        if v_max.is_empty() {
            for (((w, &g), m), v) in moments {
                self.moments(w, g, m, v);
                self.descend(w, *m, *v);
            }
        } else {
            for ((((w, &g), m), v), v_max) in moments.zip(v_max.iter_mut()) {
                self.moments(w, g, m, v);
                *v_max = v_max.max(*v);
                self.descend(w, *m, *v_max);
            }
        }
    }

    /// Weight decay (L2 into `g`, or decoupled on `w`), then the running moments `m` and `v`.
    #[inline(always)]
    fn moments(self, w: &mut T, g: T, m: &mut T, v: &mut T) {
        let g = g + self.l2 * *w;
        *w *= self.shrink; // 1 (exact) unless decoupled decay applies
        *m = self.first.apply(*m, g);
        *v = *v * self.beta2 + self.one_minus_beta2 * g * g;
    }

    /// `w ← w − step_size · m / (√second / √(1 − β2ᵗ) + ε)`.
    #[inline(always)]
    fn descend(self, w: &mut T, m: T, second: T) {
        let denom = second.sqrt() / self.bias_correction2_sqrt + self.eps;
        *w += self.neg_step_size * m / denom;
    }
}

impl<T: Float> Optimizer<T> for Adam<T> {
    fn step(&mut self, model: &mut dyn Parameters<T>, lr: f64) {
        self.steps += 1;
        let scalars = StepScalars::new(&self.config, lr, self.steps);
        for_each_indexed(model, |index, p| self.update(index, p, &scalars));
    }
}
