//! Plots with plotters: SVG or PNG, picked by the file extension; written atomically.
//!
//! A DejaVu Sans Mono font (Bitstream Vera license, `assets/`) is embedded so text renders the
//! same everywhere, with no system fonts needed.

use std::path::Path;
use std::sync::Once;

use anyhow::{anyhow, bail, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One named line of points.
pub struct Series {
    /// Legend text.
    pub name: String,
    /// `(x, y)` points; non-finite ones are skipped.
    pub points: Vec<(f64, f64)>,
}

/// A line chart.
pub struct Lines {
    /// The caption.
    pub title: String,
    /// The x-axis label.
    pub x_label: String,
    /// The y-axis label.
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
}

/// Something that can draw itself on a plotters drawing area.
pub trait Chart {
    /// Draws on `root` (already sized).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>;
}

/// Draws `chart` into a temporary file next to `path`, put in place by
/// [`Staged::commit`](crate::fsutil::Staged::commit).
pub fn stage(path: &Path, chart: &impl Chart, size: (u32, u32)) -> Result<crate::fsutil::Staged> {
    register_font();
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let ext = match ext.as_deref() {
        Some(e @ ("svg" | "png")) => e.to_owned(),
        _ => bail!(
            "cannot plot to {}: use a .svg or .png file name",
            path.display()
        ),
    };
    crate::fsutil::stage(path, |tmp| {
        if ext == "svg" {
            let root = SVGBackend::new(tmp, size).into_drawing_area();
            draw_on(&root, chart)
        } else {
            let mut rgb = vec![0; size.0 as usize * size.1 as usize * 3];
            let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
            draw_on(&root, chart)?;
            drop(root);
            crate::png_out::write(tmp, &rgb, size)
        }
    })
}

fn draw_on<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &impl Chart) -> Result<()> {
    root.fill(&WHITE).map_err(err)?;
    chart.draw(root)?;
    root.present().map_err(err)
}

/// Converts a plotters error.
pub fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow!("drawing the plot: {e}")
}

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let font = include_bytes!("../assets/DejaVuSansMono.ttf");
        for family in ["sans-serif", "monospace"] {
            for style in [FontStyle::Normal, FontStyle::Bold] {
                let _ = plotters::style::register_font(family, style, font);
            }
        }
    });
}

/// The `(min, max)` of values, widened when flat, ignoring non-finite ones.
pub fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(hi.abs() * 1e-3).max(1e-12);
    (lo - pad, hi + pad)
}

impl Chart for Lines {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let all = || self.series.iter().flat_map(|s| s.points.iter());
        let (x0, x1) = range(all().map(|p| p.0));
        let (y0, y1) = range(all().map(|p| p.1));
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .draw()
            .map_err(err)?;
        for (i, s) in self.series.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            let points = s
                .points
                .iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.1.is_finite());
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .map_err(err)?
                .label(&s.name)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(err)
    }
}

/// Several charts side by side.
pub struct Row<C>(pub Vec<C>);

impl<C: Chart> Chart for Row<C> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let areas = root.split_evenly((1, self.0.len().max(1)));
        for (chart, area) in self.0.iter().zip(&areas) {
            chart.draw(area)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_svg_and_png_and_rejects_other_extensions() {
        let dir = tempfile::tempdir().unwrap();
        let chart = Lines {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series {
                name: "a".into(),
                points: vec![(0.0, 1.0), (1.0, 0.5)],
            }],
        };
        for name in ["a.svg", "a.png"] {
            stage(&dir.path().join(name), &chart, (320, 240))
                .unwrap()
                .commit()
                .unwrap();
            assert!(std::fs::metadata(dir.path().join(name)).unwrap().len() > 100);
        }
        assert!(stage(&dir.path().join("a.pdf"), &chart, (320, 240)).is_err());
    }
}
