//! Packing `f32` operands into bf16 pair panels (see `kernel.rs` for the layout), rounding
//! each element to bf16 (nearest even) on the way.
//!
//! Two layouts get a loop that reads memory in order: lanes contiguous (`ls = 1`: B of `A·B`,
//! A of `Aᵀ·B`), converted a row pair at a time, and depth contiguous (`ds = 1`: A of `A·B`,
//! B of `A·Bᵀ`), converted a lane at a time. Any other stride takes the element-wise loop. All
//! three write the same values, and so do the AVX512_BF16 versions of the first two
//! (`x86_pack.rs`), used where the CPU has it.

use super::round::to_bf16_bits;
#[cfg(target_arch = "x86_64")]
use super::x86_pack as x86;

/// A strided `f32` source: lane `l`, depth `d` at `ptr + l·ls + d·ds`.
#[derive(Clone, Copy)]
pub(crate) struct Src {
    pub ptr: *const f32,
    pub ls: isize,
    pub ds: isize,
}

/// The packed pair of two depth-consecutive elements: `bf16(lo) | bf16(hi) << 16`.
#[inline(always)]
fn pair(lo: f32, hi: f32) -> u32 {
    u32::from(to_bf16_bits(lo)) | u32::from(to_bf16_bits(hi)) << 16
}

/// Packs `lanes` lanes of depth `depth` into panels of `R` lanes: panel `p` holds, for each
/// pair `q < ⌈depth/2⌉`, the `R` pairs `bf16(x[l][2q]) | bf16(x[l][2q+1]) << 16` of lanes
/// `l = p·R ..`, zero-padded past `lanes` and `depth`.
///
/// # Safety
/// Every element `(l, d)` with `l < lanes`, `d < depth` must be readable; `out` must hold
/// `⌈lanes/R⌉·R·⌈depth/2⌉` elements.
pub(crate) unsafe fn pack<const R: usize>(out: &mut [u32], src: Src, lanes: usize, depth: usize) {
    let kp = depth.div_ceil(2);
    #[cfg(target_arch = "x86_64")]
    let simd = crate::cpu::has_avx512_bf16();
    for (p, panel) in out
        .chunks_exact_mut(R * kp)
        .take(lanes.div_ceil(R))
        .enumerate()
    {
        let rows = R.min(lanes - p * R);
        let src = Src {
            // SAFETY: lane `p·R < lanes` lies inside the source.
            ptr: unsafe { src.ptr.offset((p * R) as isize * src.ls) },
            ..src
        };
        // SAFETY: lanes `< rows` and depths `< depth` of this panel are readable (the caller's
        // contract, shifted to the panel's first lane).
        unsafe {
            match (src.ls, src.ds) {
                #[cfg(target_arch = "x86_64")]
                (1, _) if simd => x86::panel_lanes_contiguous::<R>(panel, src, rows, depth),
                #[cfg(target_arch = "x86_64")]
                (_, 1) if simd => x86::panel_depth_contiguous::<R>(panel, src, rows, depth),
                (1, _) => panel_lanes_contiguous::<R>(panel, src, rows, depth),
                (_, 1) => panel_depth_contiguous::<R>(panel, src, rows, depth),
                _ => panel_strided::<R>(panel, src, rows, depth),
            }
        }
    }
}

/// One panel whose lanes are contiguous: per depth pair, two row slices converted side by side.
///
/// # Safety
/// As [`pack`], for one panel of `rows ≤ R` lanes.
pub(super) unsafe fn panel_lanes_contiguous<const R: usize>(
    panel: &mut [u32],
    src: Src,
    rows: usize,
    depth: usize,
) {
    let zeros = [0.0_f32; R];
    for (q, group) in panel.chunks_exact_mut(R).enumerate() {
        // SAFETY: depth `2q` (and `2q + 1` when below `depth`) holds `rows` readable lanes.
        let (lo, hi) = unsafe {
            let row =
                |d: usize| std::slice::from_raw_parts(src.ptr.offset(d as isize * src.ds), rows);
            (
                row(2 * q),
                if 2 * q + 1 < depth {
                    row(2 * q + 1)
                } else {
                    &zeros[..rows]
                },
            )
        };
        let (head, tail) = group.split_at_mut(rows);
        for ((slot, &lo), &hi) in head.iter_mut().zip(lo).zip(hi) {
            *slot = pair(lo, hi);
        }
        tail.fill(0);
    }
}

/// One panel whose depth is contiguous: per lane, its row of pairs scattered `R` apart.
///
/// # Safety
/// As [`pack`], for one panel of `rows ≤ R` lanes.
pub(super) unsafe fn panel_depth_contiguous<const R: usize>(
    panel: &mut [u32],
    src: Src,
    rows: usize,
    depth: usize,
) {
    if rows < R {
        panel.fill(0);
    }
    for l in 0..rows {
        // SAFETY: lane `l` holds `depth` contiguous readable elements.
        let row = unsafe { std::slice::from_raw_parts(src.ptr.offset(l as isize * src.ls), depth) };
        let mut pairs = row.chunks_exact(2);
        for (q, two) in pairs.by_ref().enumerate() {
            panel[q * R + l] = pair(two[0], two[1]);
        }
        if let [last] = pairs.remainder() {
            panel[(depth / 2) * R + l] = pair(*last, 0.0);
        }
    }
}

/// One panel of any strides, element by element.
///
/// # Safety
/// As [`pack`], for one panel of `rows ≤ R` lanes.
unsafe fn panel_strided<const R: usize>(panel: &mut [u32], src: Src, rows: usize, depth: usize) {
    for (q, group) in panel.chunks_exact_mut(R).enumerate() {
        for (l, slot) in group.iter_mut().enumerate() {
            let read = |d: usize| match l < rows && d < depth {
                // SAFETY: lane `l < rows`, depth `d < depth`: readable.
                true => unsafe { *src.ptr.offset(l as isize * src.ls + d as isize * src.ds) },
                false => 0.0,
            };
            *slot = pair(read(2 * q), read(2 * q + 1));
        }
    }
}
