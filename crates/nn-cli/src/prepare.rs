//! Turning a loaded table into training arrays: task detection, label encoding, the seeded
//! stratified split, and the fitted feature/target scalers stored in the model file.

use anyhow::{bail, Context, Result};
use clap::ValueEnum;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use ndarray_rand::rand::seq::SliceRandom;
use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};
use serde::{Deserialize, Serialize};

use crate::model_file::Task;

/// Largest number of distinct integer targets still treated as classes by `--task auto`.
const MAX_INTEGER_CLASSES: usize = 20;

/// `auto`: classification when the target has text, or at most 20 distinct integers.
pub fn detect_task(cells: &[String]) -> Task {
    let numbers: Option<Vec<f64>> = cells.iter().map(|c| c.parse::<f64>().ok()).collect();
    let Some(numbers) = numbers else {
        return Task::Classify;
    };
    let integers = numbers.iter().all(|v| v.fract() == 0.0);
    if integers && sorted_labels(cells).len() <= MAX_INTEGER_CLASSES {
        Task::Classify
    } else {
        Task::Regress
    }
}

/// The distinct labels, sorted (numerically when they are all numbers).
pub fn sorted_labels(cells: &[String]) -> Vec<String> {
    let mut labels: Vec<String> = cells.to_vec();
    labels.sort();
    labels.dedup();
    if labels.iter().all(|l| l.parse::<f64>().is_ok()) {
        labels.sort_by(|a, b| {
            a.parse::<f64>()
                .unwrap_or(0.0)
                .total_cmp(&b.parse::<f64>().unwrap_or(0.0))
        });
    }
    labels
}

/// Each cell's index in `labels`; an unknown label is an error naming it and its row.
pub fn label_indices(cells: &[String], labels: &[String]) -> Result<Vec<usize>> {
    cells
        .iter()
        .enumerate()
        .map(|(row, c)| {
            labels.iter().position(|l| l == c).with_context(|| {
                format!(
                    "row {}: label {c:?} is not one of the model's labels {labels:?}",
                    row + 1
                )
            })
        })
        .collect()
}

/// One-hot rows `(n, width)`; with `width == 1` (BCE) the single column is 1 for class 1.
pub fn one_hot(indices: &[usize], width: usize) -> Array2<f64> {
    let mut y = Array2::zeros((indices.len(), width));
    for (row, &k) in indices.iter().enumerate() {
        if width == 1 {
            y[[row, 0]] = k as f64;
        } else {
            y[[row, k]] = 1.0;
        }
    }
    y
}

/// Regression targets as a column; a non-number is an error naming its row.
pub fn numeric_targets(cells: &[String], name: &str) -> Result<Array2<f64>> {
    let values = cells
        .iter()
        .enumerate()
        .map(|(row, c)| match c.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => bail!(
                "row {}: target {name:?} value {c:?} is not a number",
                row + 1
            ),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Array2::from_shape_vec((values.len(), 1), values)?)
}

