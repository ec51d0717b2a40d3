//! Command-line arguments (clap derive): every flag of every subcommand, and the value parsers
//! and limits they enforce. Every subcommand's `--help` ends with examples. This module imports
//! nothing from the rest of the binary (only the library's `nn_cli::limits`); the commands
//! import it.

mod os_path;
mod parse;
mod train;
mod values;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use parse::{parse_delimiter, parse_f64_list, parse_positive};
pub use train::{
    CvArgs, LrArgs, LrFindArgs, NetworkArgs, OptimizerArgs, RunArgs, TestArgs, TrainArgs, ValArgs,
};
pub use values::{parse_unknown, Dtype, Format, Method, MissingArg, OptimizerArg, PrecisionArg};

/// nn: train, evaluate and explain small neural networks from the command line.
#[derive(Debug, Parser)]
#[command(name = "nn", version, about, after_help = TOP_EXAMPLES, args_override_self = true)]
pub struct Cli {
    /// Worker threads for matrix products, 1 to 4096 (default: all cores).
    #[arg(long, global = true, value_name = "N", value_parser = parse::parse_threads)]
    pub threads: Option<usize>,
    /// The memory limit: a command that would need more (its estimate, made before
    /// allocating) stops with the estimate and the flags that shrink it. Sizes such as 8GiB,
    /// 512MiB or a byte count.
    #[arg(long, global = true, value_name = "SIZE", default_value = "8GiB",
          value_parser = nn_cli::limits::budget::parse_size)]
    pub max_memory: u64,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The clap command: every subcommand takes negative numbers as flag values, so `--lr -1`
/// reaches the flag's own range check instead of clap's "unexpected argument '-1'".
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command().mut_subcommands(|sub| sub.allow_negative_numbers(true))
}

/// Parses the command line (exiting on a usage error, as clap does) and records which
/// `nn train` flags were given explicitly, for `--resume`.
pub fn parse() -> Cli {
    use clap::parser::ValueSource;
    use clap::FromArgMatches;
    let command = command();
    let matches = command
        .clone()
        .try_get_matches()
        .unwrap_or_else(|e| exit(&e));
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let (Command::Train(args), Some(("train", sub)), Some(train)) = (
        &mut cli.command,
        matches.subcommand(),
        command.find_subcommand("train"),
    ) {
        args.explicit = train
            .get_arguments()
            .map(|a| a.get_id().as_str())
            .filter(|id| sub.value_source(id) == Some(ValueSource::CommandLine))
            .map(str::to_string)
            .collect();
    }
    cli
}

/// Exits as clap does (usage errors on stderr with code 2, `--help` and `--version` on stdout
/// with code 0), except that help text that cannot be written to a full standard output is
/// an error (exit 1); a closed pipe (`nn --help | head -1`) still exits 0.
fn exit(err: &clap::Error) -> ! {
    use std::io::{IsTerminal, Write};
    let mut stdout = std::io::stdout();
    if err.use_stderr() || stdout.is_terminal() {
        err.exit();
    }
    let text = err.render().to_string();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            let _ = writeln!(std::io::stderr(), "error: writing standard output: {e}");
            std::process::exit(1)
        }
        _ => std::process::exit(0),
    }
}

const TOP_EXAMPLES: &str = "Examples:
  nn explain                                   # the textbook's 2-2-2 backprop step
  nn train --data datasets/iris.csv --out model.json --plot curves.svg
  nn evaluate --model model.json --data datasets/iris.csv
  nn predict --model model.json --data new.csv --out preds.csv";

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a network on a CSV file or an MNIST folder and save a model file.
    Train(Box<TrainArgs>),
    /// K-fold cross-validation: train on K−1 folds, score the held-out one; mean ± std.
    Cv(Box<CvArgs>),
    /// Loss, accuracy, per-class precision/recall/F1 and confusion matrix (or MSE/MAE/R²).
    Evaluate(EvaluateArgs),
    /// Predict labels (with class probabilities) or values for new rows.
    Predict(PredictArgs),
    /// Fit or apply a preprocessing transform (standardize, min-max, PCA/ZCA whitening).
    Preprocess(PreprocessArgs),
    /// One training step on one sample, every number printed the way the textbook works it.
    Explain(ExplainArgs),
    /// Compare backpropagation with finite differences on a random network.
    Gradcheck(GradcheckArgs),
    /// Print (and plot) a learning-rate schedule before training with it.
    Schedule(ScheduleArgs),
    /// Gradient descent on f(x, y) = x² + y²: see a learning rate crawl, converge or diverge.
    Descend(DescendArgs),
    /// Learning-rate range test: loss against an exponentially growing learning rate.
    #[command(name = "lr-find")]
    LrFind(LrFindArgs),
    /// Write a model's weights as safetensors (loadable by Python's safetensors and PyTorch).
    Export(ExportArgs),
}

