//! The fused per-element loops of a dense layer's epilogues, on row-major slices with rows of
//! `m = b.len()`: `z = f(z + b)` after the forward product ([`map_biased`]) and
//! `g ← g·f'(a)`, `b = Σ_rows g` before the backward products ([`scale_and_sum`]).
//!
//! Both walk the batch in tiles of whole rows so that short rows (iris: 3 outputs) vectorise, and
//! both run a copy compiled for AVX2 where the CPU has it, with the same bits as the plain build
//! (the closures must not depend on the build, and no FMA is contracted).
//!
//! ```
//! let mut z = [-1.0_f32, 1.0, 2.0, -3.0];
//! nn_tensor::fused::map_biased(&mut z, &[0.5, 0.5], |v| v.max(0.0));
//! assert_eq!(z, [0.0, 1.5, 2.5, 0.0]);
//! ```

use crate::Float;

/// `g ← g·d(a)` element-wise and `b = Σ_rows g`, in one pass (`d` is `f'` written with the
/// activation's output `a`). `g` and `a` are row-major with rows of `b.len()`; `b` is
/// overwritten. The batch goes in tiles of `r = max(1, 64 / m)` rows, one accumulator per
/// element of a tile, so column `j`'s sum is `r` partial sums (rows `i ≡ q mod r`, each in row
/// order) added in the order `q = 0, 1, …`: a fixed order for a given shape.
///
/// ```
/// let (mut g, a, mut b) = ([1.0_f64, 2.0, 3.0, 4.0], [1.0, 0.0, 1.0, 1.0], [9.0, 9.0]);
/// nn_tensor::fused::scale_and_sum(&mut g, &a, &mut b, |a| a);
/// assert_eq!((g, b), ([1.0, 0.0, 3.0, 4.0], [4.0, 4.0]));
/// ```
///
/// # Panics
/// If `b` is empty, or `g` and `a` differ in length or are not whole rows.
#[track_caller]
pub fn scale_and_sum<T: Float>(g: &mut [T], a: &[T], b: &mut [T], d: impl Fn(T) -> T) {
    check_rows("scale_and_sum", g.len(), a.len(), b.len());
    b.fill(T::zero());
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::has_avx2_fma() {
        // SAFETY: the CPU has AVX2 and FMA (just detected).
        return unsafe { scale_and_sum_flat_avx2(g, a, b, d) };
    }
    scale_and_sum_flat(g, a, b, d)
}

/// `z = f(z + b)` element-wise, `b` repeated on every row of `z` (row-major, rows of
/// `b.len()`).
///
/// ```
/// let mut z = [1.0_f64, 2.0];
/// nn_tensor::fused::map_biased(&mut z, &[1.0], |v| v * 10.0);
/// assert_eq!(z, [20.0, 30.0]);
/// ```
///
/// # Panics
/// If `b` is empty or `z` is not whole rows.
#[track_caller]
pub fn map_biased<T: Float>(z: &mut [T], b: &[T], f: impl Fn(T) -> T) {
    check_rows("map_biased", z.len(), z.len(), b.len());
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::has_avx2_fma() {
        // SAFETY: the CPU has AVX2 and FMA (just detected).
        return unsafe { map_biased_flat_avx2(z, b, f) };
    }
    map_biased_flat(z, b, f)
}

#[track_caller]
fn check_rows(op: &str, len: usize, other: usize, m: usize) {
    assert!(
        m > 0 && len == other && len.is_multiple_of(m),
        "{op}: {len} and {other} elements do not make rows of {m}"
    );
}

/// Elements per tile of [`scale_and_sum_flat`] and [`map_biased_flat`] (`64 / m` whole rows).
const TILE: usize = 64;

/// [`scale_and_sum_flat`] compiled for AVX2; the same bits as the plain build.
///
/// # Safety
/// The CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn scale_and_sum_flat_avx2<T: Float>(g: &mut [T], a: &[T], b: &mut [T], d: impl Fn(T) -> T) {
    scale_and_sum_flat(g, a, b, d)
}

