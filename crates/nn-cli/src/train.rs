//! `nn train`: load, split, preprocess, train with per-epoch validation, save the model file
//! and (optionally) the curves plot.

use std::path::PathBuf;

use anyhow::{Context, Result};
use serde_json::json;

use crate::args::{ActivationArg, Dtype, LossArg};
use crate::dataset::MissingArg;
use crate::fit::{fit, History, Outcome, Real};
use crate::fsutil::{parse_fraction, parse_positive, Interrupted};
use crate::model_file::{ModelFile, Task};
use crate::prepare::{Method, TaskArg};

/// `nn train` flags.
#[derive(Debug, Clone, clap::Args, serde::Serialize, serde::Deserialize)]
#[command(
    after_help = "Schedules (--schedule SPEC, the rate per epoch, from --lr):
  constant | step:STEP_SIZE:GAMMA | multistep:M1,M2,...:GAMMA | exp:GAMMA | inverse-time:K
  poly:POWER[:END_LR] | cosine[:MIN_LR] | cosine-restarts:T_0:T_MULT[:MIN_LR]
  onecycle[:PCT_START[:DIV_FACTOR:FINAL_DIV_FACTOR]] | plateau[:PATIENCE:FACTOR[:COOLDOWN[:MIN_LR]]]
--loss auto is cross-entropy for classification (two classes too: two softmax outputs; pick
--loss bce for one sigmoid output) and mse for regression. Regression targets are standardized
for training and reported in their own units.

Examples:
  nn train --data datasets/iris.csv --out runs/iris/model.json --plot runs/iris/curves.svg
  nn train --data datasets/diabetes.csv --target progression --hidden 32 --lr 0.01 --epochs 200
  nn train --data datasets/mnist --hidden 256,128 --epochs 10 --batch-size 64 --preprocess none
  nn train --data datasets/wine.csv --schedule cosine --warmup 5 --dtype f64 --quiet
  nn train --data datasets/digits.csv --epochs 50 --checkpoint runs/ck --checkpoint-every 5
  nn train --resume runs/ck --epochs 80      # continue (and extend) the checkpointed run

Faults: a batch loss that is NaN/inf or above --divergence-factor × the untrained network's
loss stops training (exit 1; an existing --out file is kept). Ctrl-C finishes the current
batch, saves the checkpoint of the last completed epoch (with --checkpoint; otherwise writes
the model trained so far to --out) and exits with code 130."
)]
pub struct TrainArgs {
    /// A CSV file (header row) or a folder of MNIST IDX files.
    #[arg(long, value_name = "FILE", required_unless_present = "resume")]
    pub data: Option<PathBuf>,
    /// The target column (default: the last column).
    #[arg(long, value_name = "COL")]
    pub target: Option<String>,
    /// A separate test CSV (default: split --test-split off --data).
    #[arg(long, value_name = "FILE")]
    pub test: Option<PathBuf>,
    /// Fraction of --data held out for testing (stratified for classification).
    #[arg(long, default_value = "0.2", value_parser = parse_fraction)]
    pub test_split: f64,
    /// classify, regress, or auto (text or ≤ 20 distinct integers → classify).
    #[arg(long, value_enum, default_value_t = TaskArg::Auto)]
    pub task: TaskArg,
    /// Hidden layer widths, comma-separated ("" for none).
    #[arg(long, default_value = "64,32", value_parser = crate::limits::parse_hidden)]
    pub hidden: ::std::vec::Vec<usize>,
    /// Hidden activation.
    #[arg(long, value_enum, default_value_t = ActivationArg::Relu)]
    pub activation: ActivationArg,
    /// The loss.
    #[arg(long, value_enum, default_value_t = LossArg::Auto)]
    pub loss: LossArg,
    /// Base learning rate.
    #[arg(long, default_value = "0.01", value_parser = parse_positive)]
    pub lr: f64,
    /// Momentum in [0, 1).
    #[arg(long, default_value_t = 0.9)]
    pub momentum: f64,
    /// Nesterov momentum.
    #[arg(long)]
    pub nesterov: bool,
    /// L2 weight decay λ (objective + λ/2·Σw², biases excluded).
    #[arg(long, default_value_t = 0.0)]
    pub weight_decay: f64,
    /// Learning-rate schedule SPEC (see below).
    #[arg(long, default_value = "constant", value_name = "SPEC")]
    pub schedule: String,
    /// Linear warm-up epochs before the schedule.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub warmup: usize,
    /// Number of epochs (at most 1 000 000).
    #[arg(long, default_value = "100", value_parser = crate::limits::parse_epochs)]
    pub epochs: usize,
    /// Mini-batch size (at most 1 000 000; 0 = the whole training set).
    #[arg(long, default_value = "32", value_parser = crate::limits::parse_batch_size)]
    pub batch_size: usize,
    /// Clip the global L2 norm of all gradients to MAX before each step (PyTorch's
    /// clip_grad_norm_).
    #[arg(long, value_name = "MAX", value_parser = parse_positive)]
    pub clip_grad_norm: Option<f64>,
    /// Stop as diverged when a batch loss exceeds F × the untrained network's training loss.
    #[arg(long, default_value = "1000", value_name = "F", value_parser = parse_positive)]
    pub divergence_factor: f64,
    /// Save a checkpoint (weights, momentum, schedule, RNG, history) in DIR/checkpoint.json.
    #[arg(long, value_name = "DIR")]
    pub checkpoint: Option<PathBuf>,
    /// Checkpoint every N epochs (and after the last one).
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub checkpoint_every: u32,
    /// Continue the run saved in DIR (its flags are reused; --epochs, --out, --plot, --quiet,
    /// --checkpoint and --checkpoint-every may be given again).
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// Flags given on the command line (filled in by `args::parse`; used by --resume).
    #[arg(skip)]
    #[serde(skip)]
    pub explicit: Vec<String>,
    /// Feature preprocessing, fitted on the training part only (saved in the model file).
    #[arg(long, value_enum, default_value_t = Method::Standardize)]
    pub preprocess: Method,
    /// What to do with missing cells.
    #[arg(long, value_enum, default_value_t = MissingArg::Error)]
    pub missing: MissingArg,
    /// Seed for the split, the weights and the shuffling.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Float type for training.
    #[arg(long, value_enum, default_value_t = Dtype::F32)]
    pub dtype: Dtype,
    /// The model file to write.
    #[arg(long, default_value = "model.json", value_name = "FILE")]
    pub out: PathBuf,
    /// Write loss/accuracy curves (SVG or PNG, by extension).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Print only the final result.
    #[arg(long)]
    pub quiet: bool,
    /// Sum each batch's gradients exactly over SHARDS fixed slices (default 16), so that runs
    /// under `mpirun -np N` give the same bits for every N ≤ SHARDS, and the same as one process
    /// with this flag.
    #[arg(long, value_name = "SHARDS", num_args = 0..=1, default_missing_value = "16",
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub deterministic_reduce: Option<u32>,
}