impl Command {
    /// The subcommand's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Train(_) => "train",
            Command::Cv(_) => "cv",
            Command::Evaluate(_) => "evaluate",
            Command::Predict(_) => "predict",
            Command::Preprocess(_) => "preprocess",
            Command::Explain(_) => "explain",
            Command::Gradcheck(_) => "gradcheck",
            Command::Schedule(_) => "schedule",
            Command::Descend(_) => "descend",
            Command::LrFind(_) => "lr-find",
            Command::Export(_) => "export",
        }
    }

    /// Whether the command trains data-parallel when `mpirun` or `srun` starts it on several
    /// processes (`train`, `cv`); the others run on one process only.
    pub fn trains(&self) -> bool {
        matches!(self, Command::Train(_) | Command::Cv(_))
    }
}

/// How `evaluate` and `predict` read a CSV with the model's schema.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// A category the model never saw: ignore (all-zero indicators, counted on stderr) or
    /// error.
    #[arg(long, value_name = "POLICY", default_value = "ignore", value_parser = parse_unknown)]
    pub unknown: nn_data::Unknown,
    /// The field delimiter: , ; | or tab (default: detected from the header; .tsv is tab).
    #[arg(long, value_name = "D", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
}

/// `nn evaluate`.
#[derive(Debug, Args)]
#[command(
    after_help = "The model's columns are found by name, in any order; other columns are ignored.
A label the model was not trained on is an error naming it and its line.

Examples:
  nn evaluate --model runs/iris/model.json --data datasets/iris.csv
  nn evaluate --model runs/penguins/model.json --data datasets/penguins.csv --unknown error
  nn evaluate --model model.json --data datasets/mnist"
)]
pub struct EvaluateArgs {
    /// A model file written by `nn train`.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// A CSV with the model's feature columns and target column, or an MNIST folder (`-`:
    /// standard input).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// How the CSV is read.
    #[command(flatten)]
    pub read: ReadArgs,
    /// f32: full precision (evaluated in f64); bf16: an f32 network with bf16 products.
    #[arg(long, value_enum, default_value_t = PrecisionArg::F32)]
    pub precision: PrecisionArg,
}

/// `nn predict`.
#[derive(Debug, Args)]
#[command(
    after_help = "One output row per input data row, in order. A row the model cannot score (a
missing cell, unless --missing mean) gets an empty prediction and its reason in a last
`reason` column. The target column is never read.

Examples:
  nn predict --model runs/iris/model.json --data datasets/iris.csv --out preds.csv
  nn predict --model runs/penguins/model.json --data new.csv --id tag --missing mean
  nn predict --model model.json --data new_rows.csv      # prints the CSV to stdout"
)]
pub struct PredictArgs {
    /// A model file written by `nn train`.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// A CSV with the model's feature columns (other columns are ignored; `-`: standard
    /// input).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Where to write the predictions CSV (default: stdout).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// A column copied into the output as its first column (an id).
    #[arg(long, value_name = "COL")]
    pub id: Option<String>,
    /// Missing cells: mean fills them with the model's stored means and most frequent
    /// categories; error and drop leave the row unscored with a reason (default: as trained).
    #[arg(long, value_enum)]
    pub missing: Option<MissingArg>,
    /// How the CSV is read.
    #[command(flatten)]
    pub read: ReadArgs,
    /// f32: full precision (predicted in f64); bf16: an f32 network with bf16 products.
    #[arg(long, value_enum, default_value_t = PrecisionArg::F32)]
    pub precision: PrecisionArg,
}

/// `nn preprocess`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  nn preprocess fit --method standardize --data datasets/iris.csv --exclude species --out params.json
  nn preprocess transform --params params.json --data datasets/iris.csv --out scaled.csv
  nn preprocess fit --method minmax --data datasets/penguins.csv --exclude species --out p.json")]
pub struct PreprocessArgs {
    /// fit or transform.
    #[command(subcommand)]
    pub action: PreprocessAction,
}

