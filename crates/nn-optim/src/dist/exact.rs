//! Exact, order-independent sums of gradients for `--deterministic-reduce`: fixed-point
//! integers with a per-step shared power-of-two scale, carried in `f64`s.
//!
//! Floating-point addition is not associative, so an all-reduce's result depends on how the
//! terms are grouped, i.e. on the process count and on the MPI algorithm. Here every term (one
//! shard's weighted gradient element) is first turned into an integer, `q = round(x · 2^e)`,
//! with one exponent `e` shared by every shard of the step (from an all-reduce of the maximum
//! `|x|`); integers add exactly and associatively, so `Σ q` is the same for every grouping of
//! the shards into processes, and so is `Σ q · 2^-e`. The scheme:
//!
//! - `e` is the largest exponent with `terms · max|x| · 2^e ≤ 2^52` ([`scale_exponent`]), so
//!   each `|q| ≤ ⌈2^52 / terms⌉` and every partial sum of up to `terms` of them is an integer
//!   of magnitude at most `2^52 + terms < 2^53`: an `f64` holds it exactly, so `f64` additions
//!   of these integers are exact in any order (and an MPI sum of `f64`s is exact too), and
//!   nothing overflows, whatever the values. (Integers in `f64` rather than `i64`: the
//!   rounding and the sums then run in vector registers, where x86-64 before AVX-512 has no
//!   conversion to 64-bit integers.)
//! - Scaling by a power of two is exact; only the rounding to an integer (to nearest, ties to
//!   even) loses anything, at most `2^-(e+1)` per term, so the sum is within
//!   `terms · 2^-(e+1) < terms² · max|x| · 2^-52` of the exact real sum: 2⁻⁴⁴ of the largest
//!   term for 16 shards (2⁻⁴⁰ for 64), far below `f32`'s rounding of the result and a few
//!   hundred `f64` rounding units of the largest term.
//! - The integer sum is converted back once, `sum · 2^-e / divisor`, the same on every rank.
//!
//! ```
//! use nn_optim::dist::exact::{accumulate, finish, max_abs, scale_exponent};
//! let shards = [[0.1_f64, 1e-3], [0.2, -2e-3], [0.3, 5e-4]];
//! let max = shards.iter().map(|s| max_abs(s, 1.0)).fold(0.0, f64::max);
//! let e = scale_exponent(max, shards.len()).unwrap();
//! let (mut a, mut b) = ([0.0_f64; 2], [0.0_f64; 2]);
//! shards.iter().for_each(|s| accumulate(&mut a, s, 1.0, e)); // one process
//! shards.iter().rev().for_each(|s| accumulate(&mut b, s, 1.0, e)); // another order
//! assert_eq!(a, b);
//! assert!(a.iter().all(|s| s.fract() == 0.0)); // integers
//! let mut mean = [0.0_f64; 2];
//! finish(&a, e, 3.0, &mut mean);
//! // within the fixed-point quantum 2^-e = 2^-52 (3 · 0.3 ≤ 2^0, so e = 52) of the real means
//! assert!((mean[0] - 0.2).abs() < 3e-16 && (mean[1] + 1.666_666_666_666_666_6e-4).abs() < 3e-16);
//! ```

use nn_tensor::Float;

/// The sum of all terms stays within `2^HEADROOM_BITS` in magnitude (plus one per term), where
/// every integer is an exact `f64`.
pub const HEADROOM_BITS: i32 = 52;

/// Bounds on the exponent, so that `2^e` and `2^-e` are normal `f64`s.
const EXPONENT_RANGE: (i32, i32) = (-1000, 1000);

