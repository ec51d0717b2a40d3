//! [`CsrMatrix`]: compressed sparse rows, rebuilt in place from dense batches.

use crate::Float;
use ndarray::ArrayView2;

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

    /// Like [`assign_dense`](Self::assign_dense), but gives up (returning `false`, with `self`
    /// left in an unspecified state) as soon as more than `max_nnz` non-zeros are found, so that
    /// checking a dense matrix costs about one row.
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_tensor::sparse::CsrMatrix;
    /// let mut m = CsrMatrix::new();
    /// assert!(!m.assign_dense_up_to(array![[1.0_f32, 2.0], [3.0, 0.0]].view(), 2));
    /// assert!(m.assign_dense_up_to(array![[1.0_f32, 0.0], [3.0, 0.0]].view(), 2));
    /// ```
    ///
    /// # Panics
    /// If `x` has more than `u32::MAX` columns.
    pub fn assign_dense_up_to(&mut self, x: ArrayView2<T>, max_nnz: usize) -> bool {
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
        let mut len = 0;
        let mut scratch = Vec::new();
        for row in x.rows() {
            let row = match row.as_slice() {
                Some(r) => r,
                None => {
                    scratch.clear();
                    scratch.extend(row.iter().copied());
                    &scratch
                }
            };
            len = push_row(row, len, &mut self.indices, &mut self.values);
            if len > max_nnz {
                return false;
            }
            self.indptr.push(len);
        }
        true
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
        for &j in &self.indices[..self.nnz()] {
            out.indptr[j as usize + 1] += 1;
        }
        for j in 0..self.cols {
            out.indptr[j + 1] += out.indptr[j];
        }
        if out.indices.len() < self.nnz() {
            out.indices.resize(self.nnz(), 0);
            out.values.resize(self.nnz(), T::zero());
        }
        // `fill[j]`: the next free slot of output row j.
        let mut fill: Vec<usize> = out.indptr[..self.cols].to_vec();
        for i in 0..self.rows {
            let (idx, val) = self.row(i);
            for (&j, &v) in idx.iter().zip(val) {
                let slot = &mut fill[j as usize];
                out.indices[*slot] = i as u32;
                out.values[*slot] = v;
                *slot += 1;
            }
        }
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

/// Appends the non-zeros of `row` at `len`; returns the new length. The row is read sixteen
/// entries at a time into a bit mask of its non-zeros (a vector compare), and only the set bits
/// are visited, so runs of zeros cost one test.
fn push_row<T: Float>(row: &[T], len: usize, indices: &mut [u32], values: &mut [T]) -> usize {
    let (indices, values) = (
        &mut indices[len..][..row.len()],
        &mut values[len..][..row.len()],
    );
    let mut n = 0;
    for (c, chunk) in row.chunks(16).enumerate() {
        let mut mask = chunk
            .iter()
            .enumerate()
            .fold(0_u32, |m, (t, &v)| m | (u32::from(v != T::zero()) << t));
        while mask != 0 {
            let t = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            // At most one entry per column of the row, so `n < row.len()`.
            indices[n] = (c * 16 + t) as u32;
            values[n] = chunk[t];
            n += 1;
        }
    }
    len + n
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
