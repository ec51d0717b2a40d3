//! The versioned JSON model file written by `nn train` and `nn explain --save-model`.
//!
//! ```json
//! { "format": "nn-model", "version": 1,
//!   "architecture": { "sizes": [2, 2, 2] },
//!   "layers": [ { "type": "dense", "in_features": 2, "out_features": 2,
//!                 "activation": { "kind": "sigmoid" },
//!                 "weight": [[0.15, 0.2], [0.25, 0.3]], "bias": [0.35, 0.35],
//!                 "dropout": 0.0 }, … ],
//!   "loss": "half_sse", "task": "regress", "labels": null, "features": ["i1", "i2"],
//!   "target": null, "preprocessing": null, "training": null, "metrics": {} }
//! ```
//! `weight` holds one row per output neuron, PyTorch's `(out_features, in_features)`.
//! `dropout` is the probability with which training zeroed each of the layer's outputs (in
//! `[0, 1)`, 0 for the output layer; 0 when absent, as in files from before dropout); prediction
//! never applies it.
//! Loading checks the format tag, the version, every shape and that every number is finite.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, ensure, Context, Result};
use ndarray::{Array1, Array2};
use nn_core::{Activation, Dense, Loss, Network};
use nn_data::{quoted, quoted_list, TargetKind, Task};

use crate::preprocessing::Preprocessing;
use nn_tensor::Float;
use serde::{Deserialize, Serialize};

/// The value of the `"format"` field.
pub const FORMAT: &str = "nn-model";
/// The only version this build reads and writes.
pub const VERSION: u32 = 1;

/// The whole model file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// Layer widths, inputs first.
    pub architecture: Architecture,
    /// The dense layers, input side first.
    pub layers: Vec<LayerFile>,
    /// The training loss (it also decides how outputs become probabilities).
    pub loss: Loss,
    /// Classification or regression (never `auto` in a file).
    pub task: Task,
    /// Class labels in output order (classification), sorted as nn-data saved them.
    #[serde(default)]
    pub labels: Option<Vec<String>>,
    /// Input feature (column) names, in input order.
    #[serde(default)]
    pub features: Vec<String>,
    /// The target column name(s).
    #[serde(default)]
    pub target: Option<String>,
    /// The fitted preprocessing (nn-data's JSON), applied before the network.
    #[serde(default)]
    pub preprocessing: Option<serde_json::Value>,
    /// How the model was trained (flags, seed, epochs…).
    #[serde(default)]
    pub training: Option<serde_json::Value>,
    /// Final metrics by name (e.g. `test_accuracy`).
    #[serde(default)]
    pub metrics: BTreeMap<String, f64>,
}

/// `{"sizes": [n_in, …, n_out]}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Architecture {
    /// Inputs, then each layer's outputs.
    pub sizes: Vec<usize>,
}

/// One dense layer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LayerFile {
    /// Always `"dense"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Inputs of the layer.
    pub in_features: usize,
    /// Outputs (neurons) of the layer.
    pub out_features: usize,
    /// The layer's activation.
    pub activation: Activation,
    /// `(out_features, in_features)` rows: row `j` holds the weights into neuron `j`.
    pub weight: Vec<Vec<f64>>,
    /// One bias per neuron.
    pub bias: Vec<f64>,
    /// Dropout probability of the layer's outputs in training, in `[0, 1)`.
    #[serde(default)]
    pub dropout: f64,
}

impl ModelFile {
    /// A model file for `net` with empty metadata.
    pub fn from_network<T: Float>(net: &Network<T>, loss: Loss, task: Task) -> Self {
        ModelFile {
            format: FORMAT.into(),
            version: VERSION,
            architecture: Architecture { sizes: net.sizes() },
            layers: net.layers().iter().map(LayerFile::from_dense).collect(),
            loss,
            task,
            labels: None,
            features: Vec::new(),
            target: None,
            preprocessing: None,
            training: None,
            metrics: BTreeMap::new(),
        }
    }

    /// Rebuilds the network in the float type `T`.
    pub fn network<T: Float>(&self) -> Result<Network<T>> {
        let layers = self
            .layers
            .iter()
            .map(LayerFile::to_dense)
            .collect::<Result<Vec<_>>>()?;
        Ok(Network::new(layers)?)
    }

