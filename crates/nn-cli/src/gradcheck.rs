//! `nn gradcheck`: backpropagation against central finite differences on a random network.

use anyhow::{bail, Result};
use ndarray::Array2;
use ndarray_rand::rand_distr::Uniform;
use ndarray_rand::RandomExt;
use nn_core::{gradcheck::check_gradients, Activation, Loss};
use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};

use crate::args::GradcheckArgs;
use crate::stdout::outln;

/// The finite-difference step.
const H: f64 = 1e-5;

/// Runs `nn gradcheck`.
pub fn run(args: GradcheckArgs) -> Result<()> {
    // --inputs, --outputs and --samples are ≥ 1 and bounded by their parsers; the work is
    // bounded here, before any allocation.
    let sizes = crate::builder::sizes(&args.net, args.inputs, args.outputs);
    let parameters = nn_cli::limits::bounds::check_network(&sizes)?;
    nn_cli::limits::bounds::check_gradcheck(parameters, args.samples)?;
    let loss = args.net.loss.build().unwrap_or(Loss::CrossEntropy);
    let output = match loss.fused_activation() {
        Some(_) => Activation::Identity,
        None => Activation::Sigmoid,
    };
    let (n_in, n_out) = (args.inputs, args.outputs);
    let net = crate::builder::network::<f64>(&args.net, n_in, n_out, output, args.seed)?;
    let (sizes, hidden) = (net.sizes(), args.net.activation.build());
    let (x, t) = data(&args, loss);
    let checks = check_gradients(&net, x.view(), t.view(), loss, H)?;
    let dims: Vec<String> = sizes.iter().map(ToString::to_string).collect();
    let (act, out) = (hidden.name(), output.name());
    let (loss_name, n) = (loss.name(), args.samples);
    outln!(
        "gradient check: {} net, {act} hidden, {out} output, loss {loss_name}, {n} samples, h = {H:e}",
        dims.join("-")
    )?;
    let worst = print_checks(&checks)?;
    if worst > args.threshold {
        bail!(
            "gradient check failed: max relative error {worst:.3e} > threshold {:e}",
            args.threshold
        );
    }
    outln!("ok: max relative error {worst:.3e} ≤ {:e}", args.threshold)?;
    Ok(())
}

/// Prints each layer's errors; returns the largest.
fn print_checks(checks: &[nn_core::gradcheck::LayerCheck]) -> Result<f64> {
    outln!(
        "{:>6} {:>16} {:>16}",
        "layer",
        "max rel. err W",
        "max rel. err b"
    )?;
    let mut worst: f64 = 0.0;
    for c in checks {
        let (w, b) = (c.weight_error, c.bias_error);
        outln!("{:>6} {w:>16.3e} {b:>16.3e}", c.layer + 1)?;
        worst = worst.max(w).max(b);
    }
    Ok(worst)
}

/// Seeded inputs in [−1, 1] and targets that suit the loss (one-hot rows for cross-entropy).
fn data(args: &GradcheckArgs, loss: Loss) -> (Array2<f64>, Array2<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed ^ 0x5eed);
    let unit = Uniform::new(-1.0, 1.0).expect("valid range");
    let x = Array2::random_using((args.samples, args.inputs), unit, &mut rng);
    let u = Array2::random_using((args.samples, args.outputs), unit, &mut rng);
    let t = match loss {
        Loss::CrossEntropy => {
            let mut t = Array2::zeros(u.dim());
            for (row, k) in nn_tensor::argmax_rows(u.view()).into_iter().enumerate() {
                t[[row, k]] = 1.0;
            }
            t
        }
        Loss::Bce => u.mapv(|v| if v > 0.0 { 1.0 } else { 0.0 }),
        Loss::HalfSse | Loss::Mse => u.mapv(|v| (v + 1.0) / 2.0),
    };
    (x, t)
}
