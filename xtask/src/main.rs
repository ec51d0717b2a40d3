//! Project tasks, run with `cargo xtask <task>` (alias in `.cargo/config.toml`):
//!
//! - `cargo xtask train [PRESET] [FLAGS…]`: train a preset (default `iris`) with the release
//!   `nn` binary; extra flags are passed through to `nn train` and override the preset's.
//! - `cargo xtask test`: what CI runs — rustfmt check, clippy with warnings denied, rustdoc
//!   with warnings denied, and the whole test suite.
//! - `cargo xtask test --mpi`: the MPI build (clippy with feature `mpi`) and its integration
//!   tests, which start `mpirun` (needs Open MPI and libclang; `.ci/run` installs them).
//! - `cargo xtask bench [ARGS…]`: the criterion benchmarks.
//!
//! xtask links no library crate of the workspace; it shells out to cargo.

mod train;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};

const USAGE: &str = "usage: cargo xtask <task>
  train [iris|wine|breast-cancer|digits|diabetes|mnist] [nn train flags…]
  test                   fmt check, clippy -D warnings, docs, cargo test --workspace
  test --mpi             clippy and the mpirun integration tests of feature mpi
  bench [args…]          cargo bench --workspace";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<()> {
    let (task, rest) = args
        .split_first()
        .map_or(("", &[][..]), |(t, r)| (t.as_str(), r));
    match task {
        "train" => train::run(rest),
        "test" => match strs(rest)[..] {
            [] => test(),
            ["--mpi"] => test_mpi(),
            _ => bail!("unknown test flags {rest:?}\n{USAGE}"),
        },
        "bench" => cargo(&[&["bench", "--workspace"], &strs(rest)[..]].concat()),
        "" | "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown task {other:?}\n{USAGE}"),
    }
}

/// The CI checks, in order, stopping at the first failure.
fn test() -> Result<()> {
    cargo(&["fmt", "--all", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    let mut doc = cargo_command(&["doc", "--workspace", "--no-deps", "--quiet"]);
    doc.env("RUSTDOCFLAGS", "-D warnings");
    status(doc, "cargo doc")?;
    cargo(&["test", "--workspace"])
}

/// The checks of feature `mpi`: clippy on the crates it changes, then the tests that run
/// `mpirun` (one at a time: each starts several processes).
fn test_mpi() -> Result<()> {
    let features = ["-p", "nn-optim", "-p", "nn-cli", "--features", "nn-cli/mpi"];
    let clippy = ["clippy", "--all-targets", "--", "-D", "warnings"];
    cargo(&[&clippy[..1], &features[..], &clippy[1..]].concat())?;
    let test = ["test", "--test", "mpi", "--", "--test-threads", "1"];
    cargo(&[&test[..1], &features[..], &test[1..]].concat())
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// The workspace root (xtask's parent directory).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map_or(manifest.clone(), PathBuf::from)
}

/// `cargo ARGS` in the workspace root, with the cargo that runs xtask.
pub fn cargo_command(args: &[&str]) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(args).current_dir(root());
    cmd
}

/// Runs `cargo ARGS`, failing on a non-zero exit.
pub fn cargo(args: &[&str]) -> Result<()> {
    status(cargo_command(args), &format!("cargo {}", args.join(" ")))
}

fn status(mut cmd: Command, what: &str) -> Result<()> {
    eprintln!("xtask: running {what}");
    let status = cmd.status().with_context(|| format!("starting {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}
