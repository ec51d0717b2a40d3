//! Matrices whose storage starts on a cache-line boundary.
//!
//! Vector loads that straddle two 64-byte cache lines cost twice as much; kernels that stream
//! whole rows of a matrix (the sparse products in [`crate::sparse`]) run about a third faster
//! when every row starts on a line, which happens when the storage does and a row is a multiple
//! of 64 bytes long. The allocator only promises the element's alignment, so these helpers
//! allocate a little more and start the array inside the allocation.

use crate::Float;
use ndarray::{s, Array1, Array2, Order};

/// Bytes of a cache line.
pub const CACHE_LINE: usize = 64;

/// A zero matrix of `shape` whose first element is 64-byte aligned, in row-major
/// (`column_major = false`) or column-major order.
///
/// ```
/// use nn_tensor::aligned::{is_aligned, zeros_aligned};
/// let m = zeros_aligned::<f32>((3, 5), true);
/// assert_eq!(m.dim(), (3, 5));
/// assert!(is_aligned(&m) && m.t().is_standard_layout());
/// ```
pub fn zeros_aligned<T: Float>(shape: (usize, usize), column_major: bool) -> Array2<T> {
    let len = shape.0 * shape.1;
    let lane = std::mem::size_of::<T>();
    let mut flat = Array1::<T>::zeros(len + CACHE_LINE / lane);
    let skip = (CACHE_LINE - flat.as_ptr() as usize % CACHE_LINE) % CACHE_LINE / lane;
    flat.slice_collapse(s![skip..skip + len]);
    let order = match column_major {
        true => Order::ColumnMajor,
        false => Order::RowMajor,
    };
    flat.into_shape_with_order((shape, order))
        .expect("the length matches the shape")
}

/// An aligned copy of `m` ([`zeros_aligned`]) in the given order.
///
/// ```
/// use ndarray::array;
/// use nn_tensor::aligned::{aligned_copy, is_aligned};
/// let m = aligned_copy(&array![[1.0_f64, 2.0], [3.0, 4.0]], true);
/// assert_eq!(m, array![[1.0, 2.0], [3.0, 4.0]]);
/// assert!(is_aligned(&m) && !m.is_standard_layout());
/// ```
pub fn aligned_copy<T: Float>(m: &Array2<T>, column_major: bool) -> Array2<T> {
    let mut out = zeros_aligned(m.dim(), column_major);
    out.assign(m);
    out
}

/// Whether the first element of `m` sits on a cache-line boundary.
///
/// ```
/// let m = nn_tensor::aligned::zeros_aligned::<f64>((4, 4), false);
/// assert!(nn_tensor::aligned::is_aligned(&m));
/// ```
pub fn is_aligned<T>(m: &Array2<T>) -> bool {
    (m.as_ptr() as usize).is_multiple_of(CACHE_LINE)
}
