//! [`ThreadGroup`]: ranks that are threads of one process, for testing data-parallel code
//! (order independence, identical bits on every rank) without an MPI installation.

use std::sync::{Arc, Condvar, Mutex, PoisonError};

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
///
/// A rank that ends (its `ThreadGroup` dropped, e.g. its thread returned an error) while the
/// others wait in a collective makes them panic instead of waiting forever, as MPI's default
/// error handler ends the job.
#[derive(Debug)]
pub struct ThreadGroup {
    rank: usize,
    size: usize,
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<Round>,
    changed: Condvar,
}

/// The collective in progress.
#[derive(Debug)]
struct Round {
    /// Each rank's buffer of the current collective.
    slots: Vec<Vec<u8>>,
    /// Ranks that have put their buffer in.
    arrived: usize,
    /// Completed collectives; `all` holds the last one's buffers.
    generation: u64,
    all: Arc<Vec<Vec<u8>>>,
    /// Ranks that have ended.
    ended: usize,
}

impl ThreadGroup {
    /// The `size` ranks of a new group, rank `i` at index `i`; move each into its own thread.
    pub fn new(size: usize) -> Vec<ThreadGroup> {
        let shared = Arc::new(Shared {
            state: Mutex::new(Round {
                slots: vec![Vec::new(); size],
                arrived: 0,
                generation: 0,
                all: Arc::new(Vec::new()),
                ended: 0,
            }),
            changed: Condvar::new(),
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
    ///
    /// # Panics
    /// If another rank ends before it joins this collective.
    fn all_gather(&self, mine: Vec<u8>) -> Arc<Vec<Vec<u8>>> {
        let mut round = self.lock();
        round.slots[self.rank] = mine;
        round.arrived += 1;
        if round.arrived == self.size {
            round.all = Arc::new(std::mem::take(&mut round.slots));
            round.slots = vec![Vec::new(); self.size];
            (round.arrived, round.generation) = (0, round.generation + 1);
            self.shared.changed.notify_all();
            return Arc::clone(&round.all);
        }
        let generation = round.generation;
        while round.generation == generation {
            assert!(
                round.ended == 0,
                "rank {}: another rank ended during a collective",
                self.rank
            );
            round = self
                .shared
                .changed
                .wait(round)
                .unwrap_or_else(PoisonError::into_inner);
        }
        Arc::clone(&round.all)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Round> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
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
        bytes.clone_from(&all[0]);
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

impl Drop for ThreadGroup {
    fn drop(&mut self) {
        self.lock().ended += 1;
        self.shared.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rank that ends while another waits in a collective makes the waiting rank panic (a
    /// failing test, not a hung one).
    #[test]
    fn a_rank_that_ends_early_fails_the_waiting_one() {
        let mut ranks = ThreadGroup::new(2).into_iter();
        let (first, second) = (ranks.next().unwrap(), ranks.next().unwrap());
        let waiting = std::thread::spawn(move || first.all_reduce_sum_f64(&mut [1.0]));
        std::thread::sleep(std::time::Duration::from_millis(50));
        drop(second);
        assert!(waiting.join().is_err());
    }
}
