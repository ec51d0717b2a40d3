//! What `nn explain --plot` draws, before any geometry: two panels (the forward pass and the
//! backward pass), each a row of columns of neurons with their labels.
//!
//! A neuron's incoming weights are written as *pins* stacked left of its circle, one per
//! edge, so every edge ends at its own label (the chapter's figures 6 and 7 write them on the
//! edges, which stops being legible beyond two neurons). Its values are listed under it.
//! Layers wider than [`MAX_SHOWN`] are summarised: the first three neurons, a "… N more"
//! cell, and the last two.

use crate::explain::text::f;
use crate::explain::{path_terms, Step};

/// Indentation that SVG keeps (it collapses leading ordinary spaces).
const INDENT: &str = "\u{a0}\u{a0}";

/// Widest layer drawn in full.
pub const MAX_SHOWN: usize = 8;

/// The colour of a piece of the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ink {
    /// Ordinary text.
    Text,
    /// Summaries ("… 12 more").
    Faint,
    /// The colour of the neuron at this position in its column (and of the edges into it).
    Series(usize),
}

/// One line of text.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// The text.
    pub text: String,
    /// Its colour.
    pub ink: Ink,
}

fn label(text: String, ink: Ink) -> Label {
    Label { text, ink }
}

/// An incoming edge's label; `from` is the source's position in the previous column
/// (`None` for a summary line without an edge).
#[derive(Debug, Clone, PartialEq)]
pub struct Pin {
    /// The text beside the edge's end.
    pub label: Label,
    /// Where the edge starts.
    pub from: Option<usize>,
}

/// A drawn neuron.
#[derive(Debug, Clone, PartialEq)]
pub struct Neuron {
    /// The name in its circle (`h1`).
    pub name: String,
    /// Incoming edges (none for inputs).
    pub pins: Vec<Pin>,
    /// Values listed under it.
    pub info: Vec<Label>,
    /// Its colour.
    pub ink: Ink,
}

/// One place in a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A neuron, drawn.
    Neuron(Neuron),
    /// This many neurons, not drawn.
    More(usize),
}

/// One picture: a title, the columns (inputs first) and lines of text under them.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// The heading.
    pub title: String,
    /// Column 0 holds the inputs, column `l + 1` layer `l`.
    pub columns: Vec<Vec<Cell>>,
    /// Lines under the network.
    pub footer: Vec<String>,
    /// Edges carry the loss backwards (drawn with arrows towards the input).
    pub backward: bool,
}

/// A position in a column: a neuron's index, or a summary of `n` neurons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Neuron `j`.
    Index(usize),
    /// `n` neurons left out.
    More(usize),
}

/// The slots of a layer of `n` neurons: all of them up to [`MAX_SHOWN`], otherwise the first
/// three, a summary and the last two.
pub fn shown(n: usize) -> Vec<Slot> {
    if n <= MAX_SHOWN {
        return (0..n).map(Slot::Index).collect();
    }
    let mut slots: Vec<Slot> = (0..3).map(Slot::Index).collect();
    slots.push(Slot::More(n - 5));
    slots.extend([n - 2, n - 1].map(Slot::Index));
    slots
}

/// The forward pass: values `l`, `out`, biases, weights, targets and `E`.
pub fn forward(step: &Step) -> Panel {
    let sizes: Vec<String> = step.net.sizes().iter().map(ToString::to_string).collect();
    let title = format!(
        "Forward pass: {} network, l = Σ w·in + b, out = f(l)",
        sizes.join("-")
    );
    let mut footer = vec![format!(
        "E_total = {} (loss {})",
        f(step.trace.total),
        step.loss.name()
    )];
    if step.net.sizes().iter().any(|&n| n > MAX_SHOWN) {
        footer.push(format!(
            "A layer wider than {MAX_SHOWN} neurons shows its first 3 and last 2."
        ));
    }
    Panel {
        title,
        columns: columns(step, forward_neuron),
        footer,
        backward: false,
    }
}

/// The backward pass: gradients, updated parameters and the paths by which E reaches each
/// hidden output (the chapter's figure 9), coloured by the neuron they pass through.
pub fn backward(step: &Step) -> Panel {
    let rule = if step.freeze_bias {
        "biases frozen"
    } else {
        "b⁺ = b − η·∂E/∂b"
    };
    let title = format!(
        "Backward pass: ∂E/∂w = ∂E/∂l · in, w⁺ = w − η·∂E/∂w (η = {}, {rule})",
        step.lr
    );
    let footer = vec![
        "Arrows: the loss flowing back; an edge's colour is the neuron it leaves backwards, as in the".into(),
        "coloured terms of ∂E/∂out (the chapter's figure 9). Gradients use the weights before the step.".into(),
    ];
    Panel {
        title,
        columns: columns(step, backward_neuron),
        footer,
        backward: true,
    }
}

type NeuronFn = fn(&Step, usize, usize, Ink) -> Neuron;

/// The inputs, then each layer's shown neurons built by `neuron(step, layer, index, ink)`.
fn columns(step: &Step, neuron: NeuronFn) -> Vec<Vec<Cell>> {
    let inputs = step.trace.layers[0].input.row(0);
    let names = &step.names.neurons;
    let mut columns = vec![cells(names[0].len(), |i, _| Neuron {
        name: names[0][i].clone(),
        pins: Vec::new(),
        info: vec![label(
            format!("{} = {}", names[0][i], f(inputs[i])),
            Ink::Text,
        )],
        ink: Ink::Text,
    })];
    for l in 0..step.trace.layers.len() {
        columns.push(cells(names[l + 1].len(), |j, ink| neuron(step, l, j, ink)));
    }
    columns
}

