//! [`ThreadGroup`]: ranks that are threads of one process, for testing data-parallel code
//! (order independence, identical bits on every rank) without an MPI installation.

use std::sync::{Arc, Barrier, Mutex, PoisonError};

use super::Communicator;

/// One rank of a group of threads; collectives combine the ranks' buffers in rank order.
///
/// ```
/// use nn_optim::dist::{Communicator, ThreadGroup};
/// let sums: Vec<Vec<f64>> = std::thread::scope(|s| {
///     let handles: Vec<_> = ThreadGroup::new(3)
///         .into_iter()
///         .map(|comm| s.spawn(move || {
///             let mut v = vec![comm.rank() as f64, 1.0];
///             comm.all_reduce_sum_f64(&mut v);
///             v
///         }))
///         .collect();
///     handles.into_iter().map(|h| h.join().unwrap()).collect()
/// });
/// assert!(sums.iter().all(|v| v == &[3.0, 3.0]));
/// ```
#[derive(Debug, Clone)]
pub struct ThreadGroup {
    rank: usize,
    size: usize,
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    barrier: Barrier,
    slots: Mutex<Vec<Vec<u8>>>,
}

impl ThreadGroup {
    /// The `size` ranks of a new group, rank `i` at index `i`; move each into its own thread.
    pub fn new(size: usize) -> Vec<ThreadGroup> {
        let shared = Arc::new(Shared {
            barrier: Barrier::new(size),
            slots: Mutex::new(vec![Vec::new(); size]),
        });
        (0..size)
            .map(|rank| ThreadGroup {
                rank,
                size,
                shared: Arc::clone(&shared),
            })
            .collect()
    }

    /// Every rank's `mine`, in rank order, on every rank.
    fn all_gather(&self, mine: Vec<u8>) -> Vec<Vec<u8>> {
        let lock = || {
            self.shared
                .slots
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        lock()[self.rank] = mine;
        self.shared.barrier.wait();
        let all = lock().clone();
        self.shared.barrier.wait();
        all
    }

    /// Combines `buf` element-wise with every rank's, in rank order.
    fn reduce<const W: usize, V: Copy>(
        &self,
        buf: &mut [V],
        to: fn(V) -> [u8; W],
        from: fn([u8; W]) -> V,
        op: fn(V, V) -> V,
    ) {
        let mine = buf.iter().flat_map(|&v| to(v)).collect();
        let all = self.all_gather(mine);
        for (i, v) in buf.iter_mut().enumerate() {
            let at = |r: &Vec<u8>| from(r[i * W..(i + 1) * W].try_into().unwrap_or([0; W]));
            *v = all
                .iter()
                .skip(1)
                .fold(at(&all[0]), |acc, r| op(acc, at(r)));
        }
    }
}

impl Communicator for ThreadGroup {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.size
    }
    fn broadcast_bytes(&self, bytes: &mut Vec<u8>) {
        let all = self.all_gather(std::mem::take(bytes));
        *bytes = all[0].clone();
    }
    fn all_reduce_sum_f32(&self, buf: &mut [f32]) {
        self.reduce(buf, f32::to_le_bytes, f32::from_le_bytes, |a, b| a + b);
    }
    fn all_reduce_sum_f64(&self, buf: &mut [f64]) {
        self.reduce(buf, f64::to_le_bytes, f64::from_le_bytes, |a, b| a + b);
    }
    fn all_reduce_sum_i64(&self, buf: &mut [i64]) {
        self.reduce(buf, i64::to_le_bytes, i64::from_le_bytes, |a, b| a + b);
    }
    fn all_reduce_max_f64(&self, buf: &mut [f64]) {
        self.reduce(buf, f64::to_le_bytes, f64::from_le_bytes, f64::max);
    }
}
