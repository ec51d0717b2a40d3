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
        // SAFETY: forwarded from this function's contract for lanes `l0..l0 + width`.
        unsafe { pack_panel(out, Src { ptr, ..src }, r, width, depth) };
    }
}

/// Packs one panel of `width ≤ r` lanes, picking the loop order that reads memory in order.
///
/// # Safety
/// As [`pack`], for one panel: `out.len() == r·depth`.
unsafe fn pack_panel<T: Float>(out: &mut [T], src: Src<T>, r: usize, width: usize, depth: usize) {
    debug_assert_eq!(out.len(), r * depth);
    if width < r {
        out.fill(T::zero());
    }
    let at = |l: usize, d: usize| {
        // SAFETY: callers below only pass `l < width`, `d < depth` (function contract).
        unsafe { *src.ptr.offset(l as isize * src.ls + d as isize * src.ds) }
    };
    if src.ds == 1 {
        // Lanes are rows of contiguous depth: read each lane in order, scatter into the panel.
        for l in 0..width {
            for (d, o) in out.iter_mut().skip(l).step_by(r).enumerate() {
                *o = at(l, d);
            }
        }
    } else {
        for (d, chunk) in out.chunks_exact_mut(r).enumerate() {
            for (l, o) in chunk[..width].iter_mut().enumerate() {
                *o = at(l, d);
            }
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

    /// Packs a 3×5 matrix (`x[i][d] = 10·i + d`) with `R = 2` from both layouts.
    #[test]
    fn packs_panels_depth_major_with_zero_padding() {
        let rows: Vec<f64> = (0..3)
            .flat_map(|i| (0..5).map(move |d| f64::from(10 * i + d)))
            .collect();
        let cols: Vec<f64> = (0..5)
            .flat_map(|d| (0..3).map(move |i| f64::from(10 * i + d)))
            .collect();
        let want: Vec<f64> = vec![
            0., 10., 1., 11., 2., 12., 3., 13., 4., 14., // panel 0: lanes 0, 1
            20., 0., 21., 0., 22., 0., 23., 0., 24., 0., // panel 1: lane 2 + padding
        ];
        for (data, ls, ds) in [(&rows, 5, 1), (&cols, 1, 3)] {
            let mut dst = vec![f64::NAN; 20];
            let src = Src {
                ptr: data.as_ptr(),
                ls,
                ds,
            };
            // SAFETY: 3 lanes × 5 depth are in bounds for both layouts; dst holds 2·2·5.
            unsafe { pack(&mut dst, src, 2, 3, 5) };
            assert_eq!(dst, want);
        }
    }
}
