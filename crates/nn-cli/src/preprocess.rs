//! `nn preprocess`.
use anyhow::{bail, Result};

/// fit or transform.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Fit.
    Fit,
}

/// Runs `nn preprocess`.
pub fn run(_args: crate::args::PreprocessArgs) -> Result<()> {
    bail!("not yet implemented")
}
