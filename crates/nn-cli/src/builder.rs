//! One place that turns flags into the objects training needs — the network (with the size
//! limits), the optimizer and the learning-rate schedule — for every command that builds them
//! (`train`, `lr-find`, `gradcheck`), so each flag means the same everywhere.

use anyhow::Result;
use nn_core::{Activation, Network};
use nn_optim::{
    AdamConfig, AnyOptimizer, OptimError, OptimizerConfig, RmsPropConfig, Schedule, SgdConfig,
};
use nn_tensor::Float;

use crate::args::{LrArgs, NetworkArgs, OptimizerArg, OptimizerArgs};
use crate::fsutil::usage;

/// The MLP `n_in → --hidden… → n_out` with the hidden activation of `--activation`, the given
/// output activation and `--dropout` after the hidden layers, seeded; refused (usage error)
/// above the parameter limit.
pub fn network<T: Float>(
    args: &NetworkArgs,
    n_in: usize,
    n_out: usize,
    output: Activation,
    seed: u64,
) -> Result<Network<T>> {
    let sizes = sizes(args, n_in, n_out);
    nn_cli::limits::bounds::check_network(&sizes)?;
    let mut net = Network::mlp(&sizes, args.activation.build(), output, seed)?;
    net.set_dropout(&dropout_per_layer(&args.dropout, args.hidden.len())?)?;
    Ok(net)
}

/// The layer sizes `n_in, --hidden…, n_out`.
pub fn sizes(args: &NetworkArgs, n_in: usize, n_out: usize) -> Vec<usize> {
    let mut sizes = vec![n_in];
    sizes.extend(&args.hidden);
    sizes.push(n_out);
    sizes
}

/// Refuses training a network of layer `sizes` (elements of `T`) with the flags' optimizer on
/// `n_rows` rows in batches of `batch_size` (0: all) when it has too many parameters or its
/// [`estimate`](nn_cli::limits::estimate::training) is over the memory budget. The rows at
/// once are a batch, or the up to `EVAL_CHUNK` (1024) rows that scoring and the divergence
/// reference run through the network, whichever is more.
pub fn check_training_memory<T>(
    sizes: &[usize],
    optim: &OptimizerArgs,
    batch_size: usize,
    n_rows: usize,
) -> Result<()> {
    nn_cli::limits::bounds::check_network(sizes)?;
    let batch = match batch_size {
        0 => n_rows,
        b => b.min(n_rows),
    };
    let rows = batch.max(n_rows.min(nn_optim::EVAL_CHUNK));
    let element = std::mem::size_of::<T>();
    let bytes = nn_cli::limits::estimate::training(sizes, state_slots(optim), rows, element);
    let what = format!("training a {sizes:?} network on {rows} rows at a time");
    let hint = "use a smaller --batch-size or narrower --hidden layers";
    nn_cli::limits::budget::check(bytes, &what, hint)
}

/// Values the optimizer keeps per parameter: SGD's momentum buffer, Adam's two moments (and
/// AMSGrad's maximum), RMSprop's square average (and its momentum buffer and mean gradient).
fn state_slots(args: &OptimizerArgs) -> usize {
    let momentum = usize::from(args.momentum.is_some_and(|m| m > 0.0));
    match args.optimizer {
        OptimizerArg::Sgd => usize::from(args.momentum.is_none_or(|m| m > 0.0)),
        OptimizerArg::Adam | OptimizerArg::Adamw => 2 + usize::from(args.amsgrad),
        OptimizerArg::Rmsprop => 1 + momentum + usize::from(args.centered),
    }
}

/// `--dropout`: one value for every hidden layer or one per hidden layer, each in [0, 1); the
/// output layer gets none.
fn dropout_per_layer(given: &[f64], hidden: usize) -> Result<Vec<f64>> {
    if let Some(p) = given.iter().find(|p| !(0.0..1.0).contains(*p)) {
        return Err(usage(format!(
            "--dropout: {p} is not a probability in [0, 1)"
        )));
    }
    let mut per_layer = match given {
        [p] => vec![*p; hidden],
        list if list.len() == hidden => list.to_vec(),
        list => {
            let n = list.len();
            return Err(usage(format!(
                "--dropout: give one value or one per hidden layer ({hidden}), got {n}"
            )));
        }
    };
    per_layer.push(0.0);
    Ok(per_layer)
}

