//! The first layer's side of a forward batch. When a wide first layer (≥ [`SPARSE_MIN_INPUTS`]
//! inputs, weights stored column-major) meets a dense batch with at most [`SPARSE_MAX_DENSITY`]
//! non-zeros, the batch is kept as a CSR matrix and the zeros are skipped; a batch given in CSR
//! form ([`Input::Sparse`]) is used as it is (or, by a first layer not ready for it, written out
//! densely). Either way the weight gradient reads the CSR batch's blocked transpose.

use ndarray::{Array2, ArrayView2};
use nn_tensor::s;
use nn_tensor::sparse::{BlockedTranspose, CsrMatrix};
use nn_tensor::Float;

use super::{Input, SPARSE_MAX_DENSITY, SPARSE_MIN_INPUTS};
use crate::Dense;

/// How the last forward batch reached the first layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Path {
    /// Dense rows, multiplied densely.
    Dense,
    /// Dense rows, converted to CSR (`x`).
    Built,
    /// A CSR batch, used as given.
    Given,
    /// A CSR batch written out densely (`dense`), for a first layer not ready for it.
    Densified,
}

impl Path {
    /// Whether the forward pass got its batch in CSR form.
    pub(super) fn given_sparse(self) -> bool {
        matches!(self, Path::Given | Path::Densified)
    }
}

/// The first layer's input, as the products read it.
pub(super) enum FirstInput<'a, T> {
    Dense(ArrayView2<'a, T>),
    Csr(&'a CsrMatrix<T>),
}

/// The last forward batch in the form the first layer used.
#[derive(Debug, Clone)]
pub(super) struct SparseInput<T> {
    /// Whether sparse batches may take the sparse path (see [`super::Network::set_sparse_input`]).
    pub(super) enabled: bool,
    /// How the last forward batch was taken.
    pub(super) path: Path,
    /// The batch, `(n_samples, n_in)`, when built here from dense rows.
    x: CsrMatrix<T>,
    /// A CSR batch written out, when the first layer is not ready for it.
    dense: Array2<T>,
    /// The CSR batch's transpose, for the weight gradient.
    pub(super) xt: BlockedTranspose<T>,
}

impl<T: Float> Default for SparseInput<T> {
    fn default() -> Self {
        SparseInput {
            enabled: true,
            path: Path::Dense,
            x: CsrMatrix::new(),
            dense: Array2::zeros((0, 0)),
            xt: BlockedTranspose::new(),
        }
    }
}

impl<T: Float> SparseInput<T> {
    /// Whether `first` takes CSR batches as they are.
    pub(super) fn ready(&self, first: &Dense<T>) -> bool {
        self.enabled && first.n_in() >= SPARSE_MIN_INPUTS && first.is_column_major()
    }

    /// Takes `x` for a forward pass: a dense `x` in sparse form if the first layer is ready for
    /// it and `x` is sparse enough; a CSR `x` as it is, or written out densely.
    pub(super) fn take(&mut self, first: &Dense<T>, x: Input<'_, T>) {
        let ready = self.ready(first);
        self.path = match x {
            Input::Dense(x) => {
                let max_nnz = (x.len() as f64 * SPARSE_MAX_DENSITY) as usize;
                match ready && self.x.assign_dense_up_to(x, max_nnz) {
                    true => Path::Built,
                    false => Path::Dense,
                }
            }
            Input::Sparse(_) if ready => Path::Given,
            Input::Sparse(x) => {
                let (rows, cols) = x.shape();
                if self.dense.nrows() < rows || self.dense.ncols() != cols {
                    self.dense = Array2::zeros((rows, cols));
                }
                x.write_dense(self.dense.slice_mut(s![..rows, ..]));
                Path::Densified
            }
        };
    }

    /// The first layer's input for `x`, the batch [`take`](Self::take) last took, and the
    /// transpose buffer for its weight gradient.
    pub(super) fn first<'s, 'x: 's>(
        &'s mut self,
        x: Input<'x, T>,
    ) -> (FirstInput<'s, T>, &'s mut BlockedTranspose<T>) {
        let input = match (self.path, x) {
            (Path::Built, _) => FirstInput::Csr(&self.x),
            (Path::Given, Input::Sparse(x)) => FirstInput::Csr(x),
            (Path::Densified, _) => {
                let rows = x.nrows();
                FirstInput::Dense(self.dense.slice(s![..rows, ..]))
            }
            (_, Input::Dense(x)) => FirstInput::Dense(x),
            (Path::Dense, Input::Sparse(_)) => {
                unreachable!("the backward check refuses a CSR batch after a dense one")
            }
        };
        (input, &mut self.xt)
    }
}
