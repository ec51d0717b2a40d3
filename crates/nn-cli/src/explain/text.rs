//! The text rendering of `nn explain`, in the textbook's notation with 9 decimals.

use std::fmt::Write;

use nn_core::{Activation, Loss};

use crate::explain::{path_terms, Step};

/// Formats a number the way the explanation prints every quantity (9 decimals).
pub fn f(v: f64) -> String {
    format!("{v:.9}")
}

/// Like [`f`], with negative numbers in parentheses (for products and differences).
pub fn fp(v: f64) -> String {
    if v < 0.0 {
        format!("({})", f(v))
    } else {
        f(v)
    }
}

/// How layer `l`'s input `i` is written: `i1` for the inputs, `out_h1` for neurons.
fn input_name(step: &Step, l: usize, i: usize) -> String {
    let name = &step.names.neurons[l][i];
    if l == 0 {
        name.clone()
    } else {
        format!("out_{name}")
    }
}

/// The whole explanation.
pub fn render(step: &Step) -> String {
    let mut s = String::new();
    header(&mut s, step);
    s.push_str("\n== Forward pass ==\n");
    for l in 0..step.trace.layers.len() {
        forward_layer(&mut s, step, l);
    }
    losses(&mut s, step);
    s.push_str("\n== Backward pass (chain rule) ==\n");
    for l in (0..step.trace.layers.len()).rev() {
        backward_layer(&mut s, step, l);
    }
    updates(&mut s, step);
    s
}

fn header(s: &mut String, step: &Step) {
    let sizes: Vec<String> = step.net.sizes().iter().map(ToString::to_string).collect();
    let acts: Vec<&str> = step
        .net
        .layers()
        .iter()
        .map(|l| l.activation().name())
        .collect();
    let _ = writeln!(
        s,
        "Network {} (activations: {}), loss {}, learning rate η = {}",
        sizes.join("-"),
        acts.join(", "),
        step.loss.name(),
        step.lr
    );
    let n = step.names;
    let last = n.neurons.len() - 1;
    let inputs = step.trace.layers[0].input.row(0).to_vec();
    let _ = writeln!(s, "Input   {}", pairs(&n.neurons[0], "", &inputs));
    let target = step.target.row(0).to_vec();
    let _ = writeln!(s, "Target  {}", pairs(&n.neurons[last], "t_", &target));
}

fn pairs(names: &[String], prefix: &str, values: &[f64]) -> String {
    let parts: Vec<String> = names
        .iter()
        .zip(values)
        .map(|(n, v)| format!("{prefix}{n} = {}", f(*v)))
        .collect();
    parts.join(", ")
}

fn layer_title(step: &Step, l: usize) -> String {
    let kind = if l + 1 == step.trace.layers.len() {
        "output"
    } else {
        "hidden"
    };
    let act = step.net.layers()[l].activation().name();
    format!("Layer {} ({kind}, {act})", l + 1)
}

fn forward_layer(s: &mut String, step: &Step, l: usize) {
    let lt = &step.trace.layers[l];
    let n = step.names;
    let _ = writeln!(s, "{}", layer_title(step, l));
    let act = step.net.layers()[l].activation().name();
    for (j, name) in n.neurons[l + 1].iter().enumerate() {
        let terms: Vec<String> = (0..lt.weight.ncols())
            .map(|i| format!("{}·{}", n.weight(l, j, i), input_name(step, l, i)))
            .collect();
        let values: Vec<String> = (0..lt.weight.ncols())
            .map(|i| format!("{}·{}", fp(lt.weight[[j, i]]), fp(lt.input[[0, i]])))
            .collect();
        let _ = write!(s, "  l_{name} = {} + b_{name}", terms.join(" + "));
        if values.len() <= 4 {
            let _ = write!(s, " = {} + {}", values.join(" + "), f(lt.bias[j]));
        }
        let _ = writeln!(s, " = {}", f(lt.linear[[0, j]]));
        let _ = writeln!(s, "  out_{name} = {act}(l_{name}) = {}", f(lt.out[[0, j]]));
    }
}

fn losses(s: &mut String, step: &Step) {
    let n = step.names;
    let last = n.neurons.len() - 1;
    let out = &step.trace.layers[last - 1].out;
    let _ = writeln!(s, "\n== Loss ({}) ==", step.loss.name());
    let mut names = Vec::new();
    for (j, o) in n.neurons[last].iter().enumerate() {
        let e = step.trace.losses[[0, j]];
        let formula = element_formula(step.loss, o, step.target[[0, j]], out[[0, j]]);
        let _ = writeln!(s, "  E_{o} = {formula} = {}", f(e));
        names.push(format!("E_{o}"));
    }
    let how = match step.loss {
        Loss::HalfSse => names.join(" + "),
        Loss::Mse | Loss::Bce => format!("({}) / {}", names.join(" + "), names.len()),
        Loss::CrossEntropy => names.join(" + "),
    };
    let _ = writeln!(s, "  E_total = {how} = {}", f(step.trace.total));
}

