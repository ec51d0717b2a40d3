//! [`MinMaxScaler`]: `y = a + (x − min)·(b − a)/(max − min)` per column, into `[a, b]`.

use crate::consistency::{finite, same_len, unfitted};
use crate::transformer::{check_cols, check_count, map_rows, non_finite};
use crate::{DataError, Result, Transformer};
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use nn_tensor::Float;
use serde::{Deserialize, Serialize};

/// Scales each column linearly so the training minimum maps to `a` and the maximum to `b`
/// (default `[0, 1]`). Constant columns map to `a` (and back to their value).
///
/// ```
/// use nn_data::{MinMaxScaler, Transformer};
/// let mut s = MinMaxScaler::new(-1.0, 1.0)?;
/// let y = s.fit_transform(ndarray::array![[0.0, 7.0], [5.0, 7.0], [10.0, 7.0]].view())?;
/// assert_eq!(y, ndarray::array![[-1.0, -1.0], [0.0, -1.0], [1.0, -1.0]]);
/// # Ok::<(), nn_data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinMaxScaler {
    /// The output range `[a, b]`.
    pub range: (f64, f64),
    /// Column minima (empty before `fit`).
    pub min: Vec<f64>,
    /// Column ranges `max − min` (0 for constant columns).
    pub data_range: Vec<f64>,
    fitted: bool,
}

impl Default for MinMaxScaler {
    fn default() -> Self {
        MinMaxScaler {
            range: (0.0, 1.0),
            min: Vec::new(),
            data_range: Vec::new(),
            fitted: false,
        }
    }
}

impl MinMaxScaler {
    /// Per-column `(k, offset)` with `a + (x − min)·k = x·k + (a − min·k)`: one multiply-add
    /// per cell (`k = 0` for constant columns, which map to `a`).
    fn coefficients(&self) -> (Vec<f64>, Vec<f64>) {
        let (a, b) = self.range;
        let k: Vec<f64> = self
            .data_range
            .iter()
            .map(|&r| if r > 0.0 { (b - a) / r } else { 0.0 })
            .collect();
        let offset = self.min.iter().zip(&k).map(|(m, k)| a - m * k).collect();
        (k, offset)
    }

    /// [`transform`](Transformer::transform) in place, without allocating an output.
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_data::{MinMaxScaler, Transformer};
    /// let mut x = array![[2.0], [4.0]];
    /// let mut s = MinMaxScaler::default();
    /// s.fit(x.view())?;
    /// s.transform_in_place(x.view_mut())?;
    /// assert_eq!(x, array![[0.0], [1.0]]);
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn transform_in_place<T: Float>(&self, mut x: ArrayViewMut2<T>) -> Result<()> {
        self.check("MinMaxScaler::transform", &x.view())?;
        let (k, offset) = self.coefficients();
        let (k, offset) = (&k[..], &offset[..]);
        let one = |(v, (k, o)): (&mut T, (&f64, &f64))| *v = T::from_f64(v.to_f64() * k + o);
        let d = k.len();
        match x.as_slice_mut() {
            // Blocks of rows on nn-tensor's threads: each value's arithmetic is the same.
            Some(values) if d > 0 => crate::row_blocks::for_each_mut(values, d, |block| {
                for row in block.chunks_exact_mut(d) {
                    row.iter_mut().zip(k.iter().zip(offset)).for_each(one);
                }
            }),
            _ => {
                for mut row in x.rows_mut() {
                    row.iter_mut().zip(k.iter().zip(offset)).for_each(one);
                }
            }
        }
        Ok(())
    }

    /// A scaler into `[a, b]`.
    ///
    /// # Errors
    /// [`DataError::InvalidParameter`] unless `a < b`, both finite.
    pub fn new(a: f64, b: f64) -> Result<Self> {
        if !(a.is_finite() && b.is_finite() && a < b) {
            return Err(DataError::invalid(
                "range",
                format!("need finite a < b, got [{a}, {b}]"),
            ));
        }
        Ok(MinMaxScaler {
            range: (a, b),
            ..Default::default()
        })
    }

