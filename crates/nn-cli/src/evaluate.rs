//! `nn evaluate`.
use anyhow::{bail, Result};

/// Runs `nn evaluate`.
pub fn run(_args: crate::args::EvaluateArgs) -> Result<()> {
    bail!("not yet implemented")
}
