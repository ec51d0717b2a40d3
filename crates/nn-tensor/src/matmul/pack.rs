//! Packing: copying a block of A or B into the contiguous, zero-padded micro-panel layout the
//! micro-kernels read, whatever the source strides (this is where transposes disappear).
//!
//! Both operands pack the same way. A block has `lanes` (rows of A, or columns of B) and a
//! depth (`kc`); it is cut into panels of `R` lanes (`R = MR` for A, `NR` for B), and each panel
//! is stored depth-major: `R` lane values for depth 0, then depth 1, ... Missing lanes of the
//! last panel are zero, so kernels never read garbage.

use crate::Float;
use std::cell::RefCell;

/// A strided read-only source: element `(lane, d)` lives at `ptr + lane·ls + d·ds`.
#[derive(Clone, Copy)]
pub(crate) struct Src<T> {
    pub ptr: *const T,
    pub ls: isize,
    pub ds: isize,
}

/// Packs `lanes × depth` elements of `src` into `dst` as panels of `R = r` lanes.
///
/// # Safety
/// `src` must be readable at every `(lane, d)` with `lane < lanes`, `d < depth`;
/// `dst` must hold at least `ceil(lanes / R)·R·depth` elements.
pub(crate) unsafe fn pack<T: Float>(
    dst: &mut [T],
    src: Src<T>,
    r: usize,
    lanes: usize,
    depth: usize,
) {
    for (panel, out) in dst
        .chunks_exact_mut(r * depth)
        .take(lanes.div_ceil(r))
        .enumerate()
    {
        let l0 = panel * r;
        // SAFETY: lane `l0` is in range, so the offset stays inside the source.
        let ptr = unsafe { src.ptr.offset(l0 as isize * src.ls) };
        let width = r.min(lanes - l0);
        let src = Src { ptr, ..src };
        // SAFETY: forwarded from this function's contract for lanes `l0..l0 + width`. The
        // constant-width copies let the compiler unroll the common kernel widths.
        unsafe {
            match r {
                4 => pack_panel::<T, 4>(out, src, width, depth),
                6 => pack_panel::<T, 6>(out, src, width, depth),
                8 => pack_panel::<T, 8>(out, src, width, depth),
                12 => pack_panel::<T, 12>(out, src, width, depth),
                16 => pack_panel::<T, 16>(out, src, width, depth),
                32 => pack_panel::<T, 32>(out, src, width, depth),
                _ => unreachable!("no kernel has a tile side of {r}"),
            }
        }
    }
}

/// Packs one panel of `width ≤ R` lanes, depth step by depth step: the writes are contiguous
/// and at most `R` source streams are live, which stays in L1 even for a deep `kc`.
///
/// # Safety
/// As [`pack`], for one panel: `out.len() == R·depth`.
unsafe fn pack_panel<T: Float, const R: usize>(
    out: &mut [T],
    src: Src<T>,
    width: usize,
    depth: usize,
) {
    debug_assert_eq!(out.len(), R * depth);
    if width < R {
        out.fill(T::zero());
    }
    let at = |l: usize, d: usize| {
        // SAFETY: callers below only pass `l < width`, `d < depth` (function contract).
        unsafe { *src.ptr.offset(l as isize * src.ls + d as isize * src.ds) }
    };
    if src.ls == 1 && width == R {
        // Lanes contiguous (row-major B, column-major A): copy R elements per depth step.
        for (d, chunk) in out.chunks_exact_mut(R).enumerate() {
            // SAFETY: lanes 0..R of depth `d` are R contiguous, readable elements.
            let row = unsafe { std::slice::from_raw_parts(src.ptr.offset(d as isize * src.ds), R) };
            chunk.copy_from_slice(row);
        }
    } else if src.ds == 1 {
        #[cfg(target_arch = "x86_64")]
        if crate::cpu::has_avx2_fma() {
            // SAFETY: forwarded contract; AVX2 was just detected.
            return unsafe { x86_pack::pack_rows_avx2::<T, R>(out, src, width, depth) };
        }
        // SAFETY: forwarded contract.
        unsafe { pack_rows::<T, R>(out, src, width, depth) };
    } else {
        for (d, chunk) in out.chunks_exact_mut(R).enumerate() {
            for (l, o) in chunk[..width].iter_mut().enumerate() {
                *o = at(l, d);
            }
        }
    }
}

/// Depth block of [`pack_rows`]: how many contiguous elements one lane read covers.
const DB: usize = 8;

