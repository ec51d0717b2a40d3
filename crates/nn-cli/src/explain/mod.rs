//! `nn explain`: one gradient-descent step on one sample, every quantity named the way the
//! textbook names it (section 2.2): `l` (linear part) and `out` of each neuron, `E_o`,
//! `E_total`, `∂E/∂out`, `∂out/∂l`, `∂E/∂l`, each weight's gradient and its updated value.
//!
//! Weights are numbered `w1, w2, …` layer by layer, row by row of the `(out, in)` weight
//! matrices, which is exactly the textbook's numbering (w1, w2 into h1; w3, w4 into h2; …).

mod json;
mod layout;
mod loss_plot;
mod plot;
mod scene;
mod steps;
mod text;

use anyhow::{Context, Result};
use ndarray::Array2;
use nn_core::{trace::Trace, Loss, Network};

use crate::args::{ExplainArgs, Format};
use crate::explain::steps::Iteration;
use crate::fsutil::usage;
use nn_data::Task;

use crate::model_file::ModelFile;
use crate::stdout::{out, outln};

/// The textbook's inputs i1, i2.
pub const TEXTBOOK_INPUT: [f64; 2] = [0.10, 0.20];
/// The textbook's targets for o1, o2.
pub const TEXTBOOK_TARGET: [f64; 2] = [0.85, 0.30];

/// Runs `nn explain`.
pub fn run(args: ExplainArgs) -> Result<()> {
    crate::outputs::Outputs::new()
        .input("--model", args.model.as_deref())
        .file("--save-model", args.save_model.as_deref())
        .plot("--plot", args.plot.as_deref())
        .plot("--plot-loss", args.plot_loss.as_deref())
        .check()?;
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
    explain(&args, &net, model.loss, &x, &t)
}

/// Traces one step of `net` on `(x, t)`, iterates it with `--steps`, prints the result in the
/// requested format and draws the requested pictures.
fn explain(
    args: &ExplainArgs,
    net: &Network<f64>,
    loss: Loss,
    x: &Array2<f64>,
    t: &Array2<f64>,
) -> Result<()> {
    let mut trace = nn_core::trace::trace(net, x.view(), t.view(), loss, args.lr)
        .context("computing the training step")?;
    if args.freeze_bias {
        trace
            .layers
            .iter_mut()
            .for_each(|lt| lt.new_bias = lt.bias.clone());
    }
    let names = Names::new(net);
    let step = Step {
        net,
        loss,
        lr: args.lr,
        trace: &trace,
        names: &names,
        target: t,
        freeze_bias: args.freeze_bias,
    };
    let iteration = match args.steps {
        Some(n) => {
            let parameters = nn_cli::limits::bounds::check_network(&net.sizes())?;
            nn_cli::limits::bounds::check_steps(parameters, n)?;
            Some(crate::explain::steps::iterate(&step, x, n)?)
        }
        None => None,
    };
    check_finite(&trace, iteration.as_ref())?;
    // Pictures drawn first (a failing picture prints nothing), put in place after the report
    // is printed (a report that cannot be printed writes no picture).
    let (notes, staged) = draw(args, &step, iteration.as_ref())?;
    print(args.format, &step, iteration.as_ref())?;
    for note in notes {
        match args.format {
            Format::Text => outln!("{note}")?,
            Format::Json => crate::stdout::errln!("{note}"),
        }
    }
    staged
        .into_iter()
        .try_for_each(crate::fsutil::Staged::commit)
}

/// Every number the step shows must be finite: an input, target or weight so large that
/// the loss, a gradient or an updated weight overflows is an error naming where.
fn check_finite(trace: &Trace<f64>, iteration: Option<&Iteration>) -> Result<()> {
    let what = "the input, the target or the weights are too large (or --lr)";
    anyhow::ensure!(
        trace.total.is_finite(),
        "E_total is {}: the loss overflows; {what}",
        trace.total
    );
    for (l, lt) in trace.layers.iter().enumerate() {
        let parts = [
            ("out", lt.out.iter()),
            ("gradient", lt.grad_weight.iter()),
            ("updated weight", lt.new_weight.iter()),
        ];
        for (name, mut values) in parts {
            if let Some(v) = values.find(|v| !v.is_finite()) {
                anyhow::bail!("layer {}: an {name} is {v}: {what}", l + 1);
            }
        }
    }
    if let Some(s) = iteration.and_then(|it| it.losses.iter().position(|v| !v.is_finite())) {
        anyhow::bail!("E_total after step {s} of --steps is not finite: {what}");
    }
    Ok(())
}

/// `--plot` and `--plot-loss`, both drawn and not yet in place; returns what will be written,
/// to tell the user, and the staged files.
fn draw(
    args: &ExplainArgs,
    step: &Step,
    iteration: Option<&Iteration>,
) -> Result<(Vec<String>, Vec<crate::fsutil::Staged>)> {
    let (mut notes, mut staged) = (Vec::new(), Vec::new());
    if let Some(path) = &args.plot {
        staged.push(crate::explain::plot::stage(path, step)?);
        notes.push(format!("picture of the step written to {}", path.display()));
    }
    if let (Some(path), Some(it)) = (&args.plot_loss, iteration) {
        staged.push(crate::explain::loss_plot::stage(path, it)?);
        notes.push(format!("E_total plot written to {}", path.display()));
    }
    Ok((notes, staged))
}

