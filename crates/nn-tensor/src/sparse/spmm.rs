//! [`spmm`]: `C = A·B` for a sparse `A` ([`CsrMatrix`]) and a dense row-major `B`.
//!
//! Each output row is computed in column chunks whose accumulators stay in vector registers:
//! for every non-zero `a_ik` of the row, the chunk adds `a_ik · B[k, chunk]`. The chunk width
//! changes only how many columns run at once, never the arithmetic of one element, which is the
//! fused multiply-add chain over the row's non-zeros in increasing `k` (`a·b + c` rounded twice
//! in the portable build, where no FMA instruction is assumed).

use super::{BlockedTranspose, CsrMatrix};
use crate::cpu::Isa;
use crate::matmul::KernelChoice;
use crate::{Float, Result, TensorError};
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use std::borrow::Cow;

/// Multiply-adds per thread before a product is split across threads.
const FMAS_PER_THREAD: usize = 1 << 18;

/// `C = A·B`: `A` sparse `(m, k)`, `B` dense `(k, n)`, `C` dense `(m, n)` (overwritten).
///
/// Uses up to [`num_threads`](crate::num_threads) threads, split over the rows of `C`; the
/// result is the same for any thread count. Operands whose rows are not contiguous are copied
/// first.
///
/// ```
/// use ndarray::{array, Array2};
/// use nn_tensor::sparse::{spmm, CsrMatrix};
/// let a = CsrMatrix::from_dense(array![[0.0_f64, 1.0], [2.0, 0.0]].view());
/// let b = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
/// let mut c = Array2::zeros((2, 3));
/// spmm(&a, b.view(), c.view_mut())?;
/// assert_eq!(c, array![[4.0, 5.0, 6.0], [2.0, 4.0, 6.0]]);
/// # Ok::<(), nn_tensor::TensorError>(())
/// ```
pub fn spmm<T: Float>(a: &CsrMatrix<T>, b: ArrayView2<T>, c: ArrayViewMut2<T>) -> Result<()> {
    spmm_with_kernel(KernelChoice::Auto, a, b, c)
}

/// [`spmm`] forced onto one kernel family, for tests and benchmarks: the portable kernel
/// (plain Rust, `a·b + c` rounded twice) or the AVX2+FMA / AVX-512F ones (fused multiply-adds).
///
/// Returns [`TensorError::KernelUnavailable`] when the CPU lacks the kernel's features.
///
/// ```
/// use ndarray::{array, Array2};
/// use nn_tensor::matmul::KernelChoice;
/// use nn_tensor::sparse::{spmm_with_kernel, CsrMatrix};
/// let a = CsrMatrix::from_dense(array![[0.0_f32, 2.0]].view());
/// let mut c = Array2::zeros((1, 1));
/// spmm_with_kernel(KernelChoice::Portable, &a, array![[5.0], [7.0]].view(), c.view_mut())?;
/// assert_eq!(c, array![[14.0]]);
/// # Ok::<(), nn_tensor::TensorError>(())
/// ```
pub fn spmm_with_kernel<T: Float>(
    kernel: KernelChoice,
    a: &CsrMatrix<T>,
    b: ArrayView2<T>,
    c: ArrayViewMut2<T>,
) -> Result<()> {
    product(kernel, Operand::Csr(a), b, c)
}

/// `C = Xᵀ·B` for the transpose built by [`BlockedTranspose::assign`]: the same arithmetic as
/// [`spmm`] on [`CsrMatrix::transpose_into`]'s result, so the same bits, without finding each
/// row's depth blocks again (the entries are stored block by block).
///
/// ```
/// use ndarray::{array, Array2};
/// use nn_tensor::sparse::{spmm_transposed, BlockedTranspose, CsrMatrix};
/// let x = CsrMatrix::from_dense(array![[0.0_f32, 2.0], [3.0, 0.0]].view());
/// let mut xt = BlockedTranspose::new();
/// xt.assign(&x);
/// let mut c = Array2::zeros((2, 1));
/// spmm_transposed(&xt, array![[5.0], [7.0]].view(), c.view_mut())?;
/// assert_eq!(c, array![[21.0], [10.0]]);
/// # Ok::<(), nn_tensor::TensorError>(())
/// ```
pub fn spmm_transposed<T: Float>(
    xt: &BlockedTranspose<T>,
    b: ArrayView2<T>,
    c: ArrayViewMut2<T>,
) -> Result<()> {
    product(KernelChoice::Auto, Operand::Blocked(xt), b, c)
}

