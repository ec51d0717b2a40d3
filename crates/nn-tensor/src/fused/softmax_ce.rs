//! Softmax cross-entropy in `f32`, fused with its gradient: the hot loop of classification
//! training, 8 rows per vector.
//!
//! ```
//! // Two classes, equal logits: softmax = [½, ½], loss = ln 2, gradient = [½ − 1, ½ − 0].
//! let mut g = [0.0_f32; 2];
//! let loss = nn_tensor::fused::softmax_ce_f32(&[0.0, 0.0], &[1.0, 0.0], &mut g, 2, 1.0);
//! assert!((loss - std::f64::consts::LN_2).abs() < 1e-6);
//! assert_eq!(g, [-0.5, 0.5]);
//! ```

use crate::vmath::{exp_f32, ln_f32};

/// Softmax cross-entropy of `f32` logits `o` against targets `t` (row-major, rows of `m`):
/// writes `g = (softmax(o) − t)·scale` and returns `Σ t·(lse − o)` over the entries with
/// `t ≠ 0` (summed in `f64`; the caller scales it). Compiled for AVX2 where the CPU has it,
/// with the same bits as the plain build. Rows go 8 at a time, one per lane, with the
/// branch-free [`crate::vmath::exp_f32`]/[`crate::vmath::ln_f32`]; the loss is summed in `f64`
/// per lane (rows `i ≡ l mod 8`), then across lanes pairwise: a fixed order for a given shape.
///
/// ```
/// let mut g = [0.0_f32; 3];
/// let loss = nn_tensor::fused::softmax_ce_f32(&[0.0, 0.0, 0.0], &[0.0, 1.0, 0.0], &mut g, 3, 1.0);
/// assert!((loss - 3f64.ln()).abs() < 1e-6);
/// ```
///
/// # Panics
/// If `o`, `t` and `g` differ in length, or `m` is zero while they are not empty.
#[track_caller]
pub fn softmax_ce_f32(o: &[f32], t: &[f32], g: &mut [f32], m: usize, scale: f32) -> f64 {
    assert!(
        o.len() == t.len() && o.len() == g.len(),
        "softmax_ce_f32: lengths differ"
    );
    if o.is_empty() {
        return 0.0;
    }
    assert!(
        m > 0 && o.len().is_multiple_of(m),
        "softmax_ce_f32: rows of {m} do not tile the data"
    );
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::has_avx2_fma() {
        // SAFETY: the CPU has AVX2 and FMA (just detected).
        return unsafe { softmax_ce_f32_avx2(o, t, g, m, scale) };
    }
    softmax_ce_plain(o, t, g, m, scale)
}

/// [`softmax_ce_plain`] compiled for AVX2 (8 rows per vector); the same bits as the plain build.
///
/// # Safety
/// The CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn softmax_ce_f32_avx2(o: &[f32], t: &[f32], g: &mut [f32], m: usize, scale: f32) -> f64 {
    if m == 3 {
        return softmax_ce_f32_m::<3, true>(o, t, g, m, scale);
    }
    softmax_ce_plain(o, t, g, m, scale)
}

/// Rows per block of [`softmax_ce_plain`] (one AVX2 vector of `f32`).
const LANES: usize = 8;

/// The `f32` softmax cross-entropy on row-major slices with rows of `m`: writes
/// `grad = (softmax(o) − t)·scale` and returns `Σ t·(lse − o)` over the entries with `t ≠ 0`.
///
/// Rows go [`LANES`] at a time, one row per lane, so that every step (row max, `e = exp(o −
/// max)`, `lse = max + ln Σ e`, gradient, loss) is one vector operation on 8 rows, with the
/// branch-free [`exp_f32`] and [`ln_f32`] instead of libm calls. The loss is summed in `f64`,
/// per lane (rows `i ≡ l mod 8`) and then across lanes pairwise: a fixed order for a given
/// shape. A last partial block runs the same arithmetic with its missing rows read as zeros.
///
/// Rows of 2, 3 or 4 columns get their own build with `m` a constant (`M`), whose column loops
/// unroll, so the `exp` of the columns of a block interleave instead of running one after
/// another; the arithmetic is the same.
#[inline(always)]
fn softmax_ce_plain(o: &[f32], t: &[f32], g: &mut [f32], m: usize, scale: f32) -> f64 {
    match m {
        2 => softmax_ce_f32_m::<2, false>(o, t, g, m, scale),
        3 => softmax_ce_f32_m::<3, false>(o, t, g, m, scale),
        4 => softmax_ce_f32_m::<4, false>(o, t, g, m, scale),
        _ => softmax_ce_f32_m::<0, false>(o, t, g, m, scale),
    }
}

