//! Preprocessing the numeric part of a feature matrix only: a [`CsvSchema`](crate::CsvSchema)
//! puts the numeric columns first and the 0/1 indicator columns of categorical features after
//! them, and scaling or whitening applies to the first part while the indicators pass through
//! unchanged (so they stay 0/1, and zeros stay zeros for a sparse first layer).

use crate::{Preprocessor, Result, Transformer};
use ndarray::{concatenate, Array2, Axis};
use nn_tensor::s;
use nn_tensor::Float;

impl Preprocessor {
    /// Fits on the first `n_numeric` columns of `x` and transforms them, passing the other
    /// columns through; with `n_numeric ≥ x.ncols()` this is
    /// [`fit_transform_owned`](Preprocessor::fit_transform_owned), with 0 it fits nothing.
    ///
    /// ```
    /// use ndarray::array;
    /// let mut p = nn_data::Preprocessor::from_name("standardize")?;
    /// let x = array![[1.0, 0.0], [3.0, 1.0]]; // a number, then an indicator
    /// let y = p.fit_transform_leading(x, 1)?;
    /// assert_eq!(y, array![[-1.0, 0.0], [1.0, 1.0]]);
    /// assert_eq!(p.transform_leading(array![[5.0, 1.0]], 1)?, array![[3.0, 1.0]]);
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn fit_transform_leading<T: Float>(
        &mut self,
        x: Array2<T>,
        n_numeric: usize,
    ) -> Result<Array2<T>> {
        if n_numeric >= x.ncols() {
            return self.fit_transform_owned(x);
        }
        if n_numeric > 0 {
            self.fit(x.slice(s![.., ..n_numeric]))?;
        }
        self.transform_leading(x, n_numeric)
    }

    /// Transforms the first `n_numeric` columns of `x` (in place for standardize and min-max)
    /// and passes the other columns through.
    ///
    /// # Errors
    /// As [`transform_owned`](Preprocessor::transform_owned) on the numeric part.
    pub fn transform_leading<T: Float>(&self, mut x: Array2<T>, n: usize) -> Result<Array2<T>> {
        if n >= x.ncols() {
            return self.transform_owned(x);
        }
        match self {
            _ if n == 0 => {}
            Preprocessor::None => {}
            Preprocessor::Standardize(t) => t.transform_in_place(x.slice_mut(s![.., ..n]))?,
            Preprocessor::MinMax(t) => t.transform_in_place(x.slice_mut(s![.., ..n]))?,
            Preprocessor::PcaWhiten(_) | Preprocessor::ZcaWhiten(_) => {
                let y = self.transform(x.slice(s![.., ..n]))?;
                return join(y, &x, n);
            }
        }
        Ok(x)
    }

    /// Undoes [`transform_leading`](Preprocessor::transform_leading): the inverse on the
    /// first `n_numeric` columns of `x`, the others passed through.
    ///
    /// ```
    /// use ndarray::array;
    /// let mut p = nn_data::Preprocessor::from_name("min-max")?;
    /// let x = array![[2.0, 1.0], [4.0, 0.0]];
    /// let y = p.fit_transform_leading(x.clone(), 1)?;
    /// assert_eq!(p.inverse_transform_leading(y, 1)?, x);
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn inverse_transform_leading<T: Float>(&self, x: Array2<T>, n: usize) -> Result<Array2<T>> {
        if n == 0 || matches!(self, Preprocessor::None) {
            return Ok(x);
        }
        let n = n.min(x.ncols());
        let y = self.inverse_transform(x.slice(s![.., ..n]))?;
        join(y, &x, n)
    }
}

/// `numeric` beside the columns of `x` from `n` on.
fn join<T: Float>(numeric: Array2<T>, x: &Array2<T>, n: usize) -> Result<Array2<T>> {
    let rest = x.slice(s![.., n..]);
    concatenate(Axis(1), &[numeric.view(), rest]).map_err(|e| {
        let msg = format!("joining the numeric and indicator columns: {e}");
        crate::DataError::invalid("x", msg)
    })
}

#[cfg(test)]
mod tests {
    use crate::Preprocessor;
    use ndarray::array;

    #[test]
    fn whitening_leaves_the_indicators_alone() {
        // Two numeric columns that PCA-whitening rotates, then one indicator column.
        let x: ndarray::Array2<f64> = array![
            [1.0, 2.0, 1.0],
            [2.0, 1.0, 0.0],
            [3.0, 5.0, 0.0],
            [4.0, 3.0, 1.0]
        ];
        let mut p = Preprocessor::from_name("pca-whiten").unwrap();
        let y = p.fit_transform_leading(x.clone(), 2).unwrap();
        assert_eq!(y.column(2), x.column(2));
        let back = p.inverse_transform_leading(y, 2).unwrap();
        assert!(
            back.iter().zip(&x).all(|(a, b)| (a - b).abs() < 1e-9),
            "{back}"
        );
        let none = Preprocessor::from_name("standardize").unwrap();
        assert_eq!(none.transform_leading(x.clone(), 0).unwrap(), x); // nothing numeric
    }
}