    /// Checks fitted parameters read from a file: fitted (or empty: no columns), a finite range `a < b`, as many
    /// ranges as minima, every number finite and every range `≥ 0`.
    ///
    /// # Errors
    /// [`DataError::Inconsistent`] naming the first fault.
    ///
    /// ```
    /// use nn_data::{MinMaxScaler, Transformer};
    /// let mut s = MinMaxScaler::default();
    /// s.fit(ndarray::array![[1.0], [3.0]].view())?;
    /// s.validate()?;
    /// s.data_range[0] = -2.0;
    /// let err = s.validate().unwrap_err().to_string();
    /// assert_eq!(err, "inconsistent min-max parameters: data_range[0] is -2, below 0");
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        const WHAT: &str = "min-max parameters";
        if !self.fitted {
            return unfitted(WHAT, self.min.is_empty() && self.data_range.is_empty());
        }
        let (a, b) = self.range;
        if !(a.is_finite() && b.is_finite() && a < b) {
            let message = format!("range [{a}, {b}] is not a finite a < b");
            return Err(DataError::inconsistent(WHAT, message));
        }
        let (min, range) = (&self.min, &self.data_range);
        same_len(WHAT, ("min", min.len()), ("data_range", range.len()))?;
        finite(WHAT, "min", min)?;
        finite(WHAT, "data_range", range)?;
        match range.iter().position(|&r| r < 0.0) {
            None => Ok(()),
            Some(j) => {
                let message = format!("data_range[{j}] is {}, below 0", range[j]);
                Err(DataError::inconsistent(WHAT, message))
            }
        }
    }

    fn check<T>(&self, op: &'static str, x: &ArrayView2<T>) -> Result<()> {
        if !self.fitted {
            return Err(DataError::NotFitted { op });
        }
        check_cols(op, x, self.min.len())
    }
}

/// Column minima and maxima of `x` in one pass, which also checks finiteness: `None` if `x`
/// holds a NaN or an infinity. `0 · v` is ±0 for every finite `v` and NaN otherwise, so one
/// running sum per column flags them beside the extremes (all three vectorise). Blocks of rows
/// run on nn-tensor's threads; extremes do not depend on the order, so neither does the result.
fn extremes<T: Float>(x: ArrayView2<T>) -> Option<(Vec<T>, Vec<T>)> {
    let d = x.ncols();
    let x = x.as_standard_layout();
    let values = x.as_slice().unwrap_or(&[]); // standard layout: always contiguous
    let blocks = crate::row_blocks::map(values, d, |block| block_extremes(block, d));
    let (mut lo, mut hi, mut probe) = (
        vec![T::infinity(); d],
        vec![T::neg_infinity(); d],
        vec![T::zero(); d],
    );
    for (l_b, h_b, p_b) in blocks {
        let columns = lo.iter_mut().zip(hi.iter_mut()).zip(probe.iter_mut());
        for (((l, h), p), ((&lb, &hb), &pb)) in columns.zip(l_b.iter().zip(&h_b).zip(&p_b)) {
            *l = if lb < *l { lb } else { *l };
            *h = if hb > *h { hb } else { *h };
            *p += pb;
        }
    }
    probe.iter().all(|p| *p == T::zero()).then_some((lo, hi))
}

/// Column minima, maxima and finiteness probes (see [`extremes`]) of the rows (of `d` values)
/// in `block`.
fn block_extremes<T: Float>(block: &[T], d: usize) -> (Vec<T>, Vec<T>, Vec<T>) {
    let mut lo = vec![T::infinity(); d];
    let mut hi = vec![T::neg_infinity(); d];
    let mut probe = vec![T::zero(); d];
    for row in block.chunks_exact(d.max(1)) {
        let columns = lo.iter_mut().zip(hi.iter_mut()).zip(probe.iter_mut());
        for (((l, h), p), &v) in columns.zip(row) {
            *l = if v < *l { v } else { *l }; // select form: vectorises (minps/maxps)
            *h = if v > *h { v } else { *h };
            *p += v * T::zero();
        }
    }
    (lo, hi, probe)
}

