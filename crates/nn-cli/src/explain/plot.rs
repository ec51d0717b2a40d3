//! `nn explain --plot FILE`: draws the laid-out step ([`explain_layout`](crate::explain::layout))
//! with plotters, as SVG or PNG.

use std::path::Path;

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::explain::layout::{layout, CircleAt, Scene, Segment, TextAt, RADIUS};
use crate::explain::scene::{backward, forward, Ink};
use crate::explain::Step;
use crate::plot::{err, Chart};

/// Draws the forward and the backward pass of `step` for `path` (`.svg` or `.png`), put in
/// place by `commit`.
pub fn stage(path: &Path, step: &Step) -> Result<crate::fsutil::Staged> {
    let scene = scene(step);
    let size = (scene.width.ceil() as u32, scene.height.ceil() as u32);
    crate::plot::stage(path, &scene, size)
}

/// The laid-out picture of `step`.
pub fn scene(step: &Step) -> Scene {
    layout(&[forward(step), backward(step)])
}

/// Dark colours that read as text on white (Okabe–Ito and Tableau hues, darkened).
const SERIES: [(u8, u8, u8); 8] = [
    (0, 90, 160),
    (200, 80, 0),
    (0, 130, 90),
    (190, 30, 40),
    (110, 70, 160),
    (130, 80, 40),
    (190, 40, 130),
    (70, 110, 20),
];

fn colour(ink: Ink) -> RGBColor {
    match ink {
        Ink::Text => RGBColor(20, 20, 20),
        Ink::Faint => RGBColor(120, 120, 120),
        Ink::Series(k) => {
            let (r, g, b) = SERIES[k % SERIES.len()];
            RGBColor(r, g, b)
        }
    }
}

fn px(p: (f64, f64)) -> (i32, i32) {
    (p.0.round() as i32, p.1.round() as i32)
}

impl Chart for Scene {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        for s in &self.segments {
            draw_segment(root, s)?;
        }
        for c in &self.circles {
            draw_circle(root, c)?;
        }
        for t in &self.texts {
            draw_text(root, t)?;
        }
        Ok(())
    }
}

fn draw_segment<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &Segment) -> Result<()> {
    let ink = colour(s.ink);
    let style = if s.edge {
        ink.mix(0.7).stroke_width(2)
    } else {
        ink.mix(0.8).stroke_width(1)
    };
    root.draw(&PathElement::new(vec![px(s.from), px(s.to)], style))
        .map_err(err)?;
    if s.arrow {
        root.draw(&Polygon::new(arrowhead(s.from, s.to), ink.filled()))
            .map_err(err)?;
    }
    Ok(())
}

/// A triangle two thirds of the way along `from → to` (clear of the crossings in the middle),
/// pointing back to `from`.
fn arrowhead(from: (f64, f64), to: (f64, f64)) -> Vec<(i32, i32)> {
    let (dx, dy) = (from.0 - to.0, from.1 - to.1);
    let len = dx.hypot(dy).max(1e-9);
    let (ux, uy) = (dx / len, dy / len);
    let mid = ((from.0 + 2.0 * to.0) / 3.0, (from.1 + 2.0 * to.1) / 3.0);
    let tip = (mid.0 + 6.0 * ux, mid.1 + 6.0 * uy);
    let back = (mid.0 - 6.0 * ux, mid.1 - 6.0 * uy);
    let side = (-uy * 4.5, ux * 4.5);
    vec![
        px(tip),
        px((back.0 + side.0, back.1 + side.1)),
        px((back.0 - side.0, back.1 - side.1)),
    ]
}

fn draw_circle<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &CircleAt) -> Result<()> {
    let r = RADIUS.round() as i32;
    root.draw(&Circle::new(px(c.center), r, WHITE.filled()))
        .map_err(err)?;
    root.draw(&Circle::new(px(c.center), r, colour(c.ink).stroke_width(2)))
        .map_err(err)
}

