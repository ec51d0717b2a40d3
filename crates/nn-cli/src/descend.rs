//! `nn descend`: gradient descent on the textbook's f(x, y) = x² + y² (figures 10–12).
//!
//! The gradient is (2x, 2y), so one step multiplies the point by `1 − 2·lr`: a small rate
//! crawls towards the minimum, `lr = 1` jumps between (x, y) and (−x, −y) forever, and
//! `lr > 1` moves further away each step.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::args::DescendArgs;
use crate::fsutil::usage;
use crate::plot::{err, range, Chart};
use crate::stdout::outln;

/// f(x, y) = x² + y².
pub fn f(p: (f64, f64)) -> f64 {
    p.0 * p.0 + p.1 * p.1
}

/// The points visited, start included: `steps + 1` points, each with a finite f(x, y).
///
/// # Errors
/// A usage error when f(start) overflows (|x| or |y| above about 1.3e154); otherwise an
/// error naming the first step whose point makes f overflow (a diverging rate), so that every
/// number printed is finite.
pub fn path(start: (f64, f64), lr: f64, steps: usize) -> Result<Vec<(f64, f64)>> {
    let mut p = start;
    let mut out = Vec::with_capacity(steps + 1);
    for k in 0..=steps {
        if k > 0 {
            p = (p.0 - lr * 2.0 * p.0, p.1 - lr * 2.0 * p.1);
        }
        if !f(p).is_finite() {
            return Err(overflow(k, p));
        }
        out.push(p);
    }
    Ok(out)
}

/// The error for a point `p` at step `k` where f(x, y) = x² + y² is not finite.
fn overflow(k: usize, p: (f64, f64)) -> anyhow::Error {
    let at = format!(
        "f(x, y) = x² + y² overflows at (x, y) = ({:e}, {:e})",
        p.0, p.1
    );
    match k {
        0 => usage(format!("--start: {at}; start nearer the origin")),
        _ => anyhow::anyhow!(
            "step {k}: {at}: the learning rate diverges; use --lr below 1 or fewer --steps"
        ),
    }
}

/// What the learning rate does here, in words.
pub fn verdict(lr: f64) -> String {
    let factor = match 1.0 - 2.0 * lr {
        f if f.abs() < 1e6 => (f * 1e9).round() / 1e9,
        f => f,
    };
    let per_step = format!("each step multiplies (x, y) by 1 − 2·lr = {factor}");
    match factor.abs() {
        a if a > 1.0 => {
            format!("diverges: {per_step}; |{factor}| > 1, so the point runs away (lr too large)")
        }
        1.0 => {
            format!("oscillates: {per_step}, so it jumps between (x, y) and (−x, −y) forever")
        }
        a if a > 0.9 => format!("crawls: {per_step}; it converges, but slowly (lr too small)"),
        _ => format!("converges: {per_step}"),
    }
}

/// Runs `nn descend`.
pub fn run(args: DescendArgs) -> Result<()> {
    crate::outputs::Outputs::new()
        .plot("--plot", args.plot.as_deref())
        .check()?;
    let [x, y] = args.start[..] else {
        return Err(usage(format!(
            "--start needs two values x,y, got {}",
            args.start.len()
        )));
    };
    if !(1.0 - 2.0 * args.lr).is_finite() {
        return Err(usage(format!("--lr {:e}: 1 − 2·lr overflows", args.lr)));
    }
    let points = path((x, y), args.lr, args.steps)?;
    outln!(
        "gradient descent on f(x, y) = x² + y², ∇f = (2x, 2y), lr = {}",
        args.lr
    )?;
    outln!("{:>5} {:>14} {:>14} {:>14}", "step", "x", "y", "f(x, y)")?;
    for (k, &p) in points.iter().enumerate() {
        outln!("{k:>5} {:>14} {:>14} {:>14}", num(p.0), num(p.1), num(f(p)))?;
    }
    outln!("{}", verdict(args.lr))?;
    if let Some(path) = &args.plot {
        let chart = Descent {
            points,
            lr: args.lr,
        };
        let staged = crate::plot::stage(path, &chart, (700, 640))?;
        outln!("plot written to {}", path.display())?;
        staged.commit()?;
    }
    Ok(())
}

