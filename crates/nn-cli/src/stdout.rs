//! Command output on standard output through a writer whose errors propagate: a full disk
//! (`nn predict … > /dev/full`) is an error naming standard output (exit 1). A reader that went
//! away (`nn predict … | head -1`) is no error: the rest of the output is dropped and the
//! command runs to its end, so `nn train … | head -3` still writes its model and exits 0.
//! Commands print with [`outln!`](crate::stdout::outln) and [`bytes`], never with `println!`
//! (which panics on a write error). Notes and errors go to standard error with
//! [`errln!`](crate::stdout::errln), never `eprintln!` (which panics too): when standard error
//! cannot be written there is nowhere left to report to, so the text is dropped and the exit
//! code still tells.
//!
//! ```ignore
//! outln!("wrote {n} rows to {}", path.display())?;
//! ```

use std::fmt;
use std::io::{ErrorKind, StdoutLock, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;

/// Set once the reader closed standard output: later output is dropped.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes formatted text to standard output and flushes it.
pub fn print(args: fmt::Arguments<'_>) -> Result<()> {
    write_with(|out| out.write_fmt(args))
}

/// Writes `data` to standard output and flushes it.
pub fn bytes(data: &[u8]) -> Result<()> {
    write_with(|out| out.write_all(data))
}

/// Runs `write` on standard output and flushes it, unless the reader has gone.
fn write_with(write: impl FnOnce(&mut StdoutLock<'static>) -> std::io::Result<()>) -> Result<()> {
    if CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    let written = write(&mut out).and_then(|()| out.flush());
    written.or_else(failure)
}

/// Writes formatted text to standard error, ignoring a write error (see the module doc).
pub fn note(args: fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(args);
}

/// A broken pipe closes standard output for the rest of the run; any other error names it.
fn failure(err: std::io::Error) -> Result<()> {
    match err.kind() {
        ErrorKind::BrokenPipe => {
            CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        _ => Err(anyhow::Error::new(err).context("writing standard output")),
    }
}

/// `println!` whose write error is returned (`anyhow::Result<()>`), for `?`.
macro_rules! outln {
    () => {
        $crate::stdout::print(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::stdout::print(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` whose write error is returned (`anyhow::Result<()>`), for `?`.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::stdout::print(format_args!($($arg)*))
    };
}

/// `eprintln!` that never panics: a line on standard error, dropped if it cannot be written.
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::stdout::note(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {errln, out, outln};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_pipe_closes_the_output_and_other_errors_name_standard_output() {
        let full = failure(std::io::Error::other("No space left on device")).unwrap_err();
        assert_eq!(
            format!("{full:#}"),
            "writing standard output: No space left on device"
        );
        assert!(!CLOSED.load(Ordering::Relaxed));
        assert!(failure(std::io::Error::from(ErrorKind::BrokenPipe)).is_ok());
        assert!(CLOSED.load(Ordering::Relaxed));
        // Dropped from now on, without touching the test harness's standard output.
        assert!(print(format_args!("dropped\n")).is_ok());
    }
}
