//! Flags of the commands that build and train a network (`train`, `lr-find`), grouped so that
//! each group is declared once: the data, the network, the optimizer, the learning rate and
//! the run.

use std::path::PathBuf;

use clap::Args;
use serde::{Deserialize, Serialize};

use super::parse::{
    parse_batch_size, parse_delimiter, parse_epochs, parse_f64_list, parse_fraction, parse_hidden,
    parse_non_negative, parse_positive, parse_steps, parse_val_split, parse_warmup,
};
use super::values::{
    parse_task, ActivationArg, Dtype, LossArg, Method, MissingArg, OptimizerArg, PrecisionArg,
};

/// Where the training data comes from and how it is read and preprocessed.
#[derive(Debug, Clone, Args, Serialize, Deserialize)]
pub struct DataArgs {
    /// A CSV file (header row) or a folder of MNIST IDX files.
    #[arg(long, value_name = "FILE")]
    #[serde(with = "super::os_path::option", default)]
    pub data: Option<PathBuf>,
    /// The target column (default: the last column).
    #[arg(long, value_name = "COL")]
    pub target: Option<String>,
    /// classify, regress, or auto (text or ≤ 20 distinct integers → classify).
    #[arg(long, default_value = "auto", value_parser = parse_task, value_name = "TASK")]
    pub task: nn_data::Task,
    /// Feature preprocessing, fitted on the training part only (saved in the model file).
    /// Default: minmax (pixels into [0, 1], keeping the zeros that the sparse first-layer
    /// path skips) for an IDX image folder, standardize for a CSV.
    #[arg(long, value_enum)]
    pub preprocess: Option<Method>,
    /// What to do with missing cells: error, drop the row, or mean (numbers: the column mean;
    /// text: the most frequent category).
    #[arg(long, value_enum, default_value_t = MissingArg::Error)]
    pub missing: MissingArg,
    /// Only these feature columns, comma-separated (default: every column but the target).
    #[arg(
        long,
        value_name = "COL,…",
        value_delimiter = ',',
        conflicts_with = "exclude"
    )]
    #[serde(default)]
    pub features: Option<Vec<String>>,
    /// Columns left out of the features (ids, names, notes), comma-separated.
    #[arg(long, value_name = "COL,…", value_delimiter = ',')]
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Columns one-hot encoded although every cell is a number (a year, a zip code).
    #[arg(long, value_name = "COL,…", value_delimiter = ',')]
    #[serde(default)]
    pub categorical: Vec<String>,
    /// Refuse a text column with more distinct values than N (an id or free text).
    #[arg(long, value_name = "N", default_value_t = nn_data::DEFAULT_MAX_CATEGORIES)]
    #[serde(default = "default_max_categories")]
    pub max_categories: usize,
    /// The field delimiter: , ; | or tab (default: detected from the header; .tsv is tab).
    #[arg(long, value_name = "D", value_parser = parse_delimiter)]
    #[serde(default)]
    pub delimiter: Option<u8>,
}

fn default_max_categories() -> usize {
    nn_data::DEFAULT_MAX_CATEGORIES
}

impl DataArgs {
    /// nn-data's options for reading the training CSV.
    pub fn csv_options(&self) -> nn_data::CsvOptions {
        nn_data::CsvOptions {
            target: self.target.clone(),
            task: self.task,
            missing: self.missing.build(),
            features: self.features.clone(),
            exclude: self.exclude.clone(),
            categorical: self.categorical.clone(),
            max_categories: self.max_categories,
            delimiter: self.delimiter,
            max_bytes: nn_cli::limits::budget::max_memory(),
        }
    }
}

impl DataArgs {
    /// `--preprocess`, or its default for the data: min-max for an IDX folder (a directory),
    /// standardize for a CSV.
    pub fn preprocess_method(&self) -> Method {
        match (self.preprocess, &self.data) {
            (Some(method), _) => method,
            (None, Some(path)) if path.is_dir() => Method::Minmax,
            (None, _) => Method::Standardize,
        }
    }
}

/// How the held-out test part is chosen.
#[derive(Debug, Clone, Args, Serialize, Deserialize)]
pub struct TestArgs {
    /// A separate test CSV (default: split --test-split off --data).
    #[arg(long, value_name = "FILE")]
    #[serde(with = "super::os_path::option", default)]
    pub test: Option<PathBuf>,
    /// Fraction of --data held out for testing (stratified for classification).
    #[arg(long, default_value = "0.2", value_parser = parse_fraction)]
    pub test_split: f64,
}

