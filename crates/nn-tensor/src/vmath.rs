//! Vectorisable `f32` math for element-wise hot loops (whose AVX2 builds are picked through
//! [`crate::cpu`]).
//!
//! [`exp_f32`] and [`ln_f32`] are branch-free (selects, not branches), so a loop of them over a
//! slice or a lane array vectorises: 8 lanes per instruction under AVX2 instead of one libm
//! call per element. They use only IEEE additions and multiplications (never a fused
//! multiply-add) and integer bit operations, so every build and every CPU computes the same bits
//! for the same input, vectorised or not.
//!
//! **Accuracy** (checked by the tests against `f64` `exp`/`ln` rounded to `f32`, on every 97th
//! (`exp`) or 61st (`ln`) `f32` of the range, where the worst error found is 1 ulp):
//! - [`exp_f32`]: within 2 ulp for `x ∈ [−87.33, 88.72]` (results from `f32::MIN_POSITIVE` to
//!   `f32::MAX`); `0` below `−87.336` (where the exact result is subnormal: flushed, as with
//!   flush-to-zero), `+∞` above `88.7228`, `NaN` for `NaN`; `exp_f32(0) = 1` exactly.
//! - [`ln_f32`]: within 2 ulp for every positive finite `x` (subnormals included);
//!   `ln_f32(1) = 0`, `ln_f32(0) = −∞`, `ln_f32(+∞) = +∞`, `NaN` for negative inputs and `NaN`.
//!
//! The polynomials are the Cephes library's `expf` and `logf` ones (S. L. Moshier), with the
//! usual Cody–Waite split of `ln 2`.

/// `e^x` in `f32`, branch-free (see the [module docs](self) for its accuracy).
///
/// ```
/// use nn_tensor::vmath::exp_f32;
/// assert_eq!(exp_f32(0.0), 1.0);
/// assert!((exp_f32(1.0) - std::f32::consts::E).abs() <= f32::EPSILON * 3.0);
/// assert_eq!(exp_f32(-100.0), 0.0);
/// assert_eq!(exp_f32(100.0), f32::INFINITY);
/// ```
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    const HI: f32 = 88.722_83; // just under ln(f32::MAX)
    const LO: f32 = -87.336_55; // ln(f32::MIN_POSITIVE)
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4; // 355/512: n·LN2_HI is exact for |n| ≤ 2^15
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Round-to-nearest through the float adder: `y + 1.5·2^23` has no fraction bits left.
    const MAGIC: f32 = 12_582_912.0;
    // Clamp (NaN goes to LO, and is put back at the end) so the integer math stays in range.
    let xc = if x > LO { x } else { LO };
    let xc = if xc < HI { xc } else { HI };
    let t = xc * LOG2E + MAGIC;
    let nf = t - MAGIC;
    let n = t.to_bits() as i32 - MAGIC.to_bits() as i32; // in −126..=128
    let r = xc - nf * LN2_HI - nf * LN2_LO;
    let z = r * r;
    let p = 1.987_569_1e-4_f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 0.166_666_65;
    let p = p * r + 0.5; // Cephes: 0.50000001201, which rounds to 0.5 in f32
    let p = p * z + r + 1.0;
    // 2^n for n ≤ 127; n = 128 (x within ½ln2 of HI) takes its last factor 2 on p, exactly.
    let big = n > 127;
    let n = if big { 127 } else { n };
    let p = if big { p * 2.0 } else { p };
    let e = p * f32::from_bits(((n + 127) as u32) << 23);
    let e = if x < LO { 0.0 } else { e };
    let e = if x > HI { f32::INFINITY } else { e };
    if x.is_nan() {
        x
    } else {
        e
    }
}