    /// Reads and validates a model file.
    pub fn load(path: &Path) -> Result<Self> {
        let name = format!("model file {}", path.display());
        let file = std::fs::File::open(path).with_context(|| format!("reading {name}"))?;
        let bytes = crate::limits::budget::read_side_file(file, &name)?;
        let text = String::from_utf8(bytes)
            .map_err(|e| anyhow::anyhow!("reading {name}: not UTF-8 text: {e}"))?;
        Self::parse(&text).with_context(|| format!("invalid model file {}", path.display()))
    }

    /// Parses and validates model JSON.
    pub fn parse(text: &str) -> Result<Self> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| non_finite_hint(text, e))
            .context("not valid JSON")?;
        check_header(&value)?;
        let model: ModelFile = serde_json::from_value(value)?;
        model.validate()?;
        Ok(model)
    }

    /// Writes the model atomically as JSON ([`crate::json_layout`]): [`stage`](ModelFile::stage), then put in
    /// place at once.
    pub fn save(&self, path: &Path) -> Result<()> {
        self.stage(path)?.commit()
    }

    /// Writes the model as JSON ([`crate::json_layout`]) next to `path`, put in place by
    /// [`Staged::commit`](crate::fsutil::Staged::commit) once the run has reported; first
    /// [`validate`](ModelFile::validate): a model that would not load again (e.g. a weight
    /// that overflowed to ±∞, which JSON would hold as `null`) is an error and nothing is
    /// written.
    pub fn stage(&self, path: &Path) -> Result<crate::fsutil::Staged> {
        self.validate().with_context(|| {
            format!(
                "not writing {}: the model fails its own checks",
                path.display()
            )
        })?;
        let json = crate::json_layout::to_string(self)?;
        crate::fsutil::stage_bytes(path, json.as_bytes())
    }

    /// Checks shapes, chaining, finiteness and the label count.
    pub fn validate(&self) -> Result<()> {
        ensure!(!self.layers.is_empty(), "the model has no layers");
        ensure!(
            self.task != Task::Auto,
            "\"task\" must be \"classify\" or \"regress\""
        );
        for (i, layer) in self.layers.iter().enumerate() {
            layer.validate().with_context(|| format!("layer {i}"))?;
        }
        let mut sizes = vec![self.layers[0].in_features];
        sizes.extend(self.layers.iter().map(|l| l.out_features));
        ensure!(
            sizes == self.architecture.sizes,
            "architecture.sizes is {:?} but the layers chain as {sizes:?}",
            self.architecture.sizes
        );
        if let Some((name, v)) = self.metrics.iter().find(|(_, v)| !v.is_finite()) {
            bail!("metric {name:?} is {v}, not a finite number");
        }
        let last = self.layers.len() - 1;
        ensure!(
            self.layers[last].dropout == 0.0,
            "layer {last}: the output layer cannot have dropout, got {}",
            self.layers[last].dropout
        );
        self.validate_names(&sizes)
    }

    /// Names and labels: counts match the sizes, no name twice, labels exactly for
    /// classification, and the preprocessing record agrees.
    fn validate_names(&self, sizes: &[usize]) -> Result<()> {
        let n_out = sizes[sizes.len() - 1];
        if let Some(labels) = &self.labels {
            let want = if self.loss == Loss::Bce && n_out == 1 {
                2
            } else {
                n_out
            };
            ensure!(
                labels.len() == want,
                "{} labels for a network with {n_out} outputs ({} loss): expected {want}",
                labels.len(),
                self.loss.name()
            );
        }
        let n_in = sizes[0];
        ensure!(
            self.features.is_empty() || self.features.len() == n_in,
            "{} feature names for {n_in} inputs",
            self.features.len()
        );
        unique("features", &self.features)?;
        unique("labels", self.labels.as_deref().unwrap_or_default())?;
        match (self.task, &self.labels) {
            (Task::Classify, None) => bail!("a classification model needs its \"labels\""),
            (Task::Regress, Some(_)) => bail!("a regression model has no \"labels\""),
            _ => {}
        }
        self.validate_preprocessing(n_in, n_out)
    }

    /// The preprocessing record (if any) is consistent in itself, with the network's sizes,
    /// and with the model's feature names, target and labels.
    fn validate_preprocessing(&self, n_in: usize, n_out: usize) -> Result<()> {
        let Some(value) = &self.preprocessing else {
            return Ok(());
        };
        let pre: Preprocessing =
            serde_json::from_value(value.clone()).context("reading the preprocessing record")?;
        pre.validate(n_in, n_out).context("preprocessing")?;
        let Some(schema) = &pre.schema else {
            return Ok(());
        };
        ensure!(
            self.features.is_empty() || self.features == schema.feature_names,
            "\"features\" {} differ from the preprocessing schema's {}",
            quoted_list(&self.features),
            quoted_list(&schema.feature_names)
        );
        let schema_labels = match &schema.kind {
            TargetKind::Classify { labels } => Some(labels.names().to_vec()),
            _ => None,
        };
        ensure!(
            schema_labels == self.labels,
            "\"labels\" {} differ from the preprocessing schema's {}",
            quoted_list(self.labels.as_deref().unwrap_or_default()),
            quoted_list(schema_labels.as_deref().unwrap_or_default())
        );
        Ok(())
    }
}

