//! Whitening rank-deficient data stays finite; fits refuse NaN and infinity and tell them from
//! overflowing statistics.

use ndarray::Array2;
use nn_data::{Transformer, Whitener, WhiteningMethod};

/// 30 samples of (a, 2a, a + b, b): rank 2 of 4 (two exact linear dependencies).
fn rank_deficient() -> Array2<f64> {
    Array2::from_shape_fn((30, 4), |(i, j)| {
        let (a, b) = ((i as f64 * 0.37).sin(), (i as f64 * 0.11).cos());
        [a, 2.0 * a, a + b, b][j]
    })
}

#[test]
fn pca_and_zca_of_rank_deficient_data_are_finite() {
    for method in [WhiteningMethod::Pca, WhiteningMethod::Zca] {
        let x = rank_deficient();
        let mut w = Whitener::new(method);
        let y = w.fit_transform(x.view()).unwrap();
        assert!(y.iter().all(|v| v.is_finite()), "{method:?}: {y:?}");
        let back = w.inverse_transform(y.view()).unwrap();
        let err = (&back - &x).iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        assert!(err < 1e-3, "{method:?}: reconstruction error {err}");
    }
}

#[test]
fn zero_epsilon_on_rank_deficient_data_is_still_finite() {
    // Zero eigenvalues of the covariance are not inverted (1/sqrt(0 + 0) would be infinite).
    let x = rank_deficient();
    let mut w = Whitener::new(WhiteningMethod::Zca)
        .with_epsilon(0.0)
        .unwrap();
    let y = w.fit_transform(x.view()).unwrap();
    assert!(y.iter().all(|v| v.is_finite()), "{y:?}");
}

/// The error each fit gives for `x` in `T` (via `f64` literals), as text.
fn fit_error<T: nn_tensor::Float>(name: &str, x: &[[f64; 2]]) -> String {
    let x = Array2::from_shape_fn((x.len(), 2), |(i, j)| T::from_f64(x[i][j]));
    let mut p = nn_data::Preprocessor::from_name(name).unwrap();
    match p.fit(x.view()) {
        Ok(()) => "fitted".into(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn fits_refuse_nan_and_infinity_without_a_pass_of_their_own() {
    // The fits find NaN and ±∞ in the pass that computes their statistics (min-max: a running
    // sum of 0 · v; the others: the column means), in f32 and f64, wherever they sit: a lone
    // NaN or ∞, and +∞ with −∞ in one column (whose sum is NaN, not ∞).
    let (nan, inf) = (f64::NAN, f64::INFINITY);
    let bad: [&[[f64; 2]]; 4] = [
        &[[1.0, 2.0], [3.0, nan], [5.0, 6.0]],
        &[[inf, 2.0], [3.0, 4.0], [5.0, 6.0]],
        &[[1.0, 2.0], [3.0, 4.0], [5.0, -inf]],
        &[[1.0, inf], [3.0, -inf], [5.0, 6.0]],
    ];
    for (name, op) in [
        ("min-max", "MinMaxScaler::fit"),
        ("standardize", "StandardScaler::fit"),
        ("pca-whiten", "Whitener::fit"),
        ("zca-whiten", "Whitener::fit"),
    ] {
        let want = format!("invalid x: {op}: input holds NaN or infinity");
        for x in bad {
            assert_eq!(fit_error::<f64>(name, x), want, "{name} {x:?}");
            assert_eq!(fit_error::<f32>(name, x), want, "{name} {x:?} f32");
        }
        assert_eq!(fit_error::<f32>(name, &[[1.0, 2.0], [3.0, 5.0]]), "fitted");
    }
}

#[test]
fn finite_values_whose_statistics_overflow_are_told_apart() {
    // Finite but huge: the sums (standardize, whitening) or the range max − min (min-max)
    // overflow f64; the error names the column, not NaN in the input.
    let big = [[1.0, 1.5e308], [2.0, 1.6e308]];
    let tail = "exceeds the f64 range (|x| < 1.8e308); scale the column down";
    for (name, op) in [
        ("standardize", "StandardScaler::fit"),
        ("zca-whiten", "Whitener::fit"),
    ] {
        let want = format!("{op}: feature column 2 overflows: its mean {tail}");
        assert_eq!(fit_error::<f64>(name, &big), want);
    }
    let wide = [[1.0, -1.5e308], [2.0, 1.6e308]];
    let want =
        format!("MinMaxScaler::fit: feature column 2 overflows: its range (max − min) {tail}");
    assert_eq!(fit_error::<f64>("min-max", &wide), want);
    assert_eq!(fit_error::<f64>("min-max", &big), "fitted");
}
