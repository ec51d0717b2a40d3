//! Loss functions, each with its value and its gradient with respect to the network output.
//!
//! With `n` samples in the batch, `m` outputs, network output `o` and target `t`:
//!
//! | loss | value | gradient `∂L/∂o` |
//! |---|---|---|
//! | `half_sse` | `(1/n) Σ_samples Σ_outputs ½ (t − o)²` (the textbook's `E_total`, batch-averaged) | `(o − t) / n` |
//! | `mse` | `(1/(n·m)) Σ (t − o)²` (PyTorch `MSELoss`, Keras `mse`) | `2 (o − t) / (n·m)` |
//! | `cross_entropy` | `(1/n) Σ_samples −Σ_j t_j log softmax(o)_j`, `o` = logits | `(softmax(o) − t) / n` |
//! | `bce` | `(1/(n·m)) Σ −[t log σ(o) + (1 − t) log(1 − σ(o))]`, `o` = logits | `(σ(o) − t) / (n·m)` |
//!
//! The two fused losses take *logits* (use an identity output layer) and are computed with the
//! log-sum-exp trick, so logits of ±1000 give finite values; [`Loss::link`] turns logits into
//! probabilities for prediction.
//!
//! In `f32`, softmax cross-entropy computes its exponentials and logarithms with
//! [`nn_tensor::vmath`]'s branch-free `exp_f32`/`ln_f32` (within 2 ulp of the exact values),
//! 8 rows per vector; `f64` keeps the standard library's `exp`/`ln`.

use crate::activation::sigmoid;
use crate::{Activation, CoreError, Result};
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2, Zip};
#[cfg(target_arch = "x86_64")]
use nn_tensor::vmath::has_avx2_fma;
use nn_tensor::vmath::{exp_f32, ln_f32};
use nn_tensor::Float;
use serde::{Deserialize, Serialize};

/// A loss function.
///
/// ```
/// use ndarray::array;
/// use nn_core::Loss;
/// // E = ½(0.85 − 0.75)² = 0.005
/// let e = Loss::HalfSse.value(array![[0.75_f64]].view(), array![[0.85]].view())?;
/// assert!((e - 0.005).abs() < 1e-15);
/// # Ok::<(), nn_core::CoreError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// `Σ ½ (t − o)²` over outputs, averaged over the batch (the textbook's `E_total`).
    HalfSse,
    /// Mean squared error over every element.
    Mse,
    /// Softmax cross-entropy on logits; targets are one-hot rows (or any distribution).
    CrossEntropy,
    /// Binary cross-entropy on logits, fused with the sigmoid; targets in `[0, 1]`.
    Bce,
}

