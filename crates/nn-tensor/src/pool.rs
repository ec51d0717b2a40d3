//! Running the parts of one kernel call on several threads, with helpers that linger.
//!
//! [`run_parts`] runs `task(i)` for every part `i`: the calling thread claims parts itself, and
//! helpers (rayon workers) claim the rest. A training step issues its products back to back, so
//! a helper lingers briefly after its last part, spinning, to take the next call's parts without
//! the tens of microseconds it costs to wake a parked thread — as long as a whole mid-size
//! product on one core. Which thread runs a part never changes what the part computes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// Runs `task(0)`, …, `task(parts - 1)` on the calling thread and up to `parts - 1` helpers;
/// returns when all are done. Parts must not depend on each other. Meant for short, regular
/// work issued back to back (a training step's pieces); results must not depend on which thread
/// runs a part.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let total = AtomicUsize::new(0);
/// nn_tensor::run_parts(4, &|i| {
///     total.fetch_add(i, Ordering::Relaxed);
/// });
/// assert_eq!(total.into_inner(), 6);
/// ```
pub fn run_parts(parts: usize, task: &(dyn Fn(usize) + Sync)) {
    if parts <= 1 {
        if parts == 1 {
            task(0);
        }
        return;
    }
    // SAFETY: the lifetime is erased only while this call runs: `wait` returns after every
    // part is done, and a helper dereferences `task` only for a part it claimed (one below
    // `parts`), never after claiming fails.
    let task: &'static (dyn Fn(usize) + Sync) = unsafe { std::mem::transmute(task) };
    let crew = Arc::new(Crew {
        parts,
        task,
        caller: std::thread::current(),
        next: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
    });
    let helper = Arc::clone(&crew);
    hire(Arc::new(move || helper.work()), parts - 1);
    crew.work();
    crew.wait();
}

/// The parts of one call, claimed one at a time by whoever comes (see [`hire`]).
struct Crew {
    parts: usize,
    /// Valid while the call that made the crew runs (see [`run_parts`]).
    task: &'static (dyn Fn(usize) + Sync),
    /// The thread that waits for the parts (woken by whoever finishes the last one).
    caller: Thread,
    /// The next unclaimed part.
    next: AtomicUsize,
    /// How many parts are finished.
    done: AtomicUsize,
}

impl Crew {
    /// Waits until every part is done: spins briefly, then parks, so that on a busy machine the
    /// part still running can take this core.
    fn wait(&self) {
        let done = || self.done.load(Ordering::Acquire) == self.parts;
        let mut spins = 0_u32;
        while !done() {
            if spins < 1 << 12 {
                spins += 1;
                std::hint::spin_loop();
            } else {
                std::thread::park_timeout(Duration::from_micros(200));
            }
        }
    }

    /// Claims and runs parts until none are left.
    fn work(&self) {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            if i >= self.parts {
                return;
            }
            (self.task)(i);
            if self.done.fetch_add(1, Ordering::Release) + 1 == self.parts {
                self.caller.unpark();
            }
        }
    }
}

/// The work a helper runs: claim parts until none are left (safe to run late, or twice).
type Job = Arc<dyn Fn() + Send + Sync>;

/// The latest posted job, for helpers that linger after their last one.
static POSTED: Mutex<Option<Job>> = Mutex::new(None);
/// Counts posts to [`POSTED`], so lingering helpers notice a new one without locking.
static POSTS: AtomicUsize = AtomicUsize::new(0);
/// How many helpers linger now.
static LINGERING: AtomicUsize = AtomicUsize::new(0);
/// How long a helper lingers after its last job: waking a parked rayon worker takes tens of
/// microseconds, as long as a whole mid-size product on one core.
const LINGER: Duration = Duration::from_micros(200);

/// Finds `helpers` helpers for `job`: lingering ones first, then new rayon tasks. Nothing
/// waits for them; a helper that comes late finds no work left and leaves.
fn hire(job: Job, helpers: usize) {
    let lingering = LINGERING.load(Ordering::Relaxed);
    if lingering > 0 {
        *POSTED.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&job));
        POSTS.fetch_add(1, Ordering::Release);
    }
    for _ in lingering.min(helpers)..helpers {
        let job = Arc::clone(&job);
        rayon::spawn(move || {
            job();
            linger();
        });
    }
}

/// Waits a while for the next posted job (running pending rayon work meanwhile), to spare the
/// next call the cost of waking a parked thread.
fn linger() {
    LINGERING.fetch_add(1, Ordering::Relaxed);
    let mut seen = POSTS.load(Ordering::Acquire);
    let mut since = Instant::now();
    let mut round = 0_u32;
    loop {
        round = round.wrapping_add(1);
        let posts = POSTS.load(Ordering::Acquire);
        if posts != seen {
            seen = posts;
            let job = POSTED
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            if let Some(job) = job {
                job();
            }
            since = Instant::now();
        } else if since.elapsed() > LINGER {
            break;
        } else if rayon::yield_now() != Some(rayon::Yield::Executed) {
            if round.is_multiple_of(16) {
                // Now and then give the core away, in case anyone else wants it (a busy machine).
                std::thread::yield_now();
            }
            for _ in 0..32 {
                std::hint::spin_loop();
            }
        }
    }
    LINGERING.fetch_sub(1, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::run_parts;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn every_part_runs_exactly_once() {
        for parts in [0, 1, 2, 3, 17] {
            let hits: Vec<AtomicUsize> = (0..parts).map(|_| AtomicUsize::new(0)).collect();
            for _ in 0..50 {
                run_parts(parts, &|i| {
                    hits[i].fetch_add(1, Ordering::Relaxed);
                });
            }
            assert!(
                hits.iter().all(|h| h.load(Ordering::Relaxed) == 50),
                "{parts} parts"
            );
        }
    }
}
