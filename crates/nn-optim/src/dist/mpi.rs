//! [`Mpi`]: the [`Communicator`] of a job started by `mpirun` or `srun`, over the `mpi`
//! crate (rsmpi) and the system's MPI library (feature `mpi`).
//!
//! MPI is initialised with funnelled threading (only the main thread calls MPI; nn-tensor's
//! worker threads never do). Errors keep MPI's default handler, `MPI_ERRORS_ARE_FATAL`: a
//! failed collective, e.g. because a peer was killed, aborts the whole job rather than leaving
//! the surviving ranks waiting.

use std::cell::RefCell;

use mpi::collective::{CommunicatorCollectives, Root, SystemOperation};
use mpi::environment::Universe;
use mpi::topology::{Communicator as _, SimpleCommunicator};
use mpi::Threading;

use super::Communicator;
use crate::{OptimError, Result};

/// Environment variables set by the launchers nn supports (Open MPI's `mpirun`, PMIx and PMI
/// launchers such as Slurm's `srun --mpi=pmix` and MPICH's Hydra).
const LAUNCHER_VARIABLES: [&str; 4] = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"];

/// Whether this process was started by an MPI launcher.
///
/// ```
/// // cargo test is not started by mpirun.
/// # if std::env::var_os("OMPI_COMM_WORLD_SIZE").is_none() && std::env::var_os("PMIX_RANK").is_none() {
/// assert!(!nn_optim::dist::mpi::launched());
/// # }
/// ```
pub fn launched() -> bool {
    LAUNCHER_VARIABLES
        .iter()
        .any(|v| std::env::var_os(v).is_some())
}

/// The world communicator of an MPI job; MPI is finalised when it is dropped.
pub struct Mpi {
    world: SimpleCommunicator,
    _universe: Universe,
    /// Send buffers of the all-reduces (rsmpi has no in-place form), kept between steps: a
    /// fresh megabyte per step is fresh pages for the kernel to zero.
    send: Scratch,
}

/// One reusable send buffer per element type.
#[derive(Default)]
struct Scratch {
    f32: RefCell<Vec<f32>>,
    f64: RefCell<Vec<f64>>,
    i64: RefCell<Vec<i64>>,
}

impl Mpi {
    /// Initialises MPI (funnelled threading) when a launcher started this process; `None`
    /// otherwise, so that `nn` run by hand stays an ordinary single process.
    pub fn init() -> Result<Option<Mpi>> {
        if !launched() {
            return Ok(None);
        }
        let Some((universe, threading)) = mpi::initialize_with_threading(Threading::Funneled)
        else {
            return Err(mpi_error("MPI was already initialised"));
        };
        if threading < Threading::Funneled {
            return Err(mpi_error(&format!(
                "the MPI library offers {threading:?} threading, nn needs Funneled"
            )));
        }
        let world = universe.world();
        Ok(Some(Mpi {
            world,
            _universe: universe,
            send: Scratch::default(),
        }))
    }

    /// `buf` ← `op` over the ranks, through the reusable send buffer `send`.
    fn reduce<T, O>(&self, send: &RefCell<Vec<T>>, buf: &mut [T], op: O)
    where
        T: mpi::datatype::Equivalence + Copy,
        O: mpi::collective::Operation,
    {
        let mut send = send.borrow_mut();
        send.clear();
        send.extend_from_slice(buf);
        self.world.all_reduce_into(&send[..], buf, op);
    }
}

fn mpi_error(reason: &str) -> OptimError {
    OptimError::InvalidConfig {
        name: "MPI",
        reason: reason.to_string(),
    }
}

impl Communicator for Mpi {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }
    fn size(&self) -> usize {
        self.world.size() as usize
    }
    fn broadcast_bytes(&self, bytes: &mut Vec<u8>) {
        let root = self.world.process_at_rank(0);
        let mut len = bytes.len() as u64;
        root.broadcast_into(&mut len);
        bytes.resize(len as usize, 0);
        root.broadcast_into(&mut bytes[..]);
    }
    fn all_reduce_sum_f32(&self, buf: &mut [f32]) {
        self.reduce(&self.send.f32, buf, SystemOperation::sum());
    }
    fn all_reduce_sum_into_f32(&self, send: &[f32], recv: &mut [f32]) {
        self.world
            .all_reduce_into(send, recv, SystemOperation::sum());
    }
    fn all_reduce_sum_into_f64(&self, send: &[f64], recv: &mut [f64]) {
        self.world
            .all_reduce_into(send, recv, SystemOperation::sum());
    }
    fn all_reduce_sum_f64(&self, buf: &mut [f64]) {
        self.reduce(&self.send.f64, buf, SystemOperation::sum());
    }
    fn all_reduce_sum_i64(&self, buf: &mut [i64]) {
        self.reduce(&self.send.i64, buf, SystemOperation::sum());
    }
    fn abort(&self, code: i32) {
        self.world.abort(code)
    }
    fn all_reduce_max_f64(&self, buf: &mut [f64]) {
        self.reduce(&self.send.f64, buf, SystemOperation::max());
    }
}
