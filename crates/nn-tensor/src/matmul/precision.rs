//! [`Precision`]: which arithmetic the products of a training step use — `f32` (or the data's
//! own type) or bf16 operands with `f32` accumulation ([`super::bf16`]).

use super::bf16::gemm_bf16;
use super::{gemm, Transpose};
use crate::{Float, Result, TensorError};
use ndarray::{ArrayView2, ArrayViewMut2};

/// The arithmetic of a product: the element type's own, or bf16 operands with `f32`
/// accumulation (`f32` data only).
///
/// ```
/// use nn_tensor::matmul::Precision;
/// assert_eq!("bf16".parse::<Precision>(), Ok(Precision::Bf16));
/// assert_eq!(Precision::default(), Precision::Native);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Precision {
    /// The element type's own arithmetic ([`gemm`]).
    #[default]
    Native,
    /// Operands rounded to bf16, `f32` accumulation ([`gemm_bf16`]); `f32` data only.
    Bf16,
}

impl std::str::FromStr for Precision {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "f32" | "native" => Ok(Precision::Native),
            "bf16" => Ok(Precision::Bf16),
            _ => Err(format!("unknown precision {s:?} (expected f32 or bf16)")),
        }
    }
}

impl Precision {
    /// Whether element type `T` supports this precision (bf16 needs `f32` data).
    ///
    /// ```
    /// use nn_tensor::matmul::Precision;
    /// assert!(Precision::Bf16.supports::<f32>() && !Precision::Bf16.supports::<f64>());
    /// ```
    pub fn supports<T: Float>(self) -> bool {
        self == Precision::Native || T::NAME == "f32"
    }

    /// [`gemm`] in this precision: `C = α·op(A)·op(B) + β·C`.
    ///
    /// # Errors
    /// Shape mismatches as [`gemm`]; [`TensorError::KernelUnavailable`] for bf16 on non-`f32`
    /// data.
    ///
    /// ```
    /// use ndarray::{array, Array2};
    /// use nn_tensor::{matmul::Precision, Transpose::No};
    /// let a = array![[1.0_f32, 2.0]];
    /// let mut c = Array2::zeros((1, 1));
    /// Precision::Bf16.gemm(1.0, a.view(), No, a.t(), No, 0.0, c.view_mut())?;
    /// assert_eq!(c[[0, 0]], 5.0);
    /// # Ok::<(), nn_tensor::TensorError>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn gemm<T: Float>(
        self,
        alpha: T,
        a: ArrayView2<T>,
        trans_a: Transpose,
        b: ArrayView2<T>,
        trans_b: Transpose,
        beta: T,
        c: ArrayViewMut2<T>,
    ) -> Result<()> {
        if self == Precision::Native {
            return gemm(alpha, a, trans_a, b, trans_b, beta, c);
        }
        let views = (T::view_f32(a), T::view_f32(b), T::view_f32_mut(c));
        let (Some(a), Some(b), Some(c)) = views else {
            let kernel = "bf16 (f32 data only)";
            return Err(TensorError::KernelUnavailable { kernel });
        };
        let (alpha, beta) = (alpha.to_f64() as f32, beta.to_f64() as f32);
        gemm_bf16(alpha, a, trans_a, b, trans_b, beta, c)
    }

    /// `C = A·B` in this precision.
    ///
    /// # Errors
    /// As [`Precision::gemm`].
    ///
    /// ```
    /// use ndarray::{array, Array2};
    /// let mut c = Array2::zeros((1, 1));
    /// let (a, b) = (array![[1.0_f32, 2.0]], array![[3.0_f32], [4.0]]);
    /// nn_tensor::matmul::Precision::Bf16.matmul(a.view(), b.view(), c.view_mut())?;
    /// assert_eq!(c[[0, 0]], 11.0);
    /// # Ok::<(), nn_tensor::TensorError>(())
    /// ```
    pub fn matmul<T: Float>(
        self,
        a: ArrayView2<T>,
        b: ArrayView2<T>,
        c: ArrayViewMut2<T>,
    ) -> Result<()> {
        self.gemm(T::one(), a, Transpose::No, b, Transpose::No, T::zero(), c)
    }

    /// `C = Aᵀ·B` in this precision.
    ///
    /// # Errors
    /// As [`Precision::gemm`].
    ///
    /// ```
    /// use ndarray::{array, Array2};
    /// let mut c = Array2::zeros((1, 1));
    /// let (a, b) = (array![[1.0_f32], [2.0]], array![[3.0_f32], [4.0]]);
    /// nn_tensor::matmul::Precision::Bf16.matmul_tn(a.view(), b.view(), c.view_mut())?;
    /// assert_eq!(c[[0, 0]], 11.0);
    /// # Ok::<(), nn_tensor::TensorError>(())
    /// ```
    pub fn matmul_tn<T: Float>(
        self,
        a: ArrayView2<T>,
        b: ArrayView2<T>,
        c: ArrayViewMut2<T>,
    ) -> Result<()> {
        self.gemm(T::one(), a, Transpose::Yes, b, Transpose::No, T::zero(), c)
    }

    /// `C = A·Bᵀ` in this precision.
    ///
    /// # Errors
    /// As [`Precision::gemm`].
    ///
    /// ```
    /// use ndarray::{array, Array2};
    /// let mut c = Array2::zeros((1, 1));
    /// let (a, b) = (array![[1.0_f32, 2.0]], array![[3.0_f32, 4.0]]);
    /// nn_tensor::matmul::Precision::Bf16.matmul_nt(a.view(), b.view(), c.view_mut())?;
    /// assert_eq!(c[[0, 0]], 11.0);
    /// # Ok::<(), nn_tensor::TensorError>(())
    /// ```
    pub fn matmul_nt<T: Float>(
        self,
        a: ArrayView2<T>,
        b: ArrayView2<T>,
        c: ArrayViewMut2<T>,
    ) -> Result<()> {
        self.gemm(T::one(), a, Transpose::No, b, Transpose::Yes, T::zero(), c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn bf16_rounds_operands_and_native_does_not() {
        // 1 + 2⁻⁸ rounds to 1 in bf16 (a tie, to even), so (1 + 2⁻⁸)² becomes 1.
        let x = array![[1.0_f32 + 1.0 / 256.0]];
        let (mut bf, mut native) = (Array2::zeros((1, 1)), Array2::zeros((1, 1)));
        Precision::Bf16
            .matmul(x.view(), x.view(), bf.view_mut())
            .unwrap();
        Precision::Native
            .matmul(x.view(), x.view(), native.view_mut())
            .unwrap();
        assert_eq!(bf[[0, 0]], 1.0);
        assert_eq!(native[[0, 0]], (1.0 + 1.0 / 256.0) * (1.0 + 1.0 / 256.0));
    }

    #[test]
    fn bf16_on_f64_is_an_error() {
        let x = array![[1.0_f64]];
        let mut c = Array2::zeros((1, 1));
        assert!(Precision::Bf16
            .matmul(x.view(), x.view(), c.view_mut())
            .is_err());
    }
}
