//! The model-file loader, as a property: built the way `nn train` builds one (a CSV read by
//! nn-data, the preprocessing fitted on its numeric columns, a seeded network), a model file
//! loads, is internally consistent (the saved preprocessing turns a raw row into the network's
//! inputs, the outputs are finite, one label per class) and survives load → save → load
//! unchanged; the same file with any one inconsistency is refused with a reason.

use nn_cli::model_file::ModelFile;
use nn_cli::preprocessing::Preprocessing;
use nn_core::{Activation, Loss, Network};
use nn_data::{CsvOptions, Preprocessor, Task};
use proptest::prelude::*;
use serde_json::Value;

/// A model of `n_numeric` numeric and `n_text` text columns (categories `c0`, `c1`, …), for a
/// target of `n_classes` classes (0: regression), with the preprocessing `method`.
fn model(n_numeric: usize, n_text: usize, n_classes: usize, method: &str, seed: u64) -> ModelFile {
    let mut csv = String::new();
    let names: Vec<String> = (0..n_numeric)
        .map(|j| format!("x{j}"))
        .chain((0..n_text).map(|j| format!("t{j}")))
        .collect();
    csv.push_str(&format!("{},y\n", names.join(",")));
    for i in 0..12u64 {
        let v = |j: u64| ((i * 7 + j * 3 + seed) % 11) as f64 / 4.0 - 1.0;
        let mut cells: Vec<String> = (0..n_numeric as u64).map(|j| v(j).to_string()).collect();
        cells.extend((0..n_text as u64).map(|j| format!("c{}", (i + j) % 3)));
        let y = match n_classes {
            0 => format!("{}", v(9) * 3.0 + 0.5),
            k => format!("k{}", i as usize % k),
        };
        cells.push(y);
        csv.push_str(&format!("{}\n", cells.join(",")));
    }
    let task = if n_classes == 0 {
        Task::Regress
    } else {
        Task::Classify
    };
    let options = CsvOptions {
        task,
        ..Default::default()
    };
    let loaded = nn_data::read_csv(csv.as_bytes(), "t.csv", &options).expect("reads");
    let schema = loaded.schema;
    let mut features = Preprocessor::from_name(method).expect("method");
    features
        .fit_transform_leading(loaded.dataset.features, schema.n_numeric())
        .expect("fits");
    let n_in = schema.feature_names.len();
    let n_out = n_classes.max(1);
    let (loss, link) = match n_classes {
        0 => (Loss::Mse, Activation::Identity),
        _ => (Loss::CrossEntropy, Activation::Identity),
    };
    let net = Network::<f64>::mlp(&[n_in, 3, n_out], Activation::Tanh, link, seed).expect("net");
    let mut model = ModelFile::from_network(&net, loss, task);
    let target = (n_classes == 0).then(|| {
        let mut s = nn_data::StandardScaler::default();
        let y = ndarray::Array2::from_shape_fn((4, 1), |(i, _)| i as f64);
        nn_data::Transformer::fit(&mut s, y.view()).expect("fits");
        s
    });
    if let nn_data::TargetKind::Classify { labels } = &schema.kind {
        model.labels = Some(labels.names().to_vec());
    }
    model.features = schema.feature_names.clone();
    model.target = Some("y".into());
    let pre = Preprocessing {
        schema: Some(schema),
        features,
        target,
    };
    model.preprocessing = Some(serde_json::to_value(&pre).expect("serialises"));
    model
}

/// One inconsistency put into a model's JSON, or none (`0`).
fn break_it(v: &mut Value, kind: usize) {
    let pre = |v: &mut Value| v["preprocessing"].clone();
    match kind {
        0 => {}
        1 => pop(&mut v["layers"][0]["bias"]),
        // (an empty list is allowed: files from before feature names)
        2 if v["features"].as_array().is_some_and(|a| a.len() == 1) => {
            push(&mut v["features"], "extra".into())
        }
        2 => pop(&mut v["features"]),
        3 if v["features"].as_array().is_some_and(|a| a.len() >= 2) => {
            v["features"][1] = v["features"][0].clone()
        }
        3 => v["features"] = serde_json::json!(["x0", "x0"]),
        4 => match pre(v)["schema"]["kind"]["task"].as_str() {
            Some("classify") => pop(&mut v["preprocessing"]["schema"]["kind"]["labels"]["names"]),
            _ => v["labels"] = serde_json::json!(["a"]),
        },
        5 => v["preprocessing"]["schema"]["imputer"]["means"] = serde_json::json!([]),
        6 => {
            let names = v["features"].clone();
            v["preprocessing"]["schema"]["feature_names"] = serde_json::json!([names[0], names[0]]);
        }
        _ => v["task"] = Value::String("classify".into()),
    }
}

