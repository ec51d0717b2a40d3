//! The sample covariance `C = Xcᵀ·Xc / (n − 1)` of centred data, using symmetry.

use crate::Result;
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use nn_tensor::s;
use nn_tensor::{gemm, Float, Transpose};
use rayon::prelude::*;

/// Feature columns per panel.
const PANEL: usize = 128;
/// Rows centred and multiplied at a time: one GEMM depth block (`kc`), so the centred block
/// (`ROWS·d` values, 2.4 MB for MNIST) stays in cache while every panel product reads it.
const ROWS: usize = 384;

/// At most this many row chunks, each with its own accumulator.
const MAX_CHUNKS: usize = 8;
/// Memory allowed for the chunk accumulators, in `f64` values (64 MiB).
const ACC_BUDGET: usize = 1 << 23;

/// The sample covariance `(X − μ)ᵀ·(X − μ) / (n − 1)` of `x` (shape `(n_samples, n_features)`,
/// `n_samples ≥ 2`) with column means `mean`, computed in `f64` whatever `T` is (the rows are
/// converted as they are centred).
///
/// The rows are cut into a fixed number of chunks (it depends only on the shape, so the result
/// does not depend on the thread count), summed on their own in parallel, then added in order:
/// `C = Σ_c C_c`. Within a chunk, rows are centred [`ROWS`] at a time into one small reused
/// buffer (no centred copy of the whole data), and the features are cut into panels
/// `P_0, P_1, …` of [`PANEL`] columns: for each panel `P_j` only the upper block column
/// `C_c[..end_j, P_j] += [P_0 … P_j]ᵀ·P_j` is multiplied (nn-tensor's `gemm`), and the lower
/// triangle is mirrored at the end, saving almost half the flops.
pub(crate) fn covariance<T: Float>(x: ArrayView2<T>, mean: &[f64]) -> Result<Array2<f64>> {
    let (n, d) = x.dim();
    let chunks = (ACC_BUDGET / (d * d).max(1)).clamp(1, MAX_CHUNKS);
    let rows_per_chunk = n.div_ceil(chunks).next_multiple_of(ROWS);
    let starts: Vec<usize> = (0..n).step_by(rows_per_chunk).collect();
    let chunk = |&r0: &usize| {
        let end = (r0 + rows_per_chunk).min(n);
        chunk_upper(x.slice(s![r0..end, ..]), mean)
    };
    let parts: Vec<Result<Array2<f64>>> = if nn_tensor::num_threads() > 1 {
        starts.par_iter().map(chunk).collect()
    } else {
        starts.iter().map(chunk).collect()
    };
    let mut cov = Array2::zeros((d, d));
    for part in parts {
        cov += &part?;
    }
    mirror_upper(&mut cov);
    cov /= (n - 1) as f64;
    Ok(cov)
}

/// The upper block columns of `(X − μ)ᵀ·(X − μ)` for the rows `x` of one chunk.
fn chunk_upper<T: Float>(x: ArrayView2<T>, mean: &[f64]) -> Result<Array2<f64>> {
    let (n, d) = x.dim();
    let mut acc = Array2::zeros((d, d));
    let mut buf = vec![0.0; ROWS.min(n) * d];
    for r0 in (0..n).step_by(ROWS) {
        let rows = (r0 + ROWS).min(n) - r0;
        let block = &mut buf[..rows * d];
        centre_into(x.slice(s![r0..r0 + rows, ..]), mean, block);
        let block = ArrayView2::from_shape((rows, d), &*block).expect("rows·d values");
        accumulate_upper(block, acc.view_mut())?;
    }
    Ok(acc)
}

/// `C[..end, j0..end] += B[.., ..end]ᵀ·B[.., j0..end]` for each panel `j0..end` of the centred
/// block `b`: the blocks of `bᵀ·b` on and above the diagonal (and a little below it, inside the
/// diagonal blocks).
fn accumulate_upper(b: ArrayView2<f64>, mut c: ArrayViewMut2<f64>) -> Result<()> {
    let d = b.ncols();
    for j0 in (0..d).step_by(PANEL) {
        let end = (j0 + PANEL).min(d);
        gemm(
            1.0,
            b.slice(s![.., ..end]),
            Transpose::Yes,
            b.slice(s![.., j0..end]),
            Transpose::No,
            1.0,
            c.slice_mut(s![..end, j0..end]),
        )?;
    }
    Ok(())
}

/// Copies the upper triangle onto the lower one: `C[j, i] = C[i, j]` for `i < j`.
fn mirror_upper(c: &mut Array2<f64>) {
    for i in 1..c.nrows() {
        for j in 0..i {
            c[[i, j]] = c[[j, i]];
        }
    }
}

/// `out = x − mean` row by row in `f64`; `out` is a standard-layout `(rows, d)` block.
pub(crate) fn centre_into<T: Float>(x: ArrayView2<T>, mean: &[f64], out: &mut [f64]) {
    for (o, r) in out.chunks_mut(mean.len()).zip(x.rows()) {
        for ((o, &v), m) in o.iter_mut().zip(r).zip(mean) {
            *o = v.to_f64() - m;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_plain_product_across_panel_edges() {
        // 300 features: panels of 128, 128 and 44 columns; values from a fixed integer pattern.
        let x = Array2::from_shape_fn((7, 300), |(i, j)| ((i * 31 + j * 17) % 13) as f64 - 6.0);
        let mean = x.mean_axis(ndarray::Axis(0)).unwrap();
        let xc = &x - &mean;
        let want = xc.t().dot(&xc) / 6.0;
        let got = covariance(x.view(), mean.as_slice().unwrap()).unwrap();
        assert!((got - want).iter().all(|d| d.abs() < 1e-12));
    }

    #[test]
    fn matches_the_plain_product_across_row_blocks_and_chunks() {
        // 1000 rows: chunks of 384, 384 and 232 rows; 150 features: panels of 128 and 22.
        let x = Array2::from_shape_fn((1000, 150), |(i, j)| ((i * 7 + j * 5) % 11) as f64 * 0.5);
        let mean = x.mean_axis(ndarray::Axis(0)).unwrap();
        let xc = &x - &mean;
        let want = xc.t().dot(&xc) / 999.0;
        let got = covariance(x.view(), mean.as_slice().unwrap()).unwrap();
        assert!((got - want).iter().all(|d| d.abs() < 1e-10));
    }
}