impl Loss {
    /// The name users type on the command line.
    ///
    /// ```
    /// assert_eq!(nn_core::Loss::CrossEntropy.name(), "cross-entropy");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Loss::HalfSse => "half-sse",
            Loss::Mse => "mse",
            Loss::CrossEntropy => "cross-entropy",
            Loss::Bce => "bce",
        }
    }

    /// The activation the output layer should have with this loss (identity for the fused
    /// losses, whose input is logits).
    ///
    /// ```
    /// use nn_core::{Activation, Loss};
    /// assert_eq!(Loss::CrossEntropy.fused_activation(), Some(Activation::Softmax));
    /// assert_eq!(Loss::Mse.fused_activation(), None);
    /// ```
    pub fn fused_activation(&self) -> Option<Activation> {
        match self {
            Loss::CrossEntropy => Some(Activation::Softmax),
            Loss::Bce => Some(Activation::Sigmoid),
            Loss::HalfSse | Loss::Mse => None,
        }
    }

    /// The loss of a batch (see the module table), accumulated in `f64`.
    ///
    /// ```
    /// use ndarray::array;
    /// // mse of [1, 2] vs [0, 4]: ((1 − 0)² + (2 − 4)²) / 2 = 2.5
    /// let v = nn_core::Loss::Mse.value(array![[1.0_f32, 2.0]].view(), array![[0.0, 4.0]].view())?;
    /// assert_eq!(v, 2.5);
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn value<T: Float>(&self, out: ArrayView2<T>, target: ArrayView2<T>) -> Result<f64> {
        check_shapes(out, target)?;
        let total: f64 = out
            .rows()
            .into_iter()
            .zip(target.rows())
            .map(|(o, t)| self.row(o, t))
            .sum();
        Ok(total / self.denominator(out.dim()) as f64)
    }

    /// The loss of each output of each sample, before averaging (the textbook's `E_o1`, `E_o2`).
    /// For cross-entropy each entry is `−t_j log softmax(o)_j`.
    ///
    /// ```
    /// use ndarray::array;
    /// let e = nn_core::Loss::HalfSse.per_output(array![[1.0_f64, 0.0]].view(), array![[0.0, 0.0]].view())?;
    /// assert_eq!(e, array![[0.5, 0.0]]);
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn per_output<T: Float>(
        &self,
        out: ArrayView2<T>,
        target: ArrayView2<T>,
    ) -> Result<Array2<f64>> {
        check_shapes(out, target)?;
        let mut e = Array2::zeros(out.dim());
        for ((mut e, o), t) in e.rows_mut().into_iter().zip(out.rows()).zip(target.rows()) {
            let lse = if *self == Loss::CrossEntropy {
                log_sum_exp(o)
            } else {
                0.0
            };
            for ((e, &o), &t) in e.iter_mut().zip(o).zip(t) {
                *e = self.element(o.to_f64(), t.to_f64(), lse);
            }
        }
        Ok(e)
    }

    /// Writes `∂L/∂o` into `grad` and returns the loss value, in one pass.
    ///
    /// ```
    /// use ndarray::{array, Array2};
    /// let mut g = Array2::zeros((1, 1));
    /// // half_sse: ∂E/∂o = o − t = 0.75 − 0.85
    /// nn_core::Loss::HalfSse.value_and_grad(array![[0.75_f64]].view(), array![[0.85]].view(), g.view_mut())?;
    /// assert!((g[[0, 0]] + 0.1).abs() < 1e-15);
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn value_and_grad<T: Float>(
        &self,
        out: ArrayView2<T>,
        target: ArrayView2<T>,
        mut grad: ArrayViewMut2<T>,
    ) -> Result<f64> {
        check_shapes(out, target)?;
        check_shapes(out, grad.view())?;
        let scale = T::from_f64(1.0 / self.denominator(out.dim()) as f64);
        match self {
            Loss::HalfSse => Zip::from(&mut grad)
                .and(out)
                .and(target)
                .for_each(|g, &o, &t| *g = (o - t) * scale),
            Loss::Mse => {
                let two = T::from_f64(2.0);
                Zip::from(&mut grad)
                    .and(out)
                    .and(target)
                    .for_each(|g, &o, &t| *g = two * (o - t) * scale)
            }
            Loss::CrossEntropy => return Ok(softmax_ce_grad(out, target, grad, scale)),
            Loss::Bce => Zip::from(&mut grad)
                .and(out)
                .and(target)
                .for_each(|g, &o, &t| *g = (sigmoid(o) - t) * scale),
        }
        self.value(out, target)
    }

    /// Turns network outputs into predictions in place: softmax for cross-entropy, sigmoid for
    /// BCE, unchanged otherwise.
    ///
    /// ```
    /// use ndarray::array;
    /// let mut o = array![[0.0_f64, 0.0]];
    /// nn_core::Loss::CrossEntropy.link(o.view_mut());
    /// assert_eq!(o, array![[0.5, 0.5]]);
    /// ```
    pub fn link<T: Float>(&self, out: ArrayViewMut2<T>) {
        if let Some(act) = self.fused_activation() {
            act.apply(out);
        }
    }

    fn denominator(&self, (n, m): (usize, usize)) -> usize {
        match self {
            Loss::HalfSse | Loss::CrossEntropy => n.max(1),
            Loss::Mse | Loss::Bce => (n * m).max(1),
        }
    }

    fn row<T: Float>(&self, o: ArrayView1<T>, t: ArrayView1<T>) -> f64 {
        let lse = if *self == Loss::CrossEntropy {
            log_sum_exp(o)
        } else {
            0.0
        };
        o.iter()
            .zip(t)
            .map(|(&o, &t)| self.element(o.to_f64(), t.to_f64(), lse))
            .sum()
    }

    /// One element's contribution; `lse` is the row's log-sum-exp (cross-entropy only).
    fn element(&self, o: f64, t: f64, lse: f64) -> f64 {
        match self {
            Loss::HalfSse => 0.5 * (t - o) * (t - o),
            Loss::Mse => (t - o) * (t - o),
            // −t·log softmax(o) = t·(lse − o); skip t = 0 so −inf logits do not give NaN.
            Loss::CrossEntropy => {
                if t == 0.0 {
                    0.0
                } else {
                    t * (lse - o)
                }
            }
            // −[t log σ(o) + (1 − t) log(1 − σ(o))] = max(o, 0) − o·t + log(1 + e^(−|o|))
            Loss::Bce => o.max(0.0) - o * t + (-o.abs()).exp().ln_1p(),
        }
    }
}

