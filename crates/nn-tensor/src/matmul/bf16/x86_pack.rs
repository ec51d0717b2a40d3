//! AVX512_BF16 packing: the two in-order layouts of `pack.rs`, sixteen elements per
//! `vcvtneps2bf16`. [`to_bf16_bits`](super::round::to_bf16_bits) is that instruction's rule, so
//! these loops write exactly the values of the portable ones.
//!
//! Only reachable after [`crate::cpu::has_avx512_bf16`] returned `true`.

use super::pack::Src;
use std::arch::x86_64::*;

/// Elements per vector.
const V: usize = 16;

/// The mask of the first `n.min(16)` lanes.
#[inline(always)]
fn first(n: usize) -> __mmask16 {
    match n >= V {
        true => 0xffff,
        false => ((1_u32 << n) - 1) as __mmask16,
    }
}

/// Sixteen bf16 pairs `bf16(lo[i]) | bf16(hi[i]) << 16`.
///
/// # Safety
/// AVX512_BF16, AVX-512F and AVX-512BW.
#[inline]
#[target_feature(enable = "avx512bf16,avx512f,avx512bw")]
unsafe fn pairs(lo: __m512, hi: __m512) -> __m512i {
    // Words 0..16 are bf16(lo), 16..32 bf16(hi); interleave them word by word.
    // SAFETY: `__m512bh` and `__m512i` are both 64 plain bytes.
    let both: __m512i = unsafe { std::mem::transmute(_mm512_cvtne2ps_pbh(hi, lo)) };
    let order = _mm512_set_epi16(
        31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22, 6, 21, 5, 20, 4,
        19, 3, 18, 2, 17, 1, 16, 0,
    );
    _mm512_permutexvar_epi16(order, both)
}

/// `pack.rs`'s lanes-contiguous panel: per depth pair, the two rows of lanes converted sixteen
/// at a time (lanes past `rows` and a missing odd row read as zero).
///
/// # Safety
/// As `pack.rs`'s `panel_lanes_contiguous` (`src.ls == 1`), on a CPU with AVX512_BF16,
/// AVX-512F and AVX-512BW.
#[target_feature(enable = "avx512bf16,avx512f,avx512bw")]
pub(super) unsafe fn panel_lanes_contiguous<const R: usize>(
    panel: &mut [u32],
    src: Src,
    rows: usize,
    depth: usize,
) {
    for (q, group) in panel.chunks_exact_mut(R).enumerate() {
        for l in (0..R).step_by(V) {
            let (load, store) = (first(rows.saturating_sub(l)), first(R - l));
            // SAFETY: depth 2q (and 2q + 1 when below `depth`) holds `rows` readable lanes;
            // masked-off lanes are not read. The group holds R slots, `store` covers those
            // from `l` on.
            unsafe {
                let row = |d: usize| src.ptr.offset(d as isize * src.ds).add(l);
                let lo = _mm512_maskz_loadu_ps(load, row(2 * q));
                let hi = match 2 * q + 1 < depth {
                    true => _mm512_maskz_loadu_ps(load, row(2 * q + 1)),
                    false => _mm512_setzero_ps(),
                };
                let out = group.as_mut_ptr().add(l);
                _mm512_mask_storeu_epi32(out.cast(), store, pairs(lo, hi));
            }
        }
    }
}

