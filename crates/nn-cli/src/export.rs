//! `nn export`: a model's weights as safetensors, named like PyTorch's `nn.Linear` layers in
//! an `nn.Sequential`-like list: `layers.{i}.weight` `(out_features, in_features)` and
//! `layers.{i}.bias` `(out_features,)`. The metadata holds `format`, the architecture JSON
//! (sizes and activations), the loss and the label list.

use std::collections::HashMap;

use anyhow::{Context, Result};
use safetensors::tensor::{Dtype as StDtype, TensorView};
use serde_json::json;

use crate::args::{Dtype, ExportArgs};
use crate::model_file::ModelFile;
use crate::stdout::outln;

/// Runs `nn export`.
pub fn run(args: ExportArgs) -> Result<()> {
    crate::outputs::Outputs::new()
        .input("--model", Some(&args.model))
        .file("--out", Some(&args.out))
        .check()?;
    let model = ModelFile::load(&args.model)?;
    let bytes = to_safetensors(&model, args.dtype)?;
    // Staged, reported, then put in place: a report that cannot be printed writes nothing.
    let staged = crate::fsutil::stage_bytes(&args.out, &bytes)?;
    outln!(
        "wrote {} tensors ({}) to {}",
        2 * model.layers.len(),
        if args.dtype == Dtype::F32 {
            "F32"
        } else {
            "F64"
        },
        args.out.display()
    )?;
    staged.commit()
}

/// The safetensors bytes of `model`'s weights.
pub fn to_safetensors(model: &ModelFile, dtype: Dtype) -> Result<Vec<u8>> {
    let mut buffers: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for (i, layer) in model.layers.iter().enumerate() {
        let weight: Vec<f64> = layer.weight.iter().flatten().copied().collect();
        if dtype == Dtype::F32 {
            fits_f32(&format!("layers.{i}.weight"), &weight)?;
            fits_f32(&format!("layers.{i}.bias"), &layer.bias)?;
        }
        let shape = vec![layer.out_features, layer.in_features];
        buffers.push((format!("layers.{i}.weight"), shape, encode(&weight, dtype)));
        buffers.push((
            format!("layers.{i}.bias"),
            vec![layer.out_features],
            encode(&layer.bias, dtype),
        ));
    }
    let st_dtype = if dtype == Dtype::F32 {
        StDtype::F32
    } else {
        StDtype::F64
    };
    let views = buffers
        .iter()
        .map(|(name, shape, data)| {
            Ok((
                name.clone(),
                TensorView::new(st_dtype, shape.clone(), data)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    safetensors::tensor::serialize(views, Some(metadata(model)?)).context("encoding safetensors")
}

/// Every value of the tensor `name` must stay finite as an `f32`.
fn fits_f32(name: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|&v| !(v as f32).is_finite()) {
        None => Ok(()),
        Some(k) => anyhow::bail!(
            "{name}[{k}] = {:e} is beyond the f32 range (|x| ≤ 3.4e38) and would be written as inf; export with --dtype f64",
            values[k]
        ),
    }
}

fn encode(values: &[f64], dtype: Dtype) -> Vec<u8> {
    match dtype {
        Dtype::F32 => values
            .iter()
            .flat_map(|&v| (v as f32).to_le_bytes())
            .collect(),
        Dtype::F64 => values.iter().flat_map(|&v| v.to_le_bytes()).collect(),
    }
}

fn metadata(model: &ModelFile) -> Result<HashMap<String, String>> {
    let activations: Vec<_> = model.layers.iter().map(|l| &l.activation).collect();
    let architecture = json!({ "sizes": model.architecture.sizes, "activations": activations });
    let mut meta = HashMap::new();
    meta.insert("format".into(), "nn-model".into());
    meta.insert("architecture".into(), architecture.to_string());
    meta.insert("loss".into(), model.loss.name().into());
    if let Some(labels) = &model.labels {
        meta.insert("labels".into(), serde_json::to_string(labels)?);
    }
    if !model.features.is_empty() {
        meta.insert("features".into(), serde_json::to_string(&model.features)?);
    }
    // How inputs are built: categories, imputation values and scaling (the model file's own
    // record), so a Python reader can encode new rows as `nn predict` does.
    if let Some(pre) = &model.preprocessing {
        meta.insert("preprocessing".into(), pre.to_string());
    }
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_beyond_f32_are_refused_for_f32_only() {
        let net = nn_core::textbook::network();
        let mut model =
            ModelFile::from_network(&net, nn_core::Loss::HalfSse, nn_data::Task::Regress);
        model.layers[1].bias[1] = -1e39;
        let err = to_safetensors(&model, Dtype::F32).unwrap_err().to_string();
        assert_eq!(
            err,
            "layers.1.bias[1] = -1e39 is beyond the f32 range (|x| ≤ 3.4e38) and would be written as inf; export with --dtype f64"
        );
        assert!(to_safetensors(&model, Dtype::F64).is_ok());
        model.layers[1].bias[1] = 3.4e38; // just inside f32's range (f32::MAX ≈ 3.40282e38)
        assert!(to_safetensors(&model, Dtype::F32).is_ok());
    }
}
