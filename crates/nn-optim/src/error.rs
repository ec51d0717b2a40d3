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
    /// The loss became NaN or infinite: training diverged.
    #[error("training diverged at epoch {epoch}, step {step}: the loss is not finite (last finite loss: {}); try a lower learning rate", last_finite_loss.map_or("none".to_string(), |v| format!("{v:.6}")))]
    Diverged {
        /// Epoch (0-based) in which the loss stopped being finite.
        epoch: usize,
        /// Mini-batch step within the epoch.
        step: usize,
        /// The last finite batch loss, if any.
        last_finite_loss: Option<f64>,
    },
    /// A checkpoint could not be written or read.
    #[error("checkpoint {path}: {reason}")]
    Checkpoint {
        /// The checkpoint file.
        path: std::path::PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// An error from the model (shapes, ...).
    #[error(transparent)]
    Core(#[from] nn_core::CoreError),
}

/// `Result` with [`OptimError`].
pub type Result<T> = std::result::Result<T, OptimError>;
