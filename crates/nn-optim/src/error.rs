//! The error type of nn-optim.

/// Errors raised by nn-optim: bad optimizer or schedule configuration, training faults.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OptimError {
    /// A configuration value is out of range (e.g. a negative momentum).
    #[error("invalid {name}: {reason}")]
    InvalidConfig {
        /// The option's name, e.g. `"momentum"`.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A learning-rate schedule SPEC could not be parsed.
    #[error("invalid schedule {spec:?}: {reason}")]
    InvalidSchedule {
        /// The SPEC as the user wrote it.
        spec: String,
        /// What is wrong with it, and the accepted syntax.
        reason: String,
    },
    /// The loss became NaN or infinite, or grew past the trainer's bound: training diverged.
    #[error("training diverged at epoch {epoch}, step {step}: the loss is {loss} (last finite loss: {}); try a lower learning rate", last_finite_loss.map_or("none".to_string(), |v| format!("{v:.6}")))]
    Diverged {
        /// Epoch (0-based) in which the loss stopped being finite.
        epoch: usize,
        /// Mini-batch step within the epoch.
        step: usize,
        /// The last finite batch loss, if any.
        last_finite_loss: Option<f64>,
        /// The offending batch loss (NaN, infinite, or above the bound).
        loss: f64,
        /// The bound it exceeded, when it is finite.
        bound: Option<f64>,
    },
    /// The validation loss after an epoch is NaN or infinite.
    #[error("training diverged in epoch {epoch}: the validation loss is {loss}; try a lower learning rate")]
    ValidationDiverged {
        /// The epoch (0-based) after which validation failed.
        epoch: usize,
        /// The non-finite validation loss.
        loss: f64,
    },
    /// The stop flag was raised (e.g. by Ctrl-C); the epoch stopped after finishing a batch.
    #[error("training interrupted in epoch {epoch} after {steps} batch(es)")]
    Interrupted {
        /// Epoch (0-based) that was interrupted; the trainer's counter is not advanced.
        epoch: usize,
        /// Batches of that epoch already applied to the network.
        steps: usize,
    },
    /// A checkpoint could not be written or read.
    #[error("checkpoint {path}: {reason}")]
    Checkpoint {
        /// The checkpoint file.
        path: std::path::PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A training state (read from a checkpoint) that contradicts itself.
    #[error("inconsistent training state: {0}")]
    InconsistentState(String),
    /// An error from the model (shapes, ...).
    #[error(transparent)]
    Core(#[from] nn_core::CoreError),
}

/// `Result` with [`OptimError`].
pub type Result<T> = std::result::Result<T, OptimError>;
