//! The `nn` command-line tool: a thin binary over nn-core, nn-optim and nn-data.
//!
//! Exit codes: 0 on success, 1 for data and run-time errors (unreadable files, bad CSV,
//! divergence, a failed gradient check), 2 for usage errors (clap's default for bad flags, and
//! [`UsageError`] for flag values only checked later, such as a schedule SPEC), 130 when
//! `nn train` was stopped by Ctrl-C ([`Interrupted`]) after saving its state.

#![forbid(unsafe_code)]

// The subcommands, one module each (`main` → commands → the shared modules below).
mod cv;
mod descend;
mod evaluate;
mod explain;
mod export;
mod gradcheck;
mod lr_find;
mod predict;
mod preprocess;
mod schedule;
mod train;

// Shared modules, used by the commands; none of them imports a command.
mod args;
mod builder;
mod cluster;
mod dataset;
mod fit;
mod history;
mod inference;
mod interrupt;
mod metrics;
mod plot;
mod png_out;
mod prepare_train;
mod progress;
mod scoring;
mod targets;
mod train_checkpoint;

// The library part (model file, preprocessing record, error types), reachable as `crate::…`.
use nn_cli::{fsutil, limits, model_file, preprocessing};

use std::process::ExitCode;

pub use nn_cli::fsutil::{Interrupted, UsageError};

fn main() -> ExitCode {
    exit_quietly_on_broken_pipe();
    let cli = args::parse();
    let Err(err) = run(cli) else {
        return ExitCode::SUCCESS;
    };
    let interrupted = err.chain().any(|cause| cause.is::<Interrupted>());
    let usage = err.chain().any(|cause| cause.is::<UsageError>());
    let code = match (interrupted, usage) {
        (true, _) => 130,
        (false, true) => 2,
        (false, false) => 1,
    };
    // Under mpirun, Ctrl-C and divergence stop every rank at the same step.
    let collective = interrupted || format!("{err:#}").contains("training diverged");
    cluster::abort_group(&err, code, collective);
    match interrupted {
        true => eprintln!("interrupted: {err:#}"),
        false => eprintln!("error: {err:#}"),
    }
    ExitCode::from(code)
}

/// `nn predict … | head` closes stdout early; printing then fails with a broken pipe, which
/// is not an error of ours: exit quietly (status 0) instead of reporting a panic.
fn exit_quietly_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// Dispatches one subcommand.
fn run(cli: args::Cli) -> anyhow::Result<()> {
    use args::Command;
    if let Some(n) = cli.threads {
        nn_tensor::set_num_threads(n);
    }
    limits::budget::set_max_memory(cli.max_memory);
    match cli.command {
        Command::Train(a) => {
            train::run(*a)?;
            cluster::leave();
            Ok(())
        }
        Command::Cv(a) => cv::run(*a),
        Command::Evaluate(a) => evaluate::run(a),
        Command::Predict(a) => predict::run(a),
        Command::Preprocess(a) => preprocess::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Gradcheck(a) => gradcheck::run(a),
        Command::Schedule(a) => schedule::run(a),
        Command::Descend(a) => descend::run(a),
        Command::LrFind(a) => lr_find::run(a),
        Command::Export(a) => export::run(a),
    }
}
