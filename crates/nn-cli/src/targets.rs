//! Class targets as the losses want them: one-hot rows (cross-entropy), or a single 0/1 column
//! (binary cross-entropy on one logit).

use ndarray::Array2;
use nn_tensor::Float;

/// One-hot rows (nn-data's [`nn_data::one_hot`]), or for `single_column` one column holding 1
/// for class 1 and 0 for class 0.
pub fn encode_classes<D: Float>(
    indices: &[usize],
    n_classes: usize,
    single_column: bool,
) -> Array2<D> {
    if single_column {
        let column = indices.iter().map(|&k| D::from_f64(k as f64));
        return Array2::from_shape_vec((indices.len(), 1), column.collect()).expect("n × 1");
    }
    nn_data::one_hot(indices, n_classes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn one_hot_or_one_column() {
        let y: Array2<f64> = encode_classes(&[1, 0, 2], 3, false);
        assert_eq!(y, array![[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]);
        let y: Array2<f32> = encode_classes(&[1, 0], 2, true);
        assert_eq!(y, array![[1.0], [0.0]]);
    }
}
