//! `nn lr-find`: the learning-rate range test. Trains from fresh weights for a few hundred
//! mini-batch steps while the learning rate grows exponentially from `--start-lr` to
//! `--end-lr`, records the (smoothed) loss, and suggests a rate a tenth of the one with the
//! lowest loss — safely below the point where the loss blows up.

use std::path::PathBuf;

use anyhow::{bail, Result};
use nn_core::{Activation, Network};
use nn_optim::{lr_range_test, AnyOptimizer, LrRangeTest, Trainer};

use crate::args::{Dtype, LrArgs, LrFindArgs, RunArgs, TestArgs, TrainArgs, ValArgs};
use crate::fsutil::usage;
use crate::plot::{Lines, Series};
use crate::stdout::outln;

/// Runs `nn lr-find`.
pub fn run(args: LrFindArgs) -> Result<()> {
    if args.steps < 2 {
        let msg = format!(
            "--steps {} is too few: the range test needs at least 2 steps (rates) to compare",
            args.steps
        );
        return Err(usage(msg));
    }
    crate::outputs::Outputs::new()
        .input("--data", args.data.data.as_deref())
        .plot("--plot", args.plot.as_deref())
        .check()?;
    let data = crate::prepare_train::prepare::<f32>(&as_train_args(&args))?;
    let curve = range_test(&args, &data)?;
    let best = curve.iter().copied().fold(
        (f64::NAN, f64::INFINITY),
        |b, p| if p.1 < b.1 { p } else { b },
    );
    if !(best.0.is_finite() && best.1.is_finite()) {
        bail!("the range test recorded no finite loss, so there is no rate to suggest");
    }
    outln!("{:>12} {:>12}", "lr", "loss")?;
    for (lr, loss) in curve.iter().step_by((curve.len() / 20).max(1)) {
        outln!("{lr:>12.3e} {loss:>12.5}")?;
    }
    outln!(
        "lowest smoothed loss {:.5} at lr {:.3e}; suggested lr {:.3e}",
        best.1,
        best.0,
        best.0 / 10.0
    )?;
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
        let staged = crate::plot::stage(path, &chart, (800, 500))?;
        outln!("plot written to {}", path.display())?;
        staged.commit()?;
    }
    Ok(())
}

fn as_train_args(a: &LrFindArgs) -> TrainArgs {
    TrainArgs {
        data: a.data.clone(),
        test: TestArgs {
            test: None,
            test_split: 0.2,
        },
        val: ValArgs {
            val: None,
            val_split: 0.0,
        },
        net: a.net.clone(),
        optim: a.optim.clone(),
        lr: LrArgs {
            lr: a.start_lr,
            schedule: "constant".into(),
            warmup: 0,
        },
        run: RunArgs {
            epochs: 1,
            batch_size: a.batch_size,
            divergence_factor: 1000.0,
            seed: a.seed,
            dtype: Dtype::F32,
            precision: Default::default(),
            early_stopping: None,
            class_weight: None,
            min_delta: 0.0,
        },
        init: None,
        checkpoint: None,
        checkpoint_every: 1,
        resume: None,
        explicit: Vec::new(),
        out: PathBuf::new(),
        plot: None,
        quiet: true,
        deterministic_reduce: None,
    }
}

/// `(lr, smoothed loss)` per step, from nn-optim's range test on fresh weights.
fn range_test(
    args: &LrFindArgs,
    data: &crate::prepare_train::TrainData<f32>,
) -> Result<Vec<(f64, f64)>> {
    let (x, y) = (data.train.0.view(), data.train.1.view());
    let (mut net, mut opt) = fresh_net(args, x.dim(), data.n_out())?;
    let (sizes, batch) = (net.sizes(), args.batch_size);
    crate::builder::check_training_memory::<f32>(&sizes, &args.optim, batch, x.nrows())?;
    let mut trainer = Trainer::new(args.batch_size, args.seed);
    let test = LrRangeTest {
        start_lr: args.start_lr,
        end_lr: args.end_lr,
        steps: args.steps,
    };
    let curve = lr_range_test(&mut trainer, &mut net, &mut opt, data.loss, x, y, test)
        .map_err(|e| usage(e.to_string()))?;
    if curve.is_empty() {
        bail!("the range test recorded no step (the loss was not finite from the first step)");
    }
    Ok(curve)
}

/// A seeded network for `(rows, n_in)` training inputs and the flags' optimizer.
fn fresh_net(
    args: &LrFindArgs,
    (rows, n_in): (usize, usize),
    n_out: usize,
) -> Result<(Network<f32>, AnyOptimizer<f32>)> {
    let output = Activation::Identity;
    let net = crate::builder::network(&args.net, n_in, n_out, output, args.seed)?;
    Ok((net, crate::builder::optimizer(&args.optim, rows)?))
}
