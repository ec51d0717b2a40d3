//! The [`MicroKernel`] trait and the portable (plain Rust) micro-kernel.
//!
//! A micro-kernel computes one `MR×NR` tile of `C = α·A·B + β·C` from packed operands:
//! `a` holds `k` columns of `MR` contiguous elements (an A micro-panel), `b` holds `k` rows of
//! `NR` contiguous elements (a B micro-panel). Every kernel stores its result the same way,
//! `t = α·acc`, then `c = t` when `β = 0` (so NaN in `C` is overwritten) and `c = β·c + t`
//! otherwise, with unfused multiply and add. The edge path in the driver repeats that formula,
//! so a value never depends on where the tile boundaries fall, and hence on the thread count.

use crate::Float;

/// Where a kernel writes its tile: `rows × cols` (at most `MR × NR`) elements of C, element
/// `(i, j)` at `ptr + i·rs + j·cs`. Partial tiles (the edges of C) have fewer rows or columns.
#[derive(Clone, Copy)]
pub(crate) struct Tile<T> {
    pub ptr: *mut T,
    pub rs: isize,
    pub cs: isize,
    pub rows: usize,
    pub cols: usize,
}

/// A register-blocked `MR×NR` micro-kernel and the cache blocking that suits it.
pub(crate) trait MicroKernel<T: Float> {
    /// Rows of the register tile.
    const MR: usize;
    /// Columns of the register tile.
    const NR: usize;
    /// Depth of one packed block (`k` split into `kc`).
    const KC: usize;
    /// Rows of one packed A block (a multiple of `MR`).
    const MC: usize;
    /// Columns of one packed B block (a multiple of `NR`).
    const NC: usize;

    /// Computes one tile: `C[..rows, ..cols] = α·A·B + β·C` over depth `k`.
    ///
    /// # Safety
    /// `a` must be readable for `k·MR` elements and `b` for `k·NR` elements; `c.rows ≤ MR`,
    /// `c.cols ≤ NR`, and C must be writable on that tile, with no other thread touching it;
    /// the CPU must support the kernel's target features.
    unsafe fn run(k: usize, alpha: T, a: *const T, b: *const T, beta: T, c: Tile<T>);
}

/// Stores `t` into `*c` with the shared epilogue formula (see the module docs).
///
/// # Safety
/// `c` must be valid for reads and writes.
#[inline(always)]
pub(crate) unsafe fn store_scalar<T: Float>(c: *mut T, t: T, beta: T) {
    // SAFETY: the caller guarantees `c` is valid for reads and writes.
    unsafe {
        *c = if beta == T::zero() { t } else { beta * *c + t };
    }
}

/// The portable kernel: plain Rust, `MR×NR` accumulators that the compiler auto-vectorises.
pub(crate) struct Portable;

/// Portable tile sizes: 4×8 keeps 32 accumulators, which fits SSE2's 16 registers for f64
/// reasonably and lets LLVM vectorise the inner `NR` loop.
const P_MR: usize = 4;
const P_NR: usize = 8;

impl<T: Float> MicroKernel<T> for Portable {
    const MR: usize = P_MR;
    const NR: usize = P_NR;
    const KC: usize = 256;
    const MC: usize = 64;
    const NC: usize = 1024;

    unsafe fn run(k: usize, alpha: T, a: *const T, b: *const T, beta: T, c: Tile<T>) {
        // SAFETY: the caller guarantees `a` holds `k·MR` and `b` holds `k·NR` elements.
        let (a, b) = unsafe {
            (
                std::slice::from_raw_parts(a, k * P_MR),
                std::slice::from_raw_parts(b, k * P_NR),
            )
        };
        let mut acc = [[T::zero(); P_NR]; P_MR];
        for (ap, bp) in a.chunks_exact(P_MR).zip(b.chunks_exact(P_NR)) {
            for (row, &ai) in acc.iter_mut().zip(ap) {
                for (x, &bj) in row.iter_mut().zip(bp) {
                    *x += ai * bj;
                }
            }
        }
        for (i, row) in acc.iter().enumerate().take(c.rows) {
            for (j, &x) in row.iter().enumerate().take(c.cols) {
                // SAFETY: `i < rows`, `j < cols`: the caller guarantees this element is writable.
                unsafe {
                    let cp = c.ptr.offset(i as isize * c.rs + j as isize * c.cs);
                    store_scalar(cp, alpha * x, beta);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portable_tile_matches_hand_sum() {
        // k = 2: c[i][j] = a[0][i]·b[0][j] + a[1][i]·b[1][j], a = 1..8, b = 1..16.
        let a: Vec<f64> = (1..=8).map(f64::from).collect();
        let b: Vec<f64> = (1..=16).map(f64::from).collect();
        let mut c = vec![f64::NAN; P_MR * P_NR];
        let tile = Tile {
            ptr: c.as_mut_ptr(),
            rs: 8,
            cs: 1,
            rows: 3,
            cols: 5,
        };
        // SAFETY: buffers hold exactly k·MR, k·NR and MR·NR elements, row stride NR.
        unsafe { <Portable as MicroKernel<f64>>::run(2, 1.0, a.as_ptr(), b.as_ptr(), 0.0, tile) };
        for i in 0..P_MR {
            for j in 0..P_NR {
                let want = a[i] * b[j] + a[P_MR + i] * b[P_NR + j];
                let got = c[i * P_NR + j];
                assert!(
                    if i < 3 && j < 5 {
                        got == want
                    } else {
                        got.is_nan()
                    },
                    "({i}, {j})"
                );
            }
        }
    }
}
