//! Whitening rank-deficient data stays finite.

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
