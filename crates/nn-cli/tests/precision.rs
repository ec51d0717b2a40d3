//! `--precision bf16` on train / evaluate / predict, and the default preprocessing per data
//! kind (IDX folder: min-max; CSV: standardize), both recorded in the model file.

mod common;
use common::{dataset, nn, ok, tempdir, two_column_images};

/// The model file's `training` record.
fn training(model: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(model).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).unwrap()["training"].clone()
}

#[test]
fn bf16_trains_evaluates_and_predicts_iris() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let (_d, dir) = tempdir();
    let model = format!("{dir}/m.json");
    let args = [
        "train", "--data", &iris, "--hidden", "8", "--epochs", "60", "--lr", "0.1",
    ];
    let out = ok(&[
        &args[..],
        &["--precision", "bf16", "--out", &model, "--quiet"],
    ]
    .concat());
    // Iris is easy: bf16 products still separate the classes (f32 reaches 0.9667 here).
    let acc: f64 = out.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(acc >= 0.9, "{out}");
    let record = training(&model);
    assert_eq!(record["precision"], "bf16");
    assert_eq!(record["preprocess"], "standardize"); // the CSV default
    let eval = ok(&[
        "evaluate",
        "--model",
        &model,
        "--data",
        &iris,
        "--precision",
        "bf16",
    ]);
    assert!(eval.contains("accuracy"), "{eval}");
    let preds = ok(&[
        "predict",
        "--model",
        &model,
        "--data",
        &iris,
        "--precision",
        "bf16",
    ]);
    assert_eq!(preds.lines().count(), 151, "header + 150 rows");
}

#[test]
fn bf16_with_f64_is_a_usage_error() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let (_d, dir) = tempdir();
    let model = format!("{dir}/m.json");
    let run = nn(&[
        "train",
        "--data",
        &iris,
        "--dtype",
        "f64",
        "--precision",
        "bf16",
        "--out",
        &model,
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--precision bf16 needs --dtype f32"),
        "{}",
        run.stderr
    );
    assert!(!std::path::Path::new(&model).exists());
}

#[test]
fn idx_folders_default_to_min_max() {
    let (_d, dir) = tempdir();
    two_column_images(&dir, 20, 6);
    let model = format!("{dir}/m.json");
    ok(&[
        "train", "--data", &dir, "--hidden", "4", "--epochs", "2", "--out", &model, "--quiet",
    ]);
    assert_eq!(training(&model)["preprocess"], "minmax");
}