/// Prints the step (and the iteration) as text or JSON.
fn print(format: Format, step: &Step, iteration: Option<&Iteration>) -> Result<()> {
    match format {
        Format::Text => {
            out!("{}", crate::explain::text::render(step))?;
            if let Some(it) = iteration {
                out!("{}", crate::explain::steps::render(it, step.names))?;
            }
        }
        Format::Json => {
            let mut value = crate::explain::json::to_json(step);
            if let Some(it) = iteration {
                value["steps"] = crate::explain::steps::to_json(it, step.names);
            }
            outln!("{}", serde_json::to_string_pretty(&value)?)?;
        }
    }
    Ok(())
}

/// `--save-model`: writes the textbook network for the user to edit.
fn save_textbook(path: &std::path::Path) -> Result<()> {
    let mut model = textbook_model()?;
    model.features = vec!["i1".into(), "i2".into()];
    let staged = model.stage(path)?;
    let shown = path.display();
    outln!("wrote the textbook network to {shown} (edit it, then: nn explain --model {shown})")?;
    staged.commit()
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
/// target), so `--input` takes raw feature values (one-hot indicators as 0/1, after the
/// numeric columns); the explanation shows the scaled numbers.
fn preprocessed(
    model: &ModelFile,
    x: Array2<f64>,
    t: Array2<f64>,
) -> Result<(Array2<f64>, Array2<f64>)> {
    let Some(pre) = crate::inference::preprocessing(model)? else {
        return Ok((x, t));
    };
    let n_numeric = pre
        .schema
        .as_ref()
        .map_or(usize::MAX, nn_data::CsvSchema::n_numeric);
    let x = pre.features.transform_leading(x, n_numeric)?;
    let t = match &pre.target {
        Some(scaler) => nn_data::Transformer::transform(scaler, t.view())?,
        None => t,
    };
    crate::stdout::errln!(
        "note: --input (and a regression --target) scaled by the model's preprocessing"
    );
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
    /// `--freeze-bias`: the update leaves the biases as they are.
    pub freeze_bias: bool,
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

/// One term of `∂E/∂out_h = Σ_k ∂E/∂l_k · w_kh`: how the loss reaches hidden neuron `h`
/// through neuron `k` of the next layer (the chapter's figure 9: `∂E_o1/∂out_h1` and
/// `∂E_o2/∂out_h1`).
pub struct PathTerm {
    /// Index of `k` in the next layer.
    pub via: usize,
    /// `∂E_o1/∂out_h1` (last hidden layer, a loss that is a sum over outputs) or
    /// `∂E/∂out_h1 via o1`.
    pub label: String,
    /// `∂E/∂l_k`.
    pub d_linear: f64,
    /// The weight's name (`w5`).
    pub weight: String,
    /// The weight's value before the step.
    pub weight_value: f64,
    /// `∂E/∂l_k · w_kh`.
    pub value: f64,
}

/// The path terms of neuron `j` of hidden layer `l` (0-based), one per neuron of layer `l + 1`.
pub fn path_terms(step: &Step, l: usize, j: usize) -> Vec<PathTerm> {
    let next = &step.trace.layers[l + 1];
    let n = step.names;
    let name = &n.neurons[l + 1][j];
    let textbook = l + 2 == step.trace.layers.len() && step.loss != Loss::CrossEntropy;
    n.neurons[l + 2]
        .iter()
        .enumerate()
        .map(|(k, to)| PathTerm {
            via: k,
            label: if textbook {
                format!("∂E_{to}/∂out_{name}")
            } else {
                format!("∂E/∂out_{name} via {to}")
            },
            d_linear: next.d_linear[[0, k]],
            weight: n.weight(l + 1, k, j),
            weight_value: next.weight[[k, j]],
            value: next.d_linear[[0, k]] * next.weight[[k, j]],
        })
        .collect()
}

fn neuron_name(k: usize, layers: usize, j: usize) -> String {
    match k {
        0 => format!("i{j}"),
        k if k == layers => format!("o{j}"),
        _ if layers == 2 => format!("h{j}"),
        k => format!("h{k}.{j}"),
    }
}

/// Hands the step of `net` on `(x, t)` (half-sse, η = 1, biases updated) to `f`.
#[cfg(test)]
pub fn with_step<R>(
    net: &Network<f64>,
    x: &Array2<f64>,
    t: &Array2<f64>,
    f: impl FnOnce(&Step) -> R,
) -> R {
    let trace = nn_core::trace::trace(net, x.view(), t.view(), Loss::HalfSse, 1.0).unwrap();
    f(&Step {
        net,
        loss: Loss::HalfSse,
        lr: 1.0,
        trace: &trace,
        names: &Names::new(net),
        target: t,
        freeze_bias: false,
    })
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
        let (x, t) = (array![[0.10, 0.20]], array![[0.85, 0.30]]);
        let v = with_step(&net, &x, &t, crate::explain::json::to_json);
        let w5 = &v["layers"][1]["weights"][0];
        assert_eq!(w5["name"], "w5");
        assert!((w5["updated"].as_f64().unwrap() - 0.268375021).abs() < 1e-9);
        assert!((v["E_total"].as_f64().unwrap() - 0.096867268).abs() < 1e-9);
    }
}