/// How the validation part (watched every epoch) is chosen.
#[derive(Debug, Clone, Args, Serialize, Deserialize)]
pub struct ValArgs {
    /// A separate validation CSV (default: split --val-split off the training part).
    #[arg(long, value_name = "FILE")]
    #[serde(with = "super::os_path::option", default)]
    pub val: Option<PathBuf>,
    /// Fraction of the non-test rows held out for validation (stratified for classification;
    /// 0 turns validation off).
    #[arg(long, default_value = "0.1", value_parser = parse_val_split, value_name = "F")]
    pub val_split: f64,
}

/// The network's shape.
#[derive(Debug, Clone, Args, Serialize, Deserialize)]
pub struct NetworkArgs {
    /// Hidden layer widths, comma-separated ("" for none).
    #[arg(long, default_value = "64,32", value_parser = parse_hidden)]
    pub hidden: ::std::vec::Vec<usize>,
    /// Hidden activation.
    #[arg(long, value_enum, default_value_t = ActivationArg::Relu)]
    pub activation: ActivationArg,
    /// The loss.
    #[arg(long, value_enum, default_value_t = LossArg::Auto)]
    pub loss: LossArg,
    /// Dropout probability after each hidden layer: one value for all, or one per hidden layer
    /// (PyTorch's inverted dropout; off when evaluating and predicting).
    #[arg(long, default_value = "0", value_parser = parse_f64_list, value_name = "P[,P…]")]
    pub dropout: ::std::vec::Vec<f64>,
}

/// The optimizer and its hyper-parameters (PyTorch's names and defaults).
#[derive(Debug, Clone, Args, Serialize, Deserialize)]
pub struct OptimizerArgs {
    /// The optimizer.
    #[arg(long, value_enum, default_value_t = OptimizerArg::Sgd)]
    pub optimizer: OptimizerArg,
    /// Momentum in [0, 1) (default: 0.9 for sgd, 0 for rmsprop).
    #[arg(long, allow_hyphen_values = true)]
    pub momentum: Option<f64>,
    /// Nesterov momentum (sgd).
    #[arg(long)]
    pub nesterov: bool,
    /// Weight decay λ, weights only, never biases (default: 5/n for sgd, n the training rows,
    /// at most 0.05: 0.02 on 250 rows, 1e-4 on 54 000; 0.01 for adamw; 0 otherwise). sgd, adam,
    /// rmsprop: L2, objective + λ/2·Σw²; adamw: decoupled, w ← w − lr·λ·w.
    #[arg(long, allow_hyphen_values = true)]
    pub weight_decay: Option<f64>,
    /// Adam's β₁ in [0, 1).
    #[arg(long, default_value_t = 0.9, allow_hyphen_values = true)]
    pub beta1: f64,
    /// Adam's β₂ in [0, 1).
    #[arg(long, default_value_t = 0.999, allow_hyphen_values = true)]
    pub beta2: f64,
    /// The ε added to the denominator (adam, adamw, rmsprop), > 0.
    #[arg(long, default_value_t = 1e-8, allow_hyphen_values = true)]
    pub eps: f64,
    /// RMSprop's smoothing constant α in [0, 1).
    #[arg(long, default_value_t = 0.99, allow_hyphen_values = true)]
    pub alpha: f64,
    /// AMSGrad variant (adam, adamw).
    #[arg(long)]
    pub amsgrad: bool,
    /// Centered RMSprop (normalise by the gradient's estimated variance).
    #[arg(long)]
    pub centered: bool,
    /// Clip the global L2 norm of all gradients to MAX before each step (PyTorch's
    /// clip_grad_norm_).
    #[arg(long, value_name = "MAX", value_parser = parse_positive)]
    pub clip_grad_norm: Option<f64>,
}

