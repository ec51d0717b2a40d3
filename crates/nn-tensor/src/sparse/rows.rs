//! [`CsrRows`]: a whole data set's non-zero entries, found once, from which mini-batches are
//! gathered straight into CSR form.
//!
//! A training loop that builds each batch's [`CsrMatrix`] from dense rows reads every entry of
//! every sampled row, zeros included, once per epoch and from all over memory, then scans it for
//! the non-zeros. Gathering the rows' stored entries instead reads what the batch keeps (at
//! MNIST's 19% non-zeros, an index and a value each: 40% of the dense row's bytes) and scans
//! nothing. The gathered batch is the one [`CsrMatrix::assign_dense`] builds from the same rows
//! (same entries, same block ends), so every product gives the same bits.

use std::sync::{Mutex, PoisonError};

use ndarray::{s, ArrayView2};

use super::CsrMatrix;
use crate::Float;

/// Rows per piece the data are scanned in (pieces are scanned in parallel, each into a scratch
/// matrix that stays in cache, then appended in order).
const CHUNK_ROWS: usize = 1024;

/// How many rows ahead [`CsrRows::gather_into`] asks the CPU to load.
const PREFETCH_ROWS: usize = 8;

/// Rows per thread below which a batch is gathered on one thread.
const PART_ROWS: usize = 64;

/// The non-zero entries of a large matrix (a training set), stored once so that batches of its
/// rows can be gathered in CSR form ([`gather_into`](Self::gather_into)).
///
/// ```
/// use ndarray::array;
/// use nn_tensor::sparse::{CsrMatrix, CsrRows};
/// let x = array![[0.0_f64, 5.0], [0.0, 0.0], [7.0, 0.0]];
/// let rows = CsrRows::<f32>::from_dense_up_to(x.view(), 0.5).expect("a third are non-zero");
/// assert_eq!((rows.shape(), rows.nnz()), ((3, 2), 2));
/// let mut batch = CsrMatrix::new();
/// assert!(rows.gather_into(&[2, 0], &mut batch, usize::MAX));
/// assert_eq!(batch, CsrMatrix::from_dense(array![[7.0_f32, 0.0], [0.0, 5.0]].view()));
/// ```
#[derive(Debug, Clone)]
pub struct CsrRows<T> {
    rows: usize,
    cols: usize,
    /// Row `i`'s entries are `values[indptr[i]..indptr[i + 1]]`, in columns `indices[…]`.
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<T>,
    /// Row `i`'s entries before each block of `end_cols` columns and in all, counted from the
    /// row's start ([`CsrMatrix`]'s `ends`, `blocks + 1` per row).
    ends: Vec<u32>,
    /// Columns per block of `ends`.
    end_cols: usize,
}