/// The sparse left operand of a product.
#[derive(Clone, Copy)]
enum Operand<'a, T> {
    /// Row by row; each call finds where the rows cross the depth blocks ([`Bounds::new`]).
    Csr(&'a CsrMatrix<T>),
    /// Block by block, as the kernels read it.
    Blocked(&'a BlockedTranspose<T>),
}

impl<'a, T: Float> Operand<'a, T> {
    fn shape(self) -> (usize, usize) {
        match self {
            Operand::Csr(a) => (a.rows, a.cols),
            Operand::Blocked(a) => (a.rows, a.cols),
        }
    }

    /// Entries before each row, and one more: where the row ranges of threads are cut.
    fn indptr(self) -> &'a [usize] {
        match self {
            Operand::Csr(a) => &a.indptr,
            Operand::Blocked(a) => &a.indptr,
        }
    }

    fn entries(self) -> (&'a [u32], &'a [T]) {
        match self {
            Operand::Csr(a) => (&a.indices, &a.values),
            Operand::Blocked(a) => (&a.indices, &a.values),
        }
    }

    fn nnz(self) -> usize {
        self.indptr().last().copied().unwrap_or(0)
    }

    /// Where rows `r0..r1` cross depth blocks of `depth` columns (a CSR operand's), or the
    /// blocks the operand is stored in.
    fn bounds(self, r0: usize, r1: usize, depth: usize) -> Bounds<'a> {
        match self {
            Operand::Csr(a) if a.ends_rows == a.rows && a.end_cols == depth => Bounds {
                rows: r0..r1,
                base: 0,
                blocks: a.end_blocks(),
                row_step: a.end_blocks() + 1,
                block_step: 1,
                at: Cow::Borrowed(&a.ends),
            },
            Operand::Csr(a) => Bounds::new(a, r0, r1, depth),
            Operand::Blocked(a) => Bounds {
                rows: r0..r1,
                base: 0,
                blocks: a.blocks(),
                row_step: 1,
                block_step: a.rows,
                at: Cow::Borrowed(&a.seg),
            },
        }
    }
}

/// [`spmm_with_kernel`] for either operand.
fn product<T: Float>(
    kernel: KernelChoice,
    a: Operand<'_, T>,
    b: ArrayView2<T>,
    mut c: ArrayViewMut2<T>,
) -> Result<()> {
    let isa = sparse_isa(kernel).ok_or(TensorError::KernelUnavailable {
        kernel: kernel.name(),
    })?;

    let (m, k) = a.shape();
    let n = b.ncols();
    if b.nrows() != k || c.dim() != (m, n) {
        return Err(TensorError::ShapeMismatch {
            op: "spmm",
            expected: vec![m, k, n],
            got: vec![c.nrows(), b.nrows(), c.ncols()],
        });
    }
    if m == 0 || n == 0 {
        return Ok(());
    }
    if !rows_contiguous(b.dim(), b.strides()) {
        let b = Array2::from_shape_vec((k, n), b.iter().copied().collect());
        return product(kernel, a, b.expect("k·n elements").view(), c);
    }
    if !rows_contiguous(c.dim(), c.strides()) {
        let mut tmp = Array2::zeros((m, n));
        product(kernel, a, b, tmp.view_mut())?;
        c.assign(&tmp);
        return Ok(());
    }
    let job = Job {
        isa,
        a,
        b: b.as_ptr(),
        ldb: b.strides()[0] as usize,
        c: c.as_mut_ptr(),
        ldc: c.strides()[0] as usize,
        n,
    };
    let threads = crate::num_threads().min((a.nnz() * n / FMAS_PER_THREAD).max(1));
    // SAFETY: B and C were checked to have unit column stride and non-negative row strides and
    // the shapes agree with A's, so every row pointer the job forms is in bounds; C is a unique
    // mutable view, so it aliases neither A's buffers nor B.
    unsafe { job.run(threads) };
    Ok(())
}

