//! Large output buffers. On Linux the allocation is advised to use transparent huge pages (as
//! numpy does for arrays of 4 MiB and more), so filling a fresh multi-hundred-megabyte array is
//! not dominated by one page fault per 4 KiB.

/// Bytes from which huge pages are requested.
const HUGE_PAGE_MIN_BYTES: usize = 4 << 20;

/// An empty `Vec` with room for `len` values, advised for huge pages when large.
///
/// ```
/// let v: Vec<f64> = nn_tensor::buffer::with_capacity(10);
/// assert!(v.is_empty() && v.capacity() >= 10);
/// ```
pub fn with_capacity<T>(len: usize) -> Vec<T> {
    let mut v: Vec<T> = Vec::with_capacity(len);
    let bytes = v.capacity() * std::mem::size_of::<T>();
    if bytes >= HUGE_PAGE_MIN_BYTES {
        advise_huge_pages(v.as_mut_ptr() as usize, bytes);
    }
    v
}

#[cfg(target_os = "linux")]
fn advise_huge_pages(start: usize, bytes: usize) {
    const MADV_HUGEPAGE: i32 = 14;
    const PAGE: usize = 4096;
    extern "C" {
        fn madvise(addr: *mut std::ffi::c_void, len: usize, advice: i32) -> i32;
    }
    let aligned = (start + PAGE - 1) & !(PAGE - 1);
    let len = (bytes - (aligned - start)) & !(PAGE - 1);
    // SAFETY: `[aligned, aligned + len)` lies inside an allocation this thread owns and nothing
    // else uses yet; MADV_HUGEPAGE is only a hint about how to back those pages and changes
    // neither their contents nor their validity. A failure (e.g. THP disabled) is harmless, so
    // the return value is ignored.
    unsafe {
        madvise(aligned as *mut std::ffi::c_void, len, MADV_HUGEPAGE);
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_start: usize, _bytes: usize) {}

/// `n_rows × n_cols` zeros in a buffer from [`with_capacity`].
///
/// ```
/// let z = nn_tensor::buffer::zeros::<f32>(2, 3);
/// assert_eq!(z, ndarray::Array2::zeros((2, 3)));
/// ```
pub fn zeros<T: crate::Float>(n_rows: usize, n_cols: usize) -> ndarray::Array2<T> {
    let mut v = with_capacity(n_rows * n_cols);
    v.resize(n_rows * n_cols, T::zero());
    ndarray::Array2::from_shape_vec((n_rows, n_cols), v)
        .unwrap_or_else(|_| ndarray::Array2::zeros((0, 0)))
}
