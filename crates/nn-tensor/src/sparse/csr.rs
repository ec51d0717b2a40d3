//! [`CsrMatrix`]: compressed sparse rows, rebuilt in place from dense batches.

use crate::Float;
use ndarray::{ArrayView2, ArrayViewMut2};
use std::any::TypeId;
use std::sync::{Mutex, PoisonError};

use super::TRANSPOSE_PER_THREAD;

/// A sparse matrix in compressed sparse row form: row `i`'s non-zeros are
/// `values[indptr[i]..indptr[i + 1]]`, in columns `indices[…]`, columns increasing.
///
/// The buffers are reused by [`assign_dense`](Self::assign_dense) and
/// [`transpose_into`](Self::transpose_into), so a training loop allocates only while batches
/// grow.
///
/// ```
/// use ndarray::array;
/// use nn_tensor::sparse::CsrMatrix;
/// let m = CsrMatrix::from_dense(array![[0.0_f64, 5.0], [0.0, 0.0], [7.0, 0.0]].view());
/// assert_eq!(m.shape(), (3, 2));
/// assert_eq!(m.row(0), (&[1_u32][..], &[5.0][..]));
/// assert_eq!(m.row(1).0.len(), 0);
/// ```
#[derive(Debug, Clone)]
pub struct CsrMatrix<T> {
    pub(super) rows: usize,
    pub(super) cols: usize,
    pub(super) indptr: Vec<usize>,
    pub(super) indices: Vec<u32>,
    pub(super) values: Vec<T>,
    /// Stored entries per column in each block of `count_rows` rows (`block_nnz[b·cols + j]`
    /// for rows `b·count_rows..`), counted while the rows are filled (empty when unknown), so
    /// that the transposes need not count them again.
    pub(super) block_nnz: Vec<u32>,
    /// Rows per block of `block_nnz` (a power of two).
    pub(super) count_rows: usize,
    /// Where each row crosses each block of `end_cols` columns, noted while the rows are
    /// filled (for [`spmm`](super::spmm)'s depth blocks): row `i`'s entries in block `d` are
    /// `ends[i·(blocks + 1) + d..][..2]` (start, end); unused unless `ends_rows == rows`.
    pub(super) ends: Vec<usize>,
    /// Columns per block of `ends` (a power of two, at least 16).
    pub(super) end_cols: usize,
    /// Rows whose `ends` are noted (0 when there are none).
    pub(super) ends_rows: usize,
}

impl<T: Float> CsrMatrix<T> {
    /// An empty `0 × 0` matrix (buffers to fill later).
    ///
    /// ```
    /// assert_eq!(nn_tensor::sparse::CsrMatrix::<f32>::new().nnz(), 0);
    /// ```
    pub fn new() -> Self {
        CsrMatrix {
            rows: 0,
            cols: 0,
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
            block_nnz: Vec::new(),
            count_rows: usize::MAX,
            ends: Vec::new(),
            end_cols: 16,
            ends_rows: 0,
        }
    }

    /// The non-zero entries of a dense matrix (any layout). Entries equal to zero (`0.0` and
    /// `-0.0`) are left out; NaN is kept.
    ///
    /// ```
    /// use ndarray::array;
    /// let m = nn_tensor::sparse::CsrMatrix::from_dense(array![[1.0_f32, 0.0, -0.0]].view());
    /// assert_eq!(m.nnz(), 1);
    /// ```
    pub fn from_dense(x: ArrayView2<T>) -> Self {
        let mut m = Self::new();
        m.assign_dense(x);
        m
    }

    /// Refills `self` with the non-zeros of `x`, reusing the buffers.
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_tensor::sparse::CsrMatrix;
    /// let mut m = CsrMatrix::new();
    /// m.assign_dense(array![[0.0_f32, 3.0]].view());
    /// assert_eq!(m.row(0), (&[1_u32][..], &[3.0][..]));
    /// ```
    ///
    /// # Panics
    /// If `x` has more than `u32::MAX` columns.
    pub fn assign_dense(&mut self, x: ArrayView2<T>) {
        let filled = self.assign_dense_up_to(x, usize::MAX);
        debug_assert!(filled);
    }

