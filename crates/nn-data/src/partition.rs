//! Splitting an owned [`Dataset`] into two parts by moving its rows in place: the feature
//! matrix is reordered inside its own buffer and cut, so only the second part is copied (a
//! 60 000 × 784 MNIST training set split 90/10 touches 19 MB of new memory, not 188 MB).

use crate::dataset::{Dataset, Target};
use crate::{DataError, Result};
use ndarray::{Array2, Axis};
use nn_tensor::Float;

impl<T: Float> Dataset<T> {
    /// Splits the dataset into the rows `first` and the rows `second` (each in the order
    /// given), which together must name every row exactly once. The result equals
    /// `(self.select(first), self.select(second))`, bit for bit, but the first part keeps
    /// `self`'s feature buffer: its rows are moved in place (one row copy each) and only the
    /// second part's features are copied into a new buffer, so give the large part first.
    ///
    /// # Errors
    /// [`DataError::InvalidParameter`] if `first` and `second` are not, together, a
    /// permutation of `0..n_samples`.
    ///
    /// ```
    /// use ndarray::array;
    /// let d = nn_data::Dataset::unlabelled(array![[0.0_f32], [1.0], [2.0], [3.0]]);
    /// let (a, b) = d.clone().partition(&[3, 0, 2], &[1])?;
    /// assert_eq!((&a.features, &b.features), (&array![[3.0], [0.0], [2.0]], &array![[1.0]]));
    /// assert_eq!((a, b), (d.select(&[3, 0, 2]), d.select(&[1])));
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn partition(self, first: &[usize], second: &[usize]) -> Result<(Self, Self)> {
        let order: Vec<usize> = first.iter().chain(second).copied().collect();
        check_permutation(&order, self.n_samples())?;
        let width = self.n_features();
        let mut values = into_row_major(self.features);
        permute_rows(&mut values, width, &order);
        let tail = values.split_off(first.len() * width);
        values.shrink_to_fit(); // gives the moved-out rows' memory back
        let (target_a, target_b) = (
            select_target(&self.target, first),
            select_target(&self.target, second),
        );
        let part = |values: Vec<T>, rows: usize, target| -> Result<Self> {
            let features = Array2::from_shape_vec((rows, width), values)
                .map_err(|e| DataError::invalid("rows", e.to_string()))?;
            Ok(Dataset {
                features,
                feature_names: self.feature_names.clone(),
                target_name: self.target_name.clone(),
                target,
            })
        };
        Ok((
            part(values, first.len(), target_a)?,
            part(tail, second.len(), target_b)?,
        ))
    }
}

/// `order` must hold each of `0..n` exactly once.
fn check_permutation(order: &[usize], n: usize) -> Result<()> {
    let mut seen = vec![false; n];
    for &row in order {
        match seen.get_mut(row) {
            Some(s) if !*s => *s = true,
            Some(_) => {
                let msg = format!("row {row} is named twice");
                return Err(DataError::invalid("rows", msg));
            }
            None => {
                let msg = format!("row {row} is out of range for {n} rows");
                return Err(DataError::invalid("rows", msg));
            }
        }
    }
    if order.len() != n {
        let msg = format!("the parts name {} of the {n} rows", order.len());
        return Err(DataError::invalid("rows", msg));
    }
    Ok(())
}

/// The values of `x` in row-major order, in `x`'s own buffer when it is in standard layout.
fn into_row_major<T: Clone>(x: Array2<T>) -> Vec<T> {
    let x = if x.is_standard_layout() {
        x
    } else {
        x.as_standard_layout().into_owned()
    };
    let len = x.len();
    let (mut values, offset) = x.into_raw_vec_and_offset();
    // A standard-layout array's values are contiguous from its offset into the buffer.
    values.drain(..offset.unwrap_or(0).min(values.len()));
    values.truncate(len);
    values
}

/// Reorders the rows (of `width` values) of the row-major `data` so that row `i` holds what
/// row `order[i]` held; `order` is a permutation of the row indices. Follows each cycle of the
/// permutation once: every row moves once, plus one saved row per cycle.
fn permute_rows<T: Copy>(data: &mut [T], width: usize, order: &[usize]) {
    if width == 0 {
        return;
    }
    let mut done = vec![false; order.len()];
    let mut saved = Vec::with_capacity(width);
    for start in 0..order.len() {
        if done[start] {
            continue;
        }
        saved.clear();
        saved.extend_from_slice(&data[start * width..(start + 1) * width]);
        let mut to = start;
        loop {
            done[to] = true;
            let from = order[to];
            if from == start {
                data[to * width..(to + 1) * width].copy_from_slice(&saved);
                break;
            }
            data.copy_within(from * width..(from + 1) * width, to * width);
            to = from;
        }
    }
}

