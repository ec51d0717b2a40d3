//! `nn train` started by `mpirun` or `srun` (feature `mpi`): joining the process group, files
//! read by rank 0 only and sent to the others, the data check across ranks, and ending the
//! whole job when one rank fails. Without a launcher (or without the feature) the group is
//! the single process [`Local`], and everything here is a no-op.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use anyhow::{bail, Context, Result};
use nn_optim::dist::{same_on_all, Communicator, Local};

thread_local! {
    /// The group joined by [`join`] (MPI is used from the main thread only: funnelled).
    static GROUP: RefCell<Option<Rc<dyn Communicator>>> = const { RefCell::new(None) };
}

/// Joins the MPI job when a launcher started this process, else a group of one.
pub fn join() -> Result<Rc<dyn Communicator>> {
    let comm = launched_group()?.unwrap_or_else(|| Rc::new(Local));
    GROUP.with(|g| *g.borrow_mut() = Some(Rc::clone(&comm)));
    Ok(comm)
}

#[cfg(feature = "mpi")]
fn launched_group() -> Result<Option<Rc<dyn Communicator>>> {
    let mpi = nn_optim::dist::mpi::Mpi::init().context("starting MPI")?;
    Ok(mpi.map(|m| Rc::new(m) as Rc<dyn Communicator>))
}

#[cfg(not(feature = "mpi"))]
fn launched_group() -> Result<Option<Rc<dyn Communicator>>> {
    Ok(None)
}

/// Leaves the group: MPI is finalised here (every rank must call it), not at exit, where
/// the main thread's thread-locals may never be dropped.
pub fn leave() {
    GROUP.with(|g| g.borrow_mut().take());
}

/// The joined group ([`Local`] before [`join`]).
pub fn group() -> Rc<dyn Communicator> {
    GROUP
        .with(|g| g.borrow().clone())
        .unwrap_or_else(|| Rc::new(Local))
}

/// Whether this process writes output (rank 0).
pub fn is_root() -> bool {
    group().rank() == 0
}

/// The bytes of `path` as rank 0 reads them, on every rank (other machines need not have the
/// file); every rank fails together when rank 0 cannot read it.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    let comm = group();
    if comm.size() == 1 {
        return std::fs::read(path).with_context(|| format!("reading {}", path.display()));
    }
    let read = match comm.rank() {
        0 => std::fs::read(path).map_err(|e| e.to_string()),
        _ => Ok(Vec::new()),
    };
    // One flag byte (1 = read), then the file or rank 0's error message.
    let mut bytes = match &read {
        Ok(b) => [&[1][..], b].concat(),
        Err(e) => [&[0][..], e.as_bytes()].concat(),
    };
    comm.broadcast_bytes(&mut bytes);
    match bytes.split_first() {
        Some((1, file)) => Ok(file.to_vec()),
        Some((_, message)) => bail!(
            "reading {} (on rank 0): {}",
            path.display(),
            String::from_utf8_lossy(message)
        ),
        None => bail!("reading {} (on rank 0): no answer", path.display()),
    }
}

/// Refuses to train when the data (`fingerprint`: size and hash of what this rank read)
/// differs between ranks; all ranks answer together.
pub fn check_same_data(data: &Path, fingerprint: &[u8]) -> Result<()> {
    if same_on_all(&*group(), fingerprint) {
        return Ok(());
    }
    bail!(
        "{} differs between the processes (size or hash); every rank must read the same data",
        data.display()
    )
}

/// After a failure on this rank: with several ranks, report it (rank 0, or any rank whose
/// failure is its own) and end the whole job with `code`, so no rank waits for this one.
pub fn abort_group(err: &anyhow::Error, code: u8, collective: bool) {
    let comm = group();
    if comm.size() == 1 {
        drop(comm);
        return leave();
    }
    if comm.rank() == 0 || !collective {
        crate::stdout::errln!("error (rank {} of {}): {err:#}", comm.rank(), comm.size());
    }
    comm.abort(i32::from(code));
}