    /// Like [`assign_dense`](Self::assign_dense), but gives up (returning `false`, and leaving
    /// `self` an empty `0 × cols` matrix) as soon as more than `max_nnz` non-zeros are found, so
    /// that checking a dense matrix costs about one row.
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_tensor::sparse::CsrMatrix;
    /// let mut m = CsrMatrix::new();
    /// assert!(!m.assign_dense_up_to(array![[1.0_f32, 2.0], [3.0, 0.0]].view(), 2));
    /// assert_eq!((m.shape(), m.nnz()), ((0, 2), 0));
    /// assert!(m.assign_dense_up_to(array![[1.0_f32, 0.0], [3.0, 0.0]].view(), 2));
    /// assert_eq!((m.shape(), m.nnz()), ((2, 2), 2));
    /// ```
    ///
    /// # Panics
    /// If `x` has more than `u32::MAX` columns.
    pub fn assign_dense_up_to(&mut self, x: ArrayView2<T>, max_nnz: usize) -> bool {
        self.assign_converted_up_to(x, max_nnz)
    }

    /// [`assign_dense_up_to`](Self::assign_dense_up_to) from entries of any float type, each
    /// converted to `T` (rounding to nearest) before it is tested for zero.
    pub(super) fn assign_converted_up_to<D: Float>(
        &mut self,
        x: ArrayView2<D>,
        max_nnz: usize,
    ) -> bool {
        let (rows, cols) = x.dim();
        assert!(u32::try_from(cols).is_ok(), "CSR columns are u32 indices");
        self.rows = rows;
        self.cols = cols;
        self.indptr.clear();
        self.indptr.push(0);
        // Room for one whole row past the limit: rows are written without length checks. The
        // buffers keep their length between calls (`indptr` says what is in use), so refilling
        // them costs nothing once they are large enough.
        let room = max_nnz.min(rows * cols).saturating_add(cols);
        if self.indices.len() < room {
            self.indices.resize(room, 0);
            self.values.resize(room, T::zero());
        }
        self.count_rows = super::spmm::transpose_depth::<T>();
        self.block_nnz.clear();
        self.block_nnz
            .resize(rows.div_ceil(self.count_rows).max(1) * cols, 0);
        self.end_cols = super::spmm::forward_depth::<T>();
        let ends = rows * (self.end_blocks() + 1);
        if self.ends.len() < ends {
            self.ends.resize(ends, 0);
        }
        self.ends_rows = 0;
        let filled = self.fill_rows(x, max_nnz);
        if filled {
            self.ends_rows = rows;
        }
        if !filled {
            // Leave a valid (empty, `0 × cols`) matrix rather than a half-filled one.
            self.rows = 0;
            self.indptr.truncate(1);
            self.block_nnz.clear();
        }
        filled
    }

