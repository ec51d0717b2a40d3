//! The sample covariance `C = Xcᵀ·Xc / (n − 1)` of centred data, using symmetry.

use crate::Result;
use ndarray::{s, Array2, ArrayView2, ArrayViewMut2};
use nn_tensor::{gemm, Transpose};
use rayon::prelude::*;

/// Feature columns per panel.
const PANEL: usize = 128;
/// Rows centred and multiplied at a time.
const ROWS: usize = 4096;

/// The sample covariance `(X − μ)ᵀ·(X − μ) / (n − 1)` of `x` (shape `(n_samples, n_features)`,
/// `n_samples ≥ 2`) with column means `mean`.
///
/// Rows are centred [`ROWS`] at a time into one reused buffer (no centred copy of the whole
/// data), and the features are cut into panels `P_0, P_1, …` of [`PANEL`] columns: only the
/// blocks `C_ij += P_iᵀ·P_j` with `i ≤ j` are multiplied (nn-tensor's `gemm`, in parallel over
/// blocks when `nn_tensor::num_threads() > 1`) and the rest mirrored, saving almost half the
/// flops.
pub(crate) fn covariance(x: ArrayView2<f64>, mean: &[f64]) -> Result<Array2<f64>> {
    let (n, d) = x.dim();
    let pairs = panel_pairs(d);
    let mut acc: Vec<Array2<f64>> = pairs
        .iter()
        .map(|&((a0, a1), (b0, b1))| Array2::zeros((a1 - a0, b1 - b0)))
        .collect();
    let mut buf = Array2::zeros((ROWS.min(n), d));
    for r0 in (0..n).step_by(ROWS) {
        let rows = (r0 + ROWS).min(n) - r0;
        centre_into(
            x.slice(s![r0..r0 + rows, ..]),
            mean,
            buf.slice_mut(s![..rows, ..]),
        );
        accumulate(buf.slice(s![..rows, ..]), &pairs, &mut acc)?;
    }
    let mut cov = Array2::zeros((d, d));
    for (&((a0, a1), (b0, b1)), c) in pairs.iter().zip(&acc) {
        cov.slice_mut(s![a0..a1, b0..b1]).assign(c);
        cov.slice_mut(s![b0..b1, a0..a1]).assign(&c.t());
    }
    cov /= (n - 1) as f64;
    Ok(cov)
}

/// A pair of column ranges `(P_i, P_j)` with `i ≤ j`.
type PanelPair = ((usize, usize), (usize, usize));

/// All panel pairs `i ≤ j` for `d` features.
fn panel_pairs(d: usize) -> Vec<PanelPair> {
    let panels: Vec<(usize, usize)> = (0..d)
        .step_by(PANEL)
        .map(|a| (a, (a + PANEL).min(d)))
        .collect();
    (0..panels.len())
        .flat_map(|i| panels[i..].iter().map(move |&q| (i, q)))
        .map(|(i, q)| (panels[i], q))
        .collect()
}

/// `acc[p] += P_iᵀ·P_j` for each pair `p = (P_i, P_j)` of the centred block `b`.
fn accumulate(b: ArrayView2<f64>, pairs: &[PanelPair], acc: &mut [Array2<f64>]) -> Result<()> {
    let step = |(c, &((a0, a1), (b0, b1))): (&mut Array2<f64>, &PanelPair)| {
        let (pa, pb) = (b.slice(s![.., a0..a1]), b.slice(s![.., b0..b1]));
        gemm(
            1.0,
            pa,
            Transpose::Yes,
            pb,
            Transpose::No,
            1.0,
            c.view_mut(),
        )
    };
    if nn_tensor::num_threads() > 1 {
        acc.par_iter_mut()
            .zip(pairs.par_iter())
            .try_for_each(step)?;
    } else {
        acc.iter_mut().zip(pairs.iter()).try_for_each(step)?;
    }
    Ok(())
}

/// `out = x − mean` row by row.
fn centre_into(x: ArrayView2<f64>, mean: &[f64], mut out: ArrayViewMut2<f64>) {
    for (mut o, r) in out.rows_mut().into_iter().zip(x.rows()) {
        for ((o, v), m) in o.iter_mut().zip(r).zip(mean) {
            *o = v - m;
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
}