/// The learning rate and its schedule.
#[derive(Debug, Clone, Args, Serialize, Deserialize)]
pub struct LrArgs {
    /// Base learning rate.
    #[arg(long, default_value = "0.01", value_parser = parse_positive)]
    pub lr: f64,
    /// Learning-rate schedule SPEC (see below).
    #[arg(long, default_value = "constant", value_name = "SPEC")]
    pub schedule: String,
    /// Linear warm-up epochs before the schedule (at most 1 000 000).
    #[arg(long, default_value = "0", value_name = "N", value_parser = parse_warmup)]
    pub warmup: usize,
}

/// How long and how a run trains.
#[derive(Debug, Clone, Args, Serialize, Deserialize)]
pub struct RunArgs {
    /// Number of epochs (at most 1 000 000).
    #[arg(long, default_value = "100", value_parser = parse_epochs)]
    pub epochs: usize,
    /// Mini-batch size (at most 1 000 000; 0 = the whole training set).
    #[arg(long, default_value = "32", value_parser = parse_batch_size)]
    pub batch_size: usize,
    /// Stop as diverged when a batch loss exceeds F × the untrained network's training loss.
    #[arg(long, default_value = "1000", value_name = "F", value_parser = parse_positive)]
    pub divergence_factor: f64,
    /// Seed for the split, the weights and the shuffling.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Float type for training.
    #[arg(long, value_enum, default_value_t = Dtype::F32)]
    pub dtype: Dtype,
    /// Arithmetic of the products: f32, or bf16 operands with f32 accumulation (f32 master
    /// weights, loss and optimizer; needs --dtype f32; stored in the model file).
    #[arg(long, value_enum, default_value_t = PrecisionArg::F32)]
    #[serde(default)]
    pub precision: PrecisionArg,
    /// Stop when the validation loss has not improved for PATIENCE epochs, and restore the
    /// best epoch's weights (Keras EarlyStopping with restore_best_weights).
    #[arg(long, value_name = "PATIENCE", value_parser = clap::value_parser!(u32).range(1..))]
    pub early_stopping: Option<u32>,
    /// Weight the loss per class: `balanced` (n_samples / (n_classes · count), scikit-learn's)
    /// or `LABEL=W,…` (unlisted classes weigh 1), like PyTorch's cross_entropy(weight=…).
    #[arg(long, value_name = "balanced|LABEL=W,…")]
    pub class_weight: Option<String>,
    /// The smallest decrease of the validation loss that counts as an improvement.
    #[arg(long, default_value = "0", value_name = "D", value_parser = parse_non_negative)]
    pub min_delta: f64,
}

impl RunArgs {
    /// Refuses flag combinations no run can honour (a usage error, before any work):
    /// `--precision bf16` multiplies f32 networks only.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.dtype == Dtype::F64 && self.precision == PrecisionArg::Bf16 {
            return Err(crate::fsutil::usage("--precision bf16 needs --dtype f32"));
        }
        Ok(())
    }
}

/// `nn train` flags.
#[derive(Debug, Clone, Args, Serialize, Deserialize)]
#[command(
    after_help = "Schedules (--schedule SPEC, the rate per epoch, from --lr):
  constant | step:STEP_SIZE:GAMMA | multistep:M1,M2,...:GAMMA | exp:GAMMA | inverse-time:K
  poly:POWER[:END_LR] | cosine[:MIN_LR] | cosine-restarts:T_0:T_MULT[:MIN_LR]
  onecycle[:PCT_START[:DIV_FACTOR:FINAL_DIV_FACTOR]] | plateau[:PATIENCE:FACTOR[:COOLDOWN[:MIN_LR]]]
--loss auto is cross-entropy for classification (two classes too: two softmax outputs; pick
--loss bce for one sigmoid output) and mse for regression. Regression targets are standardized
for training and reported in their own units.

Text columns are one-hot encoded (sorted categories; --categorical for numeric-looking ones);
scaling applies to the numeric columns only. Missing cells are empty, NA, NaN or ?.