    /// [`fill_rows_body`] compiled for the best vector extension this CPU has.
    fn fill_rows<D: Float>(&mut self, x: ArrayView2<D>, max_nnz: usize) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            use crate::cpu::{detected_isas, Isa};
            match detected_isas().0 {
                // SAFETY: the features were detected on this CPU.
                Isa::Avx512 => return unsafe { fill_rows_avx512(self, x, max_nnz) },
                // SAFETY: as above.
                Isa::Avx2 => return unsafe { fill_rows_avx2(self, x, max_nnz) },
                Isa::Portable => {}
            }
        }
        fill_rows_body(self, x, max_nnz, |row, room, tally| {
            push_row(row, 0, room, tally)
        })
    }

    /// Blocks of `end_cols` columns in a row.
    pub(super) fn end_blocks(&self) -> usize {
        self.cols.div_ceil(self.end_cols).max(1)
    }

    /// Writes the transpose of `self` into `out` (a counting sort by column; the result's
    /// columns are increasing within each row), reusing `out`'s buffers.
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_tensor::sparse::CsrMatrix;
    /// let m = CsrMatrix::from_dense(array![[0.0_f32, 2.0], [3.0, 4.0]].view());
    /// let mut t = CsrMatrix::new();
    /// m.transpose_into(&mut t);
    /// assert_eq!(t, CsrMatrix::from_dense(array![[0.0, 3.0], [2.0, 4.0]].view()));
    /// ```
    pub fn transpose_into(&self, out: &mut CsrMatrix<T>) {
        out.rows = self.cols;
        out.cols = self.rows;
        out.indptr.clear();
        out.indptr.resize(self.cols + 1, 0);
        if self.counted() {
            for counts in self.block_nnz.chunks_exact(self.cols.max(1)) {
                for (j, &count) in counts.iter().enumerate() {
                    out.indptr[j + 1] += count as usize;
                }
            }
        } else {
            for &j in &self.indices[..self.nnz()] {
                out.indptr[j as usize + 1] += 1;
            }
        }
        for j in 0..self.cols {
            out.indptr[j + 1] += out.indptr[j];
        }
        // The transpose's column counts are this matrix's row lengths (one block of all rows).
        out.count_rows = usize::MAX;
        out.ends_rows = 0;
        out.block_nnz.clear();
        out.block_nnz
            .extend(self.indptr.windows(2).map(|w| (w[1] - w[0]) as u32));
        if out.indices.len() < self.nnz() {
            out.indices.resize(self.nnz(), 0);
            out.values.resize(self.nnz(), T::zero());
        }
        // Columns split into parts of about equal entries; each part owns the output slots of
        // its columns and fills them on its own thread (the order within a column is the row
        // order whichever thread fills it).
        let nnz = self.nnz();
        let parts = crate::num_threads().min(nnz / TRANSPOSE_PER_THREAD).max(1);
        let cut = |p: usize| match p {
            0 => 0,
            p if p == parts => self.cols,
            p => out
                .indptr
                .partition_point(|&at| at < nnz * p / parts)
                .min(self.cols),
        };
        let cuts: Vec<usize> = (0..=parts).map(cut).collect();
        let mut pieces = Vec::with_capacity(parts);
        let (mut indices, mut values) = (&mut out.indices[..nnz], &mut out.values[..nnz]);
        for p in 0..parts {
            let len = out.indptr[cuts[p + 1]] - out.indptr[cuts[p]];
            let (head, rest) = std::mem::take(&mut indices).split_at_mut(len);
            let (vhead, vrest) = std::mem::take(&mut values).split_at_mut(len);
            (indices, values) = (rest, vrest);
            pieces.push(Mutex::new((head, vhead)));
        }
        let indptr = &out.indptr;
        crate::run_parts(parts, &|p| {
            let mut piece = pieces[p].lock().unwrap_or_else(PoisonError::into_inner);
            let (indices, values) = &mut *piece;
            self.scatter_columns(
                cuts[p]..cuts[p + 1],
                &indptr[cuts[p]..=cuts[p + 1]],
                indices,
                values,
            );
        });
    }

    /// Fills the transpose's rows `columns` (this matrix's columns) into `indices`/`values`,
    /// which hold exactly their slots; `starts` are those rows' start offsets (global, one more
    /// than the rows).
    fn scatter_columns(
        &self,
        columns: std::ops::Range<usize>,
        starts: &[usize],
        indices: &mut [u32],
        values: &mut [T],
    ) {
        let base = starts[0];
        // `fill[j - c0]`: the next free slot (local) of output row j.
        let mut fill: Vec<usize> = starts[..starts.len() - 1]
            .iter()
            .map(|s| s - base)
            .collect();
        let (c0, c1) = (columns.start as u32, columns.end as u32);
        for i in 0..self.rows {
            let (idx, val) = self.row(i);
            let from = idx.partition_point(|&j| j < c0);
            let to = from + idx[from..].partition_point(|&j| j < c1);
            for (&j, &v) in idx[from..to].iter().zip(&val[from..to]) {
                // SAFETY: `c0 <= j < c1`, so `j - c0` indexes `fill`; column j's slots run from
                // its start to the next column's start, all inside this piece (counting sort
                // never writes past them), whose length `indices` and `values` have.
                unsafe {
                    let slot = fill.get_unchecked_mut((j - c0) as usize);
                    *indices.get_unchecked_mut(*slot) = i as u32;
                    *values.get_unchecked_mut(*slot) = v;
                    *slot += 1;
                }
            }
        }
    }

    /// Writes the matrix out densely into `out` (zeros where nothing is stored).
    ///
    /// ```
    /// use ndarray::{array, Array2};
    /// use nn_tensor::sparse::CsrMatrix;
    /// let x = array![[0.0_f32, 2.0], [3.0, 0.0]];
    /// let mut out = Array2::from_elem((2, 2), 9.0);
    /// CsrMatrix::from_dense(x.view()).write_dense(out.view_mut());
    /// assert_eq!(out, x);
    /// ```
    ///
    /// # Panics
    /// If `out`'s shape is not the matrix's.
    pub fn write_dense(&self, mut out: ArrayViewMut2<T>) {
        assert_eq!(out.dim(), self.shape(), "write_dense: output shape");
        out.fill(T::zero());
        for (i, mut row) in out.rows_mut().into_iter().enumerate() {
            let (idx, val) = self.row(i);
            for (&j, &v) in idx.iter().zip(val) {
                row[j as usize] = v;
            }
        }
    }

    /// Whether `block_nnz` holds this matrix's column counts (per block of `count_rows` rows).
    pub(super) fn counted(&self) -> bool {
        let blocks = self.rows.div_ceil(self.count_rows).max(1);
        self.block_nnz.len() == blocks * self.cols
    }

    /// `(rows, columns)`.
    ///
    /// ```
    /// assert_eq!(nn_tensor::sparse::CsrMatrix::<f32>::new().shape(), (0, 0));
    /// ```
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// Number of stored (non-zero) entries.
    ///
    /// ```
    /// use ndarray::array;
    /// assert_eq!(nn_tensor::sparse::CsrMatrix::from_dense(array![[1.0_f32, 2.0]].view()).nnz(), 2);
    /// ```
    pub fn nnz(&self) -> usize {
        self.indptr.last().copied().unwrap_or(0)
    }

    /// Row `i`'s column indices and values.
    ///
    /// ```
    /// use ndarray::array;
    /// let m = nn_tensor::sparse::CsrMatrix::from_dense(array![[0.0_f32, 9.0]].view());
    /// assert_eq!(m.row(0), (&[1_u32][..], &[9.0_f32][..]));
    /// ```
    ///
    /// # Panics
    /// If `i` is not below the row count.
    pub fn row(&self, i: usize) -> (&[u32], &[T]) {
        let r = self.indptr[i]..self.indptr[i + 1];
        (&self.indices[r.clone()], &self.values[r])
    }
}

