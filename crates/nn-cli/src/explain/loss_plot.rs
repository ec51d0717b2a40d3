//! `nn explain --plot-loss FILE`: E_total against the step, on a log scale.

use std::path::Path;

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::explain::steps::Iteration;
use crate::plot::{err, Chart};

/// Draws the plot of `it`'s losses for `path` (`.svg` or `.png`), put in place by `commit`.
pub fn stage(path: &Path, it: &Iteration) -> Result<crate::fsutil::Staged> {
    crate::plot::stage(path, &LossCurve(it), (760, 480))
}

/// The positive, finite `(step, E_total)` points (a log axis shows no zeros).
fn points(it: &Iteration) -> Vec<(f64, f64)> {
    it.losses
        .iter()
        .enumerate()
        .map(|(k, &e)| (k as f64, e))
        .filter(|&(_, e)| e.is_finite() && e > 0.0)
        .collect()
}

/// The `(low, high)` of a log axis around positive `values`: whole decades, at least one.
fn decades(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !(lo.is_finite() && lo > 0.0) {
        return (0.1, 1.0);
    }
    let (lo, hi) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    (power_of_ten(lo), power_of_ten(hi.max(lo + 1)))
}

/// `10^k`, exactly as the literal `1ek` is read.
fn power_of_ten(k: i32) -> f64 {
    format!("1e{k}").parse().unwrap_or(f64::NAN)
}

struct LossCurve<'a>(&'a Iteration);

impl Chart for LossCurve<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let it = self.0;
        let pts = points(it);
        let (lo, hi) = decades(pts.iter().map(|p| p.1));
        let biases = if it.freeze_bias {
            "biases frozen"
        } else {
            "biases updated"
        };
        let title = format!("E_total over {} steps (η = {}, {biases})", it.steps, it.lr);
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 18))
            .margin(14)
            .margin_right(30)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..it.steps.max(1) as f64, (lo..hi).log_scale())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc("E_total (log scale)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(pts, BLUE.stroke_width(2)))
            .map_err(err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_axis_spans_whole_decades_and_skips_zeros() {
        // 6.4e-14 lies in [1e-14, 1e-13), 0.0968 in [1e-2, 1e-1].
        assert_eq!(decades([0.0968, 6.4e-14].into_iter()), (1e-14, 0.1));
        assert_eq!(decades([0.1].into_iter()), (0.1, 1.0));
        let it = Iteration {
            steps: 2,
            lr: 1.0,
            freeze_bias: false,
            losses: vec![0.5, 0.0, f64::NAN],
            outputs: Default::default(),
            target: Default::default(),
        };
        assert_eq!(points(&it), vec![(0.0, 0.5)]);
    }
}
