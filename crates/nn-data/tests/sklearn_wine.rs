//! Agreement with scikit-learn on datasets/wine.csv. Expected values come from
//! `tests/fixtures/make_sklearn_fixture.py` (committed output: `fixtures/wine_sklearn.json`).

use ndarray::{s, Array2};
use nn_data::{
    load_csv, Components, CsvOptions, MinMaxScaler, StandardScaler, Transformer, Whitener,
    WhiteningMethod,
};
use serde_json::Value;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture() -> Value {
    let path = root().join("crates/nn-data/tests/fixtures/wine_sklearn.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn vector(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(vector).collect();
    let n_cols = rows[0].len();
    Array2::from_shape_vec((rows.len(), n_cols), rows.concat()).unwrap()
}

fn wine() -> Array2<f64> {
    let loaded = load_csv(root().join("datasets/wine.csv"), &CsvOptions::default()).unwrap();
    assert_eq!(
        loaded.dataset.labels().unwrap(),
        ["class_0", "class_1", "class_2"]
    );
    loaded.dataset.features
}

fn assert_close(got: &[f64], want: &[f64], rel: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= rel * w.abs().max(1.0),
            "{what}[{i}]: {g} vs {w}"
        );
    }
}

#[test]
fn standard_scaler_matches_sklearn() {
    let (f, x) = (fixture(), wine());
    let mut scaler = StandardScaler::default();
    scaler.fit(x.view()).unwrap();
    assert_close(&scaler.mean, &vector(&f["standard_mean"]), 1e-12, "mean");
    assert_close(
        &scaler.scale,
        &vector(&f["standard_scale"]),
        1e-12,
        "scale (ddof 0)",
    );
    let rows = scaler.transform(x.slice(s![..5, ..])).unwrap();
    assert_close(
        rows.as_slice().unwrap(),
        matrix(&f["standard_rows"]).as_slice().unwrap(),
        1e-11,
        "rows",
    );
}

#[test]
fn min_max_scaler_matches_sklearn() {
    let (f, x) = (fixture(), wine());
    let mut scaler = MinMaxScaler::default();
    scaler.fit(x.view()).unwrap();
    assert_close(&scaler.min, &vector(&f["minmax_min"]), 0.0, "min");
    let rows = scaler.transform(x.slice(s![..5, ..])).unwrap();
    assert_close(
        rows.as_slice().unwrap(),
        matrix(&f["minmax_rows"]).as_slice().unwrap(),
        1e-12,
        "rows",
    );
}

/// Flips each output column of `ours` to the sign of sklearn's, then compares.
fn assert_equal_up_to_column_sign(ours: &Array2<f64>, theirs: &Array2<f64>, tol: f64) {
    for j in 0..ours.ncols() {
        let dot: f64 = ours
            .column(j)
            .iter()
            .zip(theirs.column(j))
            .map(|(a, b)| a * b)
            .sum();
        let sign = if dot < 0.0 { -1.0 } else { 1.0 };
        for i in 0..ours.nrows() {
            let (g, w) = (sign * ours[[i, j]], theirs[[i, j]]);
            assert!((g - w).abs() < tol, "[{i}, {j}]: {g} vs {w}");
        }
    }
}

#[test]
fn pca_whitening_matches_sklearn_up_to_sign() {
    let (f, x) = (fixture(), wine());
    // sklearn's PCA divides by n − 1 like Whitener and adds no ε, hence ε = 0 here.
    let mut w = Whitener::new(WhiteningMethod::Pca)
        .with_epsilon(0.0)
        .unwrap();
    w.fit(x.view()).unwrap();
    assert_close(
        &w.eigenvalues,
        &vector(&f["pca_explained_variance"]),
        1e-9,
        "eigenvalues",
    );
    let ours = w.transform(x.slice(s![..5, ..])).unwrap();
    assert_equal_up_to_column_sign(&ours, &matrix(&f["pca_rows"]), 1e-7);
}

#[test]
fn pca_with_three_components_and_its_inverse_match_sklearn() {
    let (f, x) = (fixture(), wine());
    let mut w = Whitener::new(WhiteningMethod::Pca)
        .with_epsilon(0.0)
        .unwrap();
    w = w.with_components(Components::Count(3)).unwrap();
    w.fit(x.view()).unwrap();
    let ours = w.transform(x.slice(s![..5, ..])).unwrap();
    assert_equal_up_to_column_sign(&ours, &matrix(&f["pca3_rows"]), 1e-7);
    let back = w.inverse_transform(ours.view()).unwrap(); // projection onto 3 components
    let want = matrix(&f["pca3_inverse_rows"]);
    assert_close(
        back.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-9,
        "inverse",
    );
}