impl<T: Float> Default for CsrMatrix<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Equal shapes and equal entries (spare buffer room is ignored).
impl<T: Float> PartialEq for CsrMatrix<T> {
    fn eq(&self, other: &Self) -> bool {
        let n = self.nnz();
        self.shape() == other.shape()
            && self.indptr == other.indptr
            && self.indices[..n] == other.indices[..n]
            && self.values[..n] == other.values[..n]
    }
}

/// AVX-512: f32 rows through [`push_row_f32_avx512`] (mask compares and compresses).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2")]
unsafe fn fill_rows_avx512<T: Float, D: Float>(
    m: &mut CsrMatrix<T>,
    x: ArrayView2<D>,
    max: usize,
) -> bool {
    fill_rows_body(m, x, max, |row, (indices, values), tally| {
        if let Some(row) = T::as_f32(row) {
            let values = T::as_f32_mut(values).expect("T is f32 when its rows are");
            // SAFETY: the caller checked AVX-512F; the lengths agree (see `fill_rows_body`).
            return unsafe { push_row_f32_avx512(row, (indices, values), tally) };
        }
        push_row(row, 0, (indices, values), tally)
    })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fill_rows_avx2<T: Float, D: Float>(
    m: &mut CsrMatrix<T>,
    x: ArrayView2<D>,
    max: usize,
) -> bool {
    fill_rows_body(m, x, max, |row, room, tally| push_row(row, 0, room, tally))
}

/// What filling a row notes besides its entries: the column counts of its block of rows, and
/// the row's entry count before each block of `1 << shift` columns (`ends`, one per block).
struct Tally<'a> {
    counts: &'a mut [u32],
    ends: &'a mut [usize],
    shift: u32,
}

