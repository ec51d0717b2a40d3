//! Running a saved model on a data file: read it the way the model's training data was read,
//! apply the saved preprocessing and the network, and undo the target scaling.

use std::path::Path;

use anyhow::{Context, Result};
use ndarray::Array2;
use nn_data::{Dataset, Transformer};

use crate::dataset;
use crate::model_file::ModelFile;
use crate::preprocessing::Preprocessing;

/// Loads `path` the way the model's training data was read, applies the saved preprocessing
/// and the network, and returns the data with the outputs: class probabilities, or values in
/// the target's units.
pub fn apply(model: &ModelFile, path: &Path) -> Result<(Dataset, Array2<f64>)> {
    let pre: Option<Preprocessing> = match &model.preprocessing {
        Some(v) => {
            Some(serde_json::from_value(v.clone()).context("reading the model's preprocessing")?)
        }
        None => None,
    };
    let data = dataset::load_with_schema(path, pre.as_ref().and_then(|p| p.schema.as_ref()))?;
    let x = match &pre {
        Some(p) => p.features.transform(data.features.view())?,
        None => data.features.clone(),
    };
    let mut net = model.network::<f64>()?;
    let mut out = net.predict(x.view(), model.loss)?;
    if let Some(scaler) = pre.as_ref().and_then(|p| p.target.as_ref()) {
        out = scaler.inverse_transform(out.view())?;
    }
    Ok((data, out))
}
