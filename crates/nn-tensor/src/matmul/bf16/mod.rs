//! Mixed-precision GEMM: `C = α·bf16(op(A))·bf16(op(B)) + β·C` on `f32` matrices, with `f32`
//! accumulation — the three products of a training step at twice the f32 rate on CPUs with
//! AVX512_BF16.
//!
//! Packing rounds every operand element to bf16 (round to nearest, ties to even;
//! [`to_bf16_bits`]) and lays pairs of consecutive depth elements side by side; each
//! accumulator then takes, per pair, `acc = (acc + a₂q₊₁·b₂q₊₁) + a₂q·b₂q` with `f32` roundings
//! (and subnormal sums flushed): the `vdpbf16ps` instruction. The depth is cut into blocks of
//! 512, each summed from zero and added onto C (`t = α·acc`, `c = β·c + t`). The
//! [`Bf16Kernel::Avx512Bf16`] kernel runs that instruction; [`Bf16Kernel::Portable`] emulates it
//! exactly, so both give the same bits, and threads split only `m` and `n`, so the result is
//! the same at any thread count.
//!
//! ```
//! use ndarray::{array, Array2};
//! use nn_tensor::matmul::bf16::gemm_bf16;
//! use nn_tensor::Transpose;
//! let a = array![[1.0_f32, 2.0], [3.0, 4.0]];
//! let mut c = Array2::zeros((2, 2));
//! gemm_bf16(1.0, a.view(), Transpose::No, a.view(), Transpose::No, 0.0, c.view_mut())?;
//! assert_eq!(c, array![[7.0, 10.0], [15.0, 22.0]]); // small integers are exact in bf16
//! # Ok::<(), nn_tensor::TensorError>(())
//! ```

mod driver;
mod kernel;
mod pack;
mod round;
#[cfg(target_arch = "x86_64")]
mod x86;
#[cfg(target_arch = "x86_64")]
mod x86_pack;

pub use round::{round_bf16, to_bf16_bits};

use super::{check_shapes, problem, trivial, Transpose};
use crate::{Result, TensorError};
use ndarray::{ArrayView2, ArrayViewMut2};

/// Which bf16 micro-kernel a product uses; [`Bf16Kernel::Auto`] is what [`gemm_bf16`] does.
///
/// ```
/// use nn_tensor::matmul::bf16::Bf16Kernel;
/// assert!(Bf16Kernel::Portable.is_available());
/// assert_ne!(Bf16Kernel::detected(), Bf16Kernel::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bf16Kernel {
    /// AVX512_BF16 where the CPU has it, the portable emulation otherwise.
    Auto,
    /// The portable exact emulation (every CPU).
    Portable,
    /// The `vdpbf16ps` kernel (x86-64 with AVX512_BF16).
    Avx512Bf16,
}

impl Bf16Kernel {
    /// Whether this CPU can run the kernel.
    ///
    /// ```
    /// println!("{}", nn_tensor::matmul::bf16::Bf16Kernel::Avx512Bf16.is_available());
    /// ```
    pub fn is_available(self) -> bool {
        self != Bf16Kernel::Avx512Bf16 || crate::cpu::has_avx512_bf16()
    }

    /// The kernel `Auto` resolves to on this CPU (never `Auto`).
    ///
    /// ```
    /// use nn_tensor::matmul::bf16::Bf16Kernel;
    /// assert!(Bf16Kernel::detected().is_available());
    /// ```
    pub fn detected() -> Self {
        match crate::cpu::has_avx512_bf16() {
            true => Bf16Kernel::Avx512Bf16,
            false => Bf16Kernel::Portable,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Bf16Kernel::Auto => "auto",
            Bf16Kernel::Portable => "bf16-portable",
            Bf16Kernel::Avx512Bf16 => "avx512bf16",
        }
    }
}

/// `C = α·bf16(op(A))·bf16(op(B)) + β·C` with `f32` accumulation (see the [module docs](self));
/// `β = 0` overwrites C. Runs on [`crate::num_threads`] threads; same bits at any count.
///
/// ```
/// use ndarray::{array, Array2};
/// use nn_tensor::{matmul::bf16::gemm_bf16, Transpose};
/// // 0.1 is 0.10009765625 in bf16, so x·xᵀ for x = [0.1, 0.1] is 2·0.10009765625².
/// let x = array![[0.1_f32, 0.1]];
/// let mut c = Array2::zeros((1, 1));
/// gemm_bf16(1.0, x.view(), Transpose::No, x.view(), Transpose::Yes, 0.0, c.view_mut())?;
/// assert_eq!(c[[0, 0]], 2.0 * 0.10009765625_f32 * 0.10009765625);
/// # Ok::<(), nn_tensor::TensorError>(())
/// ```
pub fn gemm_bf16(
    alpha: f32,
    a: ArrayView2<f32>,
    trans_a: Transpose,
    b: ArrayView2<f32>,
    trans_b: Transpose,
    beta: f32,
    c: ArrayViewMut2<f32>,
) -> Result<()> {
    gemm_bf16_with_kernel(Bf16Kernel::Auto, alpha, a, trans_a, b, trans_b, beta, c)
}

/// [`gemm_bf16`] forced onto one kernel (for tests and benchmarks); the result is the same for
/// every kernel. Returns [`TensorError::KernelUnavailable`] when the CPU lacks its features.
///
/// ```
/// use ndarray::{array, Array2};
/// use nn_tensor::matmul::bf16::{gemm_bf16_with_kernel, Bf16Kernel};
/// use nn_tensor::Transpose::No;
/// let a = array![[1.0_f32, 2.0, 3.0]];
/// let b = array![[1.0_f32], [1.0], [1.0]];
/// let mut c = Array2::zeros((1, 1));
/// gemm_bf16_with_kernel(Bf16Kernel::Portable, 1.0, a.view(), No, b.view(), No, 0.0, c.view_mut())?;
/// assert_eq!(c[[0, 0]], 6.0);
/// # Ok::<(), nn_tensor::TensorError>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn gemm_bf16_with_kernel(
    kernel: Bf16Kernel,
    alpha: f32,
    a: ArrayView2<f32>,
    trans_a: Transpose,
    b: ArrayView2<f32>,
    trans_b: Transpose,
    beta: f32,
    mut c: ArrayViewMut2<f32>,
) -> Result<()> {
    if !kernel.is_available() {
        let kernel = kernel.name();
        return Err(TensorError::KernelUnavailable { kernel });
    }
    let (a, b) = (trans_a.apply(a), trans_b.apply(b));
    check_shapes("gemm_bf16", &a, &b, &c)?;
    if trivial(alpha, &a, beta, &mut c) {
        return Ok(());
    }
    let p = problem(alpha, &a, &b, beta, &mut c);
    let threads = crate::num_threads();
    let kernel = match kernel {
        Bf16Kernel::Auto => Bf16Kernel::detected(),
        k => k,
    };
    // SAFETY: `p` describes live, shape-checked views; C is a unique mutable view, so it
    // aliases neither A nor B; the kernel was checked against the CPU above.
    unsafe {
        match kernel {
            #[cfg(target_arch = "x86_64")]
            Bf16Kernel::Avx512Bf16 => driver::run::<x86::Avx512Bf16>(&p, threads),
            _ => driver::run::<kernel::Portable>(&p, threads),
        }
    }
    Ok(())
}
