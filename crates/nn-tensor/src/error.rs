//! The error type of nn-tensor.

/// Errors raised by nn-tensor's public API (shape mismatches, bad arguments).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TensorError {
    /// Two operands (or an operand and the output) have incompatible shapes.
    #[error("shape mismatch in {op}: expected {expected:?}, got {got:?}")]
    ShapeMismatch {
        /// The operation that failed, e.g. `"matmul"`.
        op: &'static str,
        /// The shape the operation needed.
        expected: Vec<usize>,
        /// The shape it was given.
        got: Vec<usize>,
    },
    /// A numerical routine did not converge.
    #[error("{op} did not converge after {iterations} iterations")]
    NoConvergence {
        /// The routine, e.g. `"symmetric eigendecomposition"`.
        op: &'static str,
        /// How many iterations were tried.
        iterations: usize,
    },
    /// A GEMM kernel was requested that this CPU (or target) cannot run.
    #[error("kernel {kernel} is not available on this cpu")]
    KernelUnavailable {
        /// The kernel, e.g. `"avx512f"`.
        kernel: &'static str,
    },
    /// An input held NaN or ±∞ where only finite values make sense.
    #[error("non-finite input to {op}: NaN or infinity")]
    NonFinite {
        /// The operation that rejected its input, e.g. `"symmetric_eigen"`.
        op: &'static str,
    },
}

/// `Result` with [`TensorError`].
pub type Result<T> = std::result::Result<T, TensorError>;
