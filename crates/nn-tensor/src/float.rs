//! The [`Float`] trait: the element types nn computes in (`f32`, `f64`).

use ndarray::{ArrayView2, ArrayViewMut2, NdFloat};

/// A floating-point element type usable everywhere in nn (`f32` for fast training, `f64` for
/// textbook-exact numbers and gradient checks).
///
/// ```
/// use nn_tensor::Float;
/// assert_eq!(<f32 as Float>::from_f64(0.5), 0.5_f32);
/// assert_eq!(<f64 as Float>::NAME, "f64");
/// ```
///
/// The trait is sealed in practice: its `GemmScalar` supertrait (which picks the GEMM kernels
/// for the type) is implemented for `f32` and `f64` only.
pub trait Float:
    NdFloat
    + num_traits::Float
    + Default
    + Send
    + Sync
    + 'static
    + crate::matmul::dispatch::sealed::GemmScalar
{
    /// The type's name as users write it (`"f32"` or `"f64"`).
    const NAME: &'static str;
    /// Converts from `f64`, rounding to nearest.
    fn from_f64(v: f64) -> Self;
    /// Converts to `f64` exactly.
    fn to_f64(self) -> f64;
    /// The slice as `&[f32]` when `Self` is `f32` (for `f32`-only fast paths), else `None`.
    ///
    /// ```
    /// use nn_tensor::Float;
    /// assert_eq!(f32::as_f32(&[1.0_f32]), Some(&[1.0_f32][..]));
    /// assert_eq!(f64::as_f32(&[1.0_f64]), None);
    /// ```
    fn as_f32(s: &[Self]) -> Option<&[f32]>;
    /// The slice as `&mut [f32]` when `Self` is `f32`, else `None`.
    fn as_f32_mut(s: &mut [Self]) -> Option<&mut [f32]>;
    /// The slice as `&[f64]` when `Self` is `f64`, else `None`.
    ///
    /// ```
    /// use nn_tensor::Float;
    /// assert_eq!(f64::as_f64(&[1.0_f64]), Some(&[1.0_f64][..]));
    /// assert_eq!(f32::as_f64(&[1.0_f32]), None);
    /// ```
    fn as_f64(s: &[Self]) -> Option<&[f64]>;
    /// The slice as `&mut [f64]` when `Self` is `f64`, else `None`.
    fn as_f64_mut(s: &mut [Self]) -> Option<&mut [f64]>;
    /// The matrix view as an `f32` view when `Self` is `f32`, else `None`.
    ///
    /// ```
    /// use nn_tensor::Float;
    /// let x = ndarray::array![[1.0_f64]];
    /// assert!(f64::view_f32(x.view()).is_none());
    /// ```
    fn view_f32(v: ArrayView2<'_, Self>) -> Option<ArrayView2<'_, f32>>;
    /// The mutable matrix view as an `f32` view when `Self` is `f32`, else `None`.
    fn view_f32_mut(v: ArrayViewMut2<'_, Self>) -> Option<ArrayViewMut2<'_, f32>>;
}

impl Float for f32 {
    const NAME: &'static str = "f32";
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn as_f32(s: &[Self]) -> Option<&[f32]> {
        Some(s)
    }
    fn as_f32_mut(s: &mut [Self]) -> Option<&mut [f32]> {
        Some(s)
    }
    fn as_f64(_: &[Self]) -> Option<&[f64]> {
        None
    }
    fn as_f64_mut(_: &mut [Self]) -> Option<&mut [f64]> {
        None
    }
    fn view_f32(v: ArrayView2<'_, Self>) -> Option<ArrayView2<'_, f32>> {
        Some(v)
    }
    fn view_f32_mut(v: ArrayViewMut2<'_, Self>) -> Option<ArrayViewMut2<'_, f32>> {
        Some(v)
    }
}

impl Float for f64 {
    const NAME: &'static str = "f64";
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn as_f32(_: &[Self]) -> Option<&[f32]> {
        None
    }
    fn as_f32_mut(_: &mut [Self]) -> Option<&mut [f32]> {
        None
    }
    fn as_f64(s: &[Self]) -> Option<&[f64]> {
        Some(s)
    }
    fn as_f64_mut(s: &mut [Self]) -> Option<&mut [f64]> {
        Some(s)
    }
    fn view_f32(_: ArrayView2<'_, Self>) -> Option<ArrayView2<'_, f32>> {
        None
    }
    fn view_f32_mut(_: ArrayViewMut2<'_, Self>) -> Option<ArrayViewMut2<'_, f32>> {
        None
    }
}