/// The shared scale exponent `e` for `terms` terms of magnitude at most `max_abs`: the largest
/// with `terms · max_abs · 2^e ≤ 2^52`; `None` when `max_abs` is not finite (divergence).
///
/// ```
/// use nn_optim::dist::exact::scale_exponent;
/// assert_eq!(scale_exponent(1.0, 4), Some(50)); // 4 · 1 · 2^50 = 2^52
/// assert_eq!(scale_exponent(3.0, 1), Some(50)); // 3 · 2^50 ≤ 2^52 < 3 · 2^51
/// assert_eq!(scale_exponent(f64::NAN, 1), None);
/// ```
pub fn scale_exponent(max_abs: f64, terms: usize) -> Option<i32> {
    if !max_abs.is_finite() {
        return None;
    }
    let bound = max_abs * terms.max(1) as f64;
    // bound ≤ 2^k with the smallest such k (bound's binary exponent, rounded up).
    let k = if bound == 0.0 {
        EXPONENT_RANGE.0
    } else if bound.is_infinite() {
        1025
    } else {
        let k = bound.log2().ceil() as i32;
        (k - 1..=k + 1).find(|&k| bound <= pow2(k)).unwrap_or(k + 1)
    };
    Some((HEADROOM_BITS - k).clamp(EXPONENT_RANGE.0, EXPONENT_RANGE.1))
}

/// `2^e`, exactly (`e` clamped to the normal range of `f64`).
///
/// ```
/// assert_eq!(nn_optim::dist::exact::pow2(-3), 0.125);
/// ```
pub fn pow2(e: i32) -> f64 {
    let e = e.clamp(-1022, 1023);
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// Independent running maxima in [`max_abs`]: enough to let the compiler use vector registers
/// (one serial chain of `max` costs a few cycles per element).
const LANES: usize = 8;

/// The largest `|v · weight|` of `values`; infinite when one is not finite.
///
/// Computed as `max|v| · |weight|`, the same number: multiplying by `|weight|` rounds
/// monotonically, so the largest product is the product of the largest `|v|`.
///
/// ```
/// use nn_optim::dist::exact::max_abs;
/// assert_eq!(max_abs(&[0.5_f32, -2.0], 3.0), 6.0);
/// assert_eq!(max_abs(&[f32::NAN], 1.0), f64::INFINITY);
/// ```
pub fn max_abs<T: Float>(values: &[T], weight: f64) -> f64 {
    let (mut lanes, mut finite) = ([0.0_f64; LANES], true);
    let mut take = |m: &mut f64, v: T| {
        let x = v.to_f64().abs();
        finite &= x.is_finite();
        *m = if x > *m { x } else { *m };
    };
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        lanes.iter_mut().zip(chunk).for_each(|(m, &v)| take(m, v));
    }
    rest.iter().for_each(|&v| take(&mut lanes[0], v));
    let max = lanes.iter().fold(0.0, |a: f64, &b| a.max(b)) * weight.abs();
    if finite && max.is_finite() {
        max
    } else {
        f64::INFINITY
    }
}

/// `acc[i] += round(values[i] · weight · 2^e)`, integers held in `f64`; `e` from
/// [`scale_exponent`] for a maximum at least [`max_abs`]`(values, weight)`.
pub fn accumulate<T: Float>(acc: &mut [f64], values: &[T], weight: f64, e: i32) {
    debug_assert_eq!(acc.len(), values.len());
    let scale = pow2(e);
    for (a, &v) in acc.iter_mut().zip(values) {
        *a += quantize(v.to_f64() * weight, scale);
    }
}

/// `2^52`: from there on every `f64` is an integer.
const INTEGRAL: f64 = 4_503_599_627_370_496.0;

/// `x · scale` rounded to the nearest integer, ties to even, as an `f64` (`scale` a power of
/// two, so only the rounding is inexact). Below `2^52` in magnitude, adding and subtracting
/// `±2^52` rounds by the hardware's own round-to-nearest-even (two additions, where
/// `f64::round` is a library call on baseline x86-64); from `2^52` on, every `f64` is an
/// integer already.
///
/// ```
/// use nn_optim::dist::exact::quantize;
/// assert_eq!([quantize(2.5, 1.0), quantize(3.5, 1.0), quantize(-2.5, 1.0)], [2.0, 4.0, -2.0]);
/// assert_eq!(quantize(0.3, 16.0), 5.0); // 4.8
/// assert_eq!(quantize(2f64.powi(60) + 4096.0, 1.0), 2f64.powi(60) + 4096.0);
/// ```
pub fn quantize(x: f64, scale: f64) -> f64 {
    let y = x * scale;
    let shift = INTEGRAL.copysign(y);
    if y.abs() < INTEGRAL {
        (y + shift) - shift
    } else {
        y
    }
}