/// `fit` or `transform`.
#[derive(Debug, Subcommand)]
pub enum PreprocessAction {
    /// Fit preprocessing parameters on a CSV and save them as JSON.
    #[command(
        after_help = "Numeric columns are scaled; text columns are one-hot encoded with their sorted
categories (saved in the parameters), as `nn train` does.

Examples:
  nn preprocess fit --method standardize --data datasets/iris.csv --exclude species --out params.json"
    )]
    Fit {
        /// standardize, minmax, pca-whiten or zca-whiten.
        #[arg(long, value_enum)]
        method: Method,
        /// The CSV to fit on (`-`: standard input).
        #[arg(long, value_name = "FILE")]
        data: PathBuf,
        /// Columns to leave out (the label, ids), comma-separated; they are copied through.
        #[arg(long, value_name = "COL,…", value_delimiter = ',')]
        exclude: Vec<String>,
        /// Columns one-hot encoded although every cell is a number.
        #[arg(long, value_name = "COL,…", value_delimiter = ',')]
        categorical: Vec<String>,
        /// Refuse a text column with more distinct values than N.
        #[arg(long, value_name = "N", default_value_t = nn_data::DEFAULT_MAX_CATEGORIES)]
        max_categories: usize,
        /// The field delimiter: , ; | or tab (default: detected from the header).
        #[arg(long, value_name = "D", value_parser = parse_delimiter)]
        delimiter: Option<u8>,
        /// Where to write the parameters (JSON).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Apply saved parameters (or, with --inverse, undo them) to a CSV.
    #[command(
        after_help = "Each text column is replaced by its indicator columns (column=category); --inverse
unscales the numeric columns and copies the indicator columns as they are.

Examples:
  nn preprocess transform --params params.json --data datasets/iris.csv --out scaled.csv
  nn preprocess transform --params params.json --data scaled.csv --out back.csv --inverse"
    )]
    Transform {
        /// Parameters written by `nn preprocess fit`.
        #[arg(long, value_name = "FILE")]
        params: PathBuf,
        /// The CSV to transform (`-`: standard input).
        #[arg(long, value_name = "FILE")]
        data: PathBuf,
        /// Where to write the transformed CSV.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Undo the transform instead.
        #[arg(long)]
        inverse: bool,
    },
}

/// `nn explain`.
#[derive(Debug, Args)]
#[command(
    after_help = "With no flags this is the textbook's 2-2-2 sigmoid network (inputs 0.10, 0.20,
targets 0.85, 0.30, half-sse loss, learning rate 1).

--steps N repeats the step N times, each from the parameters the previous one left (the
chapter's \"keep iterating\"), and prints E_total after steps 0-10, the powers of ten and the
last, then the outputs. By default every step updates the biases too, as `nn train` does;
--freeze-bias updates the weights only, as the chapter does (it derives w1-w8 only).

Examples:
  nn explain
  nn explain --format json
  nn explain --plot step.svg           # the network with every number (or step.png)
  nn explain --steps 1000 --freeze-bias --plot-loss loss.png
  nn explain --save-model net.json     # then edit net.json and:
  nn explain --model net.json --input 0.5,0.1 --target 1,0 --lr 0.5"
)]
pub struct ExplainArgs {
    /// A model file (e.g. one written by --save-model); default: the textbook's network.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// The input sample, comma-separated (default: 0.10,0.20).
    #[arg(long, value_parser = parse_f64_list, allow_hyphen_values = true)]
    pub input: Option<::std::vec::Vec<f64>>,
    /// The target, comma-separated (default: 0.85,0.30).
    #[arg(long, value_parser = parse_f64_list, allow_hyphen_values = true)]
    pub target: Option<::std::vec::Vec<f64>>,
    /// The learning rate η of the step.
    #[arg(long, default_value = "1", value_parser = parse_positive)]
    pub lr: f64,
    /// text (the textbook's notation) or json.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the textbook network as a model file to FILE (to edit and explain) and exit.
    #[arg(long, value_name = "FILE")]
    pub save_model: Option<PathBuf>,
    /// Draw the step (SVG or PNG, by extension): the forward pass with every weight and
    /// value, and the backward pass with every gradient, updated weight and path to E.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Repeat the step N times with the updated parameters and print E_total along the way
    /// (at most 1 000 000).
    #[arg(long, value_name = "N", value_parser = parse::parse_epochs)]
    pub steps: Option<usize>,
    /// With --steps: plot E_total against the step, log scale (SVG or PNG, by extension).
    #[arg(long, value_name = "FILE", requires = "steps")]
    pub plot_loss: Option<PathBuf>,
    /// Update the weights only and keep the biases (the chapter's convention); default: the
    /// biases are updated too, as `nn train` does.
    #[arg(long)]
    pub freeze_bias: bool,
}

