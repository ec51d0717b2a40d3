//! Kernel selection: [`KernelChoice`] (over the families `crate::cpu` detects), and the sealed
//! per-element-type hook that maps a kernel family to the f32 or f64 micro-kernels.

use super::driver::{self, Problem};
use super::kernel::Portable;
#[cfg(target_arch = "x86_64")]
use super::x86;
pub(crate) use crate::cpu::{detected_isas, Isa};

/// Which micro-kernel a product uses; [`KernelChoice::Auto`] is what [`gemm`](super::gemm)
/// does.
///
/// Exposed so benchmarks and tests can force a kernel through
/// [`gemm_with_kernel`](super::gemm_with_kernel).
///
/// ```
/// use nn_tensor::matmul::KernelChoice;
/// assert!(KernelChoice::Portable.is_available());
/// assert!(KernelChoice::Auto.is_available());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelChoice {
    /// The best kernel this CPU supports (AVX-512F, then AVX2+FMA, then portable).
    Auto,
    /// The portable plain-Rust kernel (every CPU).
    Portable,
    /// The AVX2+FMA kernel (x86-64 only).
    Avx2,
    /// The AVX-512F kernel (x86-64 only).
    Avx512,
}

impl KernelChoice {
    /// Whether this CPU can run the kernel.
    ///
    /// ```
    /// println!("AVX-512: {}", nn_tensor::matmul::KernelChoice::Avx512.is_available());
    /// ```
    pub fn is_available(self) -> bool {
        self.isa().is_some()
    }

    /// The kernel family `Auto` resolves to on this CPU (never `Auto`).
    ///
    /// ```
    /// use nn_tensor::matmul::KernelChoice;
    /// assert_ne!(KernelChoice::detected(), KernelChoice::Auto);
    /// ```
    pub fn detected() -> Self {
        match detected_isas().0 {
            Isa::Portable => KernelChoice::Portable,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => KernelChoice::Avx2,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => KernelChoice::Avx512,
        }
    }

    pub(crate) fn isa(self) -> Option<Isa> {
        match self {
            KernelChoice::Auto => Some(detected_isas().0),
            KernelChoice::Portable => Some(Isa::Portable),
            #[cfg(target_arch = "x86_64")]
            KernelChoice::Avx2 => crate::cpu::has_avx2_fma().then_some(Isa::Avx2),
            #[cfg(target_arch = "x86_64")]
            KernelChoice::Avx512 => crate::cpu::has_avx512f().then_some(Isa::Avx512),
            #[cfg(not(target_arch = "x86_64"))]
            KernelChoice::Avx2 | KernelChoice::Avx512 => None,
        }
    }
}

// The sealed trait's method takes crate-private types on purpose: nobody outside can call it.
#[allow(private_interfaces)]
pub(crate) mod sealed {
    use super::driver::Problem;
    use super::Isa;

    /// Picks the packed GEMM for an element type (implemented for `f32` and `f64` only).
    pub trait GemmScalar: Sized {
        /// Runs `p` with the kernels of `isa` on up to `threads` threads.
        ///
        /// # Safety
        /// As `driver::run`: valid operands, C not aliasing A or B; `isa` supported by the CPU.
        #[doc(hidden)]
        unsafe fn run_packed(isa: Isa, p: &Problem<Self>, threads: usize);
    }
}

/// Implements [`sealed::GemmScalar`] by matching the ISA to that type's kernels.
macro_rules! impl_gemm_scalar {
    ($t:ty, $avx2:ident, $avx512:ident) => {
        impl sealed::GemmScalar for $t {
            #[allow(private_interfaces)]
            unsafe fn run_packed(isa: Isa, p: &Problem<$t>, threads: usize) {
                // SAFETY: forwarded contract; each ISA arm was checked against the CPU.
                unsafe {
                    match isa {
                        Isa::Portable => driver::run::<$t, Portable>(p, threads),
                        #[cfg(target_arch = "x86_64")]
                        Isa::Avx2 => driver::run::<$t, x86::$avx2>(p, threads),
                        #[cfg(target_arch = "x86_64")]
                        Isa::Avx512 => driver::run::<$t, x86::$avx512>(p, threads),
                    }
                }
            }
        }
    };
}

impl_gemm_scalar!(f32, Avx2F32, Avx512F32);
impl_gemm_scalar!(f64, Avx2F64, Avx512F64);

impl KernelChoice {
    pub(crate) fn name(self) -> &'static str {
        match self {
            KernelChoice::Auto => "auto",
            KernelChoice::Portable => "portable",
            KernelChoice::Avx2 => "avx2+fma",
            KernelChoice::Avx512 => "avx512f",
        }
    }
}
