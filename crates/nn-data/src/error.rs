//! The error type of nn-data: every message names what went wrong and where (file, line,
//! column) so a user can fix their data without reading code.

/// Errors raised by nn-data (bad files, bad parameters, premature `transform`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A cell or row could not be used; `line` and `column` are 1-based.
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        /// The file (or stream name) being read.
        file: String,
        /// 1-based line number in the file.
        line: u64,
        /// 1-based column number (0 when the whole row is at fault).
        column: usize,
        /// What was wrong, with the offending value.
        message: String,
    },
    /// The file as a whole is unusable (empty, header only, bad IDX header, ...).
    #[error("{file}: {message}")]
    File {
        /// The file (or stream name) being read.
        file: String,
        /// What was wrong.
        message: String,
    },
    /// An I/O error while reading `file`. The message names the file; the reason is the
    /// error's `source` (printed once by `anyhow`'s `{:#}`, not twice).
    #[error("reading {file}")]
    Io {
        /// The file being read.
        file: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An I/O error without a known file name.
    #[error(transparent)]
    IoPlain(#[from] std::io::Error),
    /// An error from the CSV reader (bad quoting, invalid UTF-8).
    #[error(transparent)]
    Csv(#[from] csv::Error),
    /// `transform` or `inverse_transform` was called before `fit`.
    #[error("{op} called before fit")]
    NotFitted {
        /// The method called too early, e.g. `"StandardScaler::transform"`.
        op: &'static str,
    },
    /// An array has the wrong shape for the fitted parameters.
    #[error("shape mismatch in {op}: expected {expected:?}, got {got:?}")]
    ShapeMismatch {
        /// The operation, e.g. `"StandardScaler::transform"`.
        op: &'static str,
        /// The shape it needed.
        expected: Vec<usize>,
        /// The shape it was given.
        got: Vec<usize>,
    },
    /// A label in new data that the saved label list does not contain.
    #[error("unseen label {} at {file}:{line} (known labels: {})", crate::quoted(.label), crate::quoted_list(.known))]
    UnknownLabel {
        /// The unknown label.
        label: String,
        /// Where it was found.
        file: String,
        /// 1-based line number.
        line: u64,
        /// The saved labels.
        known: Vec<String>,
    },
    /// A configuration value is out of range.
    #[error("invalid {name}: {message}")]
    InvalidParameter {
        /// The parameter, e.g. `"test_fraction"`.
        name: &'static str,
        /// Why it is invalid, with the value.
        message: String,
    },
    /// Fitted parameters (read from a file) that contradict themselves: lengths or shapes that
    /// disagree, repeated names, non-finite or out-of-range numbers.
    #[error("inconsistent {what}: {message}")]
    Inconsistent {
        /// What was checked, e.g. `"standardize parameters"`.
        what: &'static str,
        /// What disagrees, with the values.
        message: String,
    },
    /// Fitting overflowed the f64 range in one column (values near ±1.8e308).
    #[error("{op}: feature column {} overflows: its {what} exceeds the f64 range (|x| < 1.8e308); scale the column down", .column + 1)]
    Overflow {
        /// The fit that overflowed, e.g. `"StandardScaler::fit"`.
        op: &'static str,
        /// The 0-based column of the feature matrix.
        column: usize,
        /// What overflowed, e.g. `"variance"`.
        what: &'static str,
    },
    /// A matrix the file asks for is larger than the memory limit (`max_bytes`); refused
    /// before it is allocated.
    #[error(
        "{file}: the feature matrix needs {rows} rows × {columns} columns × {element} bytes = \
         {bytes} bytes, over the limit of {limit} bytes"
    )]
    TooLarge {
        /// The file being read.
        file: String,
        /// Rows of the matrix.
        rows: usize,
        /// Columns of the matrix (numeric columns plus one-hot indicators).
        columns: usize,
        /// Bytes per value.
        element: usize,
        /// `rows · columns · element`, saturated at `u64::MAX`.
        bytes: u64,
        /// The limit it exceeds.
        limit: u64,
    },
    /// Reading a CSV would hold more than the memory limit (`max_bytes`) in its text and cells;
    /// refused while reading, before holding more.
    #[error(
        "{file}: reading it holds about {bytes} bytes after {rows} rows (its text and cells), \
         over the limit of {limit} bytes"
    )]
    TableTooLarge {
        /// The file being read.
        file: String,
        /// Data rows read so far.
        rows: usize,
        /// Bytes held so far.
        bytes: u64,
        /// The limit it exceeds.
        limit: u64,
    },
    /// An error from nn-tensor (matmul shapes, eigendecomposition).
    #[error(transparent)]
    Tensor(#[from] nn_tensor::TensorError),
}

/// `Result` with [`DataError`].
pub type Result<T> = std::result::Result<T, DataError>;

impl DataError {
    /// A [`DataError::Parse`] for `file` at 1-based `line` and `column`.
    pub(crate) fn parse(file: &str, line: u64, column: usize, message: String) -> Self {
        DataError::Parse {
            file: file.to_string(),
            line,
            column,
            message,
        }
    }

    /// A [`DataError::File`] for `file`.
    pub(crate) fn file(file: &str, message: impl Into<String>) -> Self {
        DataError::File {
            file: file.to_string(),
            message: message.into(),
        }
    }

    /// A [`DataError::Inconsistent`] about `what`.
    pub(crate) fn inconsistent(what: &'static str, message: impl Into<String>) -> Self {
        DataError::Inconsistent {
            what,
            message: message.into(),
        }
    }

    /// A [`DataError::InvalidParameter`].
    pub(crate) fn invalid(name: &'static str, message: String) -> Self {
        DataError::InvalidParameter { name, message }
    }
}