/// Softmax cross-entropy value and gradient `(softmax(o) − t)·scale` in one pass per row.
///
/// Runs on flat row-major slices (the network's own buffers are); other layouts are copied
/// into that form first.
fn softmax_ce_grad<T: Float>(
    out: ArrayView2<T>,
    target: ArrayView2<T>,
    mut grad: ArrayViewMut2<T>,
    scale: T,
) -> f64 {
    let m = out.ncols();
    if m == 0 {
        return 0.0;
    }
    let (o, t) = (out.as_standard_layout(), target.as_standard_layout());
    let (o, t) = (
        o.as_slice().expect("standard"),
        t.as_slice().expect("standard"),
    );
    let mut total = 0.0;
    match grad.as_slice_mut() {
        Some(g) => softmax_ce_any(o, t, g, m, scale, &mut total),
        None => {
            let mut g = Array2::zeros(grad.dim());
            let flat = g.as_slice_mut().expect("standard");
            softmax_ce_any(o, t, flat, m, scale, &mut total);
            grad.assign(&g);
        }
    }
    total * scale.to_f64()
}

/// [`softmax_ce_f32`] for `f32` (compiled for AVX2 where the CPU has it), [`softmax_ce_rows`]
/// (libm `exp`/`ln`) for `f64`.
fn softmax_ce_any<T: Float>(o: &[T], t: &[T], g: &mut [T], m: usize, scale: T, total: &mut f64) {
    let f32s = (T::as_f32(o), T::as_f32(t), T::as_f32_mut(g));
    if let (Some(o), Some(t), Some(g)) = f32s {
        let scale = scale.to_f64() as f32;
        #[cfg(target_arch = "x86_64")]
        if has_avx2_fma() {
            // SAFETY: the CPU has AVX2 and FMA (just detected).
            *total += unsafe { softmax_ce_f32_avx2(o, t, g, m, scale) };
            return;
        }
        *total += softmax_ce_f32(o, t, g, m, scale);
        return;
    }
    softmax_ce_rows(o, t, g, m, scale, total);
}

/// [`softmax_ce_f32`] compiled for AVX2 (8 rows per vector); the same bits as the plain build.
///
/// # Safety
/// The CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn softmax_ce_f32_avx2(o: &[f32], t: &[f32], g: &mut [f32], m: usize, scale: f32) -> f64 {
    if m == 3 {
        return softmax_ce_f32_m::<3, true>(o, t, g, m, scale);
    }
    softmax_ce_f32(o, t, g, m, scale)
}

/// Rows per block of [`softmax_ce_f32`] (one AVX2 vector of `f32`).
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
fn softmax_ce_f32(o: &[f32], t: &[f32], g: &mut [f32], m: usize, scale: f32) -> f64 {
    match m {
        2 => softmax_ce_f32_m::<2, false>(o, t, g, m, scale),
        3 => softmax_ce_f32_m::<3, false>(o, t, g, m, scale),
        4 => softmax_ce_f32_m::<4, false>(o, t, g, m, scale),
        _ => softmax_ce_f32_m::<0, false>(o, t, g, m, scale),
    }
}

/// [`softmax_ce_f32`] with `m` fixed at `M` when `M > 0`; with `SOA3` (only in AVX2 code, and
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

/// [`softmax_ce_f32`] on one block of [`LANES`] rows of `m` elements; adds each row's loss to its
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

