//! The AVX512_BF16 micro-kernel: a 12×32 tile of `f32` accumulators (24 zmm), one `vdpbf16ps`
//! per accumulator and depth pair, with A pairs broadcast and B pairs loaded two vectors at a
//! time. Its lane arithmetic is what `kernel.rs`'s portable [`dot_pair`](super::kernel) emulates.
//!
//! Only reachable after [`crate::cpu::has_avx512_bf16`] returned `true`.

use super::super::kernel::Tile;
use super::kernel::{store_tile, DotKernel, MR, NR};
use std::arch::x86_64::*;

/// The AVX512_BF16 kernel.
pub(crate) struct Avx512Bf16;

impl DotKernel for Avx512Bf16 {
    #[inline]
    unsafe fn run(kp: usize, alpha: f32, a: *const u32, b: *const u32, beta: f32, c: Tile<f32>) {
        // SAFETY: forwarded contract (panels, tile and CPU features).
        unsafe { tile(kp, alpha, a, b, beta, c) }
    }
}

/// The kernel body; see [`DotKernel::run`].
///
/// # Safety
/// As [`DotKernel::run`], with AVX512_BF16, AVX-512F and AVX-512BW available.
#[target_feature(enable = "avx512bf16,avx512f,avx512bw")]
unsafe fn tile(kp: usize, alpha: f32, a: *const u32, b: *const u32, beta: f32, c: Tile<f32>) {
    let mut acc = [[_mm512_setzero_ps(); 2]; MR];
    for q in 0..kp {
        // SAFETY: pair group `q < kp` of each panel is readable (caller's contract);
        // `__m512i` and `__m512bh` are both 64 plain bytes.
        unsafe {
            let bq = b.add(q * NR);
            let b0: __m512bh = std::mem::transmute(_mm512_loadu_si512(bq.cast()));
            let b1: __m512bh = std::mem::transmute(_mm512_loadu_si512(bq.add(16).cast()));
            let aq = a.add(q * MR);
            for (i, row) in acc.iter_mut().enumerate() {
                let ai: __m512bh = std::mem::transmute(_mm512_set1_epi32(*aq.add(i) as i32));
                row[0] = _mm512_dpbf16_ps(row[0], ai, b0);
                row[1] = _mm512_dpbf16_ps(row[1], ai, b1);
            }
        }
    }
    if c.rows == MR && c.cols == NR && c.cs == 1 {
        // SAFETY: a whole tile with contiguous rows is writable (caller's contract).
        return unsafe { store_full(&acc, alpha, beta, c) };
    }
    // SAFETY: `[[__m512; 2]; MR]` and `[[f32; NR]; MR]` have the same size and layout.
    let spilled: [[f32; NR]; MR] = unsafe { std::mem::transmute(acc) };
    // SAFETY: forwarded contract.
    unsafe { store_tile(&spilled, alpha, beta, c) }
}

/// The shared epilogue on a whole tile, vectorised: `t = α·acc`; `c = t` or `c = β·c + t`
/// (multiply and add rounded separately, as the scalar epilogue does).
///
/// # Safety
/// AVX-512F; `c` is a whole `MR × NR` tile with `cs = 1`, writable.
#[target_feature(enable = "avx512f")]
unsafe fn store_full(acc: &[[__m512; 2]; MR], alpha: f32, beta: f32, c: Tile<f32>) {
    let (va, vb) = (_mm512_set1_ps(alpha), _mm512_set1_ps(beta));
    for (i, row) in acc.iter().enumerate() {
        for (h, &v) in row.iter().enumerate() {
            // SAFETY: row `i`, columns `16h..16h + 16` lie inside the tile.
            unsafe {
                let ptr = c.ptr.offset(i as isize * c.rs).add(16 * h);
                let t = _mm512_mul_ps(va, v);
                let out = match beta == 0.0 {
                    true => t,
                    false => _mm512_add_ps(_mm512_mul_ps(vb, _mm512_loadu_ps(ptr)), t),
                };
                _mm512_storeu_ps(ptr, out);
            }
        }
    }
}