/// `nn gradcheck`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exits with status 1 when any layer's error is above --threshold. The network flags
are `nn train`'s (with small defaults); without a fused loss the output layer is sigmoid.

Examples:
  nn gradcheck
  nn gradcheck --hidden 8,8,8 --activation tanh --loss mse --seed 7",
    mut_arg("hidden", |a| a.default_value("5,4")),
    mut_arg("activation", |a| a.default_value("tanh")),
    mut_arg("loss", |a| a.default_value("cross-entropy"))
)]
pub struct GradcheckArgs {
    /// The network (hidden widths, activation, loss).
    #[command(flatten)]
    pub net: NetworkArgs,
    /// Number of inputs (1 to 65 536).
    #[arg(long, default_value = "3", value_parser = parse::parse_width)]
    pub inputs: usize,
    /// Number of outputs (1 to 65 536).
    #[arg(long, default_value = "3", value_parser = parse::parse_width)]
    pub outputs: usize,
    /// Samples in the batch (1 to 1 000 000).
    #[arg(long, default_value = "4", value_parser = parse::parse_samples)]
    pub samples: usize,
    /// Seed for the weights and the data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Largest accepted relative error.
    #[arg(long, default_value = "1e-6", value_parser = parse_positive)]
    pub threshold: f64,
}

/// `nn schedule`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  nn schedule --schedule step:30:0.5 --lr 0.1 --epochs 100
  nn schedule --schedule cosine --lr 0.1 --epochs 50 --warmup 5 --plot lr.svg")]
pub struct ScheduleArgs {
    /// The schedule SPEC (see `nn train --help`).
    #[arg(long, value_name = "SPEC")]
    pub schedule: String,
    /// The base learning rate.
    #[arg(long, default_value = "0.1", value_parser = parse_positive)]
    pub lr: f64,
    /// Number of epochs (at most 1 000 000).
    #[arg(long, default_value = "100", value_parser = parse::parse_epochs)]
    pub epochs: usize,
    /// Linear warm-up epochs before the schedule (at most 1 000 000).
    #[arg(long, default_value = "0", value_parser = parse::parse_warmup)]
    pub warmup: usize,
    /// Write a plot (SVG or PNG, by extension).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

/// `nn descend`.
#[derive(Debug, Args)]
#[command(
    after_help = "Each step is (x, y) ← (x, y) − lr·(2x, 2y) = (1 − 2·lr)·(x, y), so:
  lr < 1 converges (slowly when lr is small), lr = 1 oscillates, lr > 1 diverges.

Examples:
  nn descend --lr 0.1
  nn descend --lr 0.01 --plot crawl.svg
  nn descend --lr 1.1 --steps 10"
)]
pub struct DescendArgs {
    /// The learning rate.
    #[arg(long, default_value = "0.1", value_parser = parse_positive)]
    pub lr: f64,
    /// The starting point x,y.
    #[arg(long, default_value = "4,3", value_parser = parse_f64_list, allow_hyphen_values = true)]
    pub start: ::std::vec::Vec<f64>,
    /// Number of steps (at most 1 000 000).
    #[arg(long, default_value = "30", value_parser = parse::parse_steps)]
    pub steps: usize,
    /// Write the path on the contours (SVG or PNG, by extension).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
}

/// `nn export`.
#[derive(Debug, Args)]
#[command(
    after_help = "Tensors are named layers.{i}.weight (out_features, in_features) and
layers.{i}.bias, as in PyTorch's nn.Linear; the architecture is in the metadata.

Examples:
  nn export --model runs/iris/model.json --out iris.safetensors
  python -c \"from safetensors.torch import load_file; print(load_file('iris.safetensors'))\""
)]
pub struct ExportArgs {
    /// A model file.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    /// The safetensors file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Element type of the tensors.
    #[arg(long, value_enum, default_value_t = Dtype::F32)]
    pub dtype: Dtype,
}