/// The target of the rows `rows`, in that order.
fn select_target(target: &Target, rows: &[usize]) -> Target {
    match target {
        Target::Classes { indices, labels } => Target::Classes {
            indices: rows.iter().map(|&r| indices[r]).collect(),
            labels: labels.clone(),
        },
        Target::Values(v) => Target::Values(v.select(Axis(0), rows)),
        Target::None => Target::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array1, ShapeBuilder};
    use nn_tensor::s;

    /// 7 rows × 3 columns, row r = [10r, 10r + 1, 10r + 2], with class and value targets.
    fn data(target: Target) -> Dataset<f32> {
        let x = Array2::from_shape_fn((7, 3), |(r, c)| (10 * r + c) as f32);
        Dataset {
            target,
            ..Dataset::unlabelled(x)
        }
    }

    fn classes() -> Target {
        let labels = vec!["a".to_string(), "b".into(), "c".into()];
        let indices = vec![0, 1, 2, 0, 1, 2, 0];
        Target::Classes { indices, labels }
    }

    #[test]
    fn equals_select_for_every_target_kind() {
        // One 4-cycle (0 → 5 → 3 → 1 → 0 in gather order), a 2-cycle and a fixed point.
        let (first, second) = ([5, 3, 6, 1], [0, 4, 2]);
        let values = Target::Values(Array1::from_vec(vec![0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5]));
        for target in [classes(), values, Target::None] {
            let d = data(target);
            let want = (d.select(&first), d.select(&second));
            assert_eq!(d.partition(&first, &second).unwrap(), want);
        }
        let (a, b) = data(classes()).partition(&first, &second).unwrap();
        assert_eq!(a.features.row(0).to_vec(), vec![50.0, 51.0, 52.0]);
        assert_eq!(b.features.row(2).to_vec(), vec![20.0, 21.0, 22.0]);
        let Target::Classes { indices, .. } = a.target else {
            panic!("classes expected")
        };
        assert_eq!(indices, vec![2, 0, 0, 1]);
    }

    #[test]
    fn keeps_the_buffer_of_the_first_part() {
        let d = data(Target::None);
        let ptr = d.features.as_ptr();
        let (a, b) = d.partition(&[6, 5, 4, 3, 2], &[1, 0]).unwrap();
        assert_eq!(a.features.as_ptr(), ptr); // moved in place (shrinking keeps the start)
        assert_eq!(b.features, array![[10.0, 11.0, 12.0], [0.0, 1.0, 2.0]]);
    }

    #[test]
    fn empty_parts_and_odd_layouts() {
        let d = data(classes());
        let (a, b) = d.clone().partition(&[], &[0, 1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!((a.n_samples(), b.features.clone()), (0, d.features.clone()));
        let (a, b) = d.clone().partition(&[2, 1, 0, 3, 4, 5, 6], &[]).unwrap();
        assert_eq!((a.features.row(0)[0], b.n_samples()), (20.0, 0));
        // A transposed (column-major) matrix and a sliced one (offset into its buffer).
        let mut column_major = Array2::zeros((7, 3).f());
        column_major.assign(&d.features);
        let mut t = Dataset::unlabelled(column_major);
        assert!(!t.features.is_standard_layout());
        let (a, _) = t.clone().partition(&[6, 0], &[1, 2, 3, 4, 5]).unwrap();
        assert_eq!(a.features, array![[60.0, 61.0, 62.0], [0.0, 1.0, 2.0]]);
        t.features = d.features.clone().slice_move(s![2.., ..]);
        let (a, b) = t.partition(&[4, 0], &[1, 2, 3]).unwrap();
        assert_eq!(a.features, array![[60.0, 61.0, 62.0], [20.0, 21.0, 22.0]]);
        assert_eq!(b.features.row(0).to_vec(), vec![30.0, 31.0, 32.0]);
        let none = Dataset::unlabelled(Array2::<f32>::zeros((3, 0)));
        let (a, b) = none.partition(&[1], &[2, 0]).unwrap();
        assert_eq!((a.features.dim(), b.features.dim()), ((1, 0), (2, 0)));
    }

    #[test]
    fn refuses_what_is_not_a_permutation() {
        let err = |first: &[usize], second: &[usize]| {
            data(Target::None)
                .partition(first, second)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(&[0, 1, 2], &[3, 4, 5, 2]),
            "invalid rows: row 2 is named twice"
        );
        assert_eq!(
            err(&[0, 1, 2, 3, 4, 5], &[7]),
            "invalid rows: row 7 is out of range for 7 rows"
        );
        assert_eq!(
            err(&[0, 1, 2], &[3]),
            "invalid rows: the parts name 4 of the 7 rows"
        );
    }
}
