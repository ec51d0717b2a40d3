//! `nn predict`.
use anyhow::{bail, Result};

/// Runs `nn predict`.
pub fn run(_args: crate::args::PredictArgs) -> Result<()> {
    bail!("not yet implemented")
}