/// [`softmax_ce_grad`] on row-major slices with rows of `m`; adds `Σ t·(lse − o)` to `total`.
///
/// Two passes: every `e_j = exp(o_j − max)` first, then per row `lse = max + ln Σ e`,
/// `grad = (e/Σe − t)·scale` and the loss. Splitting them lets the `exp` and `ln` calls of
/// different rows overlap instead of chaining through each row (same operations, same order).
fn softmax_ce_rows<T: Float>(o: &[T], t: &[T], g: &mut [T], m: usize, scale: T, total: &mut f64) {
    for (o, g) in o.chunks_exact(m).zip(g.chunks_exact_mut(m)) {
        let max = row_max(o);
        for (g, &o) in g.iter_mut().zip(o) {
            *g = (o - max).exp();
        }
    }
    let rows = o.chunks_exact(m).zip(t.chunks_exact(m));
    for ((o, t), g) in rows.zip(g.chunks_exact_mut(m)) {
        let (max, sum) = (row_max(o), g.iter().fold(T::zero(), |s, &e| s + e));
        let (lse, inv) = (max + sum.ln(), T::one() / sum);
        for ((g, &o), &t) in g.iter_mut().zip(o).zip(t) {
            *g = (*g * inv - t) * scale;
            if t != T::zero() {
                *total += (t * (lse - o)).to_f64();
            }
        }
    }
}

/// The largest element (−∞ for an empty row; NaN elements are skipped).
fn row_max<T: Float>(o: &[T]) -> T {
    o.iter()
        .fold(T::neg_infinity(), |m, &v| if v > m { v } else { m })
}

/// `log Σ_j e^(o_j)`, max-subtracted so it never overflows.
fn log_sum_exp<T: Float>(o: ArrayView1<T>) -> f64 {
    let max = o.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v.to_f64()));
    if !max.is_finite() {
        return max;
    }
    max + o
        .iter()
        .map(|&v| (v.to_f64() - max).exp())
        .sum::<f64>()
        .ln()
}

