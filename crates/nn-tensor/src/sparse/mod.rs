//! Sparse × dense products for inputs that are mostly zeros (MNIST pixels scaled to `[0, 1]`:
//! 81% zeros).
//!
//! [`CsrMatrix`] stores a matrix's non-zero entries row by row (compressed sparse rows);
//! [`spmm`] multiplies it by a dense row-major matrix. A network's first layer uses the pair in
//! both directions: `z = x·Wᵀ` with `x` in CSR and `Wᵀ` stored row-major, and
//! `∂L/∂Wᵀ = xᵀ·δ` with `xᵀ` from [`BlockedTranspose::assign`] and [`spmm_transposed`] (or
//! [`CsrMatrix::transpose_into`] and [`spmm`], the same bits). Only the non-zeros cost work,
//! so at 19% density both products do about a fifth of a dense GEMM's multiply-adds.
//! [`CsrRows`] keeps a whole training set's non-zeros, so that each batch is gathered in CSR
//! form instead of built from dense rows.
//!
//! Every output element is one sum over its row's non-zeros in increasing column order, and
//! threads split only the output rows, so results are bit-identical for any thread count.
//!
//! ```
//! use ndarray::{array, Array2};
//! use nn_tensor::sparse::{spmm, CsrMatrix};
//! let x = array![[0.0_f32, 2.0, 0.0], [1.0, 0.0, 0.0]];
//! let w = array![[1.0_f32, 10.0], [2.0, 20.0], [3.0, 30.0]];
//! let csr = CsrMatrix::from_dense(x.view());
//! assert_eq!(csr.nnz(), 2);
//! let mut z = Array2::zeros((2, 2));
//! spmm(&csr, w.view(), z.view_mut())?;
//! assert_eq!(z, array![[4.0, 40.0], [1.0, 10.0]]);
//! # Ok::<(), nn_tensor::TensorError>(())
//! ```

mod blocked;
mod csr;
mod rows;
mod spmm;

pub use blocked::BlockedTranspose;
pub use csr::{density, CsrMatrix};
pub use rows::CsrRows;
pub use spmm::{spmm, spmm_transposed, spmm_with_kernel};

/// Entries per thread before a transpose splits the work.
const TRANSPOSE_PER_THREAD: usize = 4096;
