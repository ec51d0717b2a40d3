//! Property tests (proptest, f64): scaler statistics, round trips, whitened covariance = I.

use ndarray::{Array2, Axis};
use nn_data::{
    train_test_split, train_test_split_owned, Components, Dataset, MinMaxScaler, Preprocessor,
    StandardScaler, Target, Transformer, Whitener, WhiteningMethod,
};
use proptest::prelude::*;

/// Matrices of shape (n, d) with n in `rows`, d in 1..=5, entries in [-100, 100].
fn matrix(rows: std::ops::Range<usize>) -> impl Strategy<Value = Array2<f64>> {
    (rows, 1usize..=5).prop_flat_map(|(n, d)| {
        proptest::collection::vec(-100.0..100.0f64, n * d)
            .prop_map(move |v| Array2::from_shape_vec((n, d), v).unwrap())
    })
}

fn covariance(y: &Array2<f64>) -> Array2<f64> {
    let mean = y.mean_axis(Axis(0)).unwrap();
    let yc = y - &mean;
    yc.t().dot(&yc) / (y.nrows() - 1) as f64
}

fn max_abs(a: &Array2<f64>) -> f64 {
    a.iter().fold(0.0, |m, v| m.max(v.abs()))
}

proptest! {
    #[test]
    fn standardized_columns_have_mean_0_and_variance_1(x in matrix(2..40)) {
        let mut s = StandardScaler::default();
        let z = s.fit_transform(x.view()).unwrap();
        for j in 0..z.ncols() {
            let col = z.column(j);
            let mean = col.sum() / col.len() as f64;
            let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / col.len() as f64;
            prop_assert!(mean.abs() < 1e-9, "mean {mean}");
            let want = if s.zero_variance.contains(&j) { 0.0 } else { 1.0 };
            prop_assert!((var - want).abs() < 1e-9, "var {var}");
        }
        let back = s.inverse_transform(z.view()).unwrap();
        prop_assert!(max_abs(&(back - &x)) < 1e-9);
    }

    #[test]
    fn min_max_output_lies_in_range_and_round_trips(x in matrix(1..40), a in -5.0..5.0f64, w in 0.1..10.0f64) {
        let mut s = MinMaxScaler::new(a, a + w).unwrap();
        let y = s.fit_transform(x.view()).unwrap();
        prop_assert!(y.iter().all(|&v| v >= a - 1e-9 && v <= a + w + 1e-9));
        let back = s.inverse_transform(y.view()).unwrap();
        prop_assert!(max_abs(&(back - &x)) < 1e-9);
    }

    #[test]
    fn pca_and_zca_whitened_training_data_has_identity_covariance(x in matrix(12..40)) {
        for method in [WhiteningMethod::Pca, WhiteningMethod::Zca] {
            let mut w = Whitener::new(method).with_epsilon(0.0).unwrap();
            let y = w.fit_transform(x.view()).unwrap();
            let err = max_abs(&(covariance(&y) - Array2::<f64>::eye(y.ncols())));
            prop_assert!(err < 1e-6, "{method:?}: |cov − I| = {err}");
            let back = w.inverse_transform(y.view()).unwrap(); // full rank: exact
            prop_assert!(max_abs(&(back - &x)) < 1e-6);
        }
    }

    #[test]
    fn zca_matrix_is_symmetric(x in matrix(2..30), eps in 0.0..1.0f64) {
        let mut w = Whitener::new(WhiteningMethod::Zca).with_epsilon(eps).unwrap();
        w.fit(x.view()).unwrap();
        prop_assert!(max_abs(&(&w.matrix - &w.matrix.t())) < 1e-9 * max_abs(&w.matrix).max(1.0));
        prop_assert!(w.matrix.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn stratified_split_within_one_sample_per_class(
        classes in proptest::collection::vec(0usize..4, 1..80), frac in 0.0..1.0f64, seed in 0u64..1000,
    ) {
        let mut data = Dataset::unlabelled(Array2::<f64>::zeros((classes.len(), 1)));
        let labels = (0..4).map(|c| c.to_string()).collect();
        data.target = Target::Classes { indices: classes.clone(), labels };
        let (train, test) = train_test_split(&data, frac, seed).unwrap();
        prop_assert_eq!(train.n_samples() + test.n_samples(), classes.len());
        let Target::Classes { indices, .. } = &test.target else { unreachable!() };
        for c in 0..4 {
            let n_c = classes.iter().filter(|&&k| k == c).count() as f64;
            let t_c = indices.iter().filter(|&&k| k == c).count() as f64;
            prop_assert!((t_c - frac * n_c).abs() <= 1.0);
        }
    }

    #[test]
    fn owned_split_equals_the_copying_split(
        classes in proptest::collection::vec(0usize..4, 1..80), width in 0usize..4,
        frac in 0.0..1.0f64, seed in 0u64..1000, regression in any::<bool>(),
    ) {
        // Row r holds r, r + 0.25, … so any misplaced row shows.
        let x = Array2::from_shape_fn((classes.len(), width), |(r, c)| r as f32 + c as f32 / 4.0);
        let mut data = Dataset::unlabelled(x);
        data.target = if regression {
            Target::Values(classes.iter().map(|&c| c as f64).collect())
        } else {
            Target::Classes { indices: classes.clone(), labels: (0..4).map(|c| c.to_string()).collect() }
        };
        let copied = train_test_split(&data, frac, seed).unwrap();
        prop_assert_eq!(train_test_split_owned(data, frac, seed).unwrap(), copied);
    }
}

#[test]
fn rank_deficient_whitening_never_gives_nan() {
    // Column 2 = column 0 + column 1, column 3 constant: rank 2 of 4.
    let x = ndarray::array![
        [1., 2., 3., 5.],
        [2., 0., 2., 5.],
        [0., 1., 1., 5.],
        [4., 4., 8., 5.]
    ];
    for name in ["pca-whiten", "zca-whiten"] {
        for eps in [0.0, 1e-5] {
            let mut p = Preprocessor::from_name(name).unwrap();
            if let Preprocessor::PcaWhiten(w) | Preprocessor::ZcaWhiten(w) = &mut p {
                w.epsilon = eps;
            }
            let y = p.fit_transform(x.view()).unwrap();
            assert!(y.iter().all(|v: &f64| v.is_finite()), "{name} ε={eps}: {y}");
            let back = p.inverse_transform(y.view()).unwrap();
            assert!(max_abs(&(back - &x)) < 1e-9, "{name} ε={eps}"); // the data lies in the span
        }
    }
}

#[test]
fn variance_fraction_keeps_the_fewest_components() {
    // Variances 100, 1, 0.01 (independent columns): the first keeps 100/101.01 ≈ 99.0% < 99.5%,
    // the first two 101/101.01 ≈ 99.99%, so 99.5% needs 2 components.
    let x = ndarray::array![
        [10., 1., 0.1],
        [-10., 1., -0.1],
        [10., -1., -0.1],
        [-10., -1., 0.1]
    ];
    let w =
        Whitener::new(WhiteningMethod::Pca).with_components(Components::VarianceFraction(0.995));
    let mut w = w.unwrap();
    let y = w.fit_transform(x.view()).unwrap();
    assert_eq!(y.ncols(), 2);
    let cov_scale = 4.0 / 3.0; // n/(n − 1): variances 100·4/3 and 1·4/3
    assert!(
        (w.eigenvalues[0] - 100.0 * cov_scale).abs() < 1e-9,
        "{:?}",
        w.eigenvalues
    );
    assert!((w.eigenvalues[1] - cov_scale).abs() < 1e-9);
}

#[test]
fn every_preprocessor_round_trips_through_json() {
    let x = ndarray::array![[1., 2.], [3., 5.], [4., 4.], [0., 1.]];
    for name in Preprocessor::NAMES {
        let mut p = Preprocessor::from_name(name).unwrap();
        let y = p.fit_transform(x.view()).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains(&format!("\"method\":\"{name}\"")), "{json}");
        let back: Preprocessor = serde_json::from_str(&json).unwrap();
        assert_eq!(back.transform(x.view()).unwrap(), y, "{name}");
    }
}

proptest! {
    /// The consuming, in-place path used for large training sets gives the same bits as
    /// `transform` for every preprocessing method.
    #[test]
    fn owned_transform_matches_transform(
        values in prop::collection::vec(-1e3f64..1e3, 24),
        method in prop::sample::select(nn_data::Preprocessor::NAMES.to_vec()),
    ) {
        use nn_data::{Preprocessor, Transformer};
        let x = ndarray::Array2::from_shape_vec((8, 3), values).unwrap();
        let mut p = Preprocessor::from_name(method).unwrap();
        let owned = p.fit_transform_owned(x.clone()).unwrap();
        let viewed = p.transform(x.view()).unwrap();
        prop_assert_eq!(owned, viewed);
    }
}
