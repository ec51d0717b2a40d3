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
    let state = parameters(sizes).saturating_mul(2 + optimizer_slots as u64);
    let activations = widths(sizes).saturating_mul(3).saturating_mul(rows as u64);
    state
        .saturating_add(activations)
        .saturating_mul(element as u64)
}

/// One forward pass of a network of layer `sizes` over `rows` rows at once (`nn evaluate`,
/// `nn predict`): the parameters, and each layer's pre-activation and activation:
/// `(P + 2 · rows · Σ widths) · element` bytes.
///
/// ```
/// // 4-3-2, P = 23; 10 rows: 2·10·(3+2) = 100; (23 + 100)·8 = 984 bytes
/// assert_eq!(nn_cli::limits::estimate::forward(&[4, 3, 2], 10, 8), 984);
/// ```
pub fn forward(sizes: &[usize], rows: usize, element: usize) -> u64 {
    let activations = widths(sizes).saturating_mul(2).saturating_mul(rows as u64);
    parameters(sizes)
        .saturating_add(activations)
        .saturating_mul(element as u64)
}

/// `P = Σ (a·b + b)` over consecutive sizes `a → b`.
fn parameters(sizes: &[usize]) -> u64 {
    sizes.windows(2).fold(0u64, |acc, w| {
        acc.saturating_add(matrix(w[0], w[1], 1).saturating_add(w[1] as u64))
    })
}

/// The widths of the layers after the input, summed.
fn widths(sizes: &[usize]) -> u64 {
    let widths = sizes.iter().skip(1).map(|&w| w as u64);
    widths.fold(0u64, |acc, w| acc.saturating_add(w))
}

/// Class targets for `classes` output columns: the one-hot targets of `rows` rows (every part
/// together) in `element`-byte floats, and, while the largest part (`scored` rows) is scored,
/// its outputs and targets as `f64` (16 bytes a cell):
/// `rows · classes · element + scored · classes · 16` bytes.
///
/// ```
/// // iris: 150 rows × 3 classes in f32, the 108 training rows scored:
/// // 150·3·4 + 108·3·16 = 1800 + 5184 = 6984 bytes
/// assert_eq!(nn_cli::limits::estimate::class_targets(150, 108, 3, 4), 6984);
/// ```
pub fn class_targets(rows: usize, scored: usize, classes: usize, element: usize) -> u64 {
    matrix(rows, classes, element).saturating_add(matrix(scored, classes, 16))
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
        // 30 000 rows of one-hot targets over 30 000 classes in f32: 30 000²·4 = 3.6e9;
        // 24 000 of them scored in f64: 24 000·30 000·16 = 1.152e10; 1.512e10 bytes in all
        assert_eq!(matrix(30_000, 30_000, 4), 3_600_000_000);
        assert_eq!(class_targets(30_000, 24_000, 30_000, 4), 15_120_000_000);
        // measured (`nn train --data ids10k.csv --test ids10k.csv --val-split 0`, 10 000
        // classes, 10 000 rows in each part, f32): peak RSS 1.7 GB; the estimate is
        // 20 000·10⁴·4 + 10⁴·10⁴·16 = 0.8e9 + 1.6e9 = 2.4e9 bytes
        assert_eq!(class_targets(20_000, 10_000, 10_000, 4), 2_400_000_000);
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
        // 1 000 000 rows through 10-65 536-3 in f64: P = 10·65 536 + 65 536 + 65 536·3 + 3
        // = 917 507; 2·10⁶·65 539 = 131 078 000 000; (917 507 + 131 078 000 000)·8 bytes
        assert_eq!(forward(&[10, 65_536, 3], 1_000_000, 8), 1_048_631_340_056);
        // 100 000 columns: 6·10¹⁰·8 = 4.8e11 bytes (about 447 GiB)
        assert_eq!(whitening(100_000), 480_000_000_000);
    }
}