/// `--class-weight`: the weight of each class (in label order) for `balanced` (scikit-learn's
/// `n_samples / (n_classes · count)`, from the training part's `counts`) or `LABEL=W,…`.
pub fn class_weights(spec: &str, labels: &[String], counts: &[usize]) -> Result<Vec<f64>> {
    if spec == "balanced" {
        let (n, k) = (counts.iter().sum::<usize>() as f64, counts.len() as f64);
        return Ok(counts.iter().map(|&c| n / (k * c.max(1) as f64)).collect());
    }
    let mut weights = vec![1.0; labels.len()];
    for item in spec.split(',') {
        let (label, w) = item.split_once('=').ok_or_else(|| {
            usage(format!(
                "--class-weight: {item:?} is not LABEL=W (or use balanced)"
            ))
        })?;
        let index = labels
            .iter()
            .position(|l| l == label.trim())
            .ok_or_else(|| {
                usage(format!(
                    "--class-weight: no class {label:?}; the classes are {labels:?}"
                ))
            })?;
        weights[index] = match w.trim().parse::<f64>() {
            Ok(v) if v >= 0.0 && v.is_finite() => v,
            _ => return Err(usage(format!("--class-weight: {w:?} is not a weight ≥ 0"))),
        };
    }
    if weights.iter().all(|&w| w == 0.0) {
        return Err(usage(
            "--class-weight: at least one class needs a positive weight",
        ));
    }
    Ok(weights)
}

/// sgd's default weight decay is `SGD_DECAY_ROWS / n` for `n` training rows, at most
/// [`SGD_DECAY_MAX`]: a fixed Gaussian prior on the weights against a loss summed over the
/// rows, so small tables are regularised (0.02 on 250 rows) and large sets hardly (≈ 1e-4 on
/// MNIST's 54 000). Chosen by nested cross-validation on five tabular datasets
/// (`benches/compare/defaults.py`, BENCHMARKS.md).
pub const SGD_DECAY_ROWS: f64 = 5.0;

/// The cap on sgd's default weight decay, so that a toy table of a few rows is not flattened
/// by the prior (5 / 4 rows would be 1.25 and every prediction ½).
pub const SGD_DECAY_MAX: f64 = 0.05;

/// The optimizer of the flags (PyTorch's defaults where a flag is not given, but sgd's weight
/// decay, [`SGD_DECAY_ROWS`] / `train_rows`); out-of-range values are usage errors.
pub fn optimizer<T: Float>(args: &OptimizerArgs, train_rows: usize) -> Result<AnyOptimizer<T>> {
    optimizer_config(args, train_rows)
        .build()
        .map_err(|e| match e {
            OptimError::InvalidConfig { name, reason } => usage(format!("--{name}: {reason}")),
            other => usage(other.to_string()),
        })
}

/// The [`OptimizerConfig`] the flags describe for a run on `train_rows` rows.
pub fn optimizer_config(args: &OptimizerArgs, train_rows: usize) -> OptimizerConfig {
    let decay = |default| args.weight_decay.unwrap_or(default);
    let adam = |weight_decay| AdamConfig {
        beta1: args.beta1,
        beta2: args.beta2,
        eps: args.eps,
        weight_decay,
        amsgrad: args.amsgrad,
    };
    match args.optimizer {
        OptimizerArg::Sgd => OptimizerConfig::Sgd(SgdConfig {
            momentum: args.momentum.unwrap_or(0.9),
            nesterov: args.nesterov,
            weight_decay: decay(sgd_default_decay(train_rows)),
        }),
        OptimizerArg::Adam => OptimizerConfig::Adam(adam(decay(0.0))),
        OptimizerArg::Adamw => {
            OptimizerConfig::AdamW(adam(decay(AdamConfig::adamw_default().weight_decay)))
        }
        OptimizerArg::Rmsprop => OptimizerConfig::RmsProp(RmsPropConfig {
            alpha: args.alpha,
            eps: args.eps,
            weight_decay: decay(0.0),
            momentum: args.momentum.unwrap_or(0.0),
            centered: args.centered,
        }),
    }
}