/// [`softmax_ce_plain`] with `m` fixed at `M` when `M > 0`; with `SOA3` (only in AVX2 code, and
/// `M = 3`) whole blocks are read and written through [`Soa3`].
#[inline(always)]
fn softmax_ce_f32_m<const M: usize, const SOA3: bool>(
    o: &[f32],
    t: &[f32],
    g: &mut [f32],
    m: usize,
    scale: f32,
) -> f64 {
    let m = if M > 0 { M } else { m };
    let mut acc = [0.0_f64; LANES];
    let block = LANES * m;
    let full = o.len() / block * block;
    let (g, g_tail) = g.split_at_mut(full);
    let blocks = o[..full]
        .chunks_exact(block)
        .zip(t[..full].chunks_exact(block));
    for ((o, t), g) in blocks.zip(g.chunks_exact_mut(block)) {
        #[cfg(target_arch = "x86_64")]
        if SOA3 && M == 3 {
            // SAFETY: `SOA3` is only set in AVX2 code; blocks of 8 rows of 3 are 24 elements.
            let mut cols = unsafe { Soa3::load(o, t) };
            softmax_ce_block::<M>(&mut cols, m, scale, &mut acc);
            // SAFETY: as above.
            unsafe { cols.store(g) };
            continue;
        }
        let o: [&[f32]; LANES] = std::array::from_fn(|l| &o[l * m..][..m]);
        let t: [&[f32]; LANES] = std::array::from_fn(|l| &t[l * m..][..m]);
        let mut g_rows = g.chunks_exact_mut(m);
        let g: [&mut [f32]; LANES] = std::array::from_fn(|_| g_rows.next().expect("8 rows"));
        softmax_ce_block::<M>(&mut Rows { o, t, g }, m, scale, &mut acc);
    }
    let (o, t) = (&o[full..], &t[full..]);
    if !o.is_empty() {
        // Padding rows: zeros in, results dropped (on the stack unless rows are long).
        let mut stack = [0.0_f32; (LANES + 1) * 16];
        let mut heap = Vec::new();
        let pad = match (LANES + 1) * m <= stack.len() {
            true => &mut stack[..(LANES + 1) * m],
            false => {
                heap.resize((LANES + 1) * m, 0.0);
                &mut heap[..]
            }
        };
        let (zeros, sink) = pad.split_at_mut(m);
        let zeros: &[f32] = zeros;
        let (o, t): ([&[f32]; LANES], [&[f32]; LANES]) = (
            std::array::from_fn(|l| o.get(l * m..(l + 1) * m).unwrap_or(zeros)),
            std::array::from_fn(|l| t.get(l * m..(l + 1) * m).unwrap_or(zeros)),
        );
        let mut rows = g_tail.chunks_exact_mut(m).chain(sink.chunks_exact_mut(m));
        let g: [&mut [f32]; LANES] = std::array::from_fn(|_| rows.next().expect("8 rows"));
        softmax_ce_block::<M>(&mut Rows { o, t, g }, m, scale, &mut acc);
    }
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for l in 0..width {
            acc[l] += acc[l + width];
        }
    }
    acc[0]
}

/// The columns of one block of [`LANES`] rows, one row per lane: how [`softmax_ce_block`] reads
/// logits, targets and its own intermediate values, and writes the gradient.
trait Columns {
    /// Logits of column `j`.
    fn o(&self, j: usize) -> [f32; LANES];
    /// Targets of column `j`.
    fn t(&self, j: usize) -> [f32; LANES];
    /// What was last written to column `j` of the gradient.
    fn g(&self, j: usize) -> [f32; LANES];
    /// Writes column `j` of the gradient.
    fn set_g(&mut self, j: usize, v: [f32; LANES]);
}

