//! [`BlockedTranspose`]: `Xᵀ` of a CSR batch, stored depth block by depth block for
//! [`spmm_transposed`](super::spmm_transposed).
//!
//! The weight gradient `xᵀ·δ` reads `δ` in depth blocks (rows of `δ` = rows of `x`) that stay in
//! cache while every row of `xᵀ` uses them. A plain CSR transpose ([`CsrMatrix::transpose_into`])
//! keeps each row of `xᵀ` whole, so every product must first find where each row crosses each
//! block, and the counting sort that builds it scatters entries over the whole matrix. Here the
//! entries are sorted by (block, row, column) instead: block `d` holds rows `d·depth..` of `x`,
//! transposed; the scatter stays inside one block's few kilobytes, and the product reads each
//! block's rows in order. Within a row of `xᵀ` the entries keep increasing columns, so the
//! product adds them in the same order as from the plain transpose (the same bits).

use super::CsrMatrix;
use crate::Float;

/// `Xᵀ` for a sparse `X`, its entries sorted by (depth block, row, column) rather than by
/// (row, column): block `d` holds rows `d·depth..` of `X` transposed, so that
/// [`spmm_transposed`](super::spmm_transposed) reads each block in order. Built by
/// [`assign`](Self::assign) (a counting sort that stays inside one block at a time).
///
/// ```
/// use ndarray::array;
/// use nn_tensor::sparse::{BlockedTranspose, CsrMatrix};
/// let x = CsrMatrix::from_dense(array![[0.0_f32, 2.0], [3.0, 4.0]].view());
/// let mut xt = BlockedTranspose::new();
/// xt.assign(&x);
/// assert_eq!((xt.shape(), xt.nnz()), ((2, 2), 3));
/// ```
#[derive(Debug, Clone)]
pub struct BlockedTranspose<T> {
    /// Rows of `Xᵀ` (columns of `X`).
    pub(super) rows: usize,
    /// Columns of `Xᵀ` (rows of `X`).
    pub(super) cols: usize,
    /// Columns of `Xᵀ` per block (a power of two).
    depth: usize,
    /// Row `r`'s entries in block `d` are `seg[d·rows + r]..seg[d·rows + r + 1]`.
    pub(super) seg: Vec<usize>,
    /// Entries of rows before `r` over all blocks (`rows + 1` values), to share work by rows.
    pub(super) indptr: Vec<usize>,
    pub(super) indices: Vec<u32>,
    pub(super) values: Vec<T>,
}

impl<T: Float> BlockedTranspose<T> {
    /// An empty `0 × 0` transpose (buffers to fill later).
    ///
    /// ```
    /// assert_eq!(nn_tensor::sparse::BlockedTranspose::<f32>::new().nnz(), 0);
    /// ```
    pub fn new() -> Self {
        BlockedTranspose {
            rows: 0,
            cols: 0,
            depth: 1,
            seg: vec![0],
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
        }
    }

    /// Refills `self` with `xᵀ`, reusing the buffers. Uses the column counts `x` took while it
    /// was filled when there are any, and up to [`num_threads`](crate::num_threads) threads
    /// (over blocks).
    ///
    /// ```
    /// use ndarray::{array, Array2};
    /// use nn_tensor::sparse::{spmm, spmm_transposed, BlockedTranspose, CsrMatrix};
    /// let x = CsrMatrix::from_dense(array![[0.0_f64, 1.0, 2.0], [3.0, 0.0, 4.0]].view());
    /// let (mut blocked, mut plain) = (BlockedTranspose::new(), CsrMatrix::new());
    /// blocked.assign(&x);
    /// x.transpose_into(&mut plain);
    /// let b = array![[1.0, 2.0], [3.0, 4.0]];
    /// let (mut c1, mut c2) = (Array2::zeros((3, 2)), Array2::zeros((3, 2)));
    /// spmm_transposed(&blocked, b.view(), c1.view_mut())?;
    /// spmm(&plain, b.view(), c2.view_mut())?;
    /// assert_eq!(c1, c2);
    /// # Ok::<(), nn_tensor::TensorError>(())
    /// ```
    pub fn assign(&mut self, x: &CsrMatrix<T>) {
        let (rows, cols) = (x.cols, x.rows);
        let depth = super::spmm::transpose_depth::<T>();
        let blocks = cols.div_ceil(depth).max(1);
        (self.rows, self.cols, self.depth) = (rows, cols, depth);
        self.count(x, blocks);
        let nnz = x.nnz();
        if self.indices.len() < nnz {
            self.indices.resize(nnz, 0);
            self.values.resize(nnz, T::zero());
        }
        // Blocks split into parts of about equal entries; block d's entries are the contiguous
        // slots `seg[d·rows]..seg[(d + 1)·rows]`, so each part owns a contiguous piece.
        let parts = crate::num_threads()
            .min(nnz / super::TRANSPOSE_PER_THREAD)
            .clamp(1, blocks);
        let seg = &self.seg;
        let start = |d: usize| seg[d * rows];
        let cuts: Vec<usize> = (0..=parts)
            .map(|p| match p {
                0 => 0,
                p if p == parts => blocks,
                p => (0..blocks)
                    .find(|&d| start(d) >= nnz * p / parts)
                    .unwrap_or(blocks),
            })
            .collect();
        let mut pieces = Vec::with_capacity(parts);
        let (mut indices, mut values) = (&mut self.indices[..nnz], &mut self.values[..nnz]);
        for p in 0..parts {
            let len = start(cuts[p + 1]) - start(cuts[p]);
            let (head, rest) = std::mem::take(&mut indices).split_at_mut(len);
            let (vhead, vrest) = std::mem::take(&mut values).split_at_mut(len);
            (indices, values) = (rest, vrest);
            pieces.push(std::sync::Mutex::new((head, vhead)));
        }
        crate::run_parts(parts, &|p| {
            let mut piece = pieces[p]
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let (indices, values) = &mut *piece;
            for d in cuts[p]..cuts[p + 1] {
                let base = start(d) - start(cuts[p]);
                let len = start(d + 1) - start(d);
                let slots = (&mut indices[base..][..len], &mut values[base..][..len]);
                scatter_block(
                    x,
                    d * depth..((d + 1) * depth).min(cols),
                    &seg[d * rows..][..rows],
                    slots,
                );
            }
        });
    }

