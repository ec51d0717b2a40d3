//! `nn lr-find`.
use anyhow::{bail, Result};

/// `nn lr-find` flags.
#[derive(Debug, clap::Args)]
pub struct LrFindArgs {}

/// Runs `nn lr-find`.
pub fn run(_args: LrFindArgs) -> Result<()> {
    bail!("not yet implemented")
}