fn check_shapes<T>(out: ArrayView2<T>, target: ArrayView2<T>) -> Result<()> {
    if out.dim() != target.dim() {
        return Err(CoreError::Tensor(nn_tensor::TensorError::ShapeMismatch {
            op: "loss",
            expected: vec![out.nrows(), out.ncols()],
            got: vec![target.nrows(), target.ncols()],
        }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn textbook_e_total() {
        // out_o1 = 0.702307507, out_o2 = 0.714634132, targets 0.85, 0.30 (textbook 2.2):
        // E_o1 = ½(0.85 − 0.702307507)² = 0.010906536, E_o2 = 0.085960731, E_total = 0.096867268.
        let out = array![[0.7023075067_f64, 0.7146341320]];
        let t = array![[0.85, 0.30]];
        let e = Loss::HalfSse.per_output(out.view(), t.view()).unwrap();
        assert!((e[[0, 0]] - 0.010906536).abs() < 1e-9);
        assert!((e[[0, 1]] - 0.085960731).abs() < 1e-9);
        assert!((Loss::HalfSse.value(out.view(), t.view()).unwrap() - 0.096867268).abs() < 1e-9);
    }

    #[test]
    fn mse_of_two_vectors() {
        // ((3 − 1)² + (−1 − 1)² + (0 − 2)² + (5 − 2)²) / 4 = (4 + 4 + 4 + 9) / 4 = 5.25
        let v = Loss::Mse.value(
            array![[3.0_f64, -1.0], [0.0, 5.0]].view(),
            array![[1.0, 1.0], [2.0, 2.0]].view(),
        );
        assert_eq!(v.unwrap(), 5.25);
    }

    #[test]
    fn cross_entropy_with_huge_logits_is_finite_and_right() {
        // logits [1000, −1000, 0], class 0: lse = 1000 + log(1 + e^−2000 + e^−1000) = 1000,
        // loss = lse − 1000 = 0; class 1: loss = 2000. Gradient = softmax − onehot.
        let o = array![[1000.0_f64, -1000.0, 0.0], [1000.0, -1000.0, 0.0]];
        let t = array![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
        let mut g = Array2::zeros((2, 3));
        let v = Loss::CrossEntropy
            .value_and_grad(o.view(), t.view(), g.view_mut())
            .unwrap();
        assert_eq!(v, 1000.0); // (0 + 2000) / 2
        assert_eq!(g, array![[0.0, 0.0, 0.0], [0.5, -0.5, 0.0]]);
        let v32 =
            Loss::CrossEntropy.value(o.mapv(|v| v as f32).view(), t.mapv(|v| v as f32).view());
        assert_eq!(v32.unwrap(), 1000.0);
    }

    /// Logits in about [−25, 25] and targets (one-hot rows, or soft rows when `soft`), fixed.
    fn ce_case(n: usize, m: usize, soft: bool) -> (Array2<f64>, Array2<f64>) {
        let o = Array2::from_shape_fn((n, m), |(i, j)| {
            ((i * 37 + j * 11) % 101) as f64 * 0.5 - 25.0
        });
        let t = Array2::from_shape_fn((n, m), |(i, j)| match soft {
            true => 1.0 / m as f64,
            false => f64::from(u8::from((i * 7) % m == j)),
        });
        (o, t)
    }

    #[test]
    fn f32_cross_entropy_agrees_with_the_f64_path() {
        // The f32 path (own exp/ln, 8 rows at a time, padded last block) against f64 with libm:
        // shapes with and without a partial block, one column, and rows too long for the stack.
        for (n, m, soft) in [
            (1, 3, false),
            (7, 3, false),
            (150, 3, false),
            (9, 1, false),
            (13, 20, true),
            (16, 5, true),
        ] {
            let (o, t) = ce_case(n, m, soft);
            let (mut g64, mut g32) = (Array2::zeros((n, m)), Array2::zeros((n, m)));
            let v64 = Loss::CrossEntropy
                .value_and_grad(o.view(), t.view(), g64.view_mut())
                .unwrap();
            let (o32, t32) = (o.mapv(|v| v as f32), t.mapv(|v| v as f32));
            let v32 = Loss::CrossEntropy
                .value_and_grad(o32.view(), t32.view(), g32.view_mut())
                .unwrap();
            // One column: softmax is 1, so loss and gradient are exactly 0.
            assert!(v64 > 0.1 || (m == 1 && v32 == 0.0), "{n}×{m}: loss {v64}");
            assert!((v32 - v64).abs() <= 1e-6 * v64, "{n}×{m}: {v32} vs {v64}");
            for (a, b) in g32.iter().zip(&g64) {
                assert!(
                    (f64::from(*a) - b).abs() <= 1e-7,
                    "{n}×{m}: grad {a} vs {b}"
                );
            }
            // Every row's gradient sums to 0 (softmax and target rows both sum to 1).
            for row in g64.rows() {
                assert!(row.sum().abs() < 1e-12);
            }
        }
    }

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
            let v = softmax_ce_f32(o, t, &mut plain, m, 1.0 / n as f32);
            assert!(v > 1.0, "{n}×{m}: {v}");
            #[cfg(target_arch = "x86_64")]
            if has_avx2_fma() {
                let mut simd = vec![0.0_f32; o.len()];
                // SAFETY: just detected.
                let w = unsafe { softmax_ce_f32_avx2(o, t, &mut simd, m, 1.0 / n as f32) };
                assert_eq!(v.to_bits(), w.to_bits(), "{n}×{m}");
                let bits = |g: &[f32]| g.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&plain), bits(&simd), "{n}×{m}");
            }
        }
    }

    #[test]
    fn bce_matches_formula() {
        // o = 0, t = 1: −log σ(0) = log 2; o = 2, t = 0: −log(1 − σ(2)) = log(1 + e²) = 2.126928011
        let v = Loss::Bce
            .value(array![[0.0_f64, 2.0]].view(), array![[1.0, 0.0]].view())
            .unwrap();
        assert!((v - (std::f64::consts::LN_2 + 2.1269280110429727) / 2.0).abs() < 1e-15);
        let v = Loss::Bce
            .value(array![[-1000.0_f32]].view(), array![[1.0]].view())
            .unwrap();
        assert_eq!(v, 1000.0);
    }

    #[test]
    fn mismatched_shapes_are_errors() {
        let r = Loss::Mse.value(array![[1.0_f64]].view(), array![[1.0, 2.0]].view());
        assert!(r.is_err());
    }
}
