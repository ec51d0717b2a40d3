//! [`Batches`]: the data, the epoch's sample order, and the preallocated buffers each
//! mini-batch (or part of one) is gathered into, converted to the network's float type; and
//! the class weights of its rows.
//!
//! For a network that takes sparse batches as they are ([`Network::takes_sparse_input`]), a
//! long-lived `Batches` (one per fit) finds the data's non-zeros once, on its first batch
//! ([`CsrRows`]), and gathers every later batch straight into CSR form: the same batch, the
//! same bits, from fewer bytes and without scanning for zeros. Batches denser than the
//! network's sparse path takes ([`SPARSE_MAX_DENSITY`]), and data with a block of rows that
//! dense, are gathered densely as before.
//!
//! [`Network::takes_sparse_input`]: nn_core::Network::takes_sparse_input

use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut1, Axis};
use nn_core::network::{Input, SPARSE_MAX_DENSITY};
use nn_tensor::s;
use nn_tensor::sparse::{CsrMatrix, CsrRows};
use nn_tensor::Float;

use crate::{OptimError, Result};

/// `dst = src` converted element-wise to `T` (a plain copy when `T` and `D` agree).
fn copy_row<T: Float, D: Float>(mut dst: ArrayViewMut1<T>, src: ArrayView1<D>) {
    let cast = |b: &mut T, &v: &D| *b = T::from_f64(v.to_f64());
    match (dst.as_slice_mut(), src.as_slice()) {
        (Some(d), Some(s)) => d.iter_mut().zip(s).for_each(|(b, v)| cast(b, v)),
        _ => dst.zip_mut_with(&src, cast),
    }
}

/// At most this many threads copy one batch.
const GATHER_PARTS: usize = 2;

/// Rows per thread below which a batch is copied on one thread.
const GATHER_ROWS: usize = 32;

/// How many rows ahead [`Batches::gather`] prefetches.
const PREFETCH_ROWS: usize = 8;

/// Asks the CPU to start loading `row` into the cache (a hint; no effect on results).
fn prefetch<D>(row: ArrayView1<D>) {
    if let Some(r) = row.as_slice() {
        nn_tensor::cpu::prefetch(r);
    }
}

/// The data, a sample order, and preallocated buffers for one mini-batch.
pub(crate) struct Batches<'a, T, D> {
    x: ArrayView2<'a, D>,
    y: ArrayView2<'a, D>,
    /// The sample order of the current epoch (a permutation of the rows).
    pub(crate) order: Vec<usize>,
    size: usize,
    xb: Array2<T>,
    yb: Array2<T>,
    /// Per-sample loss weights of the current batch (class weights).
    wb: Vec<T>,
    /// Rows in the last gathered batch.
    last_rows: usize,
    /// Whether to keep the data's non-zeros for sparse batches (worth it across epochs).
    keep_sparse: bool,
    /// The data's non-zeros, once looked for: `None` inside when the data are too dense.
    stored: Option<Option<CsrRows<T>>>,
    /// The last batch in CSR form, when it was gathered that way.
    xs: CsrMatrix<T>,
    /// Whether the last batch is in `xs` (else in `xb`).
    sparse_batch: bool,
}

impl<'a, T: Float, D: Float> Batches<'a, T, D> {
    pub(crate) fn new(
        batch_size: usize,
        x: ArrayView2<'a, D>,
        y: ArrayView2<'a, D>,
    ) -> Result<Self> {
        if x.nrows() != y.nrows() || x.nrows() == 0 {
            let reason = format!(
                "need as many targets as samples (≥ 1), got {} samples and {} targets",
                x.nrows(),
                y.nrows()
            );
            return Err(OptimError::InvalidConfig {
                name: "training data",
                reason,
            });
        }
        let size = if batch_size == 0 {
            x.nrows()
        } else {
            batch_size.min(x.nrows())
        };
        let (xb, yb) = (
            Array2::zeros((size, x.ncols())),
            Array2::zeros((size, y.ncols())),
        );
        Ok(Batches {
            x,
            y,
            order: (0..x.nrows()).collect(),
            size,
            xb,
            yb,
            wb: Vec::with_capacity(size),
            last_rows: 0,
            keep_sparse: false,
            stored: None,
            xs: CsrMatrix::new(),
            sparse_batch: false,
        })
    }

    /// Lets [`gather`](Self::gather) keep the data's non-zeros for networks that take sparse
    /// batches (for a `Batches` that serves many epochs: finding them costs about one pass
    /// over the data).
    pub(crate) fn keeping_sparse(mut self) -> Self {
        self.keep_sparse = true;
        self
    }