/// The path drawn over the contours of f.
struct Descent {
    points: Vec<(f64, f64)>,
    lr: f64,
}

impl Chart for Descent {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let finite = || {
            self.points
                .iter()
                .filter(|p| p.0.is_finite() && p.1.is_finite())
        };
        let (lo, hi) = range(finite().flat_map(|p| [p.0.abs(), p.1.abs()]));
        let r = hi.max(lo.abs()).max(1e-9) * 1.1;
        let title = format!("f(x, y) = x² + y², lr = {}", self.lr);
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(35)
            .y_label_area_size(60)
            .build_cartesian_2d(-r..r, -r..r)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("x")
            .y_desc("y")
            .draw()
            .map_err(err)?;
        for circle in contours(r) {
            chart
                .draw_series(LineSeries::new(circle, BLUE.mix(0.25)))
                .map_err(err)?;
        }
        // One segment per step: a polyline that turns back on itself (lr > 0.5) would be
        // drawn with long spikes at its mitred corners.
        let points: Vec<(f64, f64)> = finite().copied().collect();
        chart
            .draw_series(
                points
                    .windows(2)
                    .map(|w| PathElement::new(w.to_vec(), RED.stroke_width(2))),
            )
            .map_err(err)?;
        chart
            .draw_series(finite().map(|&p| Circle::new(p, 3, RED.filled())))
            .map_err(err)?;
        Ok(())
    }
}

/// Eight level sets of f (circles) filling a square of half-width `r`, as point lists.
fn contours(r: f64) -> Vec<Vec<(f64, f64)>> {
    (1..=8)
        .map(|k| {
            let radius = r * k as f64 / 8.0;
            let angle = |t: usize| t as f64 / 120.0 * std::f64::consts::TAU;
            (0..=120)
                .map(|t| (radius * angle(t).cos(), radius * angle(t).sin()))
                .collect()
        })
        .collect()
}

/// A table value: six decimals, or scientific notation past 1e9 in magnitude (a start of
/// `1e150,1` would otherwise print 150-digit numbers).
fn num(v: f64) -> String {
    match v.abs() < 1e9 {
        true => format!("{v:.6}"),
        false => format!("{v:.6e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_values_switch_to_scientific_past_1e9() {
        assert_eq!(num(4.0), "4.000000");
        assert_eq!(num(-0.0049), "-0.004900");
        assert_eq!(num(999_999_999.0), "999999999.000000");
        assert_eq!(num(1e150), "1.000000e150");
        assert_eq!(num(-2.5e9), "-2.500000e9");
    }

    #[test]
    fn one_step_scales_by_one_minus_two_lr() {
        // lr 0.1: (4, 3) → 0.8·(4, 3) = (3.2, 2.4)
        let p = path((4.0, 3.0), 0.1, 1).unwrap();
        assert!((p[1].0 - 3.2).abs() < 1e-15 && (p[1].1 - 2.4).abs() < 1e-15);
        assert_eq!(
            path((4.0, 3.0), 1.0, 2).unwrap(),
            vec![(4.0, 3.0), (-4.0, -3.0), (4.0, 3.0)]
        );
        assert!(verdict(1.1).starts_with("diverges"));
        assert!(verdict(0.01).starts_with("crawls"));
        // 1 − 2·1e300 = −2e300, printed whole rather than rounded through ·1e9 (−inf)
        assert!(
            verdict(1e300).contains("= -2000000000000000"),
            "{}",
            verdict(1e300)
        );
    }

    #[test]
    fn an_overflowing_iterate_is_an_error() {
        // lr 10: factor 1 − 20 = −19; from (1e154, 0), f = 1e308 is finite, step 1 is
        // −1.9e155, whose square 3.61e310 is past f64::MAX ≈ 1.798e308.
        let err = path((1e154, 0.0), 10.0, 5).unwrap_err().to_string();
        assert_eq!(
            err,
            "step 1: f(x, y) = x² + y² overflows at (x, y) = (-1.9e155, 0e0): the learning \
             rate diverges; use --lr below 1 or fewer --steps"
        );
        let err = path((1e200, 1.0), 0.1, 5).unwrap_err().to_string();
        assert!(err.starts_with("--start: f(x, y) = x² + y² overflows at (x, y) = (1e200, 1e0)"));
    }
}
