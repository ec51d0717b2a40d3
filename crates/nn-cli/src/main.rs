//! The `nn` command-line tool: a thin binary over nn-core, nn-optim and nn-data.
//!
//! Exit codes: 0 on success, 1 for data and run-time errors (unreadable files, bad CSV,
//! divergence, a failed gradient check), 2 for usage errors (clap's default for bad flags, and
//! [`UsageError`] for flag values only checked later, such as a schedule SPEC), 130 when
//! `nn train` was stopped by Ctrl-C ([`Interrupted`]) after saving its state, or when Ctrl-C,
//! SIGTERM or SIGHUP ended any other command (see `interrupt`). Standard output
//! closed by its reader (`nn predict … | head -1`) drops the rest of the output; the command
//! runs to its end.

#![forbid(unsafe_code)]
// Output goes through `stdout::{outln, errln}`, whose write errors never panic.
#![deny(clippy::print_stdout, clippy::print_stderr)]

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
mod outputs;
mod plot;
mod png_out;
mod prepare_train;
mod progress;
mod scoring;
mod stdout;
mod targets;
mod train_checkpoint;

// The library part (model file, preprocessing record, error types), reachable as `crate::…`.
use nn_cli::{fsutil, json_layout, limits, model_file, preprocessing};

use std::process::ExitCode;

pub use nn_cli::fsutil::{Interrupted, UsageError};

fn main() -> ExitCode {
    let cli = args::parse();
    let handlers = survive_file_size_limit().and_then(|()| interrupt::install());
    let Err(err) = handlers.and_then(|()| run(cli)) else {
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
        true => crate::stdout::errln!("interrupted: {err:#}"),
        false => crate::stdout::errln!("error: {err:#}"),
    }
    ExitCode::from(code)
}

/// A file-size limit (`ulimit -f`) would kill the process with SIGXFSZ in the middle of a
/// write, leaving a temporary file behind. With a handler installed the write fails with EFBIG
/// instead, which the writer reports as an error naming the file (and its temporary file is
/// removed); signal-hook's flag registration is a safe API.
fn survive_file_size_limit() -> anyhow::Result<()> {
    let raised = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGXFSZ, raised)
        .map(drop)
        .map_err(|e| anyhow::anyhow!("installing the SIGXFSZ handler: {e}"))
}

/// Dispatches one subcommand.
fn run(cli: args::Cli) -> anyhow::Result<()> {
    use args::Command;
    if let Some(n) = cli.threads {
        nn_tensor::set_num_threads(n);
    }
    limits::budget::set_max_memory(cli.max_memory);
    if !cli.command.trains() {
        // Several copies would each do the whole work and write the same files.
        cluster::single_process(cli.command.name())?;
    }
    match cli.command {
        Command::Train(a) => {
            train::run(*a)?;
            cluster::leave();
            Ok(())
        }
        Command::Cv(a) => {
            cv::run(*a)?;
            cluster::leave();
            Ok(())
        }
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