fn draw_text<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, t: &TextAt) -> Result<()> {
    let h = if t.centred { HPos::Center } else { HPos::Left };
    let ink = colour(t.ink);
    let style = TextStyle::from(("monospace", t.size).into_font())
        .color(&ink)
        .pos(Pos::new(h, VPos::Center));
    root.draw(&Text::new(t.text.clone(), px((t.x, t.y)), style))
        .map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::{textbook_network, with_step};
    use ndarray::{array, Array2};
    use nn_core::{Activation, Network};

    /// The scene of one step of `net` on `(x, t)`.
    fn scene_of(net: &Network<f64>, x: Array2<f64>, t: Array2<f64>) -> Scene {
        with_step(net, &x, &t, scene)
    }

    fn overlap(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
        a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
    }

    /// Whether the segment passes through the rectangle (sampled every half pixel).
    fn crosses(s: &Segment, r: (f64, f64, f64, f64)) -> bool {
        let (x0, x1) = (s.from.0.min(s.to.0), s.from.0.max(s.to.0));
        let (y0, y1) = (s.from.1.min(s.to.1), s.from.1.max(s.to.1));
        if x1 < r.0 || r.2 < x0 || y1 < r.1 || r.3 < y0 {
            return false;
        }
        let n = ((s.to.0 - s.from.0).hypot(s.to.1 - s.from.1) * 2.0)
            .ceil()
            .max(1.0);
        (0..=n as usize).any(|k| {
            let u = k as f64 / n;
            let (x, y) = (
                s.from.0 + u * (s.to.0 - s.from.0),
                s.from.1 + u * (s.to.1 - s.from.1),
            );
            r.0 < x && x < r.2 && r.1 < y && y < r.3
        })
    }

    /// No two labels overlap, no line runs through a label, no circle covers one (other than
    /// its own name), and everything lies inside the picture.
    fn assert_legible(scene: &Scene) {
        let rects: Vec<_> = scene.texts.iter().map(TextAt::rect).collect();
        for (i, a) in rects.iter().enumerate() {
            assert!(a.0 >= 0.0 && a.1 >= 0.0 && a.2 <= scene.width && a.3 <= scene.height);
            for (b, t) in rects[i + 1..].iter().zip(&scene.texts[i + 1..]) {
                let what = (&scene.texts[i].text, &t.text);
                assert!(!overlap(*a, *b), "labels overlap: {what:?}");
            }
            for s in &scene.segments {
                let t = &scene.texts[i];
                assert!(!crosses(s, *a), "{s:?} crosses {:?} at {a:?}", t.text);
            }
            for c in &scene.circles {
                let r = RADIUS + 1.0;
                let disc = (
                    c.center.0 - r,
                    c.center.1 - r,
                    c.center.0 + r,
                    c.center.1 + r,
                );
                let own_name = scene.texts[i].centred && scene.texts[i].x == c.center.0;
                assert!(
                    own_name || !overlap(*a, disc),
                    "a circle covers {:?}",
                    scene.texts[i].text
                );
            }
        }
    }

    #[test]
    fn the_textbook_step_is_legible_and_complete() {
        let (x, t) = (array![[0.10, 0.20]], array![[0.85, 0.30]]);
        let s = scene_of(&textbook_network().unwrap(), x, t);
        assert_legible(&s);
        let all: String = s.texts.iter().map(|t| t.text.clone() + "\n").collect();
        for line in [
            "w5 = 0.250000000",
            "out_h1 = 0.595078474",
            "∂E/∂w5 = -0.018375022 → w5⁺ = 0.268375022",
            "∂E_o1/∂out_h1 = ∂E/∂l_o1·w5 = -0.007719579",
            "∂E_o2/∂out_h1 = ∂E/∂l_o2·w7 = 0.025367174",
        ] {
            assert!(all.contains(line), "{line:?} missing in:\n{all}");
        }
        // 8 edges in each panel, each with its own arrow in the backward one.
        let edges: Vec<_> = s.segments.iter().filter(|s| s.edge).collect();
        assert_eq!(edges.len(), 16);
        assert_eq!(edges.iter().filter(|s| s.arrow).count(), 8);
    }

    #[test]
    fn a_wide_deep_network_is_summarised_and_legible() {
        let net = Network::<f64>::mlp(&[12, 8, 6, 20, 3], Activation::Tanh, Activation::Sigmoid, 3)
            .unwrap();
        let x = Array2::from_shape_fn((1, 12), |(_, i)| i as f64 / 10.0);
        let s = scene_of(&net, x, Array2::zeros((1, 3)));
        assert_legible(&s);
        let texts: Vec<&str> = s.texts.iter().map(|t| t.text.as_str()).collect();
        // 12 inputs: i1–i3, "⋮ 7 more", i11, i12; the 20-wide layer likewise.
        assert!(texts.contains(&"⋮ 7 more") && texts.contains(&"⋮ 15 more"));
        assert!(texts.contains(&"i12") && !texts.contains(&"i4"));
        assert!(
            texts.contains(&"… 7 more weights") && texts.contains(&"\u{a0}\u{a0}… 15 more paths")
        );
        // Columns of 6, 8, 6, 6 (summarised 20) and 3 drawn neurons, in both panels.
        assert_eq!(s.circles.len(), 2 * (5 + 8 + 6 + 5 + 3));
    }
}
