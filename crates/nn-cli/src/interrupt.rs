//! Ctrl-C (SIGINT) during `nn train` and `nn cv`: the first one raises a flag that the trainer
//! checks after every batch; a second one exits at once with code 130.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use anyhow::{Context, Result};

/// The flag of the handler installed by the first call.
static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Installs the handler (the first time) and returns the flag it raises; later calls (one per
/// fold in `nn cv`) share it.
pub fn flag() -> Result<Arc<AtomicBool>> {
    if let Some(flag) = FLAG.get() {
        return Ok(Arc::clone(flag));
    }
    let flag = Arc::new(AtomicBool::new(false));
    let raised = Arc::clone(&flag);
    ctrlc::set_handler(move || {
        if raised.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    })
    .context("installing the Ctrl-C handler")?;
    Ok(Arc::clone(FLAG.get_or_init(|| flag)))
}