impl<T: Float> CsrRows<T> {
    /// The non-zeros of `x` (any float type, each entry converted to `T` as it is read), or
    /// `None` when some block of rows has more than `max_density` of its entries non-zero (a
    /// dense set is cheaper to gather as it is) or the allocator refuses the room for them. Scanned by up to
    /// [`num_threads`](crate::num_threads) threads.
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_tensor::sparse::CsrRows;
    /// assert!(CsrRows::<f64>::from_dense_up_to(array![[1.0_f64, 2.0]].view(), 0.5).is_none());
    /// ```
    ///
    /// # Panics
    /// If `x` has more than `u32::MAX` columns.
    pub fn from_dense_up_to<D: Float>(x: ArrayView2<D>, max_density: f64) -> Option<Self> {
        let (rows, cols) = x.dim();
        let count = rows.div_ceil(CHUNK_ROWS);
        let piece_max = |c: usize| {
            let len = (((c + 1) * CHUNK_ROWS).min(rows) - c * CHUNK_ROWS) * cols;
            (len as f64 * max_density) as usize
        };
        // At most every piece's limit: room reserved (not touched) up front, so that appending
        // never moves what is stored.
        let room = (0..count).map(piece_max).sum::<usize>();
        let end_cols = super::spmm::forward_depth::<T>();
        let blocks = cols.div_ceil(end_cols).max(1) + 1;
        let mut out = CsrRows {
            rows,
            cols,
            indptr: Vec::new(),
            indices: Vec::new(),
            values: Vec::new(),
            ends: Vec::new(),
            end_cols,
        };
        // Room the allocator refuses (a huge set, a strict overcommit policy) means no store:
        // the caller gathers densely, as for dense data.
        out.indptr.try_reserve_exact(rows + 1).ok()?;
        out.indices.try_reserve_exact(room).ok()?;
        out.values.try_reserve_exact(room).ok()?;
        out.ends.try_reserve_exact(rows.checked_mul(blocks)?).ok()?;
        out.indptr.push(0);
        let parts = crate::num_threads().min(count).max(1);
        let scratch: Vec<Mutex<(CsrMatrix<T>, bool)>> = (0..parts)
            .map(|_| Mutex::new((CsrMatrix::new(), false)))
            .collect();
        for wave in (0..count).step_by(parts) {
            let n = parts.min(count - wave);
            crate::run_parts(n, &|p| {
                let c = wave + p;
                let block = x.slice(s![c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(rows), ..]);
                let mut slot = scratch[p].lock().unwrap_or_else(PoisonError::into_inner);
                let (piece, filled) = &mut *slot;
                *filled = piece.assign_converted_up_to(block, piece_max(c));
            });
            for slot in &scratch[..n] {
                let slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
                let (piece, filled) = &*slot;
                if !filled {
                    return None;
                }
                out.append(piece);
            }
        }
        Some(out)
    }

    /// Appends the rows of `piece` (a full [`CsrMatrix`] with its block ends noted).
    fn append(&mut self, piece: &CsrMatrix<T>) {
        let base = self.indices.len();
        let n = piece.nnz();
        self.indices.extend_from_slice(&piece.indices[..n]);
        self.values.extend_from_slice(&piece.values[..n]);
        self.indptr
            .extend(piece.indptr[1..].iter().map(|&at| base + at));
        let blocks = piece.end_blocks() + 1;
        debug_assert!(piece.ends_rows == piece.rows && piece.end_cols == self.end_cols);
        for (r, ends) in piece.ends[..piece.rows * blocks]
            .chunks_exact(blocks)
            .enumerate()
        {
            let start = piece.indptr[r];
            self.ends.extend(ends.iter().map(|&at| (at - start) as u32));
        }
    }

