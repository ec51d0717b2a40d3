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
    /// An error from the model (shapes, ...).
    #[error(transparent)]
    Core(#[from] nn_core::CoreError),
}

/// `Result` with [`OptimError`].
pub type Result<T> = std::result::Result<T, OptimError>;