/// Whether each row is contiguous (columns one element apart) and rows go forward. An empty
/// matrix qualifies whatever its strides: ndarray gives `(0, n)` arrays zero strides, copies
/// included, so rejecting them made `spmm` copy B and recurse forever when `k = 0`.
fn rows_contiguous(dim: (usize, usize), strides: &[isize]) -> bool {
    dim.0 == 0 || ((dim.1 <= 1 || strides[1] == 1) && strides[0] >= 0)
}

/// One product, as raw row pointers (so that threads can share it).
struct Job<'a, T> {
    isa: Isa,
    a: Operand<'a, T>,
    b: *const T,
    ldb: usize,
    c: *mut T,
    ldc: usize,
    n: usize,
}

// SAFETY: the pointers are only dereferenced for rows handed out disjointly (see `run`).
unsafe impl<T: Sync> Sync for Job<'_, T> {}

impl<T: Float> Job<'_, T> {
    /// Splits the rows of C into `threads` contiguous ranges and computes them.
    ///
    /// # Safety
    /// As in [`spmm`]: valid row pointers for the whole shapes, C not aliasing anything.
    unsafe fn run(&self, threads: usize) {
        let m = self.a.shape().0;
        if threads <= 1 {
            // SAFETY: forwarded.
            return unsafe { self.rows(0, m) };
        }
        // Parts with equal work (non-zeros, plus one per row for its stores), not equal rows:
        // the non-zeros of an image's pixels crowd in the middle rows of Xᵀ.
        let indptr = self.a.indptr();
        let work = |r: usize| indptr[r] + r;
        let cut = |p: usize| {
            // The first row whose work so far reaches the part's share (a binary search: the
            // work grows strictly with r).
            let target = work(m) * p / threads;
            let (mut lo, mut hi) = (0, m);
            while lo < hi {
                let mid = (lo + hi) / 2;
                match work(mid) < target {
                    true => lo = mid + 1,
                    false => hi = mid,
                }
            }
            lo
        };
        let cuts: Vec<usize> = (0..=threads).map(cut).collect();
        // SAFETY: the parts are disjoint row ranges, so no row of C is written twice; the
        // operands outlive `run_parts`, which returns once every part is done.
        crate::pool::run_parts(threads, &|p| unsafe { self.rows(cuts[p], cuts[p + 1]) });
    }

    /// Rows `r0..r1` of C, with the best kernel this CPU runs.
    ///
    /// # Safety
    /// As [`run`](Self::run), and no other thread writes these rows.
    unsafe fn rows(&self, r0: usize, r1: usize) {
        match self.isa {
            // SAFETY: `sparse_isa` checked the features on this CPU; forwarded contract.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => unsafe { rows_avx512(self, r0, r1) },
            // SAFETY: as above.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { rows_avx2(self, r0, r1) },
            // Forwarded contract (the macro's unsafe blocks rely on it).
            Isa::Portable => panels!(self, r0, r1, false; 16, 8, 4, 1),
        }
    }
}

/// The kernel family for `kernel` on this CPU, if it runs here. The AVX-512 kernels also use
/// AVX2 and FMA instructions, so they need those as well (every AVX-512 CPU has them).
fn sparse_isa(kernel: KernelChoice) -> Option<Isa> {
    let isa = kernel.isa()?;
    #[cfg(target_arch = "x86_64")]
    if isa == Isa::Avx512 && !crate::cpu::has_avx2_fma() {
        return match kernel {
            KernelChoice::Auto => Some(Isa::Portable),
            _ => None,
        };
    }
    Some(isa)
}

