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

// ---- f32 data: the same fits on wine loaded as f32, against the same scikit-learn fixture ----
//
// Tolerances follow from the one rounding the f32 path adds to the data: each value is stored as
// x(1 + δ), |δ| ≤ u = 2⁻²⁴ (`load_csv_as::<f32>`); the fits then sum in f64 and each output is
// rounded once more (another u relative). With M_j = max_i |x_ij| the largest value of column j
// (and first order in u), the perturbation of a centred value is at most 2u·M_j (the value's
// own rounding plus the mean's), which bounds everything below. Each bound gets a factor 2 of
// margin plus scikit-learn's own f64 rounding.

const U: f64 = 1.0 / (1u64 << 24) as f64;

fn wine_f32() -> Array2<f32> {
    let path = root().join("datasets/wine.csv");
    let loaded = nn_data::load_csv_as::<f32>(path, &CsvOptions::default()).unwrap();
    assert_eq!(loaded.dataset.features, wine().mapv(|v| v as f32));
    loaded.dataset.features
}

/// `M_j`: the largest magnitude in each column.
fn column_max(x: &Array2<f64>) -> Vec<f64> {
    x.columns()
        .into_iter()
        .map(|c| c.iter().fold(0.0_f64, |m, v| m.max(v.abs())))
        .collect()
}

fn assert_within(got: f64, want: f64, bound: f64, what: &str) {
    assert!(
        (got - want).abs() <= bound,
        "{what}: {got} vs {want} (bound {bound:e})"
    );
}

#[test]
fn f32_standard_scaler_matches_sklearn_within_f32_rounding() {
    let (f, x) = (fixture(), wine_f32());
    let m = column_max(&wine());
    let mut scaler = StandardScaler::default();
    let z = scaler.fit_transform(x.slice(s![..5, ..])).unwrap(); // shape check of the f32 map
    assert_eq!(z.dim(), (5, 13));
    scaler.fit(x.view()).unwrap();
    let (mean, scale) = (vector(&f["standard_mean"]), vector(&f["standard_scale"]));
    for j in 0..13 {
        // |Δμ| ≤ u·M_j; |Δσ| ≤ rms of the centred perturbations ≤ 2u·M_j.
        let sk = 1e-12 * mean[j].abs();
        assert_within(scaler.mean[j], mean[j], 2.0 * U * m[j] + sk, "mean");
        assert_within(
            scaler.scale[j],
            scale[j],
            4.0 * U * m[j] + 1e-12 * scale[j],
            "scale",
        );
    }
    let rows = scaler.transform(x.slice(s![..5, ..])).unwrap();
    let want = matrix(&f["standard_rows"]);
    for ((i, j), &z) in rows.indexed_iter() {
        // z = (x − μ)/σ: 2u·M_j/σ from the centred value, |z|·2u·M_j/σ from σ, u·|z| rounding.
        let w = want[[i, j]];
        let r = 2.0 * U * m[j] / scale[j];
        let bound = 2.0 * (r + w.abs() * r + U * w.abs()) + 1e-11 * w.abs().max(1.0);
        assert_within(f64::from(z), w, bound, &format!("row {i} col {j}"));
    }
}

#[test]
fn f32_min_max_scaler_matches_sklearn_within_f32_rounding() {
    let (f, x) = (fixture(), wine_f32());
    let mut scaler = MinMaxScaler::default();
    scaler.fit(x.view()).unwrap();
    let (min, max) = (vector(&f["minmax_min"]), vector(&f["minmax_max"]));
    for (j, (&got, &want)) in scaler.min.iter().zip(&min).enumerate() {
        // The extremes of the rounded values are the rounded extremes: exactly f32(min).
        assert_eq!(got, f64::from(want as f32), "min {j}");
    }
    let rows = scaler.transform(x.slice(s![..5, ..])).unwrap();
    let want = matrix(&f["minmax_rows"]);
    let x64 = wine();
    for ((i, j), &y) in rows.indexed_iter() {
        // y = (x − min)/r: u(|x| + |min|)/r from the difference, |y|·u(|max| + |min|)/r from r.
        let (w, r) = (want[[i, j]], max[j] - min[j]);
        let from_x = U * (x64[[i, j]].abs() + min[j].abs()) / r;
        let from_r = w.abs() * U * (max[j].abs() + min[j].abs()) / r;
        let bound = 2.0 * (from_x + from_r + U * w.abs()) + 1e-12;
        assert_within(f64::from(y), w, bound, &format!("row {i} col {j}"));
    }
}

#[test]
fn f32_pca_eigenvalues_match_sklearn_within_the_covariance_perturbation() {
    let (f, x) = (fixture(), wine_f32());
    let x64 = wine();
    let (n, d) = x64.dim();
    let m = column_max(&x64);
    let mean = x64.mean_axis(ndarray::Axis(0)).unwrap();
    let abs_xc = (&x64 - &mean).mapv(f64::abs);
    // Elementwise |ΔC_jk| ≤ b_jk = Σ_i (|xc_ij|·2u·M_k + 2u·M_j·|xc_ik|)/(n − 1), and to first
    // order Δλ_i = v_iᵀ·ΔC·v_i for scikit-learn's unit eigenvector v_i, so
    // |Δλ_i| ≤ Σ_jk |v_ij|·|v_ik|·b_jk.
    let col_sums: Vec<f64> = abs_xc.columns().into_iter().map(|c| c.sum()).collect();
    let b = Array2::from_shape_fn((d, d), |(j, k)| {
        2.0 * U * (col_sums[j] * m[k] + m[j] * col_sums[k]) / (n - 1) as f64
    });
    let components = matrix(&f["pca_components"]); // row i: eigenvector i
    let mut w = Whitener::new(WhiteningMethod::Pca)
        .with_epsilon(0.0)
        .unwrap();
    w.fit(x.view()).unwrap();
    let want = vector(&f["pca_explained_variance"]);
    for (i, (&got, &lambda)) in w.eigenvalues.iter().zip(&want).enumerate() {
        let v = components.row(i).mapv(f64::abs);
        let first_order = v.dot(&b.dot(&v));
        // A real constraint: every eigenvalue, the smallest (0.0082) too, is pinned to < 1%.
        assert!(
            first_order < 1e-2 * lambda,
            "eigenvalue {i}: bound {first_order}"
        );
        let bound = 2.0 * first_order + 1e-9 * lambda;
        assert_within(got, lambda, bound, &format!("eigenvalue {i}"));
    }
    let y = w.transform(x.view()).unwrap(); // Array2<f32>
    let cov = y.mapv(f64::from).t().dot(&y.mapv(f64::from)) / (n - 1) as f64;
    // Whitened by its own fit: the identity up to the f32 rounding of the outputs (|y| ≲ 10).
    for ((i, j), &c) in cov.indexed_iter() {
        let target = if i == j { 1.0 } else { 0.0 };
        assert!((c - target).abs() < 1e-5, "cov[{i}, {j}] = {c}");
    }
}