/// Every name in `names` (the model's list `list`) is distinct.
fn unique(list: &str, names: &[String]) -> Result<()> {
    match nn_data::first_duplicate(names) {
        None => Ok(()),
        Some((i, j)) => bail!(
            "\"{list}\" has {} twice (positions {} and {})",
            quoted(&names[j]),
            i + 1,
            j + 1
        ),
    }
}

/// A JSON error, with a hint when it sits on a `NaN` or `Infinity` literal (which some
/// writers, e.g. Python's `json`, emit but JSON does not allow).
fn non_finite_hint(text: &str, err: serde_json::Error) -> anyhow::Error {
    let at = text
        .lines()
        .nth(err.line().saturating_sub(1))
        .and_then(|l| l.get(err.column().saturating_sub(1)..))
        .unwrap_or_default();
    if ["NaN", "Infinity", "-Infinity"]
        .iter()
        .any(|w| at.starts_with(w))
    {
        return anyhow::Error::new(err)
            .context("weights must be finite numbers: NaN and Infinity are not allowed");
    }
    err.into()
}

fn check_header(value: &serde_json::Value) -> Result<()> {
    match value.get("format").and_then(|f| f.as_str()) {
        Some(FORMAT) => {}
        Some(other) => bail!("\"format\" is {other:?}, expected {FORMAT:?}"),
        None => bail!("missing \"format\": {FORMAT:?} (is this an nn model file?)"),
    }
    match value.get("version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(VERSION) => Ok(()),
        Some(v) => bail!("unsupported version {v}: this nn reads version {VERSION}"),
        None => bail!("missing or non-integer \"version\""),
    }
}

impl LayerFile {
    fn from_dense<T: Float>(layer: &Dense<T>) -> Self {
        let to_f64 = |v: &T| <T as Float>::to_f64(*v);
        LayerFile {
            kind: "dense".into(),
            in_features: layer.n_in(),
            out_features: layer.n_out(),
            activation: layer.activation(),
            weight: layer
                .weight()
                .rows()
                .into_iter()
                .map(|r| r.iter().map(to_f64).collect())
                .collect(),
            bias: layer.bias().iter().map(to_f64).collect(),
            dropout: layer.dropout(),
        }
    }

    fn to_dense<T: Float>(&self) -> Result<Dense<T>> {
        let flat: Vec<T> = self
            .weight
            .iter()
            .flatten()
            .map(|&v| T::from_f64(v))
            .collect();
        let weight = Array2::from_shape_vec((self.out_features, self.in_features), flat)?;
        let bias = Array1::from_iter(self.bias.iter().map(|&v| T::from_f64(v)));
        Ok(Dense::from_parts(weight, bias, self.activation)?.with_dropout(self.dropout)?)
    }