    /// Fills `seg` with each (block, row)'s first slot and `indptr` with each row's first entry
    /// over all blocks.
    fn count(&mut self, x: &CsrMatrix<T>, blocks: usize) {
        let rows = self.rows;
        self.seg.clear();
        self.seg.resize(blocks * rows + 1, 0);
        if x.count_rows == self.depth && x.counted() {
            for (s, &c) in self.seg.iter_mut().zip(&x.block_nnz) {
                *s = c as usize;
            }
        } else {
            for i in 0..x.rows {
                let block = &mut self.seg[i / self.depth * rows..][..rows];
                for &j in x.row(i).0 {
                    block[j as usize] += 1;
                }
            }
        }
        self.indptr.clear();
        self.indptr.resize(rows + 1, 0);
        for block in self.seg.chunks_exact(rows.max(1)).take(blocks) {
            for (total, &c) in self.indptr[1..].iter_mut().zip(block) {
                *total += c;
            }
        }
        for r in 0..rows {
            self.indptr[r + 1] += self.indptr[r];
        }
        let mut sum = 0;
        for s in &mut self.seg {
            (*s, sum) = (sum, sum + *s);
        }
    }

    /// `(rows, columns)` of `Xᵀ`.
    ///
    /// ```
    /// assert_eq!(nn_tensor::sparse::BlockedTranspose::<f32>::new().shape(), (0, 0));
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Number of stored (non-zero) entries.
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_tensor::sparse::{BlockedTranspose, CsrMatrix};
    /// let mut xt = BlockedTranspose::new();
    /// xt.assign(&CsrMatrix::from_dense(array![[1.0_f32, 0.0, 2.0]].view()));
    /// assert_eq!(xt.nnz(), 2);
    /// ```
    pub fn nnz(&self) -> usize {
        self.indptr.last().copied().unwrap_or(0)
    }

    /// Number of depth blocks.
    pub(super) fn blocks(&self) -> usize {
        (self.seg.len() - 1) / self.rows.max(1)
    }
}

impl<T: Float> Default for BlockedTranspose<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes rows `x_rows` of `x` (one block), transposed, into the block's `slots`; `starts[j]` is
/// column j's first slot (global: `starts[0]` is the block's first).
fn scatter_block<T: Float>(
    x: &CsrMatrix<T>,
    x_rows: std::ops::Range<usize>,
    starts: &[usize],
    slots: (&mut [u32], &mut [T]),
) {
    let (indices, values) = slots;
    let base = starts[0];
    let mut fill: Vec<u32> = starts.iter().map(|&s| (s - base) as u32).collect();
    let (x_indices, x_values) = (&x.indices[..x.nnz()], &x.values[..x.nnz()]);
    for i in x_rows {
        let entries = x.indptr[i]..x.indptr[i + 1];
        for (&j, &v) in x_indices[entries.clone()].iter().zip(&x_values[entries]) {
            // SAFETY: `j < x.cols = fill.len()`; column j's slots in this block run from its
            // start to the next column's start, all inside `slots` (the counts are exact), so
            // the counting sort never writes past them.
            unsafe {
                let slot = fill.get_unchecked_mut(j as usize);
                *indices.get_unchecked_mut(*slot as usize) = i as u32;
                *values.get_unchecked_mut(*slot as usize) = v;
                *slot += 1;
            }
        }
    }
}
