//! Running a saved model on a data file: read it the way the model's training data was read,
//! apply the saved preprocessing and the network, and undo the target scaling.

use std::path::Path;

use anyhow::{Context, Result};
use ndarray::Array2;
use nn_data::{Dataset, Transformer};

use crate::args::PrecisionArg;
use crate::dataset;
use crate::model_file::ModelFile;
use crate::preprocessing::Preprocessing;

/// Loads `path` the way the model's training data was read, applies the saved preprocessing
/// and the network, and returns the data with the outputs: class probabilities, or values in
/// the target's units.
/// With [`PrecisionArg::Bf16`] the network runs in `f32` with bf16 products; otherwise in `f64`.
pub fn apply(
    model: &ModelFile,
    path: &Path,
    precision: PrecisionArg,
) -> Result<(Dataset, Array2<f64>)> {
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
    let mut out = match precision {
        PrecisionArg::F32 => model.network::<f64>()?.predict(x.view(), model.loss)?,
        PrecisionArg::Bf16 => {
            let mut net = model.network::<f32>()?;
            net.set_precision(precision.precision())?;
            let x = x.mapv(|v| v as f32);
            net.predict(x.view(), model.loss)?.mapv(f64::from)
        }
    };
    if let Some(scaler) = pre.as_ref().and_then(|p| p.target.as_ref()) {
        out = scaler.inverse_transform(out.view())?;
    }
    Ok((data, out))
}
