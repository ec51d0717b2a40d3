//! The thread count used by nn-tensor's parallel kernels.
//!
//! Results never depend on it: kernels split only the `m`/`n` dimensions of a product, never the
//! reduction dimension `k`, so every output element is summed in the same order.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

static THREADS: AtomicUsize = AtomicUsize::new(0);

/// Sets how many threads kernels may use; `0` means "all available cores" (the default).
///
/// ```
/// nn_tensor::set_num_threads(1);
/// assert_eq!(nn_tensor::num_threads(), 1);
/// nn_tensor::set_num_threads(0);
/// ```
pub fn set_num_threads(n: usize) {
    THREADS.store(n, Ordering::Relaxed);
}

/// The number of threads kernels may use (at least 1).
///
/// ```
/// assert!(nn_tensor::num_threads() >= 1);
/// ```
pub fn num_threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => all_cores(),
        n => n,
    }
}

/// The core count, asked once: `available_parallelism` reads cgroup files on Linux, which costs
/// more than a small matrix product.
fn all_cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}