/// [`SGD_DECAY_ROWS`] / `train_rows`, at most [`SGD_DECAY_MAX`] (0 without rows).
fn sgd_default_decay(train_rows: usize) -> f64 {
    if train_rows == 0 {
        return 0.0;
    }
    (SGD_DECAY_ROWS / train_rows as f64).min(SGD_DECAY_MAX)
}

/// The schedule of `--lr`, `--schedule` and `--warmup` over `epochs`; an invalid SPEC is a
/// usage error (exit code 2).
pub fn schedule(args: &LrArgs, epochs: usize) -> Result<Schedule> {
    let spec = &args.schedule;
    Schedule::parse_with_warmup(spec, args.lr, epochs, args.warmup).map_err(|e| match e {
        OptimError::InvalidSchedule { .. } => usage(format!("--schedule: {e}")),
        other => usage(format!("--schedule {spec:?}: {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropout_and_class_weights_from_flags() {
        assert_eq!(dropout_per_layer(&[0.2], 2).unwrap(), vec![0.2, 0.2, 0.0]);
        assert_eq!(
            dropout_per_layer(&[0.1, 0.3], 2).unwrap(),
            vec![0.1, 0.3, 0.0]
        );
        assert!(dropout_per_layer(&[0.1, 0.2, 0.3], 2).is_err());
        assert!(dropout_per_layer(&[1.0], 1).is_err());
        let labels = ["a".to_string(), "b".into(), "c".into()];
        // balanced, counts 10, 20, 30: 60 / (3·count) = 2, 1, 2/3 (scikit-learn's formula)
        let w = class_weights("balanced", &labels, &[10, 20, 30]).unwrap();
        assert_eq!(w, vec![2.0, 1.0, 60.0 / 90.0]);
        assert_eq!(
            class_weights("c=3, a=0.5", &labels, &[1, 1, 1]).unwrap(),
            vec![0.5, 1.0, 3.0]
        );
        assert!(class_weights("d=1", &labels, &[1, 1, 1]).is_err());
        assert!(class_weights("a=-1", &labels, &[1, 1, 1]).is_err());
    }

    /// `nn train`'s optimizer flags as parsed from `flags`.
    fn optimizer_flags(flags: &[&str]) -> OptimizerArgs {
        #[derive(clap::Parser)]
        struct Flags {
            #[command(flatten)]
            optim: OptimizerArgs,
        }
        let argv = std::iter::once("nn").chain(flags.iter().copied());
        <Flags as clap::Parser>::try_parse_from(argv).unwrap().optim
    }

    #[test]
    fn sgd_weight_decay_defaults_to_five_over_the_training_rows_capped() {
        let decay = |flags: &[&str], rows| match optimizer_config(&optimizer_flags(flags), rows) {
            OptimizerConfig::Sgd(c) => c.weight_decay,
            OptimizerConfig::Adam(c) | OptimizerConfig::AdamW(c) => c.weight_decay,
            OptimizerConfig::RmsProp(c) => c.weight_decay,
        };
        // 5 / 250 = 0.02; 5 / 54 000 (MNIST less its validation tenth) = 9.259…e-5; 5 / 100
        // = 0.05 is the cap, which 5 / 99 and 5 / 4 exceed.
        assert_eq!(decay(&[], 250), 0.02);
        assert_eq!(decay(&[], 54_000), 5.0 / 54_000.0);
        assert_eq!(decay(&[], 100), 0.05);
        assert_eq!(decay(&[], 99), 0.05);
        assert_eq!(decay(&[], 4), 0.05);
        assert_eq!(decay(&[], 0), 0.0);
        assert_eq!(decay(&["--weight-decay", "0"], 250), 0.0);
        assert_eq!(decay(&["--weight-decay", "1e-3"], 250), 1e-3);
        // The other optimizers keep PyTorch's defaults.
        assert_eq!(decay(&["--optimizer", "adam"], 250), 0.0);
        assert_eq!(decay(&["--optimizer", "rmsprop"], 250), 0.0);
        assert_eq!(decay(&["--optimizer", "adamw"], 250), 0.01);
    }
}
