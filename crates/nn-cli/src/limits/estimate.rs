//! Bytes that large allocations will take, computed from the sizes before allocating. Each
//! count saturates at `u64::MAX` instead of overflowing; each is "about": it counts the
//! matrices that grow with the sizes and leaves out small buffers.

/// A `rows × columns` matrix of `element`-byte values.
///
/// ```
/// assert_eq!(nn_cli::limits::estimate::matrix(150, 4, 8), 4800);
/// ```
pub fn matrix(rows: usize, columns: usize, element: usize) -> u64 {
    (rows as u64)
        .saturating_mul(columns as u64)
        .saturating_mul(element as u64)
}

/// Training a network of layer `sizes` (inputs first) with an optimizer keeping
/// `optimizer_slots` values per parameter, `rows` rows at a time, in `element`-byte floats:
///
/// - parameters, gradients and optimizer state: `P · (2 + slots)` values, `P = Σ (a·b + b)`;
/// - activations: each layer after the input keeps its pre-activation and activation for the
///   backward pass, which makes one gradient of the same shape: `3 · rows · Σ widths` values.
///
/// ```
/// // 4-3-2, P = 4·3+3 + 3·2+2 = 23; SGD with momentum (1 slot): 23·3 = 69 values;
/// // 10 rows: 3·10·(3+2) = 150 values; (69 + 150)·4 bytes = 876
/// assert_eq!(nn_cli::limits::estimate::training(&[4, 3, 2], 1, 10, 4), 876);
/// ```
pub fn training(sizes: &[usize], optimizer_slots: usize, rows: usize, element: usize) -> u64 {
    let pairs = sizes.windows(2);
    let parameters = pairs.fold(0u64, |acc, w| {
        acc.saturating_add(matrix(w[0], w[1], 1).saturating_add(w[1] as u64))
    });
    let state = parameters.saturating_mul(2 + optimizer_slots as u64);
    let widths = sizes.iter().skip(1).map(|&w| w as u64);
    let activations = widths.fold(0u64, |acc, w| acc.saturating_add(w));
    let activations = activations.saturating_mul(3).saturating_mul(rows as u64);
    state
        .saturating_add(activations)
        .saturating_mul(element as u64)
}

/// Fitting PCA/ZCA whitening on `columns` columns (always in `f64`): six `d × d` matrices at
/// the peak — the covariance and its chunk accumulator, the eigensolver's working copy and its
/// eigenvectors, and the whitening matrix and its inverse: `6 · d² · 8` bytes.
///
/// ```
/// // 784 columns (MNIST): 6·784²·8 = 29 503 488 bytes
/// assert_eq!(nn_cli::limits::estimate::whitening(784), 29_503_488);
/// ```
pub fn whitening(columns: usize) -> u64 {
    matrix(columns, columns, 8).saturating_mul(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_by_hand() {
        // 30 000 rows of one-hot targets over 30 000 classes in f32: 30 000²·4 = 3.6e9
        assert_eq!(matrix(30_000, 30_000, 4), 3_600_000_000);
        assert_eq!(matrix(usize::MAX, usize::MAX, 8), u64::MAX);
        // 784-256-10, Adam (2 slots), batch 64, f32:
        // P = 784·256+256 + 256·10+10 = 203 530; state 203 530·4 = 814 120 values;
        // activations 3·64·(256+10) = 51 072 values; (814 120 + 51 072)·4 = 3 460 768 bytes
        assert_eq!(training(&[784, 256, 10], 2, 64, 4), 3_460_768);
        // no hidden layer, one row, 1-1, SGD without state: P = 2, 2·2 + 3·1·1 = 7 values
        assert_eq!(training(&[1, 1], 0, 1, 8), 56);
        assert_eq!(
            training(&[usize::MAX, usize::MAX], 3, usize::MAX, 8),
            u64::MAX
        );
        // 100 000 columns: 6·10¹⁰·8 = 4.8e11 bytes (about 447 GiB)
        assert_eq!(whitening(100_000), 480_000_000_000);
    }
}
