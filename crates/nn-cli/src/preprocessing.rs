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

impl Preprocessing {
    /// Checks the record as a whole against a network with `n_inputs` inputs and
    /// `n_outputs` outputs: the schema and every fitted parameter are consistent
    /// (nn-data's `validate`), the feature preprocessing reads the schema's numeric columns,
    /// its output plus the one-hot indicators is the network's input, and a target scaler
    /// has one mean and scale per output.
    ///
    /// ```
    /// use nn_cli::preprocessing::Preprocessing;
    /// use nn_data::{Preprocessor, Transformer};
    /// let mut features = Preprocessor::from_name("standardize")?;
    /// features.fit(ndarray::array![[1.0, 2.0], [3.0, 5.0]].view())?;
    /// let p = Preprocessing { schema: None, features, target: None };
    /// p.validate(2, 1)?;
    /// let err = format!("{:#}", p.validate(3, 1).unwrap_err());
    /// assert!(err.contains("2 columns (and 0 indicators) but the network has 3 inputs"), "{err}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate(&self, n_inputs: usize, n_outputs: usize) -> anyhow::Result<()> {
        use anyhow::ensure;
        if let Some(schema) = &self.schema {
            schema.validate()?;
        }
        let n_indicators = self.schema.as_ref().map_or(0, CsvSchema::n_indicators);
        let n_numeric = self.schema.as_ref().map(CsvSchema::n_numeric);
        let (reads, writes) = match self.features.validate()? {
            Some(widths) => widths,
            None => {
                let n = n_numeric.unwrap_or(n_inputs.saturating_sub(n_indicators));
                (n, n)
            }
        };
        if let Some(n) = n_numeric {
            ensure!(
                reads == n,
                "the feature preprocessing reads {reads} columns but the schema has {n} numeric columns"
            );
        }
        ensure!(
            writes + n_indicators == n_inputs,
            "the preprocessing gives {writes} columns (and {n_indicators} indicators) but the network has {n_inputs} inputs"
        );
        if let Some(scaler) = &self.target {
            scaler.validate()?;
            let n = scaler.mean.len();
            ensure!(
                n == n_outputs,
                "the target scaler has {n} columns but the network has {n_outputs} outputs"
            );
        }
        Ok(())
    }
}