/// [`pack_panel`] for lanes that are contiguous along the depth (row-major A, transposed B):
/// a small transpose, `DB` depth steps at a time, so each lane is read `DB` elements at once and
/// the writes stay inside one `DB×R` block.
///
/// # Safety
/// As [`pack_panel`], with `src.ds == 1`.
unsafe fn pack_rows<T: Float, const R: usize>(
    out: &mut [T],
    src: Src<T>,
    width: usize,
    depth: usize,
) {
    let full = depth / DB * DB;
    for (b, block) in out[..full * R].chunks_exact_mut(DB * R).enumerate() {
        for l in 0..width {
            // SAFETY: lane `l < width`, depths `b·DB..(b+1)·DB ≤ depth` are contiguous.
            let run = unsafe {
                std::slice::from_raw_parts(src.ptr.offset(l as isize * src.ls).add(b * DB), DB)
            };
            for (dd, &x) in run.iter().enumerate() {
                block[dd * R + l] = x;
            }
        }
    }
    for d in full..depth {
        for l in 0..width {
            // SAFETY: `l < width`, `d < depth`.
            out[d * R + l] = unsafe { *src.ptr.offset(l as isize * src.ls).add(d) };
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86_pack {
    use super::Src;
    use crate::Float;
    use std::arch::x86_64::*;
    use std::mem::size_of;

    /// [`super::pack_rows`] with in-register transposes: 8×8 (f32, AVX) and 4×4 blocks (f32
    /// SSE, f64 AVX) of lanes × depth; the lanes and depths left over are copied one by one.
    /// The packed values are the same, only the copy is faster.
    ///
    /// # Safety
    /// As [`super::pack_rows`], and the CPU supports AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn pack_rows_avx2<T: Float, const R: usize>(
        out: &mut [T],
        src: Src<T>,
        width: usize,
        depth: usize,
    ) {
        debug_assert!(out.len() >= R * depth && width <= R);
        let o = out.as_mut_ptr();
        // Lanes 0..lv are done in blocks for depths 0..dv; the rest element by element.
        let (lv, dv);
        // SAFETY: every block reads lanes `< width` at depths `< depth` (contiguous along the
        // depth, `ds == 1`) and writes inside `out[..R·depth]`.
        unsafe {
            let ls = src.ls;
            if size_of::<T>() == 4 {
                let (o, s) = (o.cast::<f32>(), src.ptr.cast::<f32>());
                dv = depth / 8 * 8;
                let l = blocks::<_, 8, R>(o, s, ls, 0, width, dv, |o, s| t8x8_f32(o, R, s, ls));
                lv = blocks::<_, 4, R>(o, s, ls, l, width, dv, |o, s| t4x4_f32(o, R, s, ls));
            } else {
                let (o, s) = (o.cast::<f64>(), src.ptr.cast::<f64>());
                dv = depth / 4 * 4;
                lv = blocks::<_, 4, R>(o, s, ls, 0, width, dv, |o, s| t4x4_f64(o, R, s, ls));
            }
            for d in 0..depth {
                let lanes = if d < dv { lv..width } else { 0..width };
                for l in lanes {
                    *o.add(d * R + l) = *src.ptr.offset(l as isize * src.ls).add(d);
                }
            }
        }
    }

    /// Transposes `B×B` blocks with `t` (given the block's output and source) for lanes `l..`
    /// while `B` more fit below `width`, at depths `0..dv` (a multiple of `B`); returns the
    /// first lane left over.
    ///
    /// # Safety
    /// `t` must be safe to call on every block inside the panel (see `pack_rows_avx2`).
    #[inline(always)]
    unsafe fn blocks<E, const B: usize, const R: usize>(
        o: *mut E,
        s: *const E,
        ls: isize,
        mut l: usize,
        width: usize,
        dv: usize,
        t: impl Fn(*mut E, *const E),
    ) -> usize {
        while l + B <= width {
            for d in (0..dv).step_by(B) {
                // SAFETY: lanes `l..l + B <= width` at depths `d..d + B <= dv` (forwarded).
                unsafe { t(o.add(d * R + l), s.offset(l as isize * ls).add(d)) };
            }
            l += B;
        }
        l
    }

    /// Writes the transpose of the 8×8 block at `s` (row stride `ls`) to `o` (row stride `os`).
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn t8x8_f32(o: *mut f32, os: usize, s: *const f32, ls: isize) {
        // SAFETY: the caller passes 8 readable rows of 8 and 8 writable rows of 8.
        unsafe {
            let r = |i: isize| _mm256_loadu_ps(s.offset(i * ls));
            let (r0, r1, r2, r3) = (r(0), r(1), r(2), r(3));
            let (r4, r5, r6, r7) = (r(4), r(5), r(6), r(7));
            let (t0, t1) = (_mm256_unpacklo_ps(r0, r1), _mm256_unpackhi_ps(r0, r1));
            let (t2, t3) = (_mm256_unpacklo_ps(r2, r3), _mm256_unpackhi_ps(r2, r3));
            let (t4, t5) = (_mm256_unpacklo_ps(r4, r5), _mm256_unpackhi_ps(r4, r5));
            let (t6, t7) = (_mm256_unpacklo_ps(r6, r7), _mm256_unpackhi_ps(r6, r7));
            let s0 = _mm256_shuffle_ps::<0x44>(t0, t2);
            let s1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
            let s2 = _mm256_shuffle_ps::<0x44>(t1, t3);
            let s3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
            let s4 = _mm256_shuffle_ps::<0x44>(t4, t6);
            let s5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
            let s6 = _mm256_shuffle_ps::<0x44>(t5, t7);
            let s7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
            let w = |j: usize, v: __m256| _mm256_storeu_ps(o.add(j * os), v);
            w(0, _mm256_permute2f128_ps::<0x20>(s0, s4));
            w(1, _mm256_permute2f128_ps::<0x20>(s1, s5));
            w(2, _mm256_permute2f128_ps::<0x20>(s2, s6));
            w(3, _mm256_permute2f128_ps::<0x20>(s3, s7));
            w(4, _mm256_permute2f128_ps::<0x31>(s0, s4));
            w(5, _mm256_permute2f128_ps::<0x31>(s1, s5));
            w(6, _mm256_permute2f128_ps::<0x31>(s2, s6));
            w(7, _mm256_permute2f128_ps::<0x31>(s3, s7));
        }
    }

    /// Writes the transpose of the 4×4 block at `s` (row stride `ls`) to `o` (row stride `os`).
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn t4x4_f32(o: *mut f32, os: usize, s: *const f32, ls: isize) {
        // SAFETY: the caller passes 4 readable rows of 4 and 4 writable rows of 4.
        unsafe {
            let r = |i: isize| _mm_loadu_ps(s.offset(i * ls));
            let (r0, r1, r2, r3) = (r(0), r(1), r(2), r(3));
            let (t0, t1) = (_mm_unpacklo_ps(r0, r1), _mm_unpacklo_ps(r2, r3));
            let (t2, t3) = (_mm_unpackhi_ps(r0, r1), _mm_unpackhi_ps(r2, r3));
            _mm_storeu_ps(o, _mm_movelh_ps(t0, t1));
            _mm_storeu_ps(o.add(os), _mm_movehl_ps(t1, t0));
            _mm_storeu_ps(o.add(2 * os), _mm_movelh_ps(t2, t3));
            _mm_storeu_ps(o.add(3 * os), _mm_movehl_ps(t3, t2));
        }
    }

    /// Writes the transpose of the 4×4 f64 block at `s` (row stride `ls`) to `o` (stride `os`).
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn t4x4_f64(o: *mut f64, os: usize, s: *const f64, ls: isize) {
        // SAFETY: the caller passes 4 readable rows of 4 and 4 writable rows of 4.
        unsafe {
            let r = |i: isize| _mm256_loadu_pd(s.offset(i * ls));
            let (r0, r1, r2, r3) = (r(0), r(1), r(2), r(3));
            let (t0, t1) = (_mm256_unpacklo_pd(r0, r1), _mm256_unpackhi_pd(r0, r1));
            let (t2, t3) = (_mm256_unpacklo_pd(r2, r3), _mm256_unpackhi_pd(r2, r3));
            _mm256_storeu_pd(o, _mm256_permute2f128_pd::<0x20>(t0, t2));
            _mm256_storeu_pd(o.add(os), _mm256_permute2f128_pd::<0x20>(t1, t3));
            _mm256_storeu_pd(o.add(2 * os), _mm256_permute2f128_pd::<0x31>(t0, t2));
            _mm256_storeu_pd(o.add(3 * os), _mm256_permute2f128_pd::<0x31>(t1, t3));
        }
    }
}

/// A 64-byte aligned chunk, the unit of [`Workspace`] storage.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u8; 64]);

/// Packing buffers reused across calls (one per thread, see [`with_workspace`]).
#[derive(Default)]
pub(crate) struct Workspace {
    a: Vec<Line>,
    b: Vec<Line>,
}

impl Workspace {
    /// Two aligned buffers of at least `len_a` and `len_b` elements.
    pub(crate) fn buffers<T: Float>(&mut self, len_a: usize, len_b: usize) -> (&mut [T], &mut [T]) {
        (as_elems(&mut self.a, len_a), as_elems(&mut self.b, len_b))
    }
}

/// Grows `lines` to hold `len` elements of `T` and views them as `&mut [T]`.
fn as_elems<T: Float>(lines: &mut Vec<Line>, len: usize) -> &mut [T] {
    let size = std::mem::size_of::<T>();
    let need = (len * size).div_ceil(64);
    if lines.len() < need {
        lines.resize(need, Line([0; 64]));
    }
    // SAFETY: `lines` owns at least `len·size_of::<T>()` initialised bytes, aligned to 64 (≥ the
    // alignment of f32/f64), and every bit pattern is a valid f32/f64.
    unsafe { std::slice::from_raw_parts_mut(lines.as_mut_ptr().cast::<T>(), len) }
}

thread_local! {
    static WORKSPACE: RefCell<Workspace> = RefCell::new(Workspace::default());
}

/// Runs `f` with this thread's packing workspace (a fresh one if it is already in use).
pub(crate) fn with_workspace<R>(f: impl FnOnce(&mut Workspace) -> R) -> R {
    WORKSPACE.with(|w| match w.try_borrow_mut() {
        Ok(mut ws) => f(&mut ws),
        Err(_) => f(&mut Workspace::default()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vectorised transposing copy gives exactly the scalar one's panels, for every tile
    /// side, partial widths and depths that are not multiples of the block.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn vectorised_row_packing_matches_scalar() {
        fn check<T: Float, const R: usize>() {
            if !crate::cpu::has_avx2_fma() {
                return;
            }
            let ls = 53;
            let data: Vec<T> = (0..40 * ls)
                .map(|x| <T as Float>::from_f64(x as f64 + 0.5))
                .collect();
            for width in [1, 3, 4, 5, 7, 8, 9, 11, 12, 13, 16, 31, 32]
                .into_iter()
                .filter(|&w| w <= R)
            {
                for depth in [0, 1, 3, 4, 7, 8, 9, 16, 17, 50] {
                    let src = Src {
                        ptr: data[2..].as_ptr(),
                        ls: ls as isize,
                        ds: 1,
                    };
                    let mut want = vec![T::nan(); R * depth + 3];
                    let mut got = want.clone();
                    // SAFETY: `width ≤ R ≤ 32` lanes of 53 with `depth ≤ 50` are inside `data`;
                    // both outputs hold `R·depth` elements (and three sentinels).
                    unsafe {
                        want[..R * depth].fill(T::zero());
                        got[..R * depth].fill(T::zero());
                        pack_rows::<T, R>(&mut want, src, width, depth);
                        x86_pack::pack_rows_avx2::<T, R>(&mut got, src, width, depth);
                    }
                    let same = want
                        .iter()
                        .zip(&got)
                        .all(|(x, y)| Float::to_f64(*x).to_bits() == Float::to_f64(*y).to_bits());
                    assert!(same, "{} R={R} width={width} depth={depth}", T::NAME);
                }
            }
        }
        check::<f32, 4>();
        check::<f32, 6>();
        check::<f32, 8>();
        check::<f32, 12>();
        check::<f32, 16>();
        check::<f32, 32>();
        check::<f64, 4>();
        check::<f64, 6>();
        check::<f64, 8>();
        check::<f64, 12>();
        check::<f64, 16>();
    }

    /// Packs a 3×5 matrix (`x[i][d] = 10·i + d`) with `R = 4` from both layouts.
    #[test]
    fn packs_panels_depth_major_with_zero_padding() {
        let rows: Vec<f64> = (0..3)
            .flat_map(|i| (0..5).map(move |d| f64::from(10 * i + d)))
            .collect();
        let cols: Vec<f64> = (0..5)
            .flat_map(|d| (0..3).map(move |i| f64::from(10 * i + d)))
            .collect();
        // One panel: lanes 0, 1, 2 and a zero lane, for each depth d.
        let want: Vec<f64> = (0..5)
            .flat_map(|d| [d, 10 + d, 20 + d].map(f64::from).into_iter().chain([0.0]))
            .collect();
        for (data, ls, ds) in [(&rows, 5, 1), (&cols, 1, 3)] {
            let mut dst = vec![f64::NAN; 20];
            let src = Src {
                ptr: data.as_ptr(),
                ls,
                ds,
            };
            // SAFETY: 3 lanes × 5 depth are in bounds for both layouts; dst holds 4·5.
            unsafe { pack(&mut dst, src, 4, 3, 5) };
            assert_eq!(dst, want);
        }
    }
}