/// The cells of a column of `n` neurons; `neuron(index, ink)` builds a shown one.
fn cells(n: usize, mut neuron: impl FnMut(usize, Ink) -> Neuron) -> Vec<Cell> {
    shown(n)
        .into_iter()
        .enumerate()
        .map(|(pos, slot)| match slot {
            Slot::Index(j) => Cell::Neuron(neuron(j, Ink::Series(pos))),
            Slot::More(k) => Cell::More(k),
        })
        .collect()
}

/// One pin per shown input of layer `l`, written by `text(i)`.
fn pins(step: &Step, l: usize, ink: Ink, text: impl Fn(usize) -> String) -> Vec<Pin> {
    shown(step.names.neurons[l].len())
        .into_iter()
        .enumerate()
        .map(|(pos, slot)| match slot {
            Slot::Index(i) => Pin {
                label: label(text(i), ink),
                from: Some(pos),
            },
            Slot::More(k) => Pin {
                label: label(format!("… {k} more weights"), Ink::Faint),
                from: None,
            },
        })
        .collect()
}

fn forward_neuron(step: &Step, l: usize, j: usize, ink: Ink) -> Neuron {
    let lt = &step.trace.layers[l];
    let name = step.names.neurons[l + 1][j].clone();
    let text = |i| format!("{} = {}", step.names.weight(l, j, i), f(lt.weight[[j, i]]));
    let mut info = vec![
        label(format!("l_{name} = {}", f(lt.linear[[0, j]])), Ink::Text),
        label(format!("out_{name} = {}", f(lt.out[[0, j]])), ink),
        label(format!("b_{name} = {}", f(lt.bias[j])), Ink::Text),
    ];
    if l + 1 == step.trace.layers.len() {
        let (t, e) = (step.target[[0, j]], step.trace.losses[[0, j]]);
        info.push(label(format!("t_{name} = {}", f(t)), Ink::Text));
        info.push(label(format!("E_{name} = {}", f(e)), Ink::Text));
    }
    Neuron {
        pins: pins(step, l, ink, text),
        info,
        name,
        ink,
    }
}

fn backward_neuron(step: &Step, l: usize, j: usize, ink: Ink) -> Neuron {
    let lt = &step.trace.layers[l];
    let name = step.names.neurons[l + 1][j].clone();
    let text = |i| {
        let w = step.names.weight(l, j, i);
        let (g, new) = (lt.grad_weight[[j, i]], lt.new_weight[[j, i]]);
        format!("∂E/∂{w} = {} → {w}⁺ = {}", f(g), f(new))
    };
    let mut info = vec![label(
        format!("∂E/∂out_{name} = {}", f(lt.d_out[[0, j]])),
        Ink::Text,
    )];
    if l + 1 < step.trace.layers.len() {
        info.extend(path_lines(step, l, j));
    }
    info.push(label(
        format!("∂out_{name}/∂l_{name} = {}", f(lt.d_out_d_linear[[0, j]])),
        Ink::Text,
    ));
    info.push(label(
        format!("∂E/∂l_{name} = {}", f(lt.d_linear[[0, j]])),
        ink,
    ));
    info.push(label(bias_text(step, l, j, &name), Ink::Text));
    Neuron {
        pins: pins(step, l, ink, text),
        info,
        name,
        ink,
    }
}

/// `∂E/∂out_h` as the sum of its path terms, one line per shown neuron of the next layer.
fn path_lines(step: &Step, l: usize, j: usize) -> Vec<Label> {
    let terms = path_terms(step, l, j);
    let next = &step.names.neurons[l + 2];
    let mut lines = vec![label(
        format!("{INDENT}= the sum over the paths:"),
        Ink::Text,
    )];
    for (pos, slot) in shown(next.len()).into_iter().enumerate() {
        lines.push(match slot {
            Slot::Index(k) => {
                let p = &terms[k];
                let to = &next[k];
                let text = format!(
                    "{INDENT}{} = ∂E/∂l_{to}·{} = {}",
                    p.label,
                    p.weight,
                    f(p.value)
                );
                label(text, Ink::Series(pos))
            }
            Slot::More(k) => label(format!("{INDENT}… {k} more paths"), Ink::Faint),
        });
    }
    lines
}

fn bias_text(step: &Step, l: usize, j: usize, name: &str) -> String {
    let lt = &step.trace.layers[l];
    let g = f(lt.grad_bias[j]);
    if step.freeze_bias {
        format!("∂E/∂b_{name} = {g}, b_{name} kept")
    } else {
        format!("∂E/∂b_{name} = {g} → b_{name}⁺ = {}", f(lt.new_bias[j]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_layers_show_the_first_three_and_the_last_two() {
        assert_eq!(shown(2), vec![Slot::Index(0), Slot::Index(1)]);
        assert_eq!(shown(8).len(), 8);
        let s = shown(12);
        assert_eq!(s[..3], [Slot::Index(0), Slot::Index(1), Slot::Index(2)]);
        assert_eq!(s[3..], [Slot::More(7), Slot::Index(10), Slot::Index(11)]);
    }
}
