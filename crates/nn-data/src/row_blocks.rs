//! Row-wise work on a large row-major matrix split into contiguous blocks of rows, one per
//! thread of nn-tensor's pool ([`nn_tensor::num_threads`], so `--threads` holds): for passes
//! whose result does not depend on the split (column extremes, elementwise maps), so the
//! output is the same bits at any thread count.

use std::sync::{Mutex, PoisonError};

/// Values below which a pass stays on the calling thread (starting helpers costs more).
const MIN_PARALLEL_VALUES: usize = 1 << 20;

/// The number of blocks for `rows` rows of `width` values.
fn block_count(rows: usize, width: usize) -> usize {
    if rows.saturating_mul(width) < MIN_PARALLEL_VALUES {
        1
    } else {
        nn_tensor::num_threads().clamp(1, rows)
    }
}

/// Rows per block (the last may be shorter).
fn block_rows(rows: usize, blocks: usize) -> usize {
    rows.div_ceil(blocks).max(1)
}

/// `f` on each block of whole rows of `values` (rows of `width` values, `width > 0`), the
/// blocks' results in row order.
pub(crate) fn map<T: Sync, R: Send>(
    values: &[T],
    width: usize,
    f: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let rows = values.len() / width.max(1);
    let blocks = block_count(rows, width);
    let step = block_rows(rows, blocks) * width.max(1);
    let parts: Vec<&[T]> = values.chunks(step).collect();
    let results: Mutex<Vec<Option<R>>> = Mutex::new(parts.iter().map(|_| None).collect());
    nn_tensor::run_parts(parts.len(), &|i| {
        let r = f(parts[i]);
        results.lock().unwrap_or_else(PoisonError::into_inner)[i] = Some(r);
    });
    let results = results.into_inner().unwrap_or_else(PoisonError::into_inner);
    results.into_iter().flatten().collect()
}

/// `f` on each block of whole rows of `values` (rows of `width` values, `width > 0`), in
/// place.
pub(crate) fn for_each_mut<T: Send>(values: &mut [T], width: usize, f: impl Fn(&mut [T]) + Sync) {
    let rows = values.len() / width.max(1);
    let blocks = block_count(rows, width);
    let step = block_rows(rows, blocks) * width.max(1);
    let parts: Vec<Mutex<Option<&mut [T]>>> = values
        .chunks_mut(step)
        .map(|c| Mutex::new(Some(c)))
        .collect();
    nn_tensor::run_parts(parts.len(), &|i| {
        let part = parts[i]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(part) = part {
            f(part);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_every_row_once_in_order() {
        // 3 000 rows × 500 values: over the parallel threshold, so several blocks at 2+ threads.
        let width = 500;
        let n = 3000 * width as u64;
        let mut values: Vec<u64> = (0..n).collect();
        for (added, threads) in [1, 2, 3, 7].into_iter().enumerate() {
            nn_tensor::set_num_threads(threads);
            let sums = map(&values, width, |b| (b.len(), b.iter().sum::<u64>()));
            assert_eq!(sums.len(), threads, "{threads} threads");
            assert!(sums.iter().all(|(len, _)| len % width == 0));
            let total: u64 = sums.iter().map(|s| s.1).sum();
            assert_eq!(total, n * (n - 1) / 2 + added as u64 * n); // 0 + 1 + … + (n − 1), + 1s
            for_each_mut(&mut values, width, |b| b.iter_mut().for_each(|v| *v += 1));
        }
        nn_tensor::set_num_threads(0);
        assert!(values.iter().enumerate().all(|(i, &v)| v == i as u64 + 4));
        // Small inputs stay in one block.
        assert_eq!(
            map(&values[..10 * width], width, |b| b.len()),
            vec![10 * width]
        );
    }
}
