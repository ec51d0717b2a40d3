//! Softmax, log-sum-exp and sigmoid never overflow: huge logits give finite losses, gradients
//! and probabilities, in f32 and f64.

use ndarray::{array, Array2};
use nn_core::Loss;

#[test]
fn cross_entropy_of_huge_logits_is_finite_and_exact() {
    // Logits (1e4, −1e4, 0) for target class 0: log-sum-exp = 1e4 + ln(1 + e^−2e4 + e^−1e4)
    // = 1e4 to f64 precision, so the loss −(o_0 − lse) is 0; for target class 1 it is 2e4.
    let out = array![[1e4_f64, -1e4, 0.0], [1e4, -1e4, 0.0]];
    let t = array![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    let v = Loss::CrossEntropy.value(out.view(), t.view()).unwrap();
    assert_eq!(v, (0.0 + 2e4) / 2.0);
    let mut g = Array2::zeros((2, 3));
    Loss::CrossEntropy
        .value_and_grad(out.view(), t.view(), g.view_mut())
        .unwrap();
    // ∂L/∂o = (softmax(o) − t)/n with softmax = (1, 0, 0): row 0 all 0, row 1 (0.5, −0.5, 0).
    assert_eq!(g, array![[0.0, 0.0, 0.0], [0.5, -0.5, 0.0]]);
}

#[test]
fn f32_softmax_of_logits_past_exp_overflow() {
    // e^89 overflows f32 (max ≈ 3.4e38 ≈ e^88.7); the max-subtracted softmax does not.
    let mut o = array![[1000.0_f32, 999.0, -1000.0]];
    Loss::CrossEntropy.link(o.view_mut());
    assert!(o.iter().all(|p| p.is_finite()));
    // softmax(1000, 999) = (1/(1 + e^−1), e^−1/(1 + e^−1)) = (0.7310586, 0.2689414)
    assert!((o[[0, 0]] - 0.731_058_6).abs() < 1e-6 && (o[[0, 1]] - 0.268_941_4).abs() < 1e-6);
    assert_eq!(o[[0, 2]], 0.0);
    let v = Loss::CrossEntropy
        .value(
            array![[1e30_f32, -1e30]].view(),
            array![[0.0_f32, 1.0]].view(),
        )
        .unwrap();
    assert_eq!(v, 2e30_f32 as f64);
}

#[test]
fn bce_of_huge_logits_is_finite() {
    let out = array![[1e4_f64], [-1e4]];
    let t = array![[0.0], [1.0]];
    let v = Loss::Bce.value(out.view(), t.view()).unwrap();
    // each sample's loss is log(1 + e^1e4) = 1e4 (to f64 precision)
    assert!(v.is_finite() && (v - 1e4).abs() < 1e-9, "{v}");
    let mut p = array![[1e4_f32], [-1e4]];
    Loss::Bce.link(p.view_mut());
    assert_eq!(p, array![[1.0], [0.0]]);
}
