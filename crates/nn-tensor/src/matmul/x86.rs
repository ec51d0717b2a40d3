//! x86-64 micro-kernels: AVX-512F and AVX2+FMA, for f32 and f64 (`std::arch` intrinsics).
//!
//! Each kernel keeps an `MR × NR` tile of `C` in vector registers, `NR = NV·W` (`W` lanes per
//! vector): per step `p` of the depth loop it loads `NV` vectors of the packed B row, broadcasts
//! each of the `MR` packed A elements and issues `MR·NV` FMAs. Register budgets:
//! AVX-512 (32 zmm): 12×2 accumulators + 2 B vectors + 1 broadcast; AVX2 (16 ymm): 6×2 + 2 + 1.
//!
//! Blocking (measured on a Zen 4 core, 32 KiB L1d, 1 MiB L2): a deep `kc` (384–512) wins,
//! since it halves the passes over C, while an `mc×kc` A block of ~200–300 KiB stays in L2.
//!
//! The kernels are only reachable through `Isa` (see `dispatch.rs`), which is chosen after
//! run-time feature detection, so calling their `#[target_feature]` bodies is sound.

use super::kernel::{store_scalar, MicroKernel, Tile};
use std::arch::x86_64::*;

/// Defines a kernel type and its `#[target_feature]` body from one set of intrinsics.
macro_rules! simd_kernel {
    (
        $(#[$doc:meta])* $kernel:ident, $body:ident, $t:ty, $feat:literal,
        mr = $mr:literal, nv = $nv:literal, w = $w:literal, kc = $kc:literal, mc = $mc:literal,
        nc = $nc:literal, zero = $zero:ident, set1 = $set1:ident, load = $load:ident,
        store = $store:ident, fmadd = $fmadd:ident, mul = $mul:ident, add = $add:ident
    ) => {
        $(#[$doc])*
        pub(crate) struct $kernel;

        impl MicroKernel<$t> for $kernel {
            const MR: usize = $mr;
            const NR: usize = $nv * $w;
            const KC: usize = $kc;
            const MC: usize = $mc;
            const NC: usize = $nc;

            #[inline]
            unsafe fn run(k: usize, alpha: $t, a: *const $t, b: *const $t, beta: $t, c: Tile<$t>) {
                // SAFETY: the pointer contract is the caller's (see `MicroKernel::run`); the
                // CPU feature was detected before this kernel could be selected. A tile with
                // few rows (the bottom edge of C) runs a shorter tile over the same packed panel:
                // the same products and sums for its rows, without the zero rows' work.
                unsafe {
                    match c.rows {
                        r if r <= 4 && $mr > 4 => $body::<4>(k, alpha, a, b, beta, c),
                        r if r <= 8 && $mr > 8 => $body::<8>(k, alpha, a, b, beta, c),
                        _ => $body::<$mr>(k, alpha, a, b, beta, c),
                    }
                }
            }
        }

        /// The kernel on the first `ROWS ≤ MR` rows of the packed A panel.
        #[target_feature(enable = $feat)]
        unsafe fn $body<const ROWS: usize>(
            k: usize,
            alpha: $t,
            a: *const $t,
            b: *const $t,
            beta: $t,
            c: Tile<$t>,
        ) {
            const MR: usize = $mr;
            const NV: usize = $nv;
            const W: usize = $w;
            const NR: usize = NV * W;
            let mut acc = [[$zero(); NV]; ROWS];
            // SAFETY: `a` holds `k·MR` and `b` holds `k·NR` elements (caller contract), so every
            // offset below stays in bounds.
            unsafe {
                // The depth loop: one rank-1 update of the register tile per step.
                for p in 0..k {
                    let bp = b.add(p * NR);
                    let mut bv = [$zero(); NV];
                    for (v, x) in bv.iter_mut().enumerate() {
                        *x = $load(bp.add(v * W));
                    }
                    let ap = a.add(p * MR);
                    for (i, row) in acc.iter_mut().enumerate() {
                        let ai = $set1(*ap.add(i));
                        for (x, &bj) in row.iter_mut().zip(&bv) {
                            *x = $fmadd(ai, bj, *x);
                        }
                    }
                }
            }
            let alpha_v = $set1(alpha);
            let beta_v = $set1(beta);
            let (rsc, csc) = (c.rs, c.cs);
            if csc == 1 {
                // Contiguous rows: whole vectors where they fit, a stack row for the ragged end.
                // SAFETY: only rows `i < c.rows` and columns `j < c.cols` of C are touched.
                unsafe {
                    for (i, row) in acc.iter().enumerate().take(c.rows) {
                        let ci = c.ptr.offset(i as isize * rsc);
                        for (v, &x) in row.iter().enumerate() {
                            let (cp, t) = (ci.add(v * W), $mul(alpha_v, x));
                            if (v + 1) * W <= c.cols {
                                let r = match beta == 0.0 {
                                    true => t,
                                    false => $add($mul(beta_v, $load(cp)), t),
                                };
                                $store(cp, r);
                            } else if v * W < c.cols {
                                let mut part = [0.0 as $t; W];
                                $store(part.as_mut_ptr(), t);
                                for (j, &t) in part.iter().enumerate().take(c.cols - v * W) {
                                    store_scalar(cp.add(j), t, beta);
                                }
                            }
                        }
                    }
                }
                return;
            }
            let mut tile = [[0.0 as $t; NR]; ROWS];
            // SAFETY: `tile` has `ROWS·NR` elements; `c` is writable on its `rows × cols` tile
            // (`rows ≤ ROWS`).
            unsafe {
                for (i, row) in acc.iter().enumerate() {
                    for (v, &x) in row.iter().enumerate() {
                        $store(tile[i].as_mut_ptr().add(v * W), $mul(alpha_v, x));
                    }
                }
                for i in 0..c.rows {
                    for j in 0..c.cols {
                        let cp = c.ptr.offset(i as isize * rsc + j as isize * csc);
                        store_scalar(cp, tile[i][j], beta);
                    }
                }
            }
        }
    };
}

simd_kernel!(
    /// AVX-512F f32 kernel, 12×32.
    Avx512F32, avx512_f32, f32, "avx512f", mr = 12, nv = 2, w = 16, kc = 512, mc = 96,
    nc = 2048, zero = _mm512_setzero_ps, set1 = _mm512_set1_ps, load = _mm512_loadu_ps,
    store = _mm512_storeu_ps, fmadd = _mm512_fmadd_ps, mul = _mm512_mul_ps, add = _mm512_add_ps
);

simd_kernel!(
    /// AVX-512F f64 kernel, 12×16.
    Avx512F64, avx512_f64, f64, "avx512f", mr = 12, nv = 2, w = 8, kc = 512, mc = 96,
    nc = 2048, zero = _mm512_setzero_pd, set1 = _mm512_set1_pd, load = _mm512_loadu_pd,
    store = _mm512_storeu_pd, fmadd = _mm512_fmadd_pd, mul = _mm512_mul_pd, add = _mm512_add_pd
);

simd_kernel!(
    /// AVX2+FMA f32 kernel, 6×16.
    Avx2F32, avx2_f32, f32, "avx2,fma", mr = 6, nv = 2, w = 8, kc = 384, mc = 96,
    nc = 2048, zero = _mm256_setzero_ps, set1 = _mm256_set1_ps, load = _mm256_loadu_ps,
    store = _mm256_storeu_ps, fmadd = _mm256_fmadd_ps, mul = _mm256_mul_ps, add = _mm256_add_ps
);

simd_kernel!(
    /// AVX2+FMA f64 kernel, 6×8.
    Avx2F64, avx2_f64, f64, "avx2,fma", mr = 6, nv = 2, w = 4, kc = 256, mc = 96,
    nc = 2048, zero = _mm256_setzero_pd, set1 = _mm256_set1_pd, load = _mm256_loadu_pd,
    store = _mm256_storeu_pd, fmadd = _mm256_fmadd_pd, mul = _mm256_mul_pd, add = _mm256_add_pd
);
