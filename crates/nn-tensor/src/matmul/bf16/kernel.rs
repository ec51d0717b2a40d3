//! The bf16 micro-kernel contract, its shared blocking, and the portable kernel: an exact
//! emulation of AVX512_BF16's `vdpbf16ps`, so that every CPU computes the same bits.
//!
//! Packed operands hold bf16 *pairs* along the depth: `a` has `kp = ⌈kc/2⌉` groups of [`MR`]
//! `u32`, each `A[i][2q] | A[i][2q+1] << 16`; `b` has `kp` groups of [`NR`] pairs
//! `B[2q][j] | B[2q+1][j] << 16` (a missing odd element is `+0`). Per pair `q` every
//! accumulator takes one [`dot_pair`] step, which is `vdpbf16ps` lane arithmetic as Intel's SDM
//! specifies it (and this CPU was checked to do, bit for bit): the odd product first, each
//! addition rounded to `f32` (nearest even) and flushed to zero when subnormal; the products of
//! two bf16 are exact in `f32`. The tile is then stored like the f32 kernels':
//! `t = α·acc`, `c = t` (β = 0) or `c = β·c + t`, unfused.

use super::super::kernel::{store_scalar, Tile};

/// Rows of the register tile.
pub(crate) const MR: usize = 12;
/// Columns of the register tile (two vectors of 16 `f32`).
pub(crate) const NR: usize = 32;
/// Depth of one packed block, in elements (even, so blocks split no pair).
pub(crate) const KC: usize = 512;
/// Rows of one packed A block (a multiple of `MR`).
pub(crate) const MC: usize = 96;
/// Columns of one packed B block (a multiple of `NR`).
pub(crate) const NC: usize = 1024;

/// A bf16 micro-kernel over pair-packed panels.
pub(crate) trait DotKernel {
    /// Computes one tile: `C[..rows, ..cols] = α·A·B + β·C` over `kp` depth pairs.
    ///
    /// # Safety
    /// `a` must be readable for `kp·MR` and `b` for `kp·NR` elements; `c.rows ≤ MR`,
    /// `c.cols ≤ NR`, C writable on that tile and touched by no other thread; the CPU must
    /// support the kernel's target features.
    unsafe fn run(kp: usize, alpha: f32, a: *const u32, b: *const u32, beta: f32, c: Tile<f32>);
}

/// `x`, or a zero of its sign when `x` is subnormal (flush to zero).
#[inline(always)]
fn ftz(x: f32) -> f32 {
    if x.abs() < f32::MIN_POSITIVE {
        0.0_f32.copysign(x)
    } else {
        x
    }
}

/// One `vdpbf16ps` lane: `acc + a_hi·b_hi + a_lo·b_lo`, left to right, each sum rounded to
/// `f32` and flushed to zero when subnormal (`a`, `b`: bf16 pairs, low half first).
///
/// ```text
/// acc = 1, a = (lo 2, hi 3), b = (lo 5, hi 7): (1 + 3·7) + 2·5 = 32
/// ```
#[inline(always)]
pub(crate) fn dot_pair(acc: f32, a: u32, b: u32) -> f32 {
    let (a_lo, a_hi) = (f32::from_bits(a << 16), f32::from_bits(a & 0xffff_0000));
    let (b_lo, b_hi) = (f32::from_bits(b << 16), f32::from_bits(b & 0xffff_0000));
    ftz(ftz(acc + a_hi * b_hi) + a_lo * b_lo)
}

/// Stores an accumulator tile with the shared epilogue (see the module docs).
///
/// # Safety
/// `c` must be writable on its `rows × cols` elements.
#[inline(always)]
pub(crate) unsafe fn store_tile(acc: &[[f32; NR]; MR], alpha: f32, beta: f32, c: Tile<f32>) {
    for (i, row) in acc.iter().enumerate().take(c.rows) {
        for (j, &v) in row.iter().enumerate().take(c.cols) {
            // SAFETY: `(i, j)` lies inside the tile (caller's contract).
            unsafe {
                let ptr = c.ptr.offset(i as isize * c.rs + j as isize * c.cs);
                store_scalar(ptr, alpha * v, beta);
            }
        }
    }
}

/// The portable kernel: [`dot_pair`] on every accumulator, plain Rust.
pub(crate) struct Portable;

impl DotKernel for Portable {
    unsafe fn run(kp: usize, alpha: f32, a: *const u32, b: *const u32, beta: f32, c: Tile<f32>) {
        // SAFETY: the caller guarantees `a` holds `kp·MR` and `b` holds `kp·NR` elements.
        let (a, b) = unsafe {
            (
                std::slice::from_raw_parts(a, kp * MR),
                std::slice::from_raw_parts(b, kp * NR),
            )
        };
        let mut acc = [[0.0_f32; NR]; MR];
        for (a, b) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
            for (row, &ai) in acc.iter_mut().zip(a) {
                for (v, &bj) in row.iter_mut().zip(b) {
                    *v = dot_pair(*v, ai, bj);
                }
            }
        }
        // SAFETY: forwarded contract.
        unsafe { store_tile(&acc, alpha, beta, c) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_pair_adds_the_odd_product_first_with_two_roundings() {
        // (1 + 3·7) + 2·5 = 32, exact.
        let pair = |lo: f32, hi: f32| (hi.to_bits() & 0xffff_0000) | (lo.to_bits() >> 16);
        assert_eq!(dot_pair(1.0, pair(2.0, 3.0), pair(5.0, 7.0)), 32.0);
        // acc = 2²⁴, hi product 1, lo product 1: (2²⁴ + 1) rounds to 2²⁴ (tie, even), then
        // again: 2²⁴. Summing the products first would give 2²⁴ + 2.
        let big = 16_777_216.0;
        assert_eq!(dot_pair(big, pair(1.0, 1.0), pair(1.0, 1.0)), big);
        // A subnormal sum is flushed: 2⁻¹²⁶ − 2⁻¹²⁶·(1 − 2⁻⁷) is below the normal range.
        let m = f32::MIN_POSITIVE;
        let r = dot_pair(m, pair(0.0, -1.0), pair(0.0, m * (1.0 - 1.0 / 128.0)));
        assert_eq!(r, 0.0);
    }
}