/// Rows `r0..r1` of C in column panels: as many of the first width as fit, then of the next…
/// (the last width must be 1). Depth blocks are sized for the first width.
///
/// # Safety
/// As [`Job::rows`].
macro_rules! panels {
    ($job:expr, $r0:expr, $r1:expr, $fused:literal; $w0:literal $(, $w:literal)*) => {{
        let job = $job;
        let depth = block_depth(BLOCK_BYTES, $w0 * std::mem::size_of::<T>());
        let bounds = job.a.bounds($r0, $r1, depth);
        let mut j = 0;
        // SAFETY: each panel lies inside the n columns (forwarded contract).
        while job.n - j >= $w0 {
            // SAFETY: as above.
            unsafe { panel::<T, $w0, $fused>(job, &bounds, j) };
            j += $w0;
        }
        $(
            // SAFETY: as above.
            while job.n - j >= $w {
                // SAFETY: as above.
                unsafe { panel::<T, $w, $fused>(job, &bounds, j) };
                j += $w;
            }
        )*
    }};
}
use panels;

/// AVX-512: 16 accumulators (256 f32 or 128 f64 columns) hide the FMA latency.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn rows_avx512<T: Float>(job: &Job<'_, T>, r0: usize, r1: usize) {
    // Forwarded contract (the macro's unsafe blocks rely on it).
    match std::mem::size_of::<T>() {
        4 => panels!(job, r0, r1, true; 256, 128, 64, 32, 16, 1),
        _ => panels!(job, r0, r1, true; 128, 64, 32, 16, 8, 1),
    }
}

/// AVX2: 8 of the 16 ymm registers accumulate (64 f32 or 32 f64 columns).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn rows_avx2<T: Float>(job: &Job<'_, T>, r0: usize, r1: usize) {
    // Forwarded contract (the macro's unsafe blocks rely on it).
    match std::mem::size_of::<T>() {
        4 => panels!(job, r0, r1, true; 64, 32, 16, 8, 1),
        _ => panels!(job, r0, r1, true; 32, 16, 8, 4, 1),
    }
}

/// Bytes of B one depth block of a panel may take. Measured on MNIST batches of 128 and 512
/// (784→256 layer, `benches/examples/sparse_ops.rs`): for `x·Wᵀ`, 64 KiB beats 32 KiB by
/// 10–12% (fewer reloads of each output row outweigh reading B from beyond L1).
const BLOCK_BYTES: usize = 64 * 1024;

/// [`BLOCK_BYTES`] for the weight gradient `xᵀ·δ` ([`BlockedTranspose`]): there 32 KiB beats
/// 16 KiB by 15% and 64 KiB by 25%.
const TRANSPOSE_BLOCK_BYTES: usize = 32 * 1024;

/// Depth (rows of B) of a block of `block_bytes` for panels of `panel_bytes` per row: a power of
/// two, at least 16.
fn block_depth(block_bytes: usize, panel_bytes: usize) -> usize {
    ((block_bytes / panel_bytes + 1).next_power_of_two() / 2).max(16)
}

/// Rows of `X` per depth block of `Xᵀ·B` with the widest panel of this CPU's kernels.
pub(super) fn transpose_depth<T>() -> usize {
    block_depth(TRANSPOSE_BLOCK_BYTES, widest_panel_bytes::<T>())
}

/// Columns of `A` per depth block of `A·B` (CSR `A`) with the widest panel of this CPU's
/// kernels.
pub(super) fn forward_depth<T>() -> usize {
    block_depth(BLOCK_BYTES, widest_panel_bytes::<T>())
}

/// Bytes per row of the widest panel of the kernels [`spmm`] picks on this CPU: 256 f32 or
/// 128 f64 columns with AVX-512, 64 or 32 with AVX2, 16 portable.
fn widest_panel_bytes<T>() -> usize {
    match sparse_isa(KernelChoice::Auto) {
        Some(Isa::Avx512) => 1024,
        Some(Isa::Avx2) => 256,
        _ => 16 * std::mem::size_of::<T>(),
    }
}

