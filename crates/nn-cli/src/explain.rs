//! `nn explain`: one gradient-descent step on one sample, every quantity named the way the
//! textbook names it (section 2.2): `l` (linear part) and `out` of each neuron, `E_o`,
//! `E_total`, `∂E/∂out`, `∂out/∂l`, `∂E/∂l`, each weight's gradient and its updated value.
//!
//! Weights are numbered `w1, w2, …` layer by layer, row by row of the `(out, in)` weight
//! matrices, which is exactly the textbook's numbering (w1, w2 into h1; w3, w4 into h2; …).

use anyhow::{Context, Result};
use ndarray::Array2;
use nn_core::{trace::Trace, Loss, Network};
use serde_json::{json, Value};

use crate::args::{ExplainArgs, Format};
use crate::fsutil::usage;
use nn_data::Task;

use crate::model_file::ModelFile;

/// The textbook's inputs i1, i2.
pub const TEXTBOOK_INPUT: [f64; 2] = [0.10, 0.20];
/// The textbook's targets for o1, o2.
pub const TEXTBOOK_TARGET: [f64; 2] = [0.85, 0.30];

/// Runs `nn explain`.
pub fn run(args: ExplainArgs) -> Result<()> {
    if let Some(path) = &args.save_model {
        return save_textbook(path);
    }
    let model = match &args.model {
        Some(path) => ModelFile::load(path)?,
        None => textbook_model()?,
    };
    let net = model.network::<f64>()?;
    let x = sample(
        args.input.as_deref(),
        &TEXTBOOK_INPUT,
        net.n_in(),
        "--input",
    )?;
    let t = sample(
        args.target.as_deref(),
        &TEXTBOOK_TARGET,
        net.n_out(),
        "--target",
    )?;
    let (x, t) = preprocessed(&model, x, t)?;
    print_step(&args, &net, model.loss, &x, &t)
}

/// Traces one step of `net` on `(x, t)` and prints it in the requested format.
fn print_step(
    args: &ExplainArgs,
    net: &Network<f64>,
    loss: Loss,
    x: &Array2<f64>,
    t: &Array2<f64>,
) -> Result<()> {
    let trace = nn_core::trace::trace(net, x.view(), t.view(), loss, args.lr)
        .context("computing the training step")?;
    let names = Names::new(net);
    let (lr, target) = (args.lr, t);
    let step = Step {
        net,
        loss,
        lr,
        trace: &trace,
        names: &names,
        target,
    };
    match args.format {
        Format::Text => print!("{}", crate::explain_text::render(&step)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&to_json(&step))?),
    }
    Ok(())
}

/// `--save-model`: writes the textbook network for the user to edit.
fn save_textbook(path: &std::path::Path) -> Result<()> {
    let mut model = textbook_model()?;
    model.features = vec!["i1".into(), "i2".into()];
    model.save(path)?;
    let shown = path.display();
    println!("wrote the textbook network to {shown} (edit it, then: nn explain --model {shown})");
    Ok(())
}

/// The textbook's 2-2-2 sigmoid network (section 2.2).
pub fn textbook_network() -> Result<Network<f64>> {
    Ok(nn_core::textbook::network())
}

fn textbook_model() -> Result<ModelFile> {
    Ok(ModelFile::from_network(
        &textbook_network()?,
        Loss::HalfSse,
        Task::Regress,
    ))
}

/// Applies a trained model's saved preprocessing to the input (and, for regression, the
/// target), so `--input` takes raw feature values; the explanation shows the scaled numbers.
fn preprocessed(
    model: &ModelFile,
    x: Array2<f64>,
    t: Array2<f64>,
) -> Result<(Array2<f64>, Array2<f64>)> {
    let Some(value) = &model.preprocessing else {
        return Ok((x, t));
    };
    let pre: crate::preprocessing::Preprocessing =
        serde_json::from_value(value.clone()).context("reading the model's preprocessing")?;
    let x = nn_data::Transformer::transform(&pre.features, x.view())?;
    let t = match &pre.target {
        Some(scaler) => nn_data::Transformer::transform(scaler, t.view())?,
        None => t,
    };
    eprintln!("note: --input (and a regression --target) scaled by the model's preprocessing");
    Ok((x, t))
}

/// One row `(1, n)` from the flag, or the textbook default when the sizes allow it.
fn sample(given: Option<&[f64]>, default: &[f64], n: usize, flag: &str) -> Result<Array2<f64>> {
    let values = match given {
        Some(v) => v,
        None if default.len() == n => default,
        None => {
            return Err(usage(format!(
                "this network needs {flag} with {n} comma-separated values"
            )))
        }
    };
    if values.len() != n {
        return Err(usage(format!(
            "{flag} has {} values but the network needs {n}",
            values.len()
        )));
    }
    Ok(Array2::from_shape_vec((1, n), values.to_vec())?)
}

/// Everything one explanation needs.
pub struct Step<'a> {
    /// The network before the step.
    pub net: &'a Network<f64>,
    /// The loss.
    pub loss: Loss,
    /// The learning rate η.
    pub lr: f64,
    /// Every number of the step.
    pub trace: &'a Trace<f64>,
    /// Textbook names.
    pub names: &'a Names,
    /// The target row.
    pub target: &'a Array2<f64>,
}

