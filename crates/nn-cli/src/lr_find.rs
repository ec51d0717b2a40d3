//! `nn lr-find`: the learning-rate range test. Trains from fresh weights for a few hundred
//! mini-batch steps while the learning rate grows exponentially from `--start-lr` to
//! `--end-lr`, records the (smoothed) loss, and suggests a rate a tenth of the one with the
//! lowest loss — safely below the point where the loss blows up.

use std::path::PathBuf;

use anyhow::Result;
use ndarray::{Array2, Axis};
use ndarray_rand::rand::seq::SliceRandom;
use nn_core::{Activation, Network};
use nn_optim::{Optimizer, Sgd, SgdConfig};
use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};

use crate::args::{ActivationArg, Dtype, LossArg};
use crate::dataset::MissingArg;
use crate::fsutil::{parse_positive, parse_usize_list};
use crate::plot::{Lines, Series};
use crate::prepare::{Method, TaskArg};
use crate::train::TrainArgs;

/// `nn lr-find` flags.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  nn lr-find --data datasets/iris.csv --plot lr-find.svg
  nn lr-find --data datasets/digits.csv --hidden 64 --steps 300")]
pub struct LrFindArgs {
    /// A CSV file or an MNIST folder.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The target column (default: the last column).
    #[arg(long, value_name = "COL")]
    pub target: Option<String>,
    /// Hidden layer widths.
    #[arg(long, default_value = "64,32", value_parser = parse_usize_list)]
    pub hidden: ::std::vec::Vec<usize>,
    /// Hidden activation.
    #[arg(long, value_enum, default_value_t = ActivationArg::Relu)]
    pub activation: ActivationArg,
    /// The loss.
    #[arg(long, value_enum, default_value_t = LossArg::Auto)]
    pub loss: LossArg,
    /// Momentum.
    #[arg(long, default_value_t = 0.9)]
    pub momentum: f64,
    /// Mini-batch size.
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// Feature preprocessing.
    #[arg(long, value_enum, default_value_t = Method::Standardize)]
    pub preprocess: Method,
    /// First learning rate.
    #[arg(long, default_value = "1e-6", value_parser = parse_positive)]
    pub start_lr: f64,
    /// Last learning rate.
    #[arg(long, default_value = "10", value_parser = parse_positive)]
    pub end_lr: f64,
    /// Number of steps.
    #[arg(long, default_value_t = 200)]
    pub steps: usize,
    /// Seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write loss against log10(lr) (SVG or PNG).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

/// Runs `nn lr-find`.
pub fn run(args: LrFindArgs) -> Result<()> {
    // f64 data, converted to f32 after shuffling (as before the f32 data path existed).
    let data = crate::prepare_train::prepare::<f64>(&as_train_args(&args))?;
    let curve = range_test(&args, &data)?;
    let best = curve.iter().copied().fold(
        (f64::NAN, f64::INFINITY),
        |b, p| if p.1 < b.1 { p } else { b },
    );
    println!("{:>12} {:>12}", "lr", "loss");
    for (lr, loss) in curve.iter().step_by((curve.len() / 20).max(1)) {
        println!("{lr:>12.3e} {loss:>12.5}");
    }
    println!(
        "lowest smoothed loss {:.5} at lr {:.3e}; suggested lr {:.3e}",
        best.1,
        best.0,
        best.0 / 10.0
    );
    if let Some(path) = &args.plot {
        let points = curve.iter().map(|&(lr, l)| (lr.log10(), l)).collect();
        let chart = Lines {
            title: "learning-rate range test".into(),
            x_label: "log10(lr)".into(),
            y_label: "smoothed loss".into(),
            series: vec![Series {
                name: "loss".into(),
                points,
            }],
        };
        crate::plot::save(path, &chart, (800, 500))?;
        println!("plot written to {}", path.display());
    }
    Ok(())
}

fn as_train_args(a: &LrFindArgs) -> TrainArgs {
    TrainArgs {
        data: Some(a.data.clone()),
        target: a.target.clone(),
        test: None,
        test_split: 0.2,
        task: TaskArg::Auto,
        hidden: a.hidden.clone(),
        activation: a.activation,
        loss: a.loss,
        lr: a.start_lr,
        momentum: a.momentum,
        nesterov: false,
        weight_decay: 0.0,
        schedule: "constant".into(),
        warmup: 0,
        epochs: 1,
        batch_size: a.batch_size,
        clip_grad_norm: None,
        divergence_factor: 1000.0,
        checkpoint: None,
        checkpoint_every: 1,
        resume: None,
        explicit: Vec::new(),
        preprocess: a.preprocess,
        missing: MissingArg::Error,
        seed: a.seed,
        dtype: Dtype::F32,
        out: PathBuf::new(),
        plot: None,
        quiet: true,
        deterministic_reduce: None,
    }
}

/// `(lr, smoothed loss)` per step, stopping once the loss explodes (4× the best, or not finite).
fn range_test(
    args: &LrFindArgs,
    data: &crate::prepare_train::TrainData<f64>,
) -> Result<Vec<(f64, f64)>> {
    let mut order: Vec<usize> = (0..data.train.0.nrows()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(args.seed));
    let x = data.train.0.select(Axis(0), &order).mapv(|v| v as f32);
    let y = data.train.1.select(Axis(0), &order).mapv(|v| v as f32);
    let (mut net, mut sgd) = fresh_net(args, x.ncols(), data.n_out())?;
    let ratio = (args.end_lr / args.start_lr).powf(1.0 / (args.steps.max(2) - 1) as f64);
    let (mut avg, mut best, mut curve) = (0.0, f64::INFINITY, Vec::new());
    for step in 0..args.steps {
        let lr = args.start_lr * ratio.powi(step as i32);
        let (xb, yb) = batch(&x, &y, step, args.batch_size);
        net.forward(xb.view())?;
        let loss = net.backward_loss(xb.view(), yb.view(), data.loss)?;
        avg = 0.98 * avg + 0.02 * loss;
        let smoothed = avg / (1.0 - 0.98_f64.powi(step as i32 + 1));
        if !smoothed.is_finite() || smoothed > 4.0 * best {
            break;
        }
        best = best.min(smoothed);
        curve.push((lr, smoothed));
        sgd.step(&mut net, lr);
    }
    Ok(curve)
}

/// A seeded network and an SGD optimizer with the flags' momentum.
fn fresh_net(args: &LrFindArgs, n_in: usize, n_out: usize) -> Result<(Network<f32>, Sgd<f32>)> {
    let mut sizes = vec![n_in];
    sizes.extend(&args.hidden);
    sizes.push(n_out);
    let hidden = args.activation.build();
    let net = Network::<f32>::mlp(&sizes, hidden, Activation::Identity, args.seed)?;
    let config = SgdConfig {
        momentum: args.momentum,
        ..Default::default()
    };
    let sgd = Sgd::new(config).map_err(|e| crate::fsutil::usage(e.to_string()))?;
    Ok((net, sgd))
}

/// The `step`-th mini-batch, cycling through the (shuffled) rows.
fn batch(x: &Array2<f32>, y: &Array2<f32>, step: usize, size: usize) -> (Array2<f32>, Array2<f32>) {
    let n = x.nrows();
    let idx: Vec<usize> = (0..size.min(n)).map(|k| (step * size + k) % n).collect();
    (x.select(Axis(0), &idx), y.select(Axis(0), &idx))
}
