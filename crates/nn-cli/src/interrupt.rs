//! Ctrl-C (SIGINT), SIGTERM and SIGHUP, for every command: one handler, installed by `main`.
//! While `nn train` and `nn cv` train (once [`flag`] was called), the first signal raises a flag
//! that the trainer checks after every batch (the run then saves its state and exits with 130).
//! Otherwise, and on a second signal, the files staged but not yet in place and the folders
//! made but still empty are removed ([`crate::fsutil::remove_pending`]) and the process exits
//! with 130 at once: a signal never leaves a temporary file behind.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use anyhow::{Context, Result};

/// The flag the trainer watches, made by the first call to [`flag`].
static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Installs the handler (once, at start).
pub fn install() -> Result<()> {
    ctrlc::set_handler(|| {
        if let Some(flag) = FLAG.get() {
            if !flag.swap(true, Ordering::SeqCst) {
                return;
            }
        }
        crate::fsutil::remove_pending();
        std::process::exit(130);
    })
    .context("installing the Ctrl-C handler")
}

/// The flag a signal raises from now on, instead of ending the process; later calls (one per
/// fold in `nn cv`) share it.
pub fn flag() -> Arc<AtomicBool> {
    Arc::clone(FLAG.get_or_init(Arc::default))
}
