//! The sparse form of a forward batch: when a wide first layer (≥ [`SPARSE_MIN_INPUTS`]
//! inputs, weights stored column-major) meets a batch with at most [`SPARSE_MAX_DENSITY`]
//! non-zeros, the batch is kept as a CSR matrix (and its blocked transpose for the weight
//! gradient) and the zeros are skipped.

use ndarray::ArrayView2;
use nn_tensor::sparse::{BlockedTranspose, CsrMatrix};
use nn_tensor::Float;

use super::{SPARSE_MAX_DENSITY, SPARSE_MIN_INPUTS};
use crate::Dense;

/// The last forward batch in sparse form, when it took the sparse path.
#[derive(Debug, Clone)]
pub(super) struct SparseInput<T> {
    /// Whether sparse batches may take the sparse path (see [`super::Network::set_sparse_input`]).
    pub(super) enabled: bool,
    /// Whether the last forward batch is in `x`.
    pub(super) active: bool,
    /// The batch, `(n_samples, n_in)`.
    pub(super) x: CsrMatrix<T>,
    /// Its transpose, for the weight gradient.
    pub(super) xt: BlockedTranspose<T>,
}

impl<T: Float> Default for SparseInput<T> {
    fn default() -> Self {
        let (x, xt) = (CsrMatrix::new(), BlockedTranspose::new());
        SparseInput {
            enabled: true,
            active: false,
            x,
            xt,
        }
    }
}

impl<T: Float> SparseInput<T> {
    /// Takes `x` in sparse form if the first layer is ready for it and `x` is sparse enough.
    pub(super) fn take(&mut self, first: &Dense<T>, x: ArrayView2<T>) -> bool {
        let max_nnz = (x.len() as f64 * SPARSE_MAX_DENSITY) as usize;
        let ready = self.enabled && first.n_in() >= SPARSE_MIN_INPUTS && first.is_column_major();
        self.active = ready && self.x.assign_dense_up_to(x, max_nnz);
        self.active
    }
}
