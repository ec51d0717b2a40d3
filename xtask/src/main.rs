//! Project tasks, run with `cargo xtask <task>` (alias in `.cargo/config.toml`):
//!
//! - `cargo xtask train [PRESET] [FLAGS…]`: train a preset (default `iris`) with the release
//!   `nn` binary; extra flags are passed through to `nn train` and override the preset's.
//! - `cargo xtask cv [PRESET] [FLAGS…]`: 5-fold cross-validation of a preset (`nn cv`): each
//!   fold's figure and the mean ± std.
//! - `cargo xtask test`: what CI runs — rustfmt check, clippy with warnings denied, rustdoc
//!   with warnings denied, and the whole test suite.
//! - `cargo xtask test --mpi`: the MPI build (clippy with feature `mpi`) and its integration
//!   tests, which start `mpirun` (needs Open MPI and libclang; `.ci/run` installs them).
//! - `cargo xtask bench [ARGS…]`: the criterion benchmarks.
//! - `cargo xtask pictures`: redraws the README's pictures in `docs/` with `nn`.
//!
//! xtask links no library crate of the workspace; it shells out to cargo.

mod pictures;
mod train;

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use anyhow::{bail, Context, Result};

const USAGE: &str = "usage: cargo xtask <task>
  train [iris|wine|breast-cancer|digits|diabetes|penguins|mnist] [nn train flags…]
  cv [PRESET] [nn cv flags…]   5-fold cross-validation of a preset: mean ± std
  test                   fmt check, clippy -D warnings, docs, cargo test --workspace
  test --mpi             clippy and the mpirun integration tests of feature mpi
  bench [args…]          cargo bench --workspace
  pictures               redraw the README's pictures in docs/ with nn";

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
        "cv" => train::cv(rest),
        "test" => match strs(rest)[..] {
            [] => test(),
            ["--mpi"] => test_mpi(),
            _ => bail!("unknown test flags {rest:?}\n{USAGE}"),
        },
        "bench" => cargo(&[&["bench", "--workspace"], &strs(rest)[..]].concat()),
        "pictures" => pictures::run(),
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
    let mut doc = cargo_command(&["doc", "--workspace", "--no-deps", "--quiet"])?;
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

/// The root of the workspace `cargo xtask` was started in, asked of cargo at run time
/// (`cargo locate-project --workspace`): a path fixed at compile time would point at another
/// checkout when several share one `CARGO_TARGET_DIR`.
pub fn root() -> Result<PathBuf> {
    let out = cargo_program()
        .args(["locate-project", "--workspace", "--message-format", "plain"])
        .output()
        .context("starting cargo locate-project")?;
    if !out.status.success() {
        bail!(
            "cargo locate-project failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let manifest = PathBuf::from(String::from_utf8(out.stdout)?.trim());
    match manifest.parent() {
        Some(dir) => Ok(dir.to_path_buf()),
        None => bail!("cargo locate-project gave {manifest:?}, which has no parent folder"),
    }
}

/// The cargo that runs xtask (`$CARGO`), or `cargo` from the path.
fn cargo_program() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// `cargo ARGS` in the workspace root, with the cargo that runs xtask.
pub fn cargo_command(args: &[&str]) -> Result<Command> {
    let mut cmd = cargo_program();
    // No task reads standard input (cargo's compiler probes, `rustc -`, read theirs).
    cmd.args(args)
        .current_dir(root()?)
        .stdin(std::process::Stdio::null());
    Ok(cmd)
}

/// Runs `cargo ARGS`, failing on a non-zero exit.
pub fn cargo(args: &[&str]) -> Result<()> {
    status(cargo_command(args)?, &format!("cargo {}", args.join(" ")))
}

fn status(mut cmd: Command, what: &str) -> Result<()> {
    eprintln!("xtask: running {what}");
    let status = cmd.status().with_context(|| format!("starting {what}"))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}