Examples:
  nn train --data datasets/iris.csv --out runs/iris/model.json --plot runs/iris/curves.svg
  nn train --data datasets/penguins.csv --target species --missing mean
  nn train --data people.tsv --target income --exclude id,name --categorical zip
  cat data.csv | nn train --data - --target y
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
    /// The data.
    #[command(flatten)]
    #[serde(flatten)]
    pub data: DataArgs,
    /// The test part.
    #[command(flatten)]
    #[serde(flatten)]
    pub test: TestArgs,
    /// The validation part.
    #[command(flatten)]
    #[serde(flatten)]
    pub val: ValArgs,
    /// The network.
    #[command(flatten)]
    #[serde(flatten)]
    pub net: NetworkArgs,
    /// The optimizer.
    #[command(flatten)]
    #[serde(flatten)]
    pub optim: OptimizerArgs,
    /// The learning rate.
    #[command(flatten)]
    #[serde(flatten)]
    pub lr: LrArgs,
    /// The run.
    #[command(flatten)]
    #[serde(flatten)]
    pub run: RunArgs,
    /// Start from this model file's weights (warm start; fine-tuning): its architecture and
    /// fitted preprocessing are kept, so the data must have its feature columns and classes.
    #[arg(long, value_name = "MODEL")]
    #[serde(with = "super::os_path::option", default)]
    pub init: Option<PathBuf>,
    /// Save a checkpoint (weights, optimizer state, schedule, RNG, history) in
    /// DIR/checkpoint.json.
    #[arg(long, value_name = "DIR")]
    #[serde(with = "super::os_path::option", default)]
    pub checkpoint: Option<PathBuf>,
    /// Checkpoint every N epochs (and after the last one).
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub checkpoint_every: u32,
    /// Continue the run saved in DIR (its flags are reused; --epochs, --out, --plot, --quiet,
    /// --checkpoint and --checkpoint-every may be given again).
    #[arg(long, value_name = "DIR")]
    #[serde(with = "super::os_path::option", default)]
    pub resume: Option<PathBuf>,
    /// Flags given on the command line (filled in by `args::parse`; used by --resume).
    #[arg(skip)]
    #[serde(skip)]
    pub explicit: Vec<String>,
    /// The model file to write.
    #[arg(long, default_value = "model.json", value_name = "FILE")]
    #[serde(with = "super::os_path")]
    pub out: PathBuf,
    /// Write loss/accuracy curves (SVG or PNG, by extension).
    #[arg(long, value_name = "FILE")]
    #[serde(with = "super::os_path::option", default)]
    pub plot: Option<PathBuf>,
    /// Print only the final result.
    #[arg(long)]
    pub quiet: bool,
    /// Sum each batch's gradients exactly over SHARDS fixed slices (default 16), so that runs
    /// under `mpirun -np N` give the same bits for every N ≤ SHARDS, and the same as one process
    /// with this flag.
    #[arg(long, value_name = "SHARDS", num_args = 0..=1, default_missing_value = "16",
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    #[serde(default)]
    pub deterministic_reduce: Option<u32>,
}

impl TrainArgs {
    /// Checks flags read back from a file (a checkpoint) with the command line's own value
    /// parsers, which a file bypasses: `Err((flag, reason))` for the first bad one, e.g.
    /// `("checkpoint-every", "0 is not an integer ≥ 1")`.
    pub fn check_saved(&self) -> Result<(), (&'static str, String)> {
        let positive = |v: f64| parse_positive(&v.to_string()).map(drop);
        let hidden: Vec<String> = self.net.hidden.iter().map(usize::to_string).collect();
        let at_least_one = |v: Option<u32>| match v {
            Some(0) => Err("0 is not an integer ≥ 1".to_string()),
            _ => Ok(()),
        };
        let checks = [
            (
                "epochs",
                parse_epochs(&self.run.epochs.to_string()).map(drop),
            ),
            (
                "batch-size",
                parse_batch_size(&self.run.batch_size.to_string()).map(drop),
            ),
            ("lr", positive(self.lr.lr)),
            ("divergence-factor", positive(self.run.divergence_factor)),
            (
                "min-delta",
                parse_non_negative(&self.run.min_delta.to_string()).map(drop),
            ),
            (
                "test-split",
                parse_fraction(&self.test.test_split.to_string()).map(drop),
            ),
            (
                "val-split",
                parse_val_split(&self.val.val_split.to_string()).map(drop),
            ),
            ("hidden", parse_hidden(&hidden.join(",")).map(drop)),
            (
                "clip-grad-norm",
                self.optim.clip_grad_norm.map_or(Ok(()), positive),
            ),
            (
                "checkpoint-every",
                at_least_one(Some(self.checkpoint_every)),
            ),
            ("early-stopping", at_least_one(self.run.early_stopping)),
            (
                "deterministic-reduce",
                at_least_one(self.deterministic_reduce),
            ),
        ];
        match checks.into_iter().find(|(_, r)| r.is_err()) {
            Some((flag, Err(reason))) => Err((flag, reason)),
            _ => Ok(()),
        }
    }
}