    /// `(rows, columns)`.
    ///
    /// ```
    /// let x = ndarray::Array2::<f32>::zeros((4, 3));
    /// let rows = nn_tensor::sparse::CsrRows::<f32>::from_dense_up_to(x.view(), 0.1).unwrap();
    /// assert_eq!(rows.shape(), (4, 3));
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Number of stored (non-zero) entries.
    ///
    /// ```
    /// let x = ndarray::array![[0.0_f32, 1.0], [2.0, 0.0]];
    /// let rows = nn_tensor::sparse::CsrRows::<f32>::from_dense_up_to(x.view(), 0.5).unwrap();
    /// assert_eq!(rows.nnz(), 2);
    /// ```
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Refills `out` with the rows `rows` (in that order, repeats allowed), as
    /// [`CsrMatrix::assign_dense_up_to`] would from those rows in dense form: `false` (and `out`
    /// an empty `0 × cols` matrix) when they hold more than `max_nnz` non-zeros.
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_tensor::sparse::{CsrMatrix, CsrRows};
    /// let x = array![[1.0_f32, 0.0], [3.0, 4.0]];
    /// let rows = CsrRows::<f32>::from_dense_up_to(x.view(), 1.0).unwrap();
    /// let mut batch = CsrMatrix::new();
    /// assert!(!rows.gather_into(&[1], &mut batch, 1));
    /// assert_eq!(batch.shape(), (0, 2));
    /// assert!(rows.gather_into(&[1, 1], &mut batch, 4));
    /// assert_eq!(batch.row(1), (&[0_u32, 1][..], &[3.0, 4.0][..]));
    /// ```
    ///
    /// # Panics
    /// If a row index is not below the row count.
    pub fn gather_into(&self, rows: &[usize], out: &mut CsrMatrix<T>, max_nnz: usize) -> bool {
        out.cols = self.cols;
        out.indptr.clear();
        out.indptr.push(0);
        let mut nnz = 0;
        for &i in rows {
            nnz += self.indptr[i + 1] - self.indptr[i];
            out.indptr.push(nnz);
        }
        out.block_nnz.clear();
        out.count_rows = super::spmm::transpose_depth::<T>();
        out.end_cols = self.end_cols;
        out.ends_rows = 0;
        if nnz > max_nnz {
            out.rows = 0;
            out.indptr.truncate(1);
            return false;
        }
        out.rows = rows.len();
        if out.indices.len() < nnz {
            out.indices.resize(nnz, 0);
            out.values.resize(nnz, T::zero());
        }
        let blocks = out.end_blocks() + 1;
        if out.ends.len() < rows.len() * blocks {
            out.ends.resize(rows.len() * blocks, 0);
        }
        // Rows split into parts of equal rows; each part owns its rows' slots.
        let parts = crate::num_threads().min(rows.len() / PART_ROWS).max(1);
        let step = rows.len().div_ceil(parts);
        let mut pieces = Vec::with_capacity(parts);
        let (mut indices, mut values) = (&mut out.indices[..nnz], &mut out.values[..nnz]);
        let mut ends = &mut out.ends[..rows.len() * blocks];
        for (p, chunk) in rows.chunks(step).enumerate() {
            let first = p * step;
            let len = out.indptr[first + chunk.len()] - out.indptr[first];
            let (head, rest) = std::mem::take(&mut indices).split_at_mut(len);
            let (vhead, vrest) = std::mem::take(&mut values).split_at_mut(len);
            let (ehead, erest) = std::mem::take(&mut ends).split_at_mut(chunk.len() * blocks);
            (indices, values, ends) = (rest, vrest, erest);
            pieces.push(Mutex::new((chunk, head, vhead, ehead)));
        }
        let indptr = &out.indptr;
        crate::run_parts(pieces.len(), &|p| {
            let mut piece = pieces[p].lock().unwrap_or_else(PoisonError::into_inner);
            let (chunk, indices, values, ends) = &mut *piece;
            self.copy_rows(chunk, (indices, values), ends, indptr[p * step]);
        });
        out.ends_rows = rows.len();
        true
    }

