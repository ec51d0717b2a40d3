//! The preprocessing record saved in a model file: how CSVs are read (feature columns, labels,
//! imputation values), the fitted feature preprocessing, and for regression the target scaler
//! (the network predicts standardized targets).

use nn_data::{CsvSchema, Preprocessor, StandardScaler};
use serde::{Deserialize, Serialize};

/// What `nn train` learnt from its training data besides the weights, applied again by
/// `evaluate`, `predict` and `explain --model`.
///
/// ```
/// use nn_cli::preprocessing::Preprocessing;
/// let p = Preprocessing { schema: None, features: nn_data::Preprocessor::from_name("none")?, target: None };
/// let back: Preprocessing = serde_json::from_value(serde_json::to_value(&p)?)?;
/// assert!(back.schema.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Preprocessing {
    /// nn-data's CSV schema (absent for MNIST folders).
    #[serde(default)]
    pub schema: Option<CsvSchema>,
    /// Applied to the features before the network.
    pub features: Preprocessor,
    /// Inverse-applied to the network's regression outputs.
    #[serde(default)]
    pub target: Option<StandardScaler>,
}