    pub(crate) fn n(&self) -> usize {
        self.order.len()
    }

    pub(crate) fn count(&self) -> usize {
        self.n().div_ceil(self.size)
    }

    /// The positions in the current order of batch `step`'s rows.
    pub(crate) fn rows_of(&self, step: usize) -> Range<usize> {
        step * self.size..((step + 1) * self.size).min(self.n())
    }

    /// Copies the rows `part` (relative to the batch's first row) of batch `step` (in the
    /// current order) into the buffers: in CSR form where `sparse` (the network takes such
    /// batches), the data's non-zeros are kept and the rows sparse enough, else densely.
    pub(crate) fn gather(&mut self, step: usize, part: Range<usize>, sparse: bool) {
        let first = self.rows_of(step).start;
        let positions = first + part.start..first + part.end;
        self.last_rows = positions.len();
        self.sparse_batch = sparse && self.keep_sparse && self.gather_sparse(positions.clone());
        if self.sparse_batch {
            self.gather_targets(positions);
        } else {
            self.gather_dense(positions);
        }
    }

    /// Gathers the rows at `positions` (in the current order) into `xs` if the data's
    /// non-zeros are kept (looked for on the first call) and the rows have at most
    /// [`SPARSE_MAX_DENSITY`] of their entries non-zero, the network's own limit for building a
    /// CSR batch from dense rows.
    fn gather_sparse(&mut self, positions: Range<usize>) -> bool {
        let (x, rows) = (self.x, &self.order[positions]);
        let stored = self
            .stored
            .get_or_insert_with(|| CsrRows::from_dense_up_to(x, SPARSE_MAX_DENSITY));
        let Some(stored) = stored else {
            return false;
        };
        let max_nnz = ((rows.len() * x.ncols()) as f64 * SPARSE_MAX_DENSITY) as usize;
        stored.gather_into(rows, &mut self.xs, max_nnz)
    }

    /// Copies the targets of the rows at `positions` (in the current order).
    fn gather_targets(&mut self, positions: Range<usize>) {
        let rows = &self.order[positions];
        let mut yb = self.yb.slice_mut(s![..rows.len(), ..]);
        for (k, &i) in rows.iter().enumerate() {
            copy_row(yb.row_mut(k), self.y.row(i));
        }
    }

    /// Copies the rows at `positions` (in the current order) into the dense buffers; large
    /// batches are copied by [`GATHER_PARTS`] threads at once where nn-tensor may use them (the
    /// rows come from all over memory, so the copy waits on memory more than it computes).
    fn gather_dense(&mut self, positions: Range<usize>) {
        let rows = &self.order[positions];
        let n = rows.len();
        let parts = nn_tensor::num_threads()
            .min(GATHER_PARTS)
            .min(n / GATHER_ROWS)
            .max(1);
        let step = n.div_ceil(parts);
        let (x, y) = (self.x, self.y);
        let mut xb = self.xb.slice_mut(s![..n, ..]);
        let mut yb = self.yb.slice_mut(s![..n, ..]);
        let chunks: Vec<_> = xb
            .axis_chunks_iter_mut(Axis(0), step)
            .zip(yb.axis_chunks_iter_mut(Axis(0), step))
            .zip(rows.chunks(step))
            .map(Mutex::new)
            .collect();
        nn_tensor::run_parts(chunks.len(), &|p| {
            let mut chunk = chunks[p].lock().unwrap_or_else(PoisonError::into_inner);
            let ((xb, yb), rows) = &mut *chunk;
            for (k, &i) in rows.iter().enumerate() {
                // Rows come from all over a set that need not fit any cache: ask for the rows
                // a few steps ahead now, so that they arrive while this one is copied.
                if let Some(&ahead) = rows.get(k + PREFETCH_ROWS) {
                    prefetch(x.row(ahead));
                }
                copy_row(xb.row_mut(k), x.row(i));
                copy_row(yb.row_mut(k), y.row(i));
            }
        });
        drop(chunks);
    }

    /// The gathered batch's per-sample weights ([`row_weight`]).
    pub(crate) fn sample_weights(&mut self, class_weights: &[f64]) {
        self.wb.clear();
        for row in self.yb.slice(s![..self.last_rows, ..]).rows() {
            self.wb.push(T::from_f64(row_weight(row, class_weights)));
        }
    }

