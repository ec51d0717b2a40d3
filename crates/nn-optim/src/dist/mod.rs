//! Data-parallel training across processes: the [`Communicator`] abstraction (rank, size,
//! broadcast, all-reduce), its single-process [`Local`] and in-process [`ThreadGroup`]
//! implementations, the MPI one behind the `mpi` feature, the exact fixed-point reduction of
//! `--deterministic-reduce` ([`exact`]) and the per-step gradient combiner [`DataParallel`].
//!
//! Every rank runs the same program on the same data: the same seeded permutation, each global
//! batch split into per-rank slices ([`DataParallel::local_shards`]), then one fused all-reduce
//! of the gradients, loss sum, row count and stop flag per step, so every rank applies the same
//! update and stops at the same step.
//!
//! ```
//! use nn_optim::dist::{Communicator, Local};
//! let comm = Local;
//! let mut grads = [1.5_f64, -2.0];
//! comm.all_reduce_sum_f64(&mut grads);
//! assert_eq!((comm.rank(), comm.size(), grads), (0, 1, [1.5, -2.0]));
//! ```

pub mod exact;
mod local;
#[cfg(feature = "mpi")]
pub mod mpi;
mod parallel;
mod threads;

pub use local::Local;
pub use parallel::{DataParallel, Reduction, StepTotals};
pub use threads::ThreadGroup;

use nn_core::Parameters;
use nn_tensor::Float;

/// A group of `size` processes (ranks `0..size`) running the same program.
///
/// Collectives must be called by every rank in the same order with buffers of the same length;
/// each returns the same values on every rank. A failure of the transport (a rank killed, a
/// network error) ends the whole job, as MPI's default error handler does: collectives
/// therefore return nothing, and never leave one rank waiting for a dead peer forever.
pub trait Communicator {
    /// This process's rank, `0..size()`.
    fn rank(&self) -> usize;
    /// The number of processes.
    fn size(&self) -> usize;
    /// Replaces `bytes` on every rank with rank 0's bytes (lengths may differ before).
    fn broadcast_bytes(&self, bytes: &mut Vec<u8>);
    /// Element-wise sum over the ranks, in place.
    fn all_reduce_sum_f32(&self, buf: &mut [f32]);
    /// Element-wise sum over the ranks, in place.
    fn all_reduce_sum_f64(&self, buf: &mut [f64]);
    /// `recv` ← the element-wise sum over the ranks of their `send` (same lengths), leaving
    /// `send` as it is: no copy of `send` where the transport reads it directly.
    fn all_reduce_sum_into_f32(&self, send: &[f32], recv: &mut [f32]) {
        recv.copy_from_slice(send);
        self.all_reduce_sum_f32(recv);
    }
    /// `recv` ← the element-wise sum over the ranks of their `send` (same lengths).
    fn all_reduce_sum_into_f64(&self, send: &[f64], recv: &mut [f64]) {
        recv.copy_from_slice(send);
        self.all_reduce_sum_f64(recv);
    }
    /// Element-wise (exact, wrapping never happens within [`exact`]'s bounds) sum, in place.
    fn all_reduce_sum_i64(&self, buf: &mut [i64]);
    /// Element-wise maximum over the ranks, in place (NaN must be mapped away by the caller).
    fn all_reduce_max_f64(&self, buf: &mut [f64]);
    /// Ends every process of the group with exit status `code`, when this rank failed alone
    /// (the others may be waiting in a collective); a single process just returns.
    fn abort(&self, code: i32) {
        let _ = code;
    }
}

/// Sums `buf` over the ranks of `comm`, in place, in the network's float type.
///
/// ```
/// use nn_optim::dist::{all_reduce_sum, Local};
/// let mut g = [0.25_f32];
/// all_reduce_sum(&Local, &mut g);
/// assert_eq!(g, [0.25]);
/// ```
pub fn all_reduce_sum<T: Float>(comm: &dyn Communicator, buf: &mut [T]) {
    if let Some(b) = T::as_f32_mut(buf) {
        return comm.all_reduce_sum_f32(b);
    }
    if let Some(b) = T::as_f64_mut(buf) {
        return comm.all_reduce_sum_f64(b);
    }
    unreachable!("nn_tensor::Float is f32 or f64");
}

/// `recv` ← the sum over the ranks of their `send`, in the network's float type, read and
/// written where they lie.
///
/// ```
/// use nn_optim::dist::{all_reduce_sum_into, Local};
/// let mut sum = [0.0_f32; 2];
/// all_reduce_sum_into(&Local, &[0.5, 2.0], &mut sum);
/// assert_eq!(sum, [0.5, 2.0]);
/// ```
pub fn all_reduce_sum_into<T: Float>(comm: &dyn Communicator, send: &[T], recv: &mut [T]) {
    if let (Some(send), Some(recv)) = (T::as_f32(send), T::as_f32_mut(recv)) {
        return comm.all_reduce_sum_into_f32(send, recv);
    }
    if let (Some(send), Some(recv)) = (T::as_f64(send), T::as_f64_mut(recv)) {
        return comm.all_reduce_sum_into_f64(send, recv);
    }
    unreachable!("nn_tensor::Float is f32 or f64");
}

/// Replaces every parameter of `model` with rank 0's value (exactly, through `f64`).
///
/// ```
/// use nn_core::{Activation, Network};
/// use nn_optim::dist::{broadcast_params, Local};
/// let mut net = Network::<f32>::mlp(&[2, 1], Activation::Identity, Activation::Identity, 3)?;
/// let before = net.layers()[0].weight().clone();
/// broadcast_params(&Local, &mut net);
/// assert_eq!(net.layers()[0].weight(), &before);
/// # Ok::<(), nn_core::CoreError>(())
/// ```
pub fn broadcast_params<T: Float>(comm: &dyn Communicator, model: &mut dyn Parameters<T>) {
    let mut bytes = Vec::new();
    model.visit_params(&mut |p| {
        for v in p.value.iter() {
            bytes.extend_from_slice(&Float::to_f64(*v).to_le_bytes());
        }
    });
    comm.broadcast_bytes(&mut bytes);
    let mut values = bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
    model.visit_params(&mut |p| {
        for v in p.value.iter_mut() {
            *v = T::from_f64(values.next().unwrap_or(0.0));
        }
    });
}

/// Whether `bytes` (e.g. a data file's size and hash) are the same on every rank; every rank
/// gets the same answer, so all can refuse to start together.
///
/// ```
/// use nn_optim::dist::{same_on_all, Local};
/// assert!(same_on_all(&Local, b"iris.csv 4551 bytes"));
/// ```
pub fn same_on_all(comm: &dyn Communicator, bytes: &[u8]) -> bool {
    let mut root = bytes.to_vec();
    comm.broadcast_bytes(&mut root);
    let mut differs = [i64::from(root != bytes)];
    comm.all_reduce_sum_i64(&mut differs);
    differs[0] == 0
}