impl Tally<'_> {
    /// Notes `n` entries before column `col` if a block of columns starts there.
    #[inline(always)]
    fn mark(&mut self, col: usize, n: usize) {
        if col & ((1 << self.shift) - 1) == 0 {
            if let Some(end) = self.ends.get_mut(col >> self.shift) {
                *end = n;
            }
        }
    }
}

/// Appends the rows of `x` (converted to `T`) to `m` (whose `indptr` holds the leading 0,
/// buffers room for `max_nnz` plus a row, `block_nnz` zeros, `ends` room for every row) with
/// `push` (row, room as long as the row, its [`Tally`]; returns how many it wrote); `false` as
/// soon as more than `max_nnz` are found.
#[inline(always)]
fn fill_rows_body<T: Float, D: Float, P>(
    m: &mut CsrMatrix<T>,
    x: ArrayView2<D>,
    max_nnz: usize,
    push: P,
) -> bool
where
    P: Fn(&[T], (&mut [u32], &mut [T]), Tally<'_>) -> usize,
{
    let mut len = 0;
    let mut scratch = Vec::new();
    let cols = x.ncols();
    let (blocks, shift) = (m.end_blocks(), m.end_cols.trailing_zeros());
    for (i, row) in x.rows().into_iter().enumerate() {
        let row = match row.as_slice().and_then(same_type::<D, T>) {
            Some(r) => r,
            None => {
                scratch.clear();
                scratch.extend(row.iter().map(|&v| T::from_f64(v.to_f64())));
                &scratch
            }
        };
        let room = (
            &mut m.indices[len..][..row.len()],
            &mut m.values[len..][..row.len()],
        );
        let counts = &mut m.block_nnz[i / m.count_rows * cols..][..cols];
        let ends = &mut m.ends[i * (blocks + 1)..][..blocks + 1];
        // Block 0 starts the row (the pushes note it too, unless the row has no columns).
        ends[0] = 0;
        let n = push(
            row,
            room,
            Tally {
                counts,
                ends: &mut ends[..blocks],
                shift,
            },
        );
        // The pushes note counts within the row; the matrix wants positions.
        ends[blocks] = n;
        ends.iter_mut().for_each(|e| *e += len);
        len += n;
        if len > max_nnz {
            return false;
        }
        m.indptr.push(len);
    }
    true
}

/// `s` as a slice of `T` when `D` is `T` (no conversion needed), else `None`.
fn same_type<D: Float, T: Float>(s: &[D]) -> Option<&[T]> {
    (TypeId::of::<D>() == TypeId::of::<T>()).then(|| {
        // SAFETY: `D` and `T` are the same type, so the slice's memory holds `s.len()` valid `T`s.
        unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<T>(), s.len()) }
    })
}

