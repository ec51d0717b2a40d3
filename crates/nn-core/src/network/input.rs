//! [`Input`]: a batch as a [`Network`](super::Network) takes it — dense rows, or the non-zeros
//! of sparse rows already in CSR form (a training loop that keeps its data set's non-zeros
//! gathers batches that way, see [`nn_tensor::sparse::CsrRows`]).

use ndarray::ArrayView2;
use nn_tensor::sparse::CsrMatrix;

/// A batch of rows `(n_samples, n_in)`, dense or sparse.
///
/// ```
/// use ndarray::array;
/// use nn_core::network::Input;
/// use nn_tensor::sparse::CsrMatrix;
/// let x = array![[0.0_f32, 2.0], [0.0, 0.0], [1.0, 0.0]];
/// let csr = CsrMatrix::from_dense(x.view());
/// assert_eq!(Input::from(x.view()).dim(), (3, 2));
/// assert_eq!(Input::from(&csr).dim(), (3, 2));
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Input<'a, T> {
    /// Dense rows.
    Dense(ArrayView2<'a, T>),
    /// The rows' non-zero entries.
    Sparse(&'a CsrMatrix<T>),
}

impl<T: nn_tensor::Float> Input<'_, T> {
    /// `(rows, columns)`.
    ///
    /// ```
    /// let x = ndarray::Array2::<f64>::zeros((4, 3));
    /// assert_eq!(nn_core::network::Input::from(x.view()).dim(), (4, 3));
    /// ```
    pub fn dim(&self) -> (usize, usize) {
        match self {
            Input::Dense(x) => x.dim(),
            Input::Sparse(x) => x.shape(),
        }
    }

    /// Number of rows (samples).
    ///
    /// ```
    /// let x = ndarray::Array2::<f64>::zeros((4, 3));
    /// assert_eq!(nn_core::network::Input::from(x.view()).nrows(), 4);
    /// ```
    pub fn nrows(&self) -> usize {
        self.dim().0
    }
}

impl<'a, T> From<ArrayView2<'a, T>> for Input<'a, T> {
    fn from(x: ArrayView2<'a, T>) -> Self {
        Input::Dense(x)
    }
}

impl<'a, T> From<&'a CsrMatrix<T>> for Input<'a, T> {
    fn from(x: &'a CsrMatrix<T>) -> Self {
        Input::Sparse(x)
    }
}
