//! `nn train` and `nn cv` started by `mpirun` or `srun` (feature `mpi`): joining the process
//! group, files read by rank 0 only and sent to the others, the check that every rank reads the
//! same input files, ending the whole job when one rank fails, and refusing the commands that
//! have no data-parallel form. Without a launcher (or without the feature) the group is the
//! single process [`Local`], and everything here is a no-op.

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

///
/// A launcher that announced several processes but whose MPI job holds only this one (`srun`
/// without `--mpi=pmix`/`pmi2`, or an MPI library without the launcher's support: each process
/// would be a job of one) is refused: every copy would train alone and write the same files.
#[cfg(feature = "mpi")]
fn launched_group() -> Result<Option<Rc<dyn Communicator>>> {
    let mpi = nn_optim::dist::mpi::Mpi::init().context("starting MPI")?;
    let size = mpi.as_ref().map_or(1, |m| m.size());
    if let Some((variable, announced)) = announced_size(|v| std::env::var(v).ok()) {
        if size != announced {
            return Err(crate::fsutil::usage(format!(
                "a launcher started this nn as one of {announced} processes \
                 ({variable}={announced}), but its MPI job holds {size}: the launcher and the MPI \
                 library did not connect (under srun, pass --mpi=pmix or --mpi=pmi2, or start \
                 nn with mpirun)"
            )));
        }
    }
    Ok(mpi.map(|m| Rc::new(m) as Rc<dyn Communicator>))
}

/// Without the feature, a launcher's several processes would each train alone on all the data
/// and write the same files: refused, saying how to build the MPI-enabled `nn`.
#[cfg(not(feature = "mpi"))]
fn launched_group() -> Result<Option<Rc<dyn Communicator>>> {
    if let Some((variable, size)) = announced_size(|v| std::env::var(v).ok()) {
        return Err(crate::fsutil::usage(format!(
            "this nn was built without MPI, but a launcher started it as one of {size} processes \
             ({variable}={size}); build it with `cargo build --release -p nn-cli --features mpi` \
             for data-parallel training, or run it without mpirun/srun"
        )));
    }
    Ok(None)
}

/// Refuses to run `command`, which has no data-parallel form, as one of several processes a
/// launcher started: each copy would do the whole work and write the same files.
pub fn single_process(command: &str) -> Result<()> {
    match announced_size(|v| std::env::var(v).ok()) {
        Some((variable, size)) => Err(crate::fsutil::usage(format!(
            "nn {command} runs on one process, but a launcher started it as one of {size} \
             processes ({variable}={size}); run it without mpirun/srun (nn train and nn cv \
             train data-parallel)"
        ))),
        None => Ok(()),
    }
}

/// The process count that Open MPI's `mpirun` (`OMPI_COMM_WORLD_SIZE`), a PMI launcher
/// (`PMI_SIZE`) or Slurm's `srun` (`SLURM_STEP_NUM_TASKS`, the tasks of this job step; `sbatch`
/// and `salloc` do not set it, so a batch script's own commands are single processes) gave
/// this process, when above 1 (`var` reads a variable).
///
/// ```text
/// OMPI_COMM_WORLD_SIZE=4 → Some(("OMPI_COMM_WORLD_SIZE", 4)); =1, unset or not a number → None
/// ```
fn announced_size(var: impl Fn(&str) -> Option<String>) -> Option<(&'static str, usize)> {
    ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"]
        .into_iter()
        .find_map(|name| Some((name, var(name)?.trim().parse::<usize>().ok()?)))
        .filter(|&(_, size)| size > 1)
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

/// Refuses to train when an input file differs between ranks: for each `(flag, path)`, in
/// order, every rank's fingerprint of its file (size and hash, see
/// [`data_identity`](crate::train_checkpoint::data_identity); a folder's files by name) is
/// compared with rank 0's; an absent one counts as a fingerprint, so a flag given on some
/// ranks only differs too. Every rank runs the same collectives and answers together, naming
/// the first differing file. Standard input (`-`) is not compared.
pub fn check_same_inputs(inputs: &[(&str, Option<&Path>)]) -> Result<()> {
    let comm = group();
    for &(flag, path) in inputs {
        let identity = match path {
            None => b"absent".to_vec(),
            Some(p) if crate::dataset::is_stdin(p) => b"standard input".to_vec(),
            Some(p) => crate::train_checkpoint::data_identity(p)?,
        };
        if !same_on_all(&*comm, &identity) {
            let name = path.map_or("(not given)".into(), |p| p.display().to_string());
            bail!(
                "{flag} {name} differs between the processes (size or hash, or given on some only); every rank must read the same files"
            );
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::announced_size;

    #[test]
    fn a_launchers_process_count_is_read_from_its_variables() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |v: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == v)
                    .map(|(_, x)| x.to_string())
            }
        };
        assert_eq!(
            announced_size(env(&[("OMPI_COMM_WORLD_SIZE", "4")])),
            Some(("OMPI_COMM_WORLD_SIZE", 4))
        );
        assert_eq!(
            announced_size(env(&[("PMI_SIZE", "2")])),
            Some(("PMI_SIZE", 2))
        );
        assert_eq!(
            announced_size(env(&[("SLURM_STEP_NUM_TASKS", "8")])),
            Some(("SLURM_STEP_NUM_TASKS", 8))
        );
        assert_eq!(announced_size(env(&[("SLURM_STEP_NUM_TASKS", "1")])), None);
        assert_eq!(announced_size(env(&[("OMPI_COMM_WORLD_SIZE", "1")])), None);
        assert_eq!(announced_size(env(&[("PMI_SIZE", "many")])), None);
        assert_eq!(announced_size(env(&[])), None);
    }
}