/// `out[i] = sum[i] · 2^-e / divisor`, converted to `T`.
pub fn finish<T: Float>(sum: &[f64], e: i32, divisor: f64, out: &mut [T]) {
    debug_assert_eq!(sum.len(), out.len());
    let unscale = pow2(-e);
    for (o, &s) in out.iter_mut().zip(sum) {
        *o = T::from_f64(s * unscale / divisor);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed-seed LCG (Knuth's MMIX constants) mapped to `[-1, 1)` times a spread of
    /// magnitudes `2^-30 .. 2^10`, so the float sums of these values depend on their order.
    fn values(seed: u64, n: usize) -> Vec<f32> {
        let mut s = seed;
        let mut next = || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..n)
            .map(|_| ((next() * 2.0 - 1.0) * pow2((next() * 40.0) as i32 - 30)) as f32)
            .collect()
    }

    /// Sums `shards` (each weighted by its index + 1) exactly, grouped into `groups` partial
    /// sums of consecutive shards that are then added in reverse group order, as a reduction
    /// over `groups` processes in another order would.
    fn grouped_sum(shards: &[Vec<f32>], groups: usize, e: i32) -> Vec<f64> {
        let n = shards[0].len();
        let mut total = vec![0.0_f64; n];
        for g in (0..groups).rev() {
            let mut part = vec![0.0_f64; n];
            let range = g * shards.len() / groups..(g + 1) * shards.len() / groups;
            for k in range {
                accumulate(&mut part, &shards[k], (k + 1) as f64, e);
            }
            total.iter_mut().zip(&part).for_each(|(t, p)| *t += p);
        }
        total
    }

    #[test]
    fn sum_is_independent_of_grouping_and_order() {
        let shards: Vec<Vec<f32>> = (0..12).map(|k| values(k, 257)).collect();
        let max = (0..12)
            .map(|k| max_abs(&shards[k], (k + 1) as f64))
            .fold(0.0, f64::max);
        let e = scale_exponent(max, shards.len()).unwrap();
        let reference = grouped_sum(&shards, 1, e);
        for groups in [2, 3, 4, 5, 12] {
            assert_eq!(
                grouped_sum(&shards, groups, e),
                reference,
                "{groups} groups"
            );
        }
        // The same data summed as floats does depend on the grouping (else this test proves
        // nothing about the float path it replaces).
        let float = |groups: usize| -> Vec<f32> {
            let mut total = vec![0.0_f32; 257];
            for g in (0..groups).rev() {
                let mut part = vec![0.0_f32; 257];
                let first = g * 12 / groups;
                for (k, shard) in shards[first..(g + 1) * 12 / groups].iter().enumerate() {
                    let w = (first + k + 1) as f32;
                    part.iter_mut().zip(shard).for_each(|(p, v)| *p += v * w);
                }
                total.iter_mut().zip(&part).for_each(|(t, p)| *t += p);
            }
            total
        };
        assert_ne!(float(1), float(5));
    }

    #[test]
    fn exact_sum_is_close_to_the_real_sum() {
        // The real sum, up to f64 rounding of the reference itself, against the module docs'
        // bound terms · 2^-(e+1).
        let shards: Vec<Vec<f32>> = (0..8).map(|k| values(100 + k, 64)).collect();
        let max = (0..8)
            .map(|k| max_abs(&shards[k], (k + 1) as f64))
            .fold(0.0, f64::max);
        let e = scale_exponent(max, 8).unwrap();
        let mut out = vec![0.0_f64; 64];
        finish(&grouped_sum(&shards, 1, e), e, 1.0, &mut out);
        for (i, o) in out.iter().enumerate() {
            let real: f64 = (0..8).map(|k| shards[k][i] as f64 * (k + 1) as f64).sum();
            let bound = 8.0 * pow2(-e - 1) + real.abs() * f64::EPSILON * 8.0;
            assert!((o - real).abs() <= bound, "{i}: {o} vs {real}");
        }
    }

    #[test]
    fn dyadic_values_are_summed_exactly() {
        // 0.75 + 0.125 − 0.0625 = 0.8125 exactly; mean over 4 rows = 0.203125.
        let shards = [[0.75_f64], [0.125], [-0.0625]];
        let e = scale_exponent(0.75, 3).unwrap();
        assert_eq!(e, 50); // 3 · 0.75 = 2.25 ≤ 2^2 (and > 2^1), so e = 52 − 2
        let mut acc = [0.0_f64];
        shards.iter().for_each(|s| accumulate(&mut acc, s, 1.0, e));
        let mut mean = [0.0_f64];
        finish(&acc, e, 4.0, &mut mean);
        assert_eq!(mean, [0.203125]);
    }

    #[test]
    fn extreme_magnitudes_never_overflow() {
        for &max in &[
            f32::MAX as f64,
            1.0,
            1e-30,
            f32::MIN_POSITIVE as f64 / 8.0,
            0.0,
        ] {
            for terms in [1_usize, 2, 3, 16, 1024] {
                let e = scale_exponent(max, terms).unwrap();
                let q = quantize(max, pow2(e));
                // every partial sum an integer below 2^53, so exact in f64
                let exact = |t: f64| t.fract() == 0.0 && t.abs() < pow2(53);
                let total = (0..terms).try_fold(0.0_f64, |t, _| Some(t + q).filter(|&t| exact(t)));
                assert!(total.is_some(), "max {max:e}, {terms} terms: overflow");
                let total = total.unwrap().abs();
                assert!(
                    total <= pow2(52) + terms as f64,
                    "max {max:e}, {terms} terms"
                );
                // Within a factor 2 of the headroom when the scale is not clamped.
                if max > 1e-200 && max < 1e200 {
                    assert!(total > pow2(50), "max {max:e}, {terms} terms: {total}");
                }
            }
        }
    }

    /// The fast kernels against their plain definitions: `quantize` is `round_ties_even` of
    /// the product for magnitudes from 2⁻³⁰ to 2⁶², ties included; `max_abs` is the serial
    /// maximum of `|v · w|` for every length around the lane count.
    #[test]
    fn fast_kernels_match_their_definitions() {
        let xs = values(5, 4000);
        for (i, &x) in xs.iter().enumerate() {
            let scale = pow2((i % 93) as i32 - 30);
            let want = (x as f64 * scale).round_ties_even();
            assert_eq!(quantize(x as f64, scale), want, "{x:e} · {scale:e}");
        }
        for k in [-5_i64, -4, -3, -1, 0, 1, 2, 3, (1 << 51) + 1, (1 << 52) - 1] {
            let y = k as f64 + 0.5;
            assert_eq!(quantize(y, 1.0), y.round_ties_even(), "{y}");
        }
        for n in 0..3 * LANES + 2 {
            let v = &xs[..n];
            for w in [1.0, 3.0, -0.7] {
                let serial = v.iter().fold(0.0, |m: f64, &x| m.max((x as f64 * w).abs()));
                assert_eq!(max_abs(v, w), serial, "n {n}, w {w}");
            }
        }
        let mut with_nan = xs[..20].to_vec();
        with_nan[17] = f32::NAN;
        assert_eq!(max_abs(&with_nan, 1.0), f64::INFINITY);
    }

    #[test]
    fn non_finite_maxima_have_no_scale() {
        assert_eq!(scale_exponent(f64::INFINITY, 2), None);
        assert_eq!(max_abs(&[1.0_f64, f64::NEG_INFINITY], 1.0), f64::INFINITY);
    }
}
