//! Early stopping on the validation loss, with the best epoch's weights kept for restoring
//! (Keras `EarlyStopping(monitor="val_loss", patience, min_delta, restore_best_weights=True)`).

use nn_core::Network;
use nn_tensor::Float;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::{OptimError, Result};

/// Stops training once the validation loss has not improved by more than `min_delta` for
/// `patience` epochs in a row, remembering the best epoch's network.
///
/// An epoch improves when its loss is below `best − min_delta` (Keras' rule for a loss).
///
/// ```
/// use nn_core::{Activation, Network};
/// use nn_optim::EarlyStopping;
/// let net = Network::<f32>::mlp(&[1, 1], Activation::Identity, Activation::Identity, 0)?;
/// let mut early = EarlyStopping::new(2, 0.0)?;
/// let stops: Vec<bool> = [1.0, 0.5, 0.6, 0.7].iter().enumerate()
///     .map(|(epoch, &loss)| early.observe(epoch, loss, &net))
///     .collect();
/// assert_eq!(stops, vec![false, false, false, true]); // two epochs without improving on 0.5
/// assert_eq!(early.best_epoch(), Some(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(
    serialize = "T: Float + Serialize",
    deserialize = "T: Float + DeserializeOwned"
))]
pub struct EarlyStopping<T> {
    patience: usize,
    min_delta: f64,
    best_loss: Option<f64>,
    best_epoch: Option<usize>,
    wait: usize,
    best: Option<Network<T>>,
}

impl<T: Float> EarlyStopping<T> {
    /// Stops after `patience ≥ 1` epochs without an improvement larger than `min_delta ≥ 0`.
    pub fn new(patience: usize, min_delta: f64) -> Result<Self> {
        if patience == 0 {
            return Err(OptimError::InvalidConfig {
                name: "early-stopping",
                reason: "the patience must be at least 1 epoch".into(),
            });
        }
        if !(min_delta >= 0.0 && min_delta.is_finite()) {
            return Err(OptimError::InvalidConfig {
                name: "min-delta",
                reason: format!("must be ≥ 0 and finite, got {min_delta}"),
            });
        }
        Ok(EarlyStopping {
            patience,
            min_delta,
            best_loss: None,
            best_epoch: None,
            wait: 0,
            best: None,
        })
    }

    /// Checks a state read from a checkpoint: the settings [`new`](EarlyStopping::new) checks,
    /// a finite best loss, and a wait count of at most the patience.
    pub(crate) fn validate(&self) -> Result<()> {
        Self::new(self.patience, self.min_delta)?;
        let bad = self.best_loss.is_some_and(|l| !l.is_finite()) || self.wait > self.patience;
        if bad {
            let msg = format!(
                "early stopping's best loss {:?} or wait {} (patience {}) is out of range",
                self.best_loss, self.wait, self.patience
            );
            return Err(OptimError::InconsistentState(msg));
        }
        Ok(())
    }

    /// Records epoch `epoch`'s validation `loss` (keeping a copy of `net` when it is the best
    /// so far); returns whether training should stop now.
    pub fn observe(&mut self, epoch: usize, loss: f64, net: &Network<T>) -> bool {
        let improved = match self.best_loss {
            None => true,
            Some(best) => loss < best - self.min_delta,
        };
        if improved {
            (self.best_loss, self.best_epoch, self.wait) = (Some(loss), Some(epoch), 0);
            self.best = Some(net.clone());
            return false;
        }
        self.wait += 1;
        self.wait >= self.patience
    }

    /// The epoch (0-based) with the best loss so far.
    pub fn best_epoch(&self) -> Option<usize> {
        self.best_epoch
    }

    /// The best validation loss so far.
    pub fn best_loss(&self) -> Option<f64> {
        self.best_loss
    }

    /// The patience in epochs.
    pub fn patience(&self) -> usize {
        self.patience
    }

    /// The best epoch's network, if any epoch was observed.
    pub fn best_network(&self) -> Option<&Network<T>> {
        self.best.as_ref()
    }
}
