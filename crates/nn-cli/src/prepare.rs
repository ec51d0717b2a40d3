//! Run-time choices of the data pipeline: the task and the feature preprocessing, mapped to
//! nn-data's types.

use anyhow::Result;
use clap::ValueEnum;
use nn_data::{Preprocessor, Task};
use serde::{Deserialize, Serialize};

/// `--task`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskArg {
    /// Classify when the target has text or at most 20 distinct integers, else regress.
    Auto,
    /// Classification.
    Classify,
    /// Regression.
    Regress,
}

impl TaskArg {
    /// nn-data's task.
    pub fn build(self) -> Task {
        match self {
            TaskArg::Auto => Task::Auto,
            TaskArg::Classify => Task::Classify,
            TaskArg::Regress => Task::Regress,
        }
    }
}

/// `--preprocess` / `--method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// No preprocessing.
    None,
    /// (x − mean) / std per column.
    Standardize,
    /// (x − min) / (max − min) per column.
    Minmax,
    /// PCA whitening: decorrelate and scale to unit variance along the principal axes.
    PcaWhiten,
    /// ZCA whitening: PCA whitening rotated back to the original axes.
    ZcaWhiten,
}

impl Method {
    /// An unfitted nn-data preprocessor.
    pub fn build(self) -> Result<Preprocessor> {
        let name = match self {
            Method::None => "none",
            Method::Standardize => "standardize",
            Method::Minmax => "min-max",
            Method::PcaWhiten => "pca-whiten",
            Method::ZcaWhiten => "zca-whiten",
        };
        Ok(Preprocessor::from_name(name)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use nn_data::Transformer;

    #[test]
    fn standardizing_1_2_3() {
        // mean 2, population std √(2/3): [−1.2247, 0, 1.2247] (STYLE.md reference)
        let mut p = Method::Standardize.build().unwrap();
        let z = p
            .fit_transform(array![[1.0_f64], [2.0], [3.0]].view())
            .unwrap();
        assert!((z[[0, 0]] + 1.224744871391589).abs() < 1e-12 && z[[1, 0]] == 0.0);
        assert!(matches!(
            Method::ZcaWhiten.build().unwrap(),
            Preprocessor::ZcaWhiten(_)
        ));
    }
}