    /// The total sample weight of batch `step`'s rows: their class weights, or their count.
    /// A batch whose class weights add up to 0 is an error, as in one process
    /// ([`nn_core::Network::backward_loss_weighted`]).
    pub(crate) fn batch_weight(&self, step: usize, class_weights: Option<&[f64]>) -> Result<f64> {
        let rows = &self.order[self.rows_of(step)];
        let Some(w) = class_weights else {
            return Ok(rows.len() as f64);
        };
        // in `T`, as the parts' weights are
        let total: f64 = rows
            .iter()
            .map(|&i| Float::to_f64(T::from_f64(row_weight(self.y.row(i), w))))
            .sum();
        if !(total > 0.0 && total.is_finite()) {
            let reason = format!("weights must have a positive, finite sum, got {total}");
            let name = "sample weights";
            return Err(nn_core::CoreError::InvalidConfig { name, reason }.into());
        }
        Ok(total)
    }

    /// The total sample weight of the last gathered rows (see [`batch_weight`](Self::batch_weight)).
    pub(crate) fn current_weight(&self) -> f64 {
        match self.wb.is_empty() {
            true => self.last_rows as f64,
            false => self.wb[..self.last_rows]
                .iter()
                .map(|&w| Float::to_f64(w))
                .sum(),
        }
    }

    /// The last gathered batch: features, targets, and sample weights (empty without class
    /// weights).
    pub(crate) fn current(&self) -> (Input<'_, T>, ArrayView2<'_, T>, ArrayView1<'_, T>) {
        let n = self.last_rows;
        let w = &self.wb[..self.wb.len().min(n)];
        let x = match self.sparse_batch {
            true => Input::Sparse(&self.xs),
            false => Input::Dense(self.xb.slice(s![..n, ..])),
        };
        (x, self.yb.slice(s![..n, ..]), ArrayView1::from(w))
    }
}

/// A target row's class weight: `Σ_c y_c·w_c` of a one-hot row, `y·w₁ + (1 − y)·w₀` of a
/// single 0/1 column.
fn row_weight<D: Float>(row: ArrayView1<D>, class_weights: &[f64]) -> f64 {
    match (row.len(), class_weights) {
        (1, &[w0, w1]) => {
            let y = row[0].to_f64();
            y * w1 + (1.0 - y) * w0
        }
        _ => row
            .iter()
            .zip(class_weights)
            .map(|(&y, &w)| y.to_f64() * w)
            .sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// 16 rows of 100 columns: row `i` has non-zeros in columns `i` and `i + 50`, except rows
    /// 8..12, which are all non-zero.
    fn data() -> (Array2<f32>, Array2<f32>) {
        let x = Array2::from_shape_fn((16, 100), |(i, j)| match (8..12).contains(&i) {
            true => 1.0,
            false => f32::from(j == i || j == i + 50) * (i + 1) as f32,
        });
        (x, Array2::from_shape_fn((16, 1), |(i, _)| i as f32))
    }

    fn is_sparse(batches: &Batches<'_, f32, f32>) -> bool {
        matches!(batches.current().0, Input::Sparse(_))
    }

    #[test]
    fn kept_non_zeros_serve_sparse_batches_and_dense_ones_stay_dense() {
        let (x, y) = data();
        let mut batches = Batches::new(4, x.view(), y.view())
            .unwrap()
            .keeping_sparse();
        batches.gather(0, 0..4, true);
        assert!(is_sparse(&batches));
        let (got, targets, _) = batches.current();
        let Input::Sparse(got) = got else {
            unreachable!()
        };
        assert_eq!(*got, CsrMatrix::from_dense(x.slice(s![..4, ..])));
        assert_eq!(targets, y.slice(s![..4, ..]));
        // Rows 8..12 are all non-zero: over the limit, so gathered densely.
        batches.gather(2, 0..4, true);
        assert!(!is_sparse(&batches));
        assert_eq!(batches.current().0.dim(), (4, 100));
        // A part of a batch, and a network that does not take sparse batches.
        batches.gather(3, 1..3, true);
        assert!(is_sparse(&batches));
        assert_eq!(batches.current().1, y.slice(s![13..15, ..]));
        batches.gather(3, 0..4, false);
        assert!(!is_sparse(&batches));
    }

    #[test]
    fn batches_not_kept_are_built_densely() {
        let (x, y) = data();
        let mut batches = Batches::new(4, x.view(), y.view()).unwrap();
        batches.gather(0, 0..4, true);
        assert!(!is_sparse(&batches));
        assert!(batches.stored.is_none(), "nothing scanned");
    }
}
