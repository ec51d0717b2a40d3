//! `nn schedule`.
use anyhow::{bail, Result};

/// Runs `nn schedule`.
pub fn run(_args: crate::args::ScheduleArgs) -> Result<()> {
    bail!("not yet implemented")
}
