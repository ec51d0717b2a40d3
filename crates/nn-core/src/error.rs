//! The error type of nn-core.

/// Errors raised by nn-core: shapes, configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A tensor operation failed (usually a shape mismatch).
    #[error(transparent)]
    Tensor(#[from] nn_tensor::TensorError),
    /// A configuration value is invalid.
    #[error("invalid {name}: {reason}")]
    InvalidConfig {
        /// The option's name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

/// `Result` with [`CoreError`].
pub type Result<T> = std::result::Result<T, CoreError>;
