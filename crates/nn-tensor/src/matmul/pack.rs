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
