//! The choices flags take (clap value enums), each mapped to the library type it selects.

use clap::ValueEnum;
use serde::{Deserialize, Serialize};

/// Hidden-layer activation choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActivationArg {
    /// max(0, z)
    Relu,
    /// 1 / (1 + e^(−z))
    Sigmoid,
    /// tanh z
    Tanh,
    /// z for z > 0, 0.01·z otherwise
    LeakyRelu,
}

impl ActivationArg {
    /// The library's activation.
    pub fn build(self) -> nn_core::Activation {
        use nn_core::Activation;
        match self {
            ActivationArg::Relu => Activation::Relu,
            ActivationArg::Sigmoid => Activation::Sigmoid,
            ActivationArg::Tanh => Activation::Tanh,
            ActivationArg::LeakyRelu => Activation::LeakyRelu { slope: 0.01 },
        }
    }
}

/// Loss choices (`auto`: cross-entropy for classification, mse for regression).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LossArg {
    /// cross-entropy for classification (binary too), mse for regression
    Auto,
    /// softmax cross-entropy on logits
    CrossEntropy,
    /// mean squared error
    Mse,
    /// Σ ½(t − o)², the textbook's E_total
    HalfSse,
    /// binary cross-entropy on a single logit (two-class targets only)
    Bce,
}

impl LossArg {
    /// The library's loss; `None` for `auto`.
    pub fn build(self) -> Option<nn_core::Loss> {
        use nn_core::Loss;
        match self {
            LossArg::Auto => None,
            LossArg::CrossEntropy => Some(Loss::CrossEntropy),
            LossArg::Mse => Some(Loss::Mse),
            LossArg::HalfSse => Some(Loss::HalfSse),
            LossArg::Bce => Some(Loss::Bce),
        }
    }
}

/// `--optimizer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerArg {
    /// Stochastic gradient descent (momentum, Nesterov, L2 weight decay).
    Sgd,
    /// Adam (torch.optim.Adam; weight decay as L2).
    Adam,
    /// AdamW (torch.optim.AdamW; decoupled weight decay).
    Adamw,
    /// RMSprop (torch.optim.RMSprop).
    Rmsprop,
}

/// `--task`: nn-data's [`nn_data::Task`] (`auto`, `classify` or `regress`).
///
/// A value parser rather than a value enum, so that the workspace has one task type.
pub fn parse_task(s: &str) -> Result<nn_data::Task, String> {
    use nn_data::Task;
    match s {
        "auto" => Ok(Task::Auto),
        "classify" => Ok(Task::Classify),
        "regress" => Ok(Task::Regress),
        _ => Err(format!("{s:?} is not one of auto, classify, regress")),
    }
}

/// `--unknown`: nn-data's [`nn_data::Unknown`] (`ignore` or `error`).
pub fn parse_unknown(s: &str) -> Result<nn_data::Unknown, String> {
    match s {
        "ignore" => Ok(nn_data::Unknown::Ignore),
        "error" => Ok(nn_data::Unknown::Error),
        _ => Err(format!("{s:?} is not one of ignore, error")),
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
    /// PCA or ZCA whitening (bounded by `nn_cli::limits::bounds::check_whitening`).
    pub fn is_whitening(self) -> bool {
        matches!(self, Method::PcaWhiten | Method::ZcaWhiten)
    }

    /// An unfitted nn-data preprocessor.
    pub fn build(self) -> Result<nn_data::Preprocessor, nn_data::DataError> {
        let name = match self {
            Method::None => "none",
            Method::Standardize => "standardize",
            Method::Minmax => "min-max",
            Method::PcaWhiten => "pca-whiten",
            Method::ZcaWhiten => "zca-whiten",
        };
        nn_data::Preprocessor::from_name(name)
    }
}

/// `--missing`: what to do with empty, `NA`, `NaN` or `?` cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MissingArg {
    /// Stop with an error naming the line and column.
    Error,
    /// Skip rows with a missing cell.
    Drop,
    /// Fill with the training column's mean (saved with the model).
    Mean,
}

impl MissingArg {
    /// nn-data's policy.
    pub fn build(self) -> nn_data::Missing {
        match self {
            MissingArg::Error => nn_data::Missing::Error,
            MissingArg::Drop => nn_data::Missing::Drop,
            MissingArg::Mean => nn_data::Missing::Mean,
        }
    }
}

/// Output format of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The textbook's notation, 9 decimals.
    Text,
    /// The same quantities as JSON, full precision.
    Json,
}

/// The arithmetic of the network's products (`--precision`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrecisionArg {
    /// Full precision: the `--dtype`'s own arithmetic (`nn evaluate`/`predict`: f64).
    #[default]
    F32,
    /// bf16 operands with f32 accumulation in the three products per layer (f32 weights,
    /// loss and optimizer); AVX512_BF16 where the CPU has it, an exact emulation otherwise.
    Bf16,
}

impl PrecisionArg {
    /// The nn-tensor precision it selects.
    pub fn precision(self) -> nn_tensor::matmul::Precision {
        match self {
            PrecisionArg::F32 => nn_tensor::matmul::Precision::Native,
            PrecisionArg::Bf16 => nn_tensor::matmul::Precision::Bf16,
        }
    }
}

/// Floating-point type for training or export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    /// 32-bit (fast).
    F32,
    /// 64-bit (exact).
    F64,
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
            nn_data::Preprocessor::ZcaWhiten(_)
        ));
    }

    #[test]
    fn tasks_parse_to_nn_data() {
        assert_eq!(parse_task("classify"), Ok(nn_data::Task::Classify));
        assert!(parse_task("cluster")
            .unwrap_err()
            .contains("auto, classify, regress"));
    }
}
