//! [`OptimizerConfig`]: the run-time choice of optimizer and its hyper-parameters, validated
//! and built into an [`AnyOptimizer`].

use nn_tensor::Float;
use serde::{Deserialize, Serialize};

use crate::{Adam, AdamConfig, AnyOptimizer, Result, RmsProp, RmsPropConfig, Sgd, SgdConfig};

/// Which optimizer to train with, and its hyper-parameters (PyTorch's names and defaults).
/// Serialised as `{"<kind>": {fields}}`, kind `sgd`, `adam`, `adamw` or `rmsprop`.
///
/// ```
/// use nn_optim::{AdamConfig, AnyOptimizer, OptimizerConfig};
/// let config = OptimizerConfig::AdamW(AdamConfig::adamw_default());
/// let opt: AnyOptimizer<f32> = config.build()?;
/// assert_eq!(opt.config(), config);
/// let bad = OptimizerConfig::Adam(AdamConfig { eps: 0.0, ..Default::default() });
/// assert_eq!(bad.validate().unwrap_err().to_string(), "invalid eps: must be > 0 and finite, got 0");
/// let json = serde_json::to_string(&OptimizerConfig::default()).unwrap();
/// assert_eq!(json, r#"{"sgd":{"momentum":0.0,"nesterov":false,"weight_decay":0.0}}"#);
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerConfig {
    /// [`Sgd`]: momentum, Nesterov, L2 weight decay.
    Sgd(SgdConfig),
    /// [`Adam`] with L2 weight decay (`torch.optim.Adam`).
    Adam(AdamConfig),
    /// [`Adam`] with decoupled weight decay (`torch.optim.AdamW`).
    AdamW(AdamConfig),
    /// [`RmsProp`] (`torch.optim.RMSprop`).
    RmsProp(RmsPropConfig),
}

impl Default for OptimizerConfig {
    /// Plain SGD.
    fn default() -> Self {
        OptimizerConfig::Sgd(SgdConfig::default())
    }
}

impl OptimizerConfig {
    /// Checks every hyper-parameter's range; the error names the option as its CLI flag does.
    pub fn validate(&self) -> Result<()> {
        match self {
            OptimizerConfig::Sgd(c) => c.validate(),
            OptimizerConfig::Adam(c) | OptimizerConfig::AdamW(c) => c.validate(),
            OptimizerConfig::RmsProp(c) => c.validate(),
        }
    }

    /// A fresh optimizer (no state yet) with these hyper-parameters, validated.
    pub fn build<T: Float>(&self) -> Result<AnyOptimizer<T>> {
        Ok(match *self {
            OptimizerConfig::Sgd(c) => Sgd::new(c)?.into(),
            OptimizerConfig::Adam(c) => Adam::new(c)?.into(),
            OptimizerConfig::AdamW(c) => Adam::adamw(c)?.into(),
            OptimizerConfig::RmsProp(c) => RmsProp::new(c)?.into(),
        })
    }
}