/// Textbook names: inputs `i1…`, neurons `h1…` (or `h1.1…` with several hidden layers) and
/// `o1…`, weights `w1…` numbered across layers.
pub struct Names {
    /// `neurons[0]` are the inputs; `neurons[l + 1]` the outputs of layer `l`.
    pub neurons: Vec<Vec<String>>,
    /// Number of the first weight of each layer, minus one.
    pub weight_offset: Vec<usize>,
}

impl Names {
    /// The names of `net`'s inputs, neurons and weights.
    pub fn new(net: &Network<f64>) -> Self {
        let sizes = net.sizes();
        let layers = sizes.len() - 1;
        let neurons = (0..sizes.len())
            .map(|k| (1..=sizes[k]).map(|j| neuron_name(k, layers, j)).collect())
            .collect();
        let mut weight_offset = vec![0];
        for l in net.layers() {
            weight_offset.push(weight_offset.last().copied().unwrap_or(0) + l.n_in() * l.n_out());
        }
        Names {
            neurons,
            weight_offset,
        }
    }

    /// The name of the weight of layer `l` from input `i` into neuron `j`.
    pub fn weight(&self, l: usize, j: usize, i: usize) -> String {
        let n_in = self.neurons[l].len();
        format!("w{}", self.weight_offset[l] + j * n_in + i + 1)
    }
}

fn neuron_name(k: usize, layers: usize, j: usize) -> String {
    match k {
        0 => format!("i{j}"),
        k if k == layers => format!("o{j}"),
        _ if layers == 2 => format!("h{j}"),
        k => format!("h{k}.{j}"),
    }
}

/// The explanation as JSON (full precision).
pub fn to_json(step: &Step) -> Value {
    let tr = step.trace;
    let n = step.names;
    let last = n.neurons.len() - 1;
    let losses: serde_json::Map<String, Value> = n.neurons[last]
        .iter()
        .enumerate()
        .map(|(j, o)| (format!("E_{o}"), json!(tr.losses[[0, j]])))
        .collect();
    let layers: Vec<Value> = (0..tr.layers.len()).map(|l| layer_json(step, l)).collect();
    json!({
        "network": {
            "sizes": step.net.sizes(),
            "activations": step.net.layers().iter().map(|l| l.activation().name()).collect::<Vec<_>>(),
            "loss": step.loss.name(),
            "lr": step.lr,
        },
        "input": named(&n.neurons[0], tr.layers[0].input.row(0).iter()),
        "target": named(&n.neurons[last], step.target.row(0).iter()),
        "layers": layers,
        "losses": losses,
        "E_total": tr.total,
    })
}

fn layer_json(step: &Step, l: usize) -> Value {
    let lt = &step.trace.layers[l];
    let names = &step.names.neurons[l + 1];
    let neurons: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            json!({
                "name": name, "l": lt.linear[[0, j]], "out": lt.out[[0, j]],
                "dE_dout": lt.d_out[[0, j]], "dout_dl": lt.d_out_d_linear[[0, j]],
                "dE_dl": lt.d_linear[[0, j]],
                "bias": {"value": lt.bias[j], "grad": lt.grad_bias[j], "updated": lt.new_bias[j]},
            })
        })
        .collect();
    json!({ "layer": l + 1, "activation": step.net.layers()[l].activation().name(),
            "neurons": neurons, "weights": weights_json(step, l) })
}

fn weights_json(step: &Step, l: usize) -> Vec<Value> {
    let lt = &step.trace.layers[l];
    let n = step.names;
    let mut out = Vec::new();
    for ((j, i), &w) in lt.weight.indexed_iter() {
        out.push(json!({
            "name": n.weight(l, j, i), "from": n.neurons[l][i], "to": n.neurons[l + 1][j],
            "value": w, "dl_dw": lt.input[[0, i]], "grad": lt.grad_weight[[j, i]],
            "updated": lt.new_weight[[j, i]],
        }));
    }
    out
}

fn named<'a>(names: &[String], values: impl Iterator<Item = &'a f64>) -> Value {
    Value::Object(
        names
            .iter()
            .cloned()
            .zip(values.map(|&v| json!(v)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn textbook_weights_are_numbered_like_the_book() {
        let net = textbook_network().unwrap();
        let names = Names::new(&net);
        assert_eq!(names.weight(0, 0, 1), "w2"); // into h1 from i2
        assert_eq!(names.weight(1, 1, 0), "w7"); // into o2 from h1
        assert_eq!(names.neurons[1], vec!["h1", "h2"]);
        let x = array![[0.10, 0.20]];
        let t = array![[0.85, 0.30]];
        let tr = nn_core::trace::trace(&net, x.view(), t.view(), Loss::HalfSse, 1.0).unwrap();
        let step = Step {
            net: &net,
            loss: Loss::HalfSse,
            lr: 1.0,
            trace: &tr,
            names: &names,
            target: &t,
        };
        let v = to_json(&step);
        let w5 = &v["layers"][1]["weights"][0];
        assert_eq!(w5["name"], "w5");
        assert!((w5["updated"].as_f64().unwrap() - 0.268375021).abs() < 1e-9);
        assert!((v["E_total"].as_f64().unwrap() - 0.096867268).abs() < 1e-9);
    }
}