impl<T: Float> Transformer<T> for MinMaxScaler {
    fn fit(&mut self, x: ArrayView2<T>) -> Result<()> {
        const OP: &str = "MinMaxScaler::fit";
        check_count(OP, &x, 1)?;
        let (lo, hi) = extremes(x).ok_or_else(|| non_finite(OP))?;
        // Exact: the extremes are values of `x`, and f32 → f64 is exact.
        let (lo, hi): (Vec<f64>, Vec<f64>) = lo
            .iter()
            .zip(&hi)
            .map(|(&l, &h)| (l.to_f64(), h.to_f64()))
            .unzip();
        self.data_range = lo.iter().zip(&hi).map(|(l, h)| h - l).collect();
        crate::standard::overflow(OP, "range (max − min)", &self.data_range)?;
        self.min = lo;
        self.fitted = true;
        Ok(())
    }

    fn transform(&self, x: ArrayView2<T>) -> Result<Array2<T>> {
        self.check("MinMaxScaler::transform", &x)?;
        let (k, offset) = self.coefficients();
        Ok(map_rows(x, self.min.len(), |r, out| {
            for (((y, &v), k), o) in out.iter_mut().zip(r).zip(&k).zip(&offset) {
                *y = T::from_f64(v.to_f64() * k + o);
            }
        }))
    }

    fn inverse_transform(&self, x: ArrayView2<T>) -> Result<Array2<T>> {
        self.check("MinMaxScaler::inverse_transform", &x)?;
        let (a, b) = self.range;
        let k: Vec<f64> = self.data_range.iter().map(|&r| r / (b - a)).collect();
        Ok(map_rows(x, self.min.len(), |r, out| {
            for (((x, &y), m), k) in out.iter_mut().zip(r).zip(&self.min).zip(&k) {
                *x = T::from_f64(m + (y.to_f64() - a) * k);
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::ShapeBuilder;

    #[test]
    fn blocks_on_threads_give_the_serial_bits() {
        // 2 000 × 600 values (over row_blocks' parallel threshold), some negative zeros.
        let x = Array2::from_shape_fn((2000, 600), |(i, j)| {
            let v = ((i * 7919 + j * 104_729) % 1000) as f32 / 7.0 - 50.0;
            if v == 0.0 {
                -0.0
            } else {
                v
            }
        });
        let mut results = Vec::new();
        for threads in [1, 2, 3] {
            nn_tensor::set_num_threads(threads);
            let mut s = MinMaxScaler::default();
            s.fit(x.view()).unwrap();
            let mut y = x.clone();
            s.transform_in_place(y.view_mut()).unwrap();
            results.push((s, y));
        }
        nn_tensor::set_num_threads(0);
        let (s, y) = &results[0];
        // The serial reference: `transform` (one row at a time, no blocks).
        let bits = |a: &Array2<f32>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(y), bits(&s.transform(x.view()).unwrap()));
        // Column 0 holds every (7919 i mod 1000) / 7 − 50 (7919 is prime to 1000).
        let max = f64::from(999.0_f32 / 7.0 - 50.0);
        assert_eq!((s.min[0], s.data_range[0]), (-50.0, max + 50.0));
        for (other, z) in &results[1..] {
            assert_eq!((other, bits(z)), (s, bits(y)));
        }
        // A column-major matrix goes the row-by-row way, with the same values.
        let mut f = Array2::zeros((2000, 600).f());
        f.assign(&x);
        s.transform_in_place(f.view_mut()).unwrap();
        assert_eq!(bits(&f.as_standard_layout().to_owned()), bits(y));
    }
}
