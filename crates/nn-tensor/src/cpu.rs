//! Run-time CPU feature detection: the one place **nn** asks which vector extensions this CPU
//! has, and the one place hot loops elsewhere in the workspace go through to use them.
//!
//! Every `#[target_feature]` function in this crate (GEMM, the bf16 GEMM, sparse products,
//! [`crate::vmath`], [`crate::fused`], the eigensolver) is called only after one of these checks
//! returned `true`. The standard library caches the answers, and `detected_isas` caches the
//! kernel choice once per process, so the checks cost a load and a branch.
//!
//! ```
//! use nn_tensor::cpu;
//! // AVX-512F without AVX2 does not exist in practice, but the checks are independent.
//! println!("avx2+fma {} avx512f {} avx512bf16 {}",
//!     cpu::has_avx2_fma(), cpu::has_avx512f(), cpu::has_avx512_bf16());
//! ```

use std::sync::OnceLock;

/// Whether the CPU has AVX2 and FMA (always `false` off x86-64).
///
/// ```
/// println!("AVX2+FMA: {}", nn_tensor::cpu::has_avx2_fma());
/// ```
#[inline]
pub fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    return is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Whether the CPU has AVX2 (without asking for FMA; the eigensolver's loops use no FMA).
///
/// ```
/// assert!(nn_tensor::cpu::has_avx2() || !nn_tensor::cpu::has_avx2_fma());
/// ```
#[inline]
pub fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    return is_x86_feature_detected!("avx2");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Whether the CPU has AVX-512F (always `false` off x86-64).
///
/// ```
/// println!("AVX-512F: {}", nn_tensor::cpu::has_avx512f());
/// ```
#[inline]
pub fn has_avx512f() -> bool {
    #[cfg(target_arch = "x86_64")]
    return is_x86_feature_detected!("avx512f");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Whether the CPU runs the bf16 GEMM kernel: AVX512_BF16 (`vdpbf16ps`) with AVX-512F and
/// AVX-512BW (always `false` off x86-64).
///
/// ```
/// println!("AVX512_BF16: {}", nn_tensor::cpu::has_avx512_bf16());
/// ```
#[inline]
pub fn has_avx512_bf16() -> bool {
    #[cfg(target_arch = "x86_64")]
    return is_x86_feature_detected!("avx512bf16")
        && is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512bw");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// Asks the CPU to start loading `data` into the cache, one hint per 64-byte line. A hint only:
/// no effect on any result, and a no-op off x86-64.
///
/// ```
/// let row = [1.0_f32; 100];
/// nn_tensor::cpu::prefetch(&row);
/// ```
#[inline]
pub fn prefetch<T>(data: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let bytes = std::mem::size_of_val(data);
        for offset in (0..bytes).step_by(64) {
            // SAFETY: SSE is part of the x86-64 baseline, and a prefetch never faults (the
            // address lies inside the slice anyway).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(data.as_ptr().cast::<i8>().wrapping_add(offset)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = data;
}

/// A GEMM/sparse kernel family the CPU was checked to support.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Isa {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

/// Detects, once per process, the best kernel family and the one for small products.
pub(crate) fn detected_isas() -> (Isa, Isa) {
    static ISAS: OnceLock<(Isa, Isa)> = OnceLock::new();
    *ISAS.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            match (has_avx512f(), has_avx2_fma()) {
                (true, true) => return (Isa::Avx512, Isa::Avx2),
                (true, false) => return (Isa::Avx512, Isa::Avx512),
                (false, true) => return (Isa::Avx2, Isa::Avx2),
                (false, false) => {}
            }
        }
        (Isa::Portable, Isa::Portable)
    })
}