/// A block read and written in place, row slices of any length (missing rows are padding).
struct Rows<'a> {
    o: [&'a [f32]; LANES],
    t: [&'a [f32]; LANES],
    g: [&'a mut [f32]; LANES],
}

impl Columns for Rows<'_> {
    #[inline(always)]
    fn o(&self, j: usize) -> [f32; LANES] {
        std::array::from_fn(|l| self.o[l][j])
    }
    #[inline(always)]
    fn t(&self, j: usize) -> [f32; LANES] {
        std::array::from_fn(|l| self.t[l][j])
    }
    #[inline(always)]
    fn g(&self, j: usize) -> [f32; LANES] {
        std::array::from_fn(|l| self.g[l][j])
    }
    #[inline(always)]
    fn set_g(&mut self, j: usize, v: [f32; LANES]) {
        for (g, v) in self.g.iter_mut().zip(v) {
            g[j] = v;
        }
    }
}

/// A block of 8 rows of 3 columns held in registers, column-major: read with three vector loads
/// and de-interleaved by blends and a permutation per column (instead of 24 scalar inserts per
/// read), written back the same way. The arithmetic of [`softmax_ce_block`] does not depend on
/// how columns are fetched, so the bits are those of [`Rows`].
#[cfg(target_arch = "x86_64")]
struct Soa3 {
    o: [[f32; LANES]; 3],
    t: [[f32; LANES]; 3],
    g: [[f32; LANES]; 3],
}

#[cfg(target_arch = "x86_64")]
impl Soa3 {
    /// Element `3·row + c` sits in lane `l` of loaded vector `v_k` for `8k + l = 3·row + c`, so
    /// column `c` takes lane `l` from `v_k` with `k = 2(c − l) mod 3` (the blends); `PERM[c][r]`
    /// is the lane of that blend holding row `r`.
    const PERM: [[i32; LANES]; 3] = [
        [0, 3, 6, 1, 4, 7, 2, 5],
        [1, 4, 7, 2, 5, 0, 3, 6],
        [2, 5, 0, 3, 6, 1, 4, 7],
    ];
    /// The inverse permutations of [`Self::PERM`].
    const UNPERM: [[i32; LANES]; 3] = [
        [0, 3, 6, 1, 4, 7, 2, 5],
        [5, 0, 3, 6, 1, 4, 7, 2],
        [2, 5, 0, 3, 6, 1, 4, 7],
    ];

    /// De-interleaves 24 row-major elements (8 rows of 3) into 3 columns of 8.
    ///
    /// # Safety
    /// AVX2 is available and `x` has at least 24 elements.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn columns(x: &[f32]) -> [[f32; LANES]; 3] {
        use std::arch::x86_64::*;
        assert!(x.len() >= 24);
        // SAFETY: 24 readable elements (just checked); AVX2 (caller's contract).
        unsafe {
            let v0 = _mm256_loadu_ps(x.as_ptr());
            let v1 = _mm256_loadu_ps(x.as_ptr().add(8));
            let v2 = _mm256_loadu_ps(x.as_ptr().add(16));
            let c0 = _mm256_blend_ps::<0b0010_0100>(_mm256_blend_ps::<0b1001_0010>(v0, v1), v2);
            let c1 = _mm256_blend_ps::<0b0100_1001>(_mm256_blend_ps::<0b0010_0100>(v0, v1), v2);
            let c2 = _mm256_blend_ps::<0b1001_0010>(_mm256_blend_ps::<0b0100_1001>(v0, v1), v2);
            let perm = |v, p: &[i32; LANES]| {
                let idx = _mm256_loadu_si256(p.as_ptr().cast());
                std::mem::transmute::<__m256, [f32; LANES]>(_mm256_permutevar8x32_ps(v, idx))
            };
            [
                perm(c0, &Self::PERM[0]),
                perm(c1, &Self::PERM[1]),
                perm(c2, &Self::PERM[2]),
            ]
        }
    }

    /// Reads a block of 8 rows of 3 logits and targets.
    ///
    /// # Safety
    /// AVX2 is available; `o` and `t` have at least 24 elements.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn load(o: &[f32], t: &[f32]) -> Self {
        // SAFETY: forwarded contract.
        unsafe {
            Soa3 {
                o: Self::columns(o),
                t: Self::columns(t),
                g: [[0.0; LANES]; 3],
            }
        }
    }

    /// Writes the gradient columns back as 8 rows of 3.
    ///
    /// # Safety
    /// AVX2 is available and `g` has at least 24 elements.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn store(&self, g: &mut [f32]) {
        use std::arch::x86_64::*;
        assert!(g.len() >= 24);
        // SAFETY: 24 writable elements (just checked); AVX2 (caller's contract).
        unsafe {
            let unperm = |c: usize| {
                let v = std::mem::transmute::<[f32; LANES], __m256>(self.g[c]);
                let idx = _mm256_loadu_si256(Self::UNPERM[c].as_ptr().cast());
                _mm256_permutevar8x32_ps(v, idx)
            };
            let (c0, c1, c2) = (unperm(0), unperm(1), unperm(2));
            // v_k takes lane l from column (2k + l) mod 3.
            let v0 = _mm256_blend_ps::<0b0010_0100>(_mm256_blend_ps::<0b1001_0010>(c0, c1), c2);
            let v1 = _mm256_blend_ps::<0b0010_0100>(_mm256_blend_ps::<0b0100_1001>(c0, c2), c1);
            let v2 = _mm256_blend_ps::<0b1001_0010>(_mm256_blend_ps::<0b0100_1001>(c0, c1), c2);
            _mm256_storeu_ps(g.as_mut_ptr(), v0);
            _mm256_storeu_ps(g.as_mut_ptr().add(8), v1);
            _mm256_storeu_ps(g.as_mut_ptr().add(16), v2);
        }
    }
}