/// `nn lr-find` flags.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:
  nn lr-find --data datasets/iris.csv --plot lr-find.svg
  nn lr-find --data datasets/digits.csv --hidden 64 --steps 300")]
pub struct LrFindArgs {
    /// The data.
    #[command(flatten)]
    pub data: DataArgs,
    /// The network.
    #[command(flatten)]
    pub net: NetworkArgs,
    /// The optimizer.
    #[command(flatten)]
    pub optim: OptimizerArgs,
    /// Mini-batch size.
    #[arg(long, default_value = "32", value_parser = parse_batch_size)]
    pub batch_size: usize,
    /// First learning rate.
    #[arg(long, default_value = "1e-6", value_parser = parse_positive)]
    pub start_lr: f64,
    /// Last learning rate.
    #[arg(long, default_value = "10", value_parser = parse_positive)]
    pub end_lr: f64,
    /// Number of steps (at most 1 000 000).
    #[arg(long, default_value = "200", value_parser = parse_steps)]
    pub steps: usize,
    /// Seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write loss against log10(lr) (SVG or PNG).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

/// `nn cv` flags: `nn train`'s data, network, optimizer, learning-rate and run flags, and the
/// folds.
#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Each fold trains a fresh network (with the train flags) on the other folds and scores
it on its own; classification folds are stratified (scikit-learn StratifiedKFold semantics,
seeded by --seed; repeat r uses seed + r).

Examples:
  nn cv --data datasets/iris.csv --folds 5
  nn cv --data datasets/wine.csv --folds 5 --repeats 3 --hidden 32 --epochs 50 --out folds.csv"
)]
pub struct CvArgs {
    /// The data.
    #[command(flatten)]
    pub data: DataArgs,
    /// The validation part of each fold's training rows.
    #[command(flatten)]
    pub val: ValArgs,
    /// The network.
    #[command(flatten)]
    pub net: NetworkArgs,
    /// The optimizer.
    #[command(flatten)]
    pub optim: OptimizerArgs,
    /// The learning rate.
    #[command(flatten)]
    pub lr: LrArgs,
    /// The run.
    #[command(flatten)]
    pub run: RunArgs,
    /// Number of folds (2 to 100).
    #[arg(long, default_value = "5", value_parser = clap::value_parser!(u32).range(2..=100))]
    pub folds: u32,
    /// Repeat the K-fold split this many times with different seeds (1 to 100).
    #[arg(long, default_value = "1", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub repeats: u32,
    /// Write the per-fold figures as CSV.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::super::{Cli, Command};
    use clap::Parser;

    fn train_args(flags: &[&str]) -> super::TrainArgs {
        let argv = ["nn", "train", "--data", "x.csv"].iter().chain(flags);
        match Cli::parse_from(argv).command {
            Command::Train(args) => *args,
            _ => unreachable!("a train command line"),
        }
    }

    #[test]
    fn saved_flags_pass_the_command_line_checks() {
        let args = train_args(&["--hidden", "8", "--early-stopping", "3"]);
        assert_eq!(args.check_saved(), Ok(()));
        type Change = fn(&mut super::TrainArgs);
        let cases: [(&str, Change, &str); 5] = [
            (
                "checkpoint-every",
                |a| a.checkpoint_every = 0,
                "0 is not an integer ≥ 1",
            ),
            ("lr", |a| a.lr.lr = -1.0, "\"-1\" is not a positive number"),
            (
                "epochs",
                |a| a.run.epochs = 0,
                "\"0\" is not an integer from 1 to 1000000",
            ),
            (
                "test-split",
                |a| a.test.test_split = 1.5,
                "\"1.5\" is not a number strictly between 0 and 1",
            ),
            (
                "hidden",
                |a| a.net.hidden = vec![100_000],
                "width 100000 exceeds the limit of 65536 per layer",
            ),
        ];
        for (flag, change, reason) in cases {
            let mut bad = args.clone();
            change(&mut bad);
            assert_eq!(bad.check_saved(), Err((flag, reason.to_string())));
        }
    }
}
