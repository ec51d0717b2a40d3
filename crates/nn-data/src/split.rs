//! Seeded train/test splitting, stratified for classification targets.

use crate::dataset::{Dataset, Target};
use crate::{DataError, Result};
use ndarray_rand::rand::seq::SliceRandom;
use ndarray_rand::rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Splits `data` into `(train, test)` with about `test_fraction` of the rows in `test`.
///
/// The same `seed` gives the same split. For a classification target the split is stratified:
/// each class `c` with `n_c` rows puts `round(test_fraction · n_c)` of them in `test`, so class
/// proportions are preserved within one sample per class (the total test size may therefore
/// differ from `round(test_fraction · n)` by up to half the number of classes). Both parts are
/// shuffled.
///
/// # Errors
/// [`DataError::InvalidParameter`] unless `0 ≤ test_fraction ≤ 1`.
///
/// ```
/// let data = nn_data::Dataset::unlabelled(ndarray::Array2::<f32>::zeros((10, 2)));
/// let (train, test) = nn_data::train_test_split(&data, 0.3, 42)?;
/// assert_eq!((train.n_samples(), test.n_samples()), (7, 3));
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn train_test_split<T: nn_tensor::Float>(
    data: &Dataset<T>,
    test_fraction: f64,
    seed: u64,
) -> Result<(Dataset<T>, Dataset<T>)> {
    if !(0.0..=1.0).contains(&test_fraction) {
        let msg = format!("test_fraction must lie in [0, 1], got {test_fraction}");
        return Err(DataError::invalid("test_fraction", msg));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let groups: Vec<Vec<usize>> = match &data.target {
        Target::Classes { indices, labels } => (0..labels.len().max(1))
            .map(|c| (0..indices.len()).filter(|&i| indices[i] == c).collect())
            .collect(),
        _ => vec![(0..data.n_samples()).collect()],
    };
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for mut group in groups {
        group.shuffle(&mut rng);
        let n_test = (test_fraction * group.len() as f64).round() as usize;
        test.extend_from_slice(&group[..n_test]);
        train.extend_from_slice(&group[n_test..]);
    }
    train.shuffle(&mut rng);
    test.shuffle(&mut rng);
    Ok((data.select(&train), data.select(&test)))
}
