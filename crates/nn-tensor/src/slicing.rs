//! [`s!`](crate::s), a slice-of-ranges macro for crates that `#![forbid(unsafe_code)]`.
//!
//! ndarray's own `s!` expands to an `unsafe` block under `#[allow(unsafe_code)]`, which a crate
//! that forbids unsafe code cannot compile. This one covers what those crates slice with —
//! one range per axis, optionally with a step (`..n`, `.., a..b`, `.., ..;-1`) — and builds the
//! `SliceInfo` through ndarray's checked, safe `TryFrom` instead.

use ndarray::{Dim, Dimension, ShapeError, Slice, SliceInfo, SliceInfoElem};

/// A `SliceInfo` keeping every axis, one range per axis: what `s![a..b, ..]` and the like
/// produce (both dimensionalities are `N`).
pub type Ranges<const N: usize> = SliceInfo<[SliceInfoElem; N], Dim<[usize; N]>, Dim<[usize; N]>>;

/// Slices an array with one range per axis, each optionally followed by `;step` (negative
/// steps walk backwards), like ndarray's `s!` restricted to ranges, but without `unsafe`.
///
/// ```
/// use ndarray::array;
/// let a = array![[1, 2, 3], [4, 5, 6]];
/// assert_eq!(a.slice(nn_tensor::s![..1, 1..]), array![[2, 3]]);
/// assert_eq!(a.slice(nn_tensor::s![.., ..;-1]), array![[3, 2, 1], [6, 5, 4]]);
/// ```
#[macro_export]
macro_rules! s {
    ($($range:expr $(; $step:expr)?),+ $(,)?) => {
        $crate::slicing::ranges([$($crate::slicing::range($range, $crate::__s_step!($($step)?))),+])
    };
}

/// The step of one axis of [`s!`](crate::s): 1 unless given.
#[doc(hidden)]
#[macro_export]
macro_rules! __s_step {
    () => {
        1
    };
    ($step:expr) => {
        $step
    };
}

/// One axis of [`s!`](crate::s): `range` with `step`.
///
/// ```
/// let e = nn_tensor::slicing::range(1..3, -1);
/// assert_eq!(e, ndarray::SliceInfoElem::Slice { start: 1, end: Some(3), step: -1 });
/// ```
///
/// # Panics
/// If `step` is 0 (as ndarray's `s!`).
#[track_caller]
pub fn range(range: impl Into<Slice>, step: isize) -> SliceInfoElem {
    range.into().step_by(step).into()
}

/// The `SliceInfo` of [`s!`](crate::s) from its per-axis ranges.
///
/// ```
/// let info = nn_tensor::slicing::ranges([nn_tensor::slicing::range(.., 1)]);
/// assert_eq!(ndarray::array![1, 2].slice(info), ndarray::array![1, 2]);
/// ```
pub fn ranges<const N: usize>(elems: [SliceInfoElem; N]) -> Ranges<N>
where
    Dim<[usize; N]>: Dimension,
    Ranges<N>: TryFrom<[SliceInfoElem; N], Error = ShapeError>,
{
    match Ranges::<N>::try_from(elems) {
        Ok(info) => info,
        // Every element is a range: N axes in, N axes out, which `try_from` always accepts.
        Err(e) => unreachable!("ranges keep every axis: {e}"),
    }
}
