//! BLAS-free matrix operations for **nn**.
//!
//! Storage is ndarray's row-major [`Array2`](ndarray::Array2); every operation is generic over
//! [`Float`] (implemented for `f32` and `f64`). The GEMM in [`mod@matmul`] covers the three forms
//! backpropagation needs — `A·B`, `Aᵀ·B` and `A·Bᵀ` — without materialising a transpose, and
//! writes into a caller-provided output so training loops can reuse buffers.
//!
//! # Quick start
//! ```
//! use ndarray::array;
//! use nn_tensor::{matmul, add_row_broadcast, sum_rows};
//!
//! let x = array![[1.0_f64, 2.0], [3.0, 4.0]];
//! let w = array![[1.0_f64, 0.0], [0.0, 1.0]];
//! let mut z = ndarray::Array2::zeros((2, 2));
//! matmul(x.view(), w.view(), z.view_mut())?;           // z = x·w
//! add_row_broadcast(z.view_mut(), array![0.5, -0.5].view())?; // z += bias
//! assert_eq!(z, array![[1.5, 1.5], [3.5, 3.5]]);
//! assert_eq!(sum_rows(z.view()), array![5.0, 5.0]);
//! # Ok::<(), nn_tensor::TensorError>(())
//! ```
#![warn(missing_docs)]

pub mod aligned;
pub mod buffer;
pub mod cpu;
mod eigen;
mod elementwise;
mod error;
mod float;
pub mod fused;
pub mod matmul;
mod pool;
mod reduce;
pub mod slicing;
pub mod sparse;
mod threads;
pub mod vmath;

pub use eigen::{symmetric_eigen, SymmetricEigen};
pub use elementwise::{add_row_broadcast, map_inplace, zip_inplace};
pub use error::{Result, TensorError};
pub use float::Float;
pub use matmul::{gemm, matmul, matmul_acc, matmul_naive, matmul_nt, matmul_tn, Transpose};
pub use pool::run_parts;
pub use reduce::{argmax_rows, sum_rows, sum_rows_into};
pub use threads::{num_threads, set_num_threads};