/// A seeded split into (train, test) row indices; stratified when `classes` is given, so each
/// class keeps its share in both parts.
pub fn split(
    n: usize,
    classes: Option<&[usize]>,
    test_fraction: f64,
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let groups: Vec<Vec<usize>> = match classes {
        Some(c) => {
            let k = c.iter().max().map_or(0, |m| m + 1);
            (0..k)
                .map(|class| (0..n).filter(|&i| c[i] == class).collect())
                .collect()
        }
        None => vec![(0..n).collect()],
    };
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for mut group in groups {
        group.shuffle(&mut rng);
        let n_test = (group.len() as f64 * test_fraction).round() as usize;
        test.extend_from_slice(&group[..n_test]);
        train.extend_from_slice(&group[n_test..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    (train, test)
}

/// Rows of `x` by index.
pub fn rows(x: ArrayView2<f64>, idx: &[usize]) -> Array2<f64> {
    x.select(Axis(0), idx)
}

/// Feature preprocessing methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// No preprocessing.
    None,
    /// (x − mean) / std per column.
    Standardize,
    /// (x − min) / (max − min) per column.
    Minmax,
    /// PCA whitening (needs nn-data's Whitener).
    PcaWhiten,
    /// ZCA whitening (needs nn-data's Whitener).
    ZcaWhiten,
}

/// A fitted per-column affine scaler: `x' = (x − offset) / scale`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    /// How it was fitted.
    pub method: Method,
    /// Subtracted from each column.
    pub offset: Vec<f64>,
    /// Each column is divided by it (1 for constant columns).
    pub scale: Vec<f64>,
}

impl Scaler {
    /// Fits `method` on `x` `(n_samples, n_features)`.
    pub fn fit(method: Method, x: ArrayView2<f64>) -> Result<Self> {
        let cols = x.ncols();
        let (offset, scale): (Vec<f64>, Vec<f64>) = match method {
            Method::None => (vec![0.0; cols], vec![1.0; cols]),
            Method::Standardize => x
                .columns()
                .into_iter()
                .map(|c| (mean(c.iter()), std(c.iter())))
                .unzip(),
            Method::Minmax => x.columns().into_iter().map(|c| min_range(c.iter())).unzip(),
            Method::PcaWhiten | Method::ZcaWhiten => {
                bail!("{method:?} whitening needs nn-data's Whitener, which this build does not have yet")
            }
        };
        let scale = scale
            .into_iter()
            .map(|s| if s > 1e-12 { s } else { 1.0 })
            .collect();
        Ok(Scaler {
            method,
            offset,
            scale,
        })
    }

    /// `(x − offset) / scale`, checking the column count.
    pub fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        self.check(x)?;
        Ok((&x - &Array1::from(self.offset.clone())) / &Array1::from(self.scale.clone()))
    }

    /// `x·scale + offset`.
    pub fn inverse_transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        self.check(x)?;
        Ok(&x * &Array1::from(self.scale.clone()) + &Array1::from(self.offset.clone()))
    }

    fn check(&self, x: ArrayView2<f64>) -> Result<()> {
        if x.ncols() != self.offset.len() {
            bail!(
                "the data has {} columns, the fitted preprocessing expects {}",
                x.ncols(),
                self.offset.len()
            );
        }
        Ok(())
    }
}

fn mean<'a>(v: impl ExactSizeIterator<Item = &'a f64>) -> f64 {
    let n = v.len().max(1) as f64;
    v.sum::<f64>() / n
}

fn std<'a>(v: impl ExactSizeIterator<Item = &'a f64> + Clone) -> f64 {
    let m = mean(v.clone());
    let n = v.len().max(1) as f64;
    (v.map(|x| (x - m).powi(2)).sum::<f64>() / n).sqrt()
}

fn min_range<'a>(v: impl Iterator<Item = &'a f64>) -> (f64, f64) {
    let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
        (lo.min(x), hi.max(x))
    });
    (lo, hi - lo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn standardizing_1_2_3() {
        // mean 2, population std √(2/3): [−1.2247, 0, 1.2247] (STYLE.md reference)
        let s = Scaler::fit(Method::Standardize, array![[1.0], [2.0], [3.0]].view()).unwrap();
        let z = s.transform(array![[1.0], [2.0], [3.0]].view()).unwrap();
        assert!((z[[0, 0]] + 1.224744871391589).abs() < 1e-12 && z[[1, 0]] == 0.0);
        let back = s.inverse_transform(z.view()).unwrap();
        assert!((back[[2, 0]] - 3.0).abs() < 1e-12);
    }

    #[test]
    fn stratified_split_keeps_class_shares() {
        let classes: Vec<usize> = (0..100).map(|i| usize::from(i >= 80)).collect();
        let (train, test) = split(100, Some(&classes), 0.2, 1);
        assert_eq!((train.len(), test.len()), (80, 20));
        assert_eq!(test.iter().filter(|&&i| classes[i] == 1).count(), 4);
        assert_eq!(split(100, Some(&classes), 0.2, 1), (train, test));
    }

    #[test]
    fn tasks_and_labels() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(detect_task(&s(&["b", "a"])), Task::Classify);
        assert_eq!(detect_task(&s(&["1.5", "2"])), Task::Regress);
        assert_eq!(
            sorted_labels(&s(&["10", "9", "2", "9"])),
            s(&["2", "9", "10"])
        );
    }
}