#[cfg(target_arch = "x86_64")]
impl Columns for Soa3 {
    #[inline(always)]
    fn o(&self, j: usize) -> [f32; LANES] {
        self.o[j]
    }
    #[inline(always)]
    fn t(&self, j: usize) -> [f32; LANES] {
        self.t[j]
    }
    #[inline(always)]
    fn g(&self, j: usize) -> [f32; LANES] {
        self.g[j]
    }
    #[inline(always)]
    fn set_g(&mut self, j: usize, v: [f32; LANES]) {
        self.g[j] = v;
    }
}

/// [`softmax_ce_plain`] on one block of [`LANES`] rows of `m` elements; adds each row's loss to its
/// lane of `acc`.
#[inline(always)]
fn softmax_ce_block<const M: usize>(
    cols: &mut impl Columns,
    m: usize,
    scale: f32,
    acc: &mut [f64; LANES],
) {
    let m = if M > 0 { M } else { m };
    let mut max = [f32::NEG_INFINITY; LANES];
    for j in 0..m {
        let v = cols.o(j);
        for l in 0..LANES {
            max[l] = if v[l] > max[l] { v[l] } else { max[l] };
        }
    }
    let mut sum = [0.0_f32; LANES];
    for j in 0..m {
        let v = cols.o(j);
        let mut e = [0.0_f32; LANES];
        for l in 0..LANES {
            e[l] = exp_f32(v[l] - max[l]);
            sum[l] += e[l];
        }
        cols.set_g(j, e);
    }
    let mut lse = [0.0_f32; LANES];
    let mut inv = [0.0_f32; LANES];
    for l in 0..LANES {
        lse[l] = max[l] + ln_f32(sum[l]);
        inv[l] = 1.0 / sum[l];
    }
    for j in 0..m {
        let (o, t, e) = (cols.o(j), cols.t(j), cols.g(j));
        let mut out = [0.0_f32; LANES];
        for l in 0..LANES {
            out[l] = (e[l] * inv[l] - t[l]) * scale;
            let loss = f64::from(t[l] * (lse[l] - o[l]));
            acc[l] += if t[l] != 0.0 { loss } else { 0.0 };
        }
        cols.set_g(j, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use nn_testutil::cross_entropy_case as ce_case;

    #[test]
    fn f32_cross_entropy_is_the_same_bits_with_and_without_avx2() {
        // Rows of 3: the AVX2 build reads whole blocks of 8 rows through `Soa3` (shuffles) and a
        // partial last block through `Rows`; the plain build reads everything through `Rows`.
        // Other widths: the same code, compiled twice.
        for (n, m, soft) in [(150, 3, false), (8, 3, true), (3, 3, false), (29, 5, true)] {
            let (o, t) = ce_case(n, m, soft);
            let (o, t) = (o.mapv(|v| v as f32 * 0.37), t.mapv(|v| v as f32));
            let (o, t) = (o.as_slice().unwrap(), t.as_slice().unwrap());
            let mut plain = vec![0.0_f32; o.len()];
            let v = softmax_ce_plain(o, t, &mut plain, m, 1.0 / n as f32);
            assert!(v > 1.0, "{n}×{m}: {v}");
            #[cfg(target_arch = "x86_64")]
            if crate::cpu::has_avx2_fma() {
                let mut simd = vec![0.0_f32; o.len()];
                // SAFETY: just detected.
                let w = unsafe { softmax_ce_f32_avx2(o, t, &mut simd, m, 1.0 / n as f32) };
                assert_eq!(v.to_bits(), w.to_bits(), "{n}×{m}");
                let bits = |g: &[f32]| g.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&plain), bits(&simd), "{n}×{m}");
            }
        }
    }
}
