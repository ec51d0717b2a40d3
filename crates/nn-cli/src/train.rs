//! `nn train`.
use anyhow::{bail, Result};

/// `nn train` flags.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {}

/// Runs `nn train`.
pub fn run(_args: TrainArgs) -> Result<()> {
    bail!("not yet implemented")
}