/// [`scale_and_sum`] on row-major slices with rows of `b.len()` (≥ 1), `b` zeroed.
///
/// The batch is walked in tiles of `r = max(1, 64 / m)` rows, flat, with one accumulator per
/// element of the tile, so the loop vectorises and its additions do not chain row after row
/// even when rows are short (iris: 3 outputs). Column `j`'s sum is therefore `r` partial sums
/// (rows `i ≡ q mod r`, each in row order) added in the order `q = 0, 1, …`: a fixed order for
/// a given shape.
#[inline(always)]
fn scale_and_sum_flat<T: Float>(g: &mut [T], a: &[T], b: &mut [T], d: impl Fn(T) -> T) {
    let m = b.len();
    let width = (TILE / m).max(1) * m;
    if width > TILE {
        // Long rows: one row per tile, summed straight into `b`.
        for (g, a) in g.chunks_exact_mut(m).zip(a.chunks_exact(m)) {
            for ((g, &a), b) in g.iter_mut().zip(a).zip(b.iter_mut()) {
                *g *= d(a);
                *b += *g;
            }
        }
        return;
    }
    let mut acc = [T::zero(); TILE];
    for (g, a) in g.chunks_mut(width).zip(a.chunks(width)) {
        for ((g, &a), acc) in g.iter_mut().zip(a).zip(&mut acc[..width]) {
            *g *= d(a);
            *acc += *g;
        }
    }
    for row in acc[..width].chunks_exact(m) {
        for (b, &x) in b.iter_mut().zip(row) {
            *b += x;
        }
    }
}

/// [`map_biased_flat`] compiled for AVX2; the same bits as the plain build.
///
/// # Safety
/// The CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn map_biased_flat_avx2<T: Float>(z: &mut [T], b: &[T], f: impl Fn(T) -> T) {
    map_biased_flat(z, b, f)
}

/// `z = f(z + b)` on row-major slices with rows of `b.len()` (≥ 1): in tiles of whole rows
/// against the bias repeated across the tile, so short rows vectorise too.
#[inline(always)]
fn map_biased_flat<T: Float>(z: &mut [T], b: &[T], f: impl Fn(T) -> T) {
    let m = b.len();
    let width = (TILE / m).max(1) * m;
    if width > TILE {
        for row in z.chunks_exact_mut(m) {
            row.iter_mut().zip(b).for_each(|(v, &b)| *v = f(*v + b));
        }
        return;
    }
    let mut pattern = [T::zero(); TILE];
    for (p, &b) in pattern[..width].iter_mut().zip(b.iter().cycle()) {
        *p = b;
    }
    for tile in z.chunks_mut(width) {
        for (v, &b) in tile.iter_mut().zip(&pattern[..width]) {
            *v = f(*v + b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_loops_are_the_same_bits_with_and_without_avx2() {
        let (n, m) = (150, 3);
        let a: Vec<f32> = (0..n * m)
            .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
            .collect();
        let g: Vec<f32> = (0..n * m)
            .map(|i| ((i * 104_729) % 997) as f32 / 1e3 - 0.5)
            .collect();
        let d = |a: f32| if a > 0.0 { 1.0 } else { 0.0 };
        let (mut g1, mut b1) = (g.clone(), vec![0.0_f32; m]);
        scale_and_sum_flat(&mut g1, &a, &mut b1, d);
        assert!(b1.iter().all(|&b| b != 0.0));
        let mut z1 = g.clone();
        map_biased_flat(&mut z1, &b1, |v| v.max(0.0));
        #[cfg(target_arch = "x86_64")]
        if crate::cpu::has_avx2_fma() {
            let (mut g2, mut b2) = (g.clone(), vec![0.0_f32; m]);
            let mut z2 = g.clone();
            // SAFETY: just detected.
            unsafe {
                scale_and_sum_flat_avx2(&mut g2, &a, &mut b2, d);
                map_biased_flat_avx2(&mut z2, &b1, |v| v.max(0.0));
            }
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                (bits(&g1), bits(&b1), bits(&z1)),
                (bits(&g2), bits(&b2), bits(&z2))
            );
        }
    }
}
