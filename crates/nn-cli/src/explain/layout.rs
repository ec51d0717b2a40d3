//! Where everything of `nn explain --plot` goes: panels of [`explain_scene`](crate::explain::scene)
//! turned into positioned text, circles and line segments.
//!
//! Each column is a block: pins (incoming-weight labels) at its left edge, the circle to their
//! right, the neuron's values under both, all inside the block; edges run only in the gaps
//! between blocks, from a circle's right side to a pin's left end, so no edge crosses text.
//! The font is monospaced, so a line of `n` characters is `n · 0.6 · size` pixels wide.

use crate::explain::scene::{Cell, Ink, Label, Neuron, Panel};

/// Font size of the labels, in plotters' units (an em of about 12 pixels).
const FONT: f64 = 15.0;
/// Font size of panel titles.
const TITLE_FONT: f64 = 18.0;
/// Width of one character per unit of font size: plotters draws an em of `size / 1.24`
/// (SVG) or about that (PNG), and DejaVu Sans Mono's advance is 0.602 em; measured on the
/// PNG, 0.52, so 0.53 leaves a little room.
const CHAR: f64 = 0.53;
/// Line height of the labels.
const LINE: f64 = 20.0;
/// Circle radius.
pub const RADIUS: f64 = 22.0;
/// Space between the widest pin and the circle (for the lines joining them).
const BUS: f64 = 28.0;
/// Space between columns, where the edges run.
const GAP: f64 = 150.0;
/// Space around everything, and between cells of a column.
const MARGIN: f64 = 20.0;

/// A line of text, vertically centred on `y`, starting at `x` (or centred on it).
#[derive(Debug, Clone, PartialEq)]
pub struct TextAt {
    /// Left end (or centre, with `centred`).
    pub x: f64,
    /// Vertical centre.
    pub y: f64,
    /// The text.
    pub text: String,
    /// Its colour.
    pub ink: Ink,
    /// Font size.
    pub size: f64,
    /// Centred on `x` (neuron names in their circles).
    pub centred: bool,
}

impl TextAt {
    /// `(x0, y0, x1, y1)` of the space the text takes (the legibility tests check that these
    /// never overlap).
    #[cfg(test)]
    pub fn rect(&self) -> (f64, f64, f64, f64) {
        let w = width(&self.text, self.size);
        let x0 = if self.centred {
            self.x - w / 2.0
        } else {
            self.x
        };
        let h = self.size * 1.3;
        (x0, self.y - h / 2.0, x0 + w, self.y + h / 2.0)
    }
}

/// A straight line; `arrow` puts an arrowhead on it, pointing to `from`.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Start.
    pub from: (f64, f64),
    /// End.
    pub to: (f64, f64),
    /// Colour.
    pub ink: Ink,
    /// An arrowhead pointing back to `from`.
    pub arrow: bool,
    /// An edge of the network (not a line joining a pin to its circle).
    pub edge: bool,
}

/// A neuron's circle.
#[derive(Debug, Clone, PartialEq)]
pub struct CircleAt {
    /// Centre.
    pub center: (f64, f64),
    /// Colour of the outline.
    pub ink: Ink,
}

/// Everything to draw, in pixels.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Scene {
    /// Width of the picture.
    pub width: f64,
    /// Height of the picture.
    pub height: f64,
    /// Labels.
    pub texts: Vec<TextAt>,
    /// Edges and the lines joining pins to circles.
    pub segments: Vec<Segment>,
    /// Neurons.
    pub circles: Vec<CircleAt>,
}

/// The pixel width of `text` at font `size`.
pub fn width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * CHAR * size
}

fn widest<'a>(labels: impl Iterator<Item = &'a Label>) -> f64 {
    labels.map(|l| width(&l.text, FONT)).fold(0.0, f64::max)
}

/// The panels one under the other.
pub fn layout(panels: &[Panel]) -> Scene {
    let mut scene = Scene::default();
    let mut top = MARGIN;
    for panel in panels {
        top = place_panel(&mut scene, panel, top) + 2.0 * MARGIN;
    }
    scene.height = top - MARGIN;
    scene
}

/// The horizontal geometry of one column.
struct Column {
    /// Left edge (where the pins start).
    left: f64,
    /// Width of the widest pin.
    pins: f64,
    /// Circle centre, from `left`.
    center: f64,
    /// Height of each cell's slot.
    slot: f64,
}

impl Column {
    fn new(cells: &[Cell], left: f64) -> Self {
        let neurons = || cells.iter().filter_map(as_neuron);
        let pins = widest(neurons().flat_map(|n| n.pins.iter().map(|p| &p.label)));
        let info = widest(neurons().flat_map(|n| n.info.iter()))
            .max(cells.iter().map(more_width).fold(0.0, f64::max));
        let beside = if pins > 0.0 {
            pins + BUS + RADIUS
        } else {
            RADIUS
        };
        let slot = cells.iter().map(cell_height).fold(0.0, f64::max) + MARGIN;
        Column {
            left,
            pins,
            center: beside.max(info - RADIUS),
            slot,
        }
    }

    fn right(&self) -> f64 {
        self.left + self.center + RADIUS
    }
}

fn as_neuron(cell: &Cell) -> Option<&Neuron> {
    match cell {
        Cell::Neuron(n) => Some(n),
        Cell::More(_) => None,
    }
}

fn more_text(k: usize) -> String {
    format!("⋮ {k} more")
}