/// `ln x` in `f32`, branch-free (see the [module docs](self) for its accuracy).
///
/// ```
/// use nn_tensor::vmath::ln_f32;
/// assert_eq!(ln_f32(1.0), 0.0);
/// assert!((ln_f32(std::f32::consts::E) - 1.0).abs() <= f32::EPSILON);
/// assert_eq!(ln_f32(0.0), f32::NEG_INFINITY);
/// assert!(ln_f32(-1.0).is_nan());
/// ```
#[inline(always)]
pub fn ln_f32(x: f32) -> f32 {
    const SQRT_HALF: f32 = std::f32::consts::FRAC_1_SQRT_2;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Subnormals: scale by 2^23 first (exact), and take 23 off the exponent.
    let sub = x < f32::MIN_POSITIVE;
    let xs = if sub { x * 8_388_608.0 } else { x };
    let bits = xs.to_bits();
    // x = m·2^e with m in [½, 1); non-positive, infinite and NaN inputs are fixed up below.
    let e = ((bits >> 23) & 0xff) as i32 - 126 - if sub { 23 } else { 0 };
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f00_0000);
    // m in [√½, √2) after moving a factor 2 into e; f = m − 1.
    let low = m < SQRT_HALF;
    let e = (if low { e - 1 } else { e }) as f32;
    let f = if low { m + m - 1.0 } else { m - 1.0 };
    let z = f * f;
    let p = 7.037_683_6e-2_f32;
    let p = p * f - 1.151_461_e-1;
    let p = p * f + 1.167_699_9e-1;
    let p = p * f - 1.242_014_1e-1;
    let p = p * f + 1.424_932_3e-1;
    let p = p * f - 1.666_805_8e-1;
    let p = p * f + 2.000_071_4e-1;
    let p = p * f - 2.499_999_4e-1;
    let p = p * f + 3.333_333e-1;
    let y = p * f * z + e * LN2_LO - 0.5 * z;
    let l = f + y + e * LN2_HI;
    let l = if x == f32::INFINITY { x } else { l };
    let l = if x == 0.0 { f32::NEG_INFINITY } else { l };
    if x < 0.0 || x.is_nan() {
        f32::NAN
    } else {
        l
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place between two finite `f32` of the same sign.
    fn ulps(a: f32, b: f32) -> u32 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
    }

    /// Every `step`-th `f32` bit pattern from `lo` to `hi` (both positive or both negative).
    fn sweep(lo: f32, hi: f32, step: u32) -> impl Iterator<Item = f32> {
        let (a, b) = (
            lo.to_bits().min(hi.to_bits()),
            lo.to_bits().max(hi.to_bits()),
        );
        (a..=b).step_by(step as usize).map(f32::from_bits)
    }

    #[test]
    fn exp_within_2_ulp_of_the_rounded_exact_value() {
        let mut worst = (0, 0.0);
        let xs = sweep(0.0, 88.72283, 97).chain(sweep(-0.0, -87.33654, 97));
        for x in xs {
            let want = (x as f64).exp() as f32;
            let u = ulps(exp_f32(x), want);
            if u > worst.0 {
                worst = (u, x);
            }
        }
        assert!(
            worst.0 <= 2,
            "exp_f32 is {} ulp off at {}",
            worst.0,
            worst.1
        );
    }

    #[test]
    fn exp_special_values() {
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(-0.0), 1.0);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_f32(-87.4), 0.0);
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp_f32(88.7229), f32::INFINITY);
        assert!(exp_f32(88.72283).is_finite());
        assert!(exp_f32(f32::NAN).is_nan());
        // ln 2 → 2 and 10 ln 2 → 1024 (within an ulp of the exact powers).
        assert!(ulps(exp_f32(std::f32::consts::LN_2), 2.0) <= 1);
        assert!(ulps(exp_f32(10.0 * std::f32::consts::LN_2), 1024.0) <= 2);
    }

    #[test]
    fn ln_within_2_ulp_of_the_rounded_exact_value() {
        let mut worst = (0, 0.0);
        // Every 61st bit pattern from the smallest subnormal to f32::MAX.
        for x in sweep(f32::from_bits(1), f32::MAX, 61) {
            let want = (x as f64).ln() as f32;
            let u = ulps(ln_f32(x), want);
            if u > worst.0 {
                worst = (u, x);
            }
        }
        assert!(worst.0 <= 2, "ln_f32 is {} ulp off at {}", worst.0, worst.1);
    }

    #[test]
    fn ln_special_values() {
        assert_eq!(ln_f32(1.0), 0.0);
        assert_eq!(ln_f32(0.0), f32::NEG_INFINITY);
        assert_eq!(ln_f32(-0.0), f32::NEG_INFINITY);
        assert_eq!(ln_f32(f32::INFINITY), f32::INFINITY);
        assert!(ln_f32(-1.0).is_nan());
        assert!(ln_f32(f32::NAN).is_nan());
        assert!(ln_f32(f32::NEG_INFINITY).is_nan());
        assert!(ulps(ln_f32(2.0), std::f32::consts::LN_2) <= 1);
        assert!(ulps(ln_f32(3.0), 1.098_612_3) <= 1);
    }

    /// Both functions over a slice, compiled for AVX2 (vectorised 8 wide).
    ///
    /// # Safety
    /// The CPU has AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn both_avx2(xs: &[f32]) -> Vec<(u32, u32)> {
        both(xs)
    }

    #[inline(always)]
    fn both(xs: &[f32]) -> Vec<(u32, u32)> {
        xs.iter()
            .map(|&x| (exp_f32(x).to_bits(), ln_f32(x.abs()).to_bits()))
            .collect()
    }

    #[test]
    fn simd_and_plain_builds_agree_bit_for_bit() {
        let xs: Vec<f32> = (0..4096).map(|i| (i as f32 - 2048.0) * 0.0437).collect();
        let plain = both(&xs);
        assert_eq!(
            plain[2048],
            (1.0_f32.to_bits(), f32::NEG_INFINITY.to_bits())
        );
        #[cfg(target_arch = "x86_64")]
        if crate::cpu::has_avx2_fma() {
            // SAFETY: just detected.
            assert_eq!(plain, unsafe { both_avx2(&xs) });
        }
    }
}