/// Where each row's non-zeros cross each depth block: row `r`'s entries in block `d` are
/// `at[p..p + 2]` (start and end), `p = (r − base)·row_step + d·block_step`.
struct Bounds<'a> {
    rows: std::ops::Range<usize>,
    base: usize,
    blocks: usize,
    row_step: usize,
    block_step: usize,
    at: Cow<'a, [usize]>,
}

impl Bounds<'_> {
    /// Branch-free: every entry stores its position + 1 as the end of its block (entries are
    /// sorted, so the last store wins), then a running maximum carries ends over empty blocks.
    fn new<T>(a: &CsrMatrix<T>, r0: usize, r1: usize, depth: usize) -> Bounds<'static> {
        debug_assert!(depth.is_power_of_two());
        let shift = depth.trailing_zeros();
        let blocks = a.cols.div_ceil(depth).max(1);
        let mut at = vec![0; (r1 - r0) * (blocks + 1)];
        for (i, at) in (r0..r1).zip(at.chunks_exact_mut(blocks + 1)) {
            let (start, end) = (a.indptr[i], a.indptr[i + 1]);
            at.fill(start);
            for (p, &col) in (start + 1..).zip(&a.indices[start..end]) {
                at[(col >> shift) as usize + 1] = p;
            }
            for d in 1..=blocks {
                at[d] = at[d].max(at[d - 1]);
            }
        }
        Bounds {
            rows: r0..r1,
            base: r0,
            blocks,
            row_step: blocks + 1,
            block_step: 1,
            at: Cow::Owned(at),
        }
    }
}

/// Columns `j0..j0 + W` of C's rows, in depth blocks: each block of B rows is read from L1 by
/// every row of C before the next block, and each element of C still receives its
/// multiply-adds in increasing `k` (stored and reloaded between blocks, exactly).
///
/// # Safety
/// As [`Job::rows`], with `j0 + W <= n`.
#[inline(always)]
unsafe fn panel<T: Float, const W: usize, const FUSED: bool>(
    job: &Job<'_, T>,
    bounds: &Bounds,
    j0: usize,
) {
    for i in bounds.rows.clone() {
        // SAFETY: row i, columns j0..j0+W of C (forwarded contract).
        unsafe {
            job.c
                .add(i * job.ldc + j0)
                .cast::<[T; W]>()
                .write_unaligned([T::zero(); W])
        };
    }
    let (indices, values) = job.a.entries();
    for d in 0..bounds.blocks {
        for r in bounds.rows.clone() {
            let p = (r - bounds.base) * bounds.row_step + d * bounds.block_step;
            let (start, end) = (bounds.at[p], bounds.at[p + 1]);
            if start == end {
                continue;
            }
            let (idx, val) = (&indices[start..end], &values[start..end]);
            let c = r * job.ldc + j0;
            // SAFETY: forwarded contract; the indices are below k.
            unsafe { chunk::<T, W, FUSED>(idx, val, job.b.add(j0), job.ldb, job.c.add(c)) };
        }
    }
}

/// `c[0..W] += Σ_t val[t] · b[idx[t]·ldb + 0..W]`, added to `c` in order of `t`.
///
/// # Safety
/// `b + idx[t]·ldb + 0..W` readable for every `t`, `c + 0..W` writable.
#[inline(always)]
unsafe fn chunk<T: Float, const W: usize, const FUSED: bool>(
    idx: &[u32],
    val: &[T],
    b: *const T,
    ldb: usize,
    c: *mut T,
) {
    // SAFETY: forwarded.
    let mut acc = unsafe { c.cast::<[T; W]>().read_unaligned() };
    for (&k, &v) in idx.iter().zip(val) {
        // SAFETY: forwarded.
        let row = unsafe { b.add(k as usize * ldb).cast::<[T; W]>().read_unaligned() };
        for t in 0..W {
            acc[t] = if FUSED {
                v.mul_add(row[t], acc[t])
            } else {
                v * row[t] + acc[t]
            };
        }
    }
    // SAFETY: forwarded.
    unsafe { c.cast::<[T; W]>().write_unaligned(acc) };
}