fn more_width(cell: &Cell) -> f64 {
    match cell {
        Cell::More(k) => width(&more_text(*k), FONT),
        Cell::Neuron(_) => 0.0,
    }
}

/// Height of the pins-and-circle row of a cell.
fn head(cell: &Cell) -> f64 {
    match cell {
        Cell::Neuron(n) => (n.pins.len() as f64 * LINE).max(2.0 * RADIUS),
        Cell::More(_) => LINE,
    }
}

fn cell_height(cell: &Cell) -> f64 {
    let info = as_neuron(cell).map_or(0, |n| n.info.len());
    head(cell) + 6.0 + info as f64 * LINE
}

/// Places `panel` with its title at `top`; returns the bottom of what it drew.
fn place_panel(scene: &mut Scene, panel: &Panel, top: f64) -> f64 {
    text(
        scene,
        MARGIN,
        top + LINE / 2.0,
        &panel.title,
        Ink::Text,
        TITLE_FONT,
    );
    let body = top + 2.0 * LINE;
    let mut columns: Vec<Column> = Vec::new();
    for cells in &panel.columns {
        let left = columns.last().map_or(MARGIN, |c| c.right() + GAP);
        columns.push(Column::new(cells, left));
    }
    let height = panel
        .columns
        .iter()
        .zip(&columns)
        .map(|(cells, c)| cells.len() as f64 * c.slot)
        .fold(0.0, f64::max);
    let mut centres: Vec<Vec<(f64, f64)>> = Vec::new();
    for (cells, column) in panel.columns.iter().zip(&columns) {
        let sources = centres.last().cloned().unwrap_or_default();
        let slot = height / cells.len().max(1) as f64;
        let place = |k| (column, body + k as f64 * slot, slot);
        let placed = cells
            .iter()
            .enumerate()
            .map(|(k, cell)| place_cell(scene, cell, place(k), &sources, panel.backward));
        centres.push(placed.collect());
    }
    let mut y = body + height + LINE / 2.0;
    for line in &panel.footer {
        text(scene, MARGIN, y, line, Ink::Text, FONT);
        y += LINE;
    }
    let right = columns.last().map_or(MARGIN, Column::right) + MARGIN;
    let footer = panel.footer.iter().map(|l| width(l, FONT) + 2.0 * MARGIN);
    let title = width(&panel.title, TITLE_FONT) + 2.0 * MARGIN;
    scene.width = footer
        .chain([title, right, scene.width])
        .fold(0.0, f64::max);
    y
}

fn text(scene: &mut Scene, x: f64, y: f64, text: &str, ink: Ink, size: f64) {
    scene.texts.push(TextAt {
        x,
        y,
        text: text.to_owned(),
        ink,
        size,
        centred: false,
    });
}

/// Places one cell in its slot `(column, slot top, slot height)`; returns its circle's centre
/// (for a summary cell, the point edges would leave from).
fn place_cell(
    scene: &mut Scene,
    cell: &Cell,
    (column, top, slot): (&Column, f64, f64),
    sources: &[(f64, f64)],
    backward: bool,
) -> (f64, f64) {
    let y = top + (slot - cell_height(cell)) / 2.0 + head(cell) / 2.0;
    let centre = (column.left + column.center, y);
    let neuron = match cell {
        Cell::More(k) => {
            let t = more_text(*k);
            let x = centre.0 + RADIUS - width(&t, FONT);
            text(scene, x, y, &t, Ink::Faint, FONT);
            return centre;
        }
        Cell::Neuron(n) => n,
    };
    place_circle(scene, neuron, centre);
    place_pins(scene, neuron, column, centre, sources, backward);
    let info_top = y + head(cell) / 2.0 + 6.0;
    for (i, line) in neuron.info.iter().enumerate() {
        let y = info_top + (i as f64 + 0.5) * LINE;
        text(scene, column.left, y, &line.text, line.ink, FONT);
    }
    centre
}

/// The neuron's circle with its name inside.
fn place_circle(scene: &mut Scene, neuron: &Neuron, centre: (f64, f64)) {
    scene.circles.push(CircleAt {
        center: centre,
        ink: neuron.ink,
    });
    scene.texts.push(TextAt {
        x: centre.0,
        y: centre.1,
        text: neuron.name.clone(),
        ink: Ink::Text,
        size: FONT,
        centred: true,
    });
}

/// The pins left of the circle, each joined to it, and the edges into them.
fn place_pins(
    scene: &mut Scene,
    neuron: &Neuron,
    column: &Column,
    centre: (f64, f64),
    sources: &[(f64, f64)],
    backward: bool,
) {
    let first = centre.1 - neuron.pins.len() as f64 * LINE / 2.0;
    let bus = column.left + column.pins + 4.0;
    for (i, pin) in neuron.pins.iter().enumerate() {
        let y = first + (i as f64 + 0.5) * LINE;
        let (left, ink) = (column.left, pin.label.ink);
        text(scene, left, y, &pin.label.text, ink, FONT);
        let end = left + width(&pin.label.text, FONT) + 4.0;
        let join = |from, to| Segment {
            from,
            to,
            ink,
            arrow: false,
            edge: false,
        };
        scene.segments.push(join((end, y), (bus, y)));
        scene
            .segments
            .push(join((bus, y), (centre.0 - RADIUS, centre.1)));
        if let Some(&(sx, sy)) = pin.from.and_then(|k| sources.get(k)) {
            scene.segments.push(Segment {
                from: (sx + RADIUS, sy),
                to: (left - 4.0, y),
                ink,
                arrow: backward,
                edge: true,
            });
        }
    }
}