    fn validate(&self) -> Result<()> {
        ensure!(
            self.kind == "dense",
            "unknown layer type {:?} (only \"dense\")",
            self.kind
        );
        ensure!(
            self.in_features > 0 && self.out_features > 0,
            "in_features and out_features must be ≥ 1"
        );
        ensure!(
            self.weight.len() == self.out_features,
            "weight has {} rows, expected out_features = {}",
            self.weight.len(),
            self.out_features
        );
        for (j, row) in self.weight.iter().enumerate() {
            ensure!(
                row.len() == self.in_features,
                "weight row {j} has {} values, expected in_features = {}",
                row.len(),
                self.in_features
            );
        }
        ensure!(
            self.bias.len() == self.out_features,
            "bias has {} values, expected out_features = {}",
            self.bias.len(),
            self.out_features
        );
        self.validate_finite()
    }

    fn validate_finite(&self) -> Result<()> {
        for (j, row) in self.weight.iter().enumerate() {
            if let Some(k) = row.iter().position(|v| !v.is_finite()) {
                bail!("weight[{j}][{k}] is {}: weights must be finite", row[k]);
            }
        }
        if let Some(j) = self.bias.iter().position(|v| !v.is_finite()) {
            bail!("bias[{j}] is {}: biases must be finite", self.bias[j]);
        }
        ensure!(
            (0.0..1.0).contains(&self.dropout),
            "dropout {} is not in [0, 1)",
            self.dropout
        );
        if let Activation::LeakyRelu { slope } = self.activation {
            ensure!(
                (0.0..1.0).contains(&slope),
                "leaky-relu slope {slope} is not in [0, 1)"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn textbook() -> ModelFile {
        let net = nn_core::textbook::network();
        ModelFile::from_network(&net, Loss::HalfSse, Task::Regress)
    }

    #[test]
    fn round_trips_through_json() {
        let model = textbook();
        let text = serde_json::to_string(&model).unwrap();
        let back = ModelFile::parse(&text).unwrap();
        assert_eq!(
            back.layers[1].weight,
            vec![vec![0.25, 0.35], vec![0.30, 0.40]]
        );
        let net = back.network::<f64>().unwrap();
        assert_eq!(net.sizes(), vec![2, 2, 2]);
    }

    #[test]
    fn dropout_round_trips_and_defaults_to_zero() {
        let mut net = nn_core::textbook::network();
        net.set_dropout(&[0.25, 0.0]).unwrap();
        let model = ModelFile::from_network(&net, Loss::HalfSse, Task::Regress);
        let text = serde_json::to_string(&model).unwrap();
        assert!(text.contains("\"dropout\":0.25"), "{text}");
        let back = ModelFile::parse(&text).unwrap();
        assert_eq!(back.network::<f32>().unwrap().dropout(), vec![0.25, 0.0]);
        // files from before dropout have no field
        let old = text
            .replace(",\"dropout\":0.25", "")
            .replace(",\"dropout\":0.0", "");
        assert!(!old.contains("dropout"));
        let old = ModelFile::parse(&old).unwrap();
        assert_eq!(old.network::<f64>().unwrap().dropout(), vec![0.0, 0.0]);
    }

    #[test]
    fn rejects_bad_dropout_with_reasons() {
        let mut model = textbook();
        model.layers[0].dropout = 1.0;
        let text = serde_json::to_string(&model).unwrap();
        let err = format!("{:#}", ModelFile::parse(&text).unwrap_err());
        assert!(err.contains("layer 0: dropout 1 is not in [0, 1)"), "{err}");
        let mut model = textbook();
        model.layers[1].dropout = 0.5;
        let text = serde_json::to_string(&model).unwrap();
        let err = format!("{:#}", ModelFile::parse(&text).unwrap_err());
        assert!(
            err.contains("layer 1: the output layer cannot have dropout, got 0.5"),
            "{err}"
        );
    }

    #[test]
    fn rejects_bad_files_with_reasons() {
        let mut model = textbook();
        model.layers[0].weight[1].pop();
        let text = serde_json::to_string(&model).unwrap();
        let err = format!("{:#}", ModelFile::parse(&text).unwrap_err());
        assert!(err.contains("weight row 1 has 1 values"), "{err}");
        let wrong = text.replace("\"version\":1", "\"version\":9");
        let err = format!("{:#}", ModelFile::parse(&wrong).unwrap_err());
        assert!(err.contains("unsupported version 9"), "{err}");
        let err = format!("{:#}", ModelFile::parse("{\"format\": ").unwrap_err());
        assert!(err.contains("line 1 column"), "{err}");
    }
}