/// `pack.rs`'s depth-contiguous panel: per lane, its row converted thirty-two elements (sixteen
/// pairs) at a time and the pairs stored `R` apart (a missing odd element reads as zero).
///
/// # Safety
/// As `pack.rs`'s `panel_depth_contiguous` (`src.ds == 1`), on a CPU with AVX512_BF16,
/// AVX-512F and AVX-512BW.
#[target_feature(enable = "avx512bf16,avx512f,avx512bw")]
pub(super) unsafe fn panel_depth_contiguous<const R: usize>(
    panel: &mut [u32],
    src: Src,
    rows: usize,
    depth: usize,
) {
    if rows < R {
        panel.fill(0);
    }
    let kp = depth.div_ceil(2);
    let mut chunk = [0_u32; V];
    for l in 0..rows {
        for d in (0..depth).step_by(2 * V) {
            // SAFETY: lane `l` holds `depth` contiguous readable elements; masked-off
            // elements are not read.
            unsafe {
                let row = src.ptr.offset(l as isize * src.ls).add(d);
                let lo = _mm512_maskz_loadu_ps(first(depth - d), row);
                let hi = _mm512_maskz_loadu_ps(first((depth - d).saturating_sub(V)), row.add(V));
                // `__m512bh` and `__m512i` are both 64 plain bytes.
                let both: __m512i = std::mem::transmute(_mm512_cvtne2ps_pbh(hi, lo));
                _mm512_storeu_si512(chunk.as_mut_ptr().cast(), both);
            }
            let q0 = d / 2;
            for (t, &p) in chunk.iter().take(kp - q0).enumerate() {
                panel[(q0 + t) * R + l] = p;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::pack::panel_lanes_contiguous as lanes_scalar;
    use super::super::pack::{panel_depth_contiguous as depth_scalar, Src};
    use super::*;
    use nn_testutil::Lcg;

    /// Values of every kind: ordinary ones, rounding ties, subnormals (incl. the largest, which
    /// would round up to a normal), ±0, ±∞, NaN and the extremes.
    fn values(n: usize, seed: u64) -> Vec<f32> {
        let special = [
            0.0,
            -0.0,
            1.0 + 1.0 / 256.0,
            1.0 + 3.0 / 256.0,
            f32::from_bits(0x007f_ffff),
            -f32::from_bits(0x0000_0001),
            f32::MIN_POSITIVE,
            f32::MAX,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
        ];
        let mut rng = Lcg::new(seed);
        (0..n)
            .map(|i| match i % 7 {
                0 => special[(i / 7) % special.len()],
                _ => (rng.symmetric() * 100.0) as f32,
            })
            .collect()
    }

    /// Packs one panel both ways from a `lanes × depth` source stored with the given strides.
    fn both<const R: usize>(lanes_first: bool, rows: usize, depth: usize) -> (Vec<u32>, Vec<u32>) {
        let data = values(rows * depth, (rows * 1000 + depth) as u64);
        let (ls, ds) = match lanes_first {
            true => (1, rows as isize),
            false => (depth as isize, 1),
        };
        let src = Src {
            ptr: data.as_ptr(),
            ls,
            ds,
        };
        let kp = depth.div_ceil(2);
        let (mut want, mut got) = (vec![7_u32; R * kp], vec![9_u32; R * kp]);
        // SAFETY: `data` holds every (lane < rows, depth < depth) element at these strides; the
        // panels hold R·kp pairs; the test runs only where the CPU has AVX512_BF16.
        unsafe {
            match lanes_first {
                true => {
                    lanes_scalar::<R>(&mut want, src, rows, depth);
                    panel_lanes_contiguous::<R>(&mut got, src, rows, depth);
                }
                false => {
                    depth_scalar::<R>(&mut want, src, rows, depth);
                    panel_depth_contiguous::<R>(&mut got, src, rows, depth);
                }
            }
        }
        (want, got)
    }

    #[test]
    fn simd_panels_equal_the_portable_ones_bit_for_bit() {
        if !crate::cpu::has_avx512_bf16() {
            return;
        }
        for lanes_first in [true, false] {
            for depth in [1, 2, 3, 31, 32, 33, 64, 65, 100] {
                for rows in [1, 5, 11, 12] {
                    let (want, got) = both::<12>(lanes_first, rows, depth);
                    assert_eq!(got, want, "R 12, rows {rows}, depth {depth}, {lanes_first}");
                }
                for rows in [1, 15, 16, 17, 31, 32] {
                    let (want, got) = both::<32>(lanes_first, rows, depth);
                    assert_eq!(got, want, "R 32, rows {rows}, depth {depth}, {lanes_first}");
                }
            }
        }
    }

    /// `to_bf16_bits` against the instruction on every `f32` bit pattern (≈ 15 s in release:
    /// `cargo test --release -p nn-tensor --lib -- --ignored every_f32`).
    #[test]
    #[ignore = "2^32 inputs: run in release"]
    fn every_f32_rounds_as_vcvtneps2bf16_does() {
        if !crate::cpu::has_avx512_bf16() {
            return;
        }
        let mut mismatches = 0_u64;
        for start in (0..1_u64 << 32).step_by(2 * V) {
            let x: [f32; 2 * V] =
                std::array::from_fn(|i| f32::from_bits((start + i as u64) as u32));
            let mut got = [0_u16; 2 * V];
            // SAFETY: the CPU has AVX512_BF16 (checked above); both arrays hold 32 elements.
            unsafe {
                let lo = _mm512_loadu_ps(x.as_ptr());
                let hi = _mm512_loadu_ps(x.as_ptr().add(V));
                let both: __m512i = std::mem::transmute(_mm512_cvtne2ps_pbh(hi, lo));
                _mm512_storeu_si512(got.as_mut_ptr().cast(), both);
            }
            let want = x.map(super::super::round::to_bf16_bits);
            mismatches += got.iter().zip(&want).filter(|(g, w)| g != w).count() as u64;
        }
        assert_eq!(mismatches, 0);
    }
}