fn pop(v: &mut Value) {
    if let Some(a) = v.as_array_mut() {
        a.pop();
    }
}

fn push(v: &mut Value, item: Value) {
    if let Some(a) = v.as_array_mut() {
        a.push(item);
    }
}

/// What an accepted model must satisfy.
fn consistent(model: &ModelFile, raw_seed: u64) {
    let mut net = model.network::<f64>().expect("builds");
    let pre: Preprocessing =
        serde_json::from_value(model.preprocessing.clone().expect("kept")).expect("parses");
    let schema = pre.schema.as_ref().expect("schema");
    let n_raw = schema.feature_names.len();
    let raw = ndarray::Array2::from_shape_fn((3, n_raw), |(i, j)| {
        ((i as u64 * 5 + j as u64 + raw_seed) % 7) as f64 / 3.0
    });
    let x = pre
        .features
        .transform_leading(raw, schema.n_numeric())
        .expect("the preprocessing takes the schema's columns");
    assert_eq!(x.ncols(), net.n_in(), "preprocessed width = network inputs");
    let out = net.predict(x.view(), model.loss).expect("runs");
    assert!(out.iter().all(|v| v.is_finite()), "{out:?}");
    match model.task {
        Task::Classify => assert_eq!(model.labels.as_ref().map(Vec::len), Some(out.ncols())),
        _ => assert!(model.labels.is_none()),
    }
    assert_eq!(model.features, schema.feature_names);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn accepted_models_are_consistent_and_round_trip(
        n_numeric in 0usize..4,
        n_text in 0usize..3,
        n_classes in prop_oneof![Just(0usize), 2usize..5],
        method in prop::sample::select(vec!["none", "standardize", "minmax", "zca-whiten", "pca-whiten"]),
        seed in 0u64..1000,
        kind in 0usize..8,
    ) {
        // Whitening needs numeric columns; a model needs at least one input.
        prop_assume!(n_numeric + n_text > 0);
        prop_assume!(n_numeric >= 2 || !method.contains("whiten"));
        let mut value = serde_json::to_value(model(n_numeric, n_text, n_classes, method, seed)).unwrap();
        let before = value.clone();
        break_it(&mut value, kind);
        let changed = value != before;
        match ModelFile::parse(&value.to_string()) {
            Ok(loaded) => {
                prop_assert!(!changed, "kind {kind} accepted:\n{value:#}");
                consistent(&loaded, seed);
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("m.json");
                loaded.save(&path).unwrap();
                let again = ModelFile::load(&path).unwrap();
                prop_assert_eq!(serde_json::to_value(&again).unwrap(), serde_json::to_value(&loaded).unwrap());
            }
            Err(err) => prop_assert!(changed, "a model built like nn train's was refused: {err:#}"),
        }
    }
}

/// The property above is not vacuous: a model with numeric and text columns loads, and each
/// kind of inconsistency is refused with its reason.
#[test]
fn each_inconsistency_is_refused_with_its_reason() {
    let reasons = [
        "bias has 2 values, expected out_features = 3",
        "4 feature names for 5 inputs",
        "\"features\" has \"x0\" twice",
        "differ from the preprocessing schema's",
        "imputer.means has 0 values for 2 numeric columns",
        "feature_names names \"x0\" twice",
    ];
    for (classes, kinds) in [(3, 0..7), (0, 0..8)] {
        let built = model(2, 1, classes, "standardize", 1);
        let text = serde_json::to_string(&built).unwrap();
        consistent(&ModelFile::parse(&text).expect("loads"), 1);
        for kind in kinds.skip(1) {
            let mut value = serde_json::to_value(&built).unwrap();
            break_it(&mut value, kind);
            let err = format!("{:#}", ModelFile::parse(&value.to_string()).unwrap_err());
            let want = match (classes, kind) {
                (0, 4) => "a regression model has no \"labels\"",
                (0, 7) => "a classification model needs its \"labels\"",
                (_, k) => reasons[k - 1],
            };
            assert!(err.contains(want), "kind {kind}, {classes} classes: {err}");
        }
    }
}