    /// Copies the entries of `rows` to the front of `room` (exactly their length) and their
    /// block ends to `ends` (as positions in a batch where the first of them starts at `base`).
    fn copy_rows(
        &self,
        rows: &[usize],
        (indices, values): (&mut [u32], &mut [T]),
        ends: &mut [usize],
        base: usize,
    ) {
        let span = |i: usize| self.indptr[i]..self.indptr[i + 1];
        let blocks = ends.len() / rows.len().max(1);
        let mut len = 0;
        for (k, &i) in rows.iter().enumerate() {
            if let Some(&ahead) = rows.get(k + PREFETCH_ROWS) {
                crate::cpu::prefetch(&self.indices[span(ahead)]);
                crate::cpu::prefetch(&self.values[span(ahead)]);
            }
            let row = span(i);
            let n = row.len();
            indices[len..][..n].copy_from_slice(&self.indices[row.clone()]);
            values[len..][..n].copy_from_slice(&self.values[row]);
            let from = &self.ends[i * blocks..][..blocks];
            for (to, &at) in ends[k * blocks..][..blocks].iter_mut().zip(from) {
                *to = base + len + at as usize;
            }
            len += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// A `rows × cols` matrix, about a quarter non-zero, from a fixed linear congruential
    /// sequence; an `f64` so that conversions to `f32` are exercised.
    fn sparse_matrix(rows: usize, cols: usize) -> Array2<f64> {
        let mut state = 12345_u64;
        Array2::from_shape_fn((rows, cols), |_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (state >> 11) as f64 / (1_u64 << 53) as f64;
            if u < 0.25 {
                u * 4.0 - 0.5
            } else {
                0.0
            }
        })
    }

    /// Every field a product reads, as the dense build leaves it.
    fn assert_same<T: Float>(got: &CsrMatrix<T>, want: &CsrMatrix<T>) {
        assert_eq!(got, want);
        assert_eq!(got.ends_rows, want.ends_rows);
        assert_eq!(got.end_cols, want.end_cols);
        let n = want.ends_rows * (want.end_blocks() + 1);
        assert_eq!(got.ends[..n], want.ends[..n]);
    }

    #[test]
    fn gathered_rows_match_the_dense_build_across_pieces() {
        // 2.5 pieces of rows; the batch takes rows from all three, one twice, out of order.
        let x = sparse_matrix(CHUNK_ROWS * 5 / 2, 300);
        let stored = CsrRows::<f32>::from_dense_up_to(x.view(), 0.5).unwrap();
        let picks = [
            CHUNK_ROWS * 2 + 7,
            3,
            CHUNK_ROWS + 1,
            3,
            CHUNK_ROWS * 5 / 2 - 1,
            0,
        ];
        let dense = Array2::from_shape_fn((picks.len(), 300), |(k, j)| x[[picks[k], j]] as f32);
        let mut want = CsrMatrix::new();
        assert!(want.assign_dense_up_to(dense.view(), usize::MAX));
        let mut got = CsrMatrix::new();
        assert!(stored.gather_into(&picks, &mut got, usize::MAX));
        assert_same(&got, &want);
        assert_eq!(stored.nnz(), CsrMatrix::from_dense(x.view()).nnz());
    }

    /// Batches long enough to be gathered in parts, on 1 to 3 threads: the same matrix.
    #[test]
    fn gathering_in_parts_gives_the_same_batch() {
        let x = sparse_matrix(CHUNK_ROWS + 500, 200);
        let stored = CsrRows::<f64>::from_dense_up_to(x.view(), 0.5).unwrap();
        let picks: Vec<usize> = (0..3 * PART_ROWS + 5).map(|k| k * 7 % x.nrows()).collect();
        let want = CsrMatrix::from_dense(x.select(ndarray::Axis(0), &picks).view());
        for threads in [1, 2, 3] {
            crate::set_num_threads(threads);
            let mut got = CsrMatrix::new();
            assert!(stored.gather_into(&picks, &mut got, usize::MAX));
            crate::set_num_threads(0);
            assert_same(&got, &want);
        }
    }

    #[test]
    fn too_many_non_zeros_give_the_dense_builds_empty_matrix() {
        let x = sparse_matrix(40, 50);
        let stored = CsrRows::<f64>::from_dense_up_to(x.view(), 0.5).unwrap();
        let picks: Vec<usize> = (0..40).rev().collect();
        let dense = x.select(ndarray::Axis(0), &picks);
        let limit = CsrMatrix::from_dense(dense.view()).nnz() - 1;
        let (mut want, mut got) = (CsrMatrix::new(), CsrMatrix::new());
        assert!(!want.assign_dense_up_to(dense.view(), limit));
        assert!(!stored.gather_into(&picks, &mut got, limit));
        assert_same(&got, &want);
        // The same matrix refilled afterwards equals a fresh build.
        assert!(stored.gather_into(&picks, &mut got, limit + 1));
        assert_same(&got, &CsrMatrix::from_dense(dense.view()));
    }

    /// 2³⁴ × 2²⁰ zeros (a broadcast view: no memory behind it) would need about 2⁵⁴ entries
    /// of room at density ⅓: refused up front, before any row is read.
    #[test]
    fn room_the_allocator_refuses_gives_no_store() {
        let zero = ndarray::arr0(0.0_f32);
        let huge = zero.broadcast((1 << 34, 1 << 20)).unwrap();
        assert!(CsrRows::<f32>::from_dense_up_to(huge, 1.0 / 3.0).is_none());
    }

    #[test]
    fn a_dense_block_refuses_the_whole_set() {
        let mut x = sparse_matrix(CHUNK_ROWS + 10, 20);
        x.slice_mut(s![CHUNK_ROWS.., ..]).fill(1.0);
        assert!(CsrRows::<f32>::from_dense_up_to(x.view(), 0.5).is_none());
        assert!(CsrRows::<f32>::from_dense_up_to(x.view(), 1.0).is_some());
    }
}