/// [`push_row`] for f32 with AVX-512F: one compare gives each chunk's non-zero mask, a masked
/// add counts them per column, and compresses (into a register, then one store: compressing
/// straight to memory is slow on AMD) pack the values and their column numbers.
///
/// # Safety
/// AVX-512F must be available; `room` and `tally.counts` as long as `row`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn push_row_f32_avx512(
    row: &[f32],
    room: (&mut [u32], &mut [f32]),
    mut tally: Tally<'_>,
) -> usize {
    use std::arch::x86_64::*;
    let (indices, values) = room;
    let col_nnz = std::mem::take(&mut tally.counts);
    assert!(indices.len() == row.len() && values.len() == row.len() && col_nnz.len() == row.len());
    let full = row.len() / 16 * 16;
    let iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    let mut n = 0;
    // Blocks of `1 << shift` columns (a multiple of 16) outside, chunks of 16 inside.
    for c0 in (0..full).step_by(1 << tally.shift) {
        tally.mark(c0, n);
        for c in (c0..full.min(c0 + (1 << tally.shift))).step_by(16) {
            // SAFETY: `c + 16 <= full <= row.len()`, the length of every
            // slice, and `n <= c` (at most one entry per column so far), so `n + 16 <= row.len()`.
            let v = unsafe { _mm512_loadu_ps(row.as_ptr().add(c)) };
            let mask = _mm512_cmp_ps_mask::<_CMP_NEQ_UQ>(v, _mm512_setzero_ps());
            if mask == 0 {
                continue;
            }
            // SAFETY: as above.
            let counts = unsafe { col_nnz.as_mut_ptr().add(c).cast::<__m512i>() };
            // SAFETY: as above.
            let added = unsafe {
                let old = _mm512_loadu_si512(counts);
                _mm512_mask_add_epi32(old, mask, old, _mm512_set1_epi32(1))
            };
            let cols = _mm512_add_epi32(iota, _mm512_set1_epi32(c as i32));
            // SAFETY: as above.
            unsafe {
                _mm512_storeu_si512(counts, added);
                _mm512_storeu_ps(
                    values.as_mut_ptr().add(n),
                    _mm512_maskz_compress_ps(mask, v),
                );
                let idx = indices.as_mut_ptr().add(n).cast::<__m512i>();
                _mm512_storeu_si512(idx, _mm512_maskz_compress_epi32(mask, cols));
            }
            n += mask.count_ones() as usize;
        }
    }
    let tail = row.len() - full;
    let room = (&mut indices[n..][..tail], &mut values[n..][..tail]);
    if tail > 0 {
        tally.mark(full, n);
    }
    let rest = Tally {
        counts: &mut col_nnz[full..],
        ends: &mut [],
        shift: tally.shift,
    };
    n + push_row(&row[full..], full, room, rest)
}

/// Writes the non-zeros of `row` (whose first entry is in column `offset`) to the front of
/// `room` (as long as the row) and counts them into `tally`; returns how many. The row is read
/// sixteen entries at a time into a bit mask of its non-zeros, and only the set bits are
/// visited, so runs of zeros cost one test.
#[inline(always)]
fn push_row<T: Float>(
    row: &[T],
    offset: usize,
    room: (&mut [u32], &mut [T]),
    mut tally: Tally<'_>,
) -> usize {
    let (indices, values) = room;
    let mut n = 0;
    let col_nnz = std::mem::take(&mut tally.counts);
    for ((c, chunk), counts) in row.chunks(16).enumerate().zip(col_nnz.chunks_mut(16)) {
        tally.mark(offset + c * 16, n);
        let mut mask = 0_u32;
        for (t, (&v, count)) in chunk.iter().zip(counts.iter_mut()).enumerate() {
            let nonzero = u32::from(v != T::zero());
            mask |= nonzero << t;
            *count += nonzero;
        }
        while mask != 0 {
            let t = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            // SAFETY: `t` is a set bit, so below `chunk.len()`; `n` counts the non-zeros seen
            // so far, at most `c·16 + t < row.len()`, the length of both `indices` and `values`.
            unsafe {
                *indices.get_unchecked_mut(n) = (offset + c * 16 + t) as u32;
                *values.get_unchecked_mut(n) = *chunk.get_unchecked(t);
            }
            n += 1;
        }
    }
    n
}

/// The fraction of entries of `x` that are not zero (`0.0` for an empty matrix).
///
/// ```
/// use ndarray::array;
/// assert_eq!(nn_tensor::sparse::density(array![[0.0_f32, 1.0], [0.0, 0.0]].view()), 0.25);
/// ```
pub fn density<T: Float>(x: ArrayView2<T>) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    let nonzero = match x.as_slice_memory_order() {
        Some(s) => s.iter().filter(|&&v| v != T::zero()).count(),
        None => x.iter().filter(|&&v| v != T::zero()).count(),
    };
    nonzero as f64 / x.len() as f64
}
