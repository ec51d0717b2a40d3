//! [`AnyOptimizer`]: one of nn's optimizers with its state, chosen at run time and stored in
//! checkpoints.

use nn_core::Parameters;
use nn_tensor::Float;
use serde::{Deserialize, Serialize};

use crate::{Adam, Optimizer, OptimizerConfig, RmsProp, Sgd};

/// An optimizer and its state (momentum buffers, moments, step count), serialisable so a
/// checkpoint resumes it bit-identically. Built by [`OptimizerConfig::build`] or `From` one of
/// the optimizers.
///
/// ```
/// use nn_optim::{AnyOptimizer, OptimizerConfig, Sgd, SgdConfig};
/// let sgd: AnyOptimizer<f64> = Sgd::new(SgdConfig::default())?.into();
/// assert_eq!(sgd.config(), OptimizerConfig::Sgd(SgdConfig::default()));
/// let json = serde_json::to_string(&sgd).unwrap();
/// assert_eq!(serde_json::from_str::<AnyOptimizer<f64>>(&json).unwrap(), sgd);
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnyOptimizer<T> {
    /// Stochastic gradient descent.
    Sgd(Sgd<T>),
    /// Adam or AdamW ([`Adam::is_decoupled`]).
    Adam(Adam<T>),
    /// RMSprop.
    RmsProp(RmsProp<T>),
}

impl<T: Float> AnyOptimizer<T> {
    /// The hyper-parameters it was built with.
    pub fn config(&self) -> OptimizerConfig {
        match self {
            AnyOptimizer::Sgd(o) => OptimizerConfig::Sgd(o.config()),
            AnyOptimizer::Adam(o) if o.is_decoupled() => OptimizerConfig::AdamW(o.config()),
            AnyOptimizer::Adam(o) => OptimizerConfig::Adam(o.config()),
            AnyOptimizer::RmsProp(o) => OptimizerConfig::RmsProp(o.config()),
        }
    }
}

impl<T: Float> AnyOptimizer<T> {
    /// Each parameter's buffer lengths: empty before the first step, else one entry per
    /// parameter (for checkpoint validation).
    pub(crate) fn buffer_lens(&self) -> Vec<Vec<usize>> {
        match self {
            AnyOptimizer::Sgd(o) => o.buffer_lens(),
            AnyOptimizer::Adam(o) => o.buffer_lens(),
            AnyOptimizer::RmsProp(o) => o.buffer_lens(),
        }
    }
}

impl<T: Float> Optimizer<T> for AnyOptimizer<T> {
    fn step(&mut self, model: &mut dyn Parameters<T>, lr: f64) {
        match self {
            AnyOptimizer::Sgd(o) => o.step(model, lr),
            AnyOptimizer::Adam(o) => o.step(model, lr),
            AnyOptimizer::RmsProp(o) => o.step(model, lr),
        }
    }
}

impl<T> From<Sgd<T>> for AnyOptimizer<T> {
    fn from(o: Sgd<T>) -> Self {
        AnyOptimizer::Sgd(o)
    }
}

impl<T> From<Adam<T>> for AnyOptimizer<T> {
    fn from(o: Adam<T>) -> Self {
        AnyOptimizer::Adam(o)
    }
}

impl<T> From<RmsProp<T>> for AnyOptimizer<T> {
    fn from(o: RmsProp<T>) -> Self {
        AnyOptimizer::RmsProp(o)
    }
}
