//! Command output on standard output through a writer whose errors propagate: a full disk
//! (`nn predict … > /dev/full`) is an error naming standard output (exit 1), and a reader that
//! went away (`nn predict … | head -1`) is [`Closed`], which `main` ends quietly with status 0.
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
use std::io::{ErrorKind, Write};

use anyhow::Result;

/// Standard output was closed by its reader (a broken pipe): not an error of ours, so `main`
/// exits quietly with status 0.
#[derive(Debug)]
pub struct Closed;

impl fmt::Display for Closed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("standard output was closed by its reader")
    }
}

impl std::error::Error for Closed {}

/// Writes formatted text to standard output and flushes it.
pub fn print(args: fmt::Arguments<'_>) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let written = out.write_fmt(args).and_then(|()| out.flush());
    written.map_err(failure)
}

/// Writes `data` to standard output and flushes it.
pub fn bytes(data: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let written = out.write_all(data).and_then(|()| out.flush());
    written.map_err(failure)
}

/// Writes formatted text to standard error, ignoring a write error (see the module doc).
pub fn note(args: fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(args);
}

/// A broken pipe becomes [`Closed`]; any other error names standard output.
fn failure(err: std::io::Error) -> anyhow::Error {
    match err.kind() {
        ErrorKind::BrokenPipe => Closed.into(),
        _ => anyhow::Error::new(err).context("writing standard output"),
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
    fn broken_pipe_is_closed_and_other_errors_name_standard_output() {
        let closed = failure(std::io::Error::from(ErrorKind::BrokenPipe));
        assert!(closed.is::<Closed>());
        let full = failure(std::io::Error::other("No space left on device"));
        assert_eq!(
            format!("{full:#}"),
            "writing standard output: No space left on device"
        );
    }
}