/// Runs `nn train` (from scratch, or continuing a checkpoint with `--resume`).
pub fn run(args: TrainArgs) -> Result<()> {
    let comm = crate::cluster::join()?;
    let mut args = crate::train_checkpoint::resolve(args)?;
    if comm.size() > 1 {
        if let Some(data) = &args.data {
            let identity = crate::train_checkpoint::data_identity(data)?;
            crate::cluster::check_same_data(data, &identity)?;
        }
    }
    if comm.rank() > 0 {
        // Only rank 0 prints and writes files.
        (args.quiet, args.plot, args.checkpoint) = (true, None, None);
    }
    drop(comm);
    let (mut model, history, outcome) = match args.dtype {
        Dtype::F32 => train_as::<f32>(&args)?,
        Dtype::F64 => train_as::<f64>(&args)?,
    };
    if let (Outcome::Interrupted(msg), Some(_)) = (&outcome, &args.checkpoint) {
        return Err(Interrupted(msg.clone()).into());
    }
    if !crate::cluster::is_root() {
        return match outcome {
            Outcome::Interrupted(msg) => Err(Interrupted(msg).into()),
            Outcome::Finished => Ok(()),
        };
    }
    model.training = Some(json!(args));
    model.metrics = final_metrics(&history, model.task);
    model.save(&args.out)?;
    if let Outcome::Interrupted(msg) = outcome {
        return Err(Interrupted(msg).into());
    }
    if let Some(path) = &args.plot {
        crate::fit::plot_curves(path, &history, model.task)?;
    }
    report(&args, &model, &history);
    Ok(())
}

/// Loads and prepares the data in `T` (the training type: no copy in another type is made)
/// and trains on it; the model file describes the data.
fn train_as<T: Real>(args: &TrainArgs) -> Result<(ModelFile, History, Outcome)> {
    let data = crate::prepare_train::prepare::<T>(args)?;
    let schedule = crate::schedule::parse(&args.schedule, args.lr, args.epochs, args.warmup)?;
    let (mut model, history, outcome) = fit(args, &data, schedule).with_context(|| {
        format!(
            "training on {} (model file {} not written)",
            data_name(args),
            args.out.display()
        )
    })?;
    data.describe(&mut model);
    Ok((model, history, outcome))
}

/// The `--data` path for messages.
pub fn data_name(args: &TrainArgs) -> String {
    args.data
        .as_deref()
        .map_or("(no --data)".into(), |p| p.display().to_string())
}

fn final_metrics(history: &History, task: Task) -> std::collections::BTreeMap<String, f64> {
    let mut m = std::collections::BTreeMap::new();
    if let Some(last) = history.epochs.last() {
        m.insert("train_loss".into(), last.train_loss);
        m.insert("test_loss".into(), last.val_loss);
        let name = if task == Task::Classify {
            "test_accuracy"
        } else {
            "test_r2"
        };
        m.insert(name.into(), last.val_metric);
        m.insert(
            "seconds_per_epoch".into(),
            history.seconds / history.epochs.len() as f64,
        );
    }
    m
}

fn report(args: &TrainArgs, model: &ModelFile, history: &History) {
    let metric = |k: &str| model.metrics.get(k).copied().unwrap_or(f64::NAN);
    let epochs = history.epochs.len();
    match model.task {
        Task::Classify => println!(
            "test accuracy {:.4} (test loss {:.4}) after {epochs} epochs; model written to {}",
            metric("test_accuracy"),
            metric("test_loss"),
            args.out.display()
        ),
        Task::Regress => println!(
            "test R² {:.4} (test loss {:.4}) after {epochs} epochs; model written to {}",
            metric("test_r2"),
            metric("test_loss"),
            args.out.display()
        ),
    }
    if let (Some(p), false) = (&args.plot, args.quiet) {
        println!("curves written to {}", p.display());
    }
}