fn element_formula(loss: Loss, o: &str, t: f64, out: f64) -> String {
    match loss {
        Loss::HalfSse => format!("½(t_{o} − out_{o})² = ½({} − {})²", f(t), f(out)),
        Loss::Mse => format!("(t_{o} − out_{o})² = ({} − {})²", f(t), f(out)),
        Loss::CrossEntropy => format!("−t_{o}·log softmax(l)_{o}"),
        Loss::Bce => format!("−[t_{o}·log σ(l_{o}) + (1 − t_{o})·log(1 − σ(l_{o}))]"),
    }
}

fn derivative_formula(act: Activation, name: &str) -> String {
    match act {
        Activation::Sigmoid => format!(" = out_{name}(1 − out_{name})"),
        Activation::Tanh => format!(" = 1 − out_{name}²"),
        Activation::Relu | Activation::LeakyRelu { .. } => format!(" (out_{name} > 0 ? 1 : slope)"),
        Activation::Identity => String::new(),
        Activation::Softmax => " (diagonal)".into(),
    }
}

fn backward_layer(s: &mut String, step: &Step, l: usize) {
    let lt = &step.trace.layers[l];
    let n = step.names;
    let act = step.net.layers()[l].activation();
    let _ = writeln!(s, "{}", layer_title(step, l));
    for (j, name) in n.neurons[l + 1].iter().enumerate() {
        if l + 1 == step.trace.layers.len() {
            let _ = writeln!(s, "  ∂E/∂out_{name} = {}", f(lt.d_out[[0, j]]));
        } else {
            hidden_d_out(s, step, l, j);
        }
        let formula = derivative_formula(act, name);
        let _ = writeln!(
            s,
            "  ∂out_{name}/∂l_{name}{formula} = {}",
            f(lt.d_out_d_linear[[0, j]])
        );
        let _ = writeln!(
            s,
            "  ∂E/∂l_{name} = ∂E/∂out_{name} · ∂out_{name}/∂l_{name} = {}",
            f(lt.d_linear[[0, j]])
        );
        weight_grads(s, step, l, j);
    }
}

/// `∂E/∂out_h = Σ_k ∂E/∂l_k · w_kh`: one term per neuron of the next layer.
fn hidden_d_out(s: &mut String, step: &Step, l: usize, j: usize) {
    let n = step.names;
    let name = &n.neurons[l + 1][j];
    let mut parts = Vec::new();
    for p in path_terms(step, l, j) {
        let to = &n.neurons[l + 2][p.via];
        let (label, w) = (p.label, p.weight);
        let _ = writeln!(s, "  {label} = ∂E/∂l_{to} · {w} = {}", f(p.value));
        parts.push(label);
    }
    let total = step.trace.layers[l].d_out[[0, j]];
    let _ = writeln!(s, "  ∂E/∂out_{name} = {} = {}", parts.join(" + "), f(total));
}

fn weight_grads(s: &mut String, step: &Step, l: usize, j: usize) {
    let lt = &step.trace.layers[l];
    let n = step.names;
    let name = &n.neurons[l + 1][j];
    for i in 0..n.neurons[l].len() {
        let w = n.weight(l, j, i);
        let input = input_name(step, l, i);
        let _ = writeln!(
            s,
            "  ∂E/∂{w} = ∂E/∂l_{name} · ∂l_{name}/∂{w} = ∂E/∂l_{name} · {input} = {} · {} = {}",
            fp(lt.d_linear[[0, j]]),
            fp(lt.input[[0, i]]),
            f(lt.grad_weight[[j, i]])
        );
    }
    let _ = writeln!(s, "  ∂E/∂b_{name} = ∂E/∂l_{name} = {}", f(lt.grad_bias[j]));
}

fn updates(s: &mut String, step: &Step) {
    let n = step.names;
    let _ = writeln!(
        s,
        "\n== Update: w⁺ = w − η·∂E/∂w (η = {}, gradients from the old weights) ==",
        step.lr
    );
    for (l, lt) in step.trace.layers.iter().enumerate() {
        for ((j, i), &w) in lt.weight.indexed_iter() {
            let name = n.weight(l, j, i);
            let (g, new) = (lt.grad_weight[[j, i]], lt.new_weight[[j, i]]);
            let _ = writeln!(
                s,
                "  {name}⁺ = {} − {}·{} = {}",
                f(w),
                step.lr,
                fp(g),
                f(new)
            );
        }
        for (j, to) in n.neurons[l + 1].iter().enumerate() {
            bias_update(s, step, l, j, to);
        }
    }
}

/// `b⁺ = b − η·∂E/∂b`, or the unchanged bias with `--freeze-bias`.
fn bias_update(s: &mut String, step: &Step, l: usize, j: usize, to: &str) {
    let lt = &step.trace.layers[l];
    let (b, g, new) = (lt.bias[j], lt.grad_bias[j], lt.new_bias[j]);
    if step.freeze_bias {
        let _ = writeln!(s, "  b_{to}⁺ = b_{to} = {} (--freeze-bias)", f(b));
    } else {
        let _ = writeln!(
            s,
            "  b_{to}⁺ = {} − {}·{} = {}",
            f(b),
            step.lr,
            fp(g),
            f(new)
        );
    }
}
