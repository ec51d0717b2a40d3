//! Models whose first layer has at least 64 inputs keep that layer's weights column-major in
//! memory; everything that writes weights must still write PyTorch's `(out, in)` row-major
//! values. Checked three ways on one trained model: the checkpoint (ndarray's serde), the model
//! file (its own writer) and `nn export` (safetensors) must hold the same numbers in the same
//! order.
mod common;
use common::{dataset, ok, tempdir};

/// `(shape, values)` of a safetensors tensor stored as F64.
fn safetensor_f64(bytes: &[u8], name: &str) -> (Vec<u64>, Vec<f64>) {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let t = &header[name];
    assert_eq!(t["dtype"], "F64", "{name}");
    let shape = t["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let [start, end] = [0, 1].map(|i| t["data_offsets"][i].as_u64().unwrap() as usize);
    let values = bytes[8 + n..][start..end]
        .chunks(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    (shape, values)
}

fn floats(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn a_64_input_model_is_written_as_out_by_in_rows_everywhere() {
    let Some(digits) = dataset("digits.csv") else {
        return;
    };
    let (_guard, dir) = tempdir();
    let (model, ck, st) = (
        format!("{dir}/model.json"),
        format!("{dir}/ck"),
        format!("{dir}/model.safetensors"),
    );
    ok(&[
        "train",
        "--data",
        &digits,
        "--hidden",
        "12",
        "--epochs",
        "1",
        "--dtype",
        "f64",
        "--out",
        &model,
        "--checkpoint",
        &ck,
        "--quiet",
    ]);
    ok(&["export", "--model", &model, "--out", &st, "--dtype", "f64"]);

    // The model file: nested rows, one per output neuron.
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let layer = &file["layers"][0];
    assert_eq!(layer["in_features"], 64);
    assert_eq!(layer["out_features"], 12);
    let rows = layer["weight"].as_array().unwrap();
    assert_eq!(rows.len(), 12);
    let from_file: Vec<f64> = rows.iter().flat_map(floats).collect();
    assert_eq!(from_file.len(), 12 * 64);

    // The checkpoint: ndarray's `{dim, data}` in logical order, written by another path.
    let ck_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{ck}/checkpoint.json")).unwrap())
            .unwrap();
    let w = &ck_json["state"]["network"]["layers"][0]["weight"];
    assert_eq!(w["dim"], serde_json::json!([12, 64]));
    let from_ck = floats(&w["data"]);
    assert!(
        from_ck
            .iter()
            .zip(&from_file)
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "checkpoint and model file disagree"
    );
    // Trained, and not symmetric under transposition by accident.
    assert!(from_file.iter().any(|&v| v != from_file[0]));

    // The export: `layers.0.weight` of shape (out, in) with the same values in the same order.
    let bytes = std::fs::read(&st).unwrap();
    let (shape, from_st) = safetensor_f64(&bytes, "layers.0.weight");
    assert_eq!(shape, vec![12, 64]);
    assert!(
        from_st
            .iter()
            .zip(&from_file)
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "export and model file disagree"
    );
    let (shape, bias) = safetensor_f64(&bytes, "layers.0.bias");
    assert_eq!(shape, vec![12]);
    assert_eq!(bias, floats(&layer["bias"]));
}

/// Regression: `nn gradcheck` compared each gradient with the difference quotient of another
/// weight once the first layer was stored column-major (≥ 64 inputs), and failed.
#[test]
fn gradcheck_passes_with_64_inputs() {
    let out = ok(&[
        "gradcheck",
        "--inputs",
        "64",
        "--hidden",
        "5",
        "--outputs",
        "3",
    ]);
    assert!(out.contains("64-5-3 net"), "{out}");
    assert!(out.contains("ok: max relative error"), "{out}");
}
