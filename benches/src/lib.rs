//! Shared helpers for nn's benchmarks: deterministic operands and GEMM variants by name.
#![warn(missing_docs)]

pub mod workloads;

use ndarray::{Array2, ArrayView2, LinalgScalar};
use nn_tensor::matmul::{gemm_with_kernel, KernelChoice};
use nn_tensor::{Float, Transpose};

/// A `(rows, cols)` matrix of deterministic values in [-1, 1).
///
/// ```
/// let a = nn_benches::operand::<f32>(2, 3, 1);
/// assert_eq!(a.dim(), (2, 3));
/// assert!(a.iter().all(|x| x.abs() <= 1.0));
/// ```
pub fn operand<T: Float>(rows: usize, cols: usize, seed: u64) -> Array2<T> {
    let mut lcg = nn_testutil::Lcg::from_state(seed ^ 0x9E37_79B9_7F4A_7C15);
    Array2::from_shape_simple_fn((rows, cols), || <T as Float>::from_f64(lcg.symmetric()))
}

/// A GEMM implementation to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// `nn_tensor::matmul_naive` (the triple loop; allocates its output).
    Naive,
    /// nn's packed GEMM forced onto one kernel family (no small-matrix path).
    Packed(KernelChoice),
    /// nn's `matmul` (dispatched kernel, small-matrix path, threads).
    Dispatched,
    /// ndarray's `dot` (matrixmultiply), the peer.
    NdarrayDot,
}

impl Variant {
    /// Parses `naive`, `portable`, `avx2`, `avx512`, `nn` or `ndarray`.
    ///
    /// ```
    /// use nn_benches::Variant;
    /// assert_eq!(Variant::parse("nn"), Some(Variant::Dispatched));
    /// assert_eq!(Variant::parse("blas"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "naive" => Some(Variant::Naive),
            "portable" => Some(Variant::Packed(KernelChoice::Portable)),
            "avx2" => Some(Variant::Packed(KernelChoice::Avx2)),
            "avx512" => Some(Variant::Packed(KernelChoice::Avx512)),
            "nn" => Some(Variant::Dispatched),
            "ndarray" => Some(Variant::NdarrayDot),
            _ => None,
        }
    }

    /// The criterion label of the variant.
    pub fn label(self) -> &'static str {
        match self {
            Variant::Naive => "naive",
            Variant::Packed(KernelChoice::Avx2) => "packed-avx2",
            Variant::Packed(KernelChoice::Avx512) => "packed-avx512",
            Variant::Packed(_) => "packed-portable",
            Variant::Dispatched => "dispatched",
            Variant::NdarrayDot => "ndarray-dot",
        }
    }

    /// Computes `c = a·b` with this variant.
    ///
    /// ```
    /// use nn_benches::{operand, Variant};
    /// let (a, b) = (operand::<f64>(3, 4, 1), operand::<f64>(4, 5, 2));
    /// let mut c = ndarray::Array2::zeros((3, 5));
    /// Variant::Dispatched.run(&a, &b, &mut c);
    /// assert!((&c - &a.dot(&b)).iter().all(|x| x.abs() < 1e-12));
    /// ```
    pub fn run<T: Float + LinalgScalar>(self, a: &Array2<T>, b: &Array2<T>, c: &mut Array2<T>) {
        self.run_form((a, Transpose::No), (b, Transpose::No), c)
    }

    /// Computes `c = op(a)·op(b)`, where `op` transposes the stored operand when asked.
    ///
    /// ```
    /// use nn_benches::{operand, Variant};
    /// use nn_tensor::Transpose;
    /// let (a, b) = (operand::<f64>(4, 3, 1), operand::<f64>(4, 5, 2)); // op(a) = aᵀ: (3, 4)
    /// let mut c = ndarray::Array2::zeros((3, 5));
    /// Variant::NdarrayDot.run_form((&a, Transpose::Yes), (&b, Transpose::No), &mut c);
    /// assert!((&c - &a.t().dot(&b)).iter().all(|x| x.abs() < 1e-12));
    /// ```
    pub fn run_form<T: Float + LinalgScalar>(
        self,
        (a, ta): (&Array2<T>, Transpose),
        (b, tb): (&Array2<T>, Transpose),
        c: &mut Array2<T>,
    ) {
        let (one, zero) = (T::one(), T::zero());
        let result = match self {
            Variant::Naive => nn_tensor::matmul_naive(view(a, ta), view(b, tb)).map(|r| *c = r),
            Variant::Packed(kernel) => {
                let (a, b, c) = (a.view(), b.view(), c.view_mut());
                gemm_with_kernel(kernel, one, a, ta, b, tb, zero, c)
            }
            Variant::Dispatched => {
                nn_tensor::gemm(one, a.view(), ta, b.view(), tb, zero, c.view_mut())
            }
            Variant::NdarrayDot => {
                ndarray::linalg::general_mat_mul(one, &view(a, ta), &view(b, tb), zero, c);
                Ok(())
            }
        };
        result.expect("benchmark operands have matching shapes");
    }
}

/// `x` as stored, or transposed.
fn view<T>(x: &Array2<T>, t: Transpose) -> ArrayView2<'_, T> {
    if t == Transpose::Yes {
        x.t()
    } else {
        x.view()
    }
}
