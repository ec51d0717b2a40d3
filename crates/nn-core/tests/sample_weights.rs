//! `Network::backward_loss_weighted`: per-sample (class) weights, `L = Σ w_i ℓ_i / Σ w_i`.
//!
//! The literals come from `tests/reference/weighted_ce.py` (PyTorch, float64): cross-entropy
//! with `weight=` class weights, and BCE with one weight per sample (see that script and
//! `nn_core::sample_weight` for what BCE weighting means).

use ndarray::{array, Array1, Array2, ArrayView1, ArrayView2};
use nn_core::{Activation, Dense, Loss, Network};

// CE
const CE_LOSS: f64 = 1.2574113545436452;
const CE_GW1: [f64; 12] = [
    -0.21638096008956273,
    0.07152647849969623,
    0.33329783844876554,
    0.1045999277988758,
    -0.08280220193915372,
    -0.182621583781715,
    0.04239403404004941,
    0.026968049980388688,
    -0.045280935991862246,
    -0.20901262131152834,
    0.05771413422048543,
    0.34021295217191566,
];
const CE_GB1: [f64; 4] = [
    -0.0049700597407188185,
    -0.07316692765589508,
    0.025013392060142012,
    -0.019126330745224976,
];
const CE_GW2: [f64; 12] = [
    0.004246398469926774,
    -0.048289404190551596,
    0.10900414638708852,
    -0.0436246847180831,
    -0.08235419348458413,
    0.2719218375603571,
    -0.4131913752012534,
    -0.07577752190356654,
    0.07810779501465734,
    -0.22363243336980554,
    0.3041872288141648,
    0.11940220662164963,
];
const CE_GB2: [f64; 3] = [
    0.17983254608492044,
    -0.023431355792239497,
    -0.15640119029268093,
];
// BCE
const BCE_LOSS: f64 = 0.6524671270109857;
const BCE_GW1: [f64; 12] = [
    -0.015756188139590132,
    -0.004559273567531302,
    -0.006502245835414594,
    0.008276507336233172,
    0.0031903673884261883,
    0.004849370182366411,
    -0.0035580618635910333,
    -0.006769112363229789,
    -0.013265386656895256,
    0.019734897066073006,
    -0.0006259272246397236,
    -0.004106221567564436,
];
const BCE_GB1: [f64; 4] = [
    -0.018352957931626314,
    0.010820774471002274,
    -0.013130934047550068,
    0.013256900933142073,
];
const BCE_GW2: [f64; 8] = [
    -0.09338535870999431,
    -0.06978546403910288,
    -0.12523695140920052,
    -0.08465815317464709,
    0.031985305268101255,
    0.04779451002382194,
    0.0031153262548532373,
    0.02923637914087212,
];
const BCE_GB2: [f64; 2] = [-0.16470143658751596, 0.06256903023752519];

const X: [[f64; 3]; 5] = [
    [0.5, -1.0, 0.25],
    [1.5, 0.75, -0.5],
    [-0.25, 0.5, 1.0],
    [0.0, -0.75, -1.25],
    [1.0, 1.0, 0.5],
];

fn x() -> Array2<f64> {
    Array2::from_shape_fn((5, 3), |(i, j)| X[i][j])
}

/// The script's network: 3-4 hidden (`hidden` activation), then `w2`, `b2` with identity.
fn net(hidden: Activation, w2: Array2<f64>, b2: Array1<f64>) -> Network<f64> {
    let w1 = array![
        [0.1, -0.2, 0.3],
        [0.4, 0.5, -0.6],
        [-0.7, 0.8, 0.9],
        [0.15, -0.25, 0.35]
    ];
    let b1 = array![0.05, -0.1, 0.15, -0.2];
    let l1 = Dense::from_parts(w1, b1, hidden).unwrap();
    let l2 = Dense::from_parts(w2, b2, Activation::Identity).unwrap();
    Network::new(vec![l1, l2]).unwrap()
}

fn assert_close(got: ArrayView2<f64>, want: &[f64], what: &str) {
    let got: Vec<f64> = got.iter().copied().collect();
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() < 1e-12, "{what}[{i}]: {g} vs {w}");
    }
}

/// Compares every gradient of a 2-layer net with the script's, in logical (row-major) order.
fn assert_grads(net: &Network<f64>, want: [&[f64]; 4]) {
    let l = net.layers();
    let bias = |b: &Array1<f64>| b.view().insert_axis(ndarray::Axis(0)).to_owned();
    assert_close(l[0].grad_weight().view(), want[0], "∂L/∂W1");
    assert_close(bias(l[0].grad_bias()).view(), want[1], "∂L/∂b1");
    assert_close(l[1].grad_weight().view(), want[2], "∂L/∂W2");
    assert_close(bias(l[1].grad_bias()).view(), want[3], "∂L/∂b2");
}

fn one_hot(y: &[usize], classes: usize) -> Array2<f64> {
    Array2::from_shape_fn((y.len(), classes), |(i, j)| f64::from(u8::from(y[i] == j)))
}

#[test]
fn class_weighted_cross_entropy_matches_pytorch() {
    let w2 = array![
        [0.2, -0.3, 0.4, 0.1],
        [-0.5, 0.6, 0.2, -0.4],
        [0.3, 0.1, -0.2, 0.5]
    ];
    let mut net = net(Activation::Tanh, w2, array![0.1, -0.05, 0.0]);
    let (y, c) = ([0, 2, 1, 2, 0], [0.5, 2.0, 1.25]);
    let weights: Array1<f64> = y.iter().map(|&k| c[k]).collect();
    let x = x();
    net.forward(x.view()).unwrap();
    let t = one_hot(&y, 3);
    let loss = net
        .backward_loss_weighted(x.view(), t.view(), Loss::CrossEntropy, weights.view())
        .unwrap();
    assert!((loss - CE_LOSS).abs() < 1e-12, "{loss} vs {CE_LOSS}");
    assert_grads(&net, [&CE_GW1, &CE_GB1, &CE_GW2, &CE_GB2]);
}

#[test]
fn sample_weighted_bce_matches_pytorch() {
    let w2 = array![[0.3, -0.2, 0.5, -0.1], [-0.4, 0.2, 0.1, 0.6]];
    let mut net = net(Activation::Sigmoid, w2, array![-0.1, 0.2]);
    let t = array![[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]];
    let weights = array![1.0, 0.25, 3.0, 0.5, 2.0];
    let x = x();
    net.forward(x.view()).unwrap();
    let loss = net
        .backward_loss_weighted(x.view(), t.view(), Loss::Bce, weights.view())
        .unwrap();
    assert!((loss - BCE_LOSS).abs() < 1e-12, "{loss} vs {BCE_LOSS}");
    assert_grads(&net, [&BCE_GW1, &BCE_GB1, &BCE_GW2, &BCE_GB2]);
}

/// A 3-4-2 tanh net with the script's first layer and a fixed second one.
fn small_net() -> Network<f64> {
    let w2 = array![[0.3, -0.2, 0.5, -0.1], [-0.4, 0.2, 0.1, 0.6]];
    net(Activation::Tanh, w2, array![-0.1, 0.2])
}

fn targets() -> Array2<f64> {
    array![[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
}

/// Loss value and every gradient, flattened.
fn run(x: ArrayView2<f64>, t: ArrayView2<f64>, loss: Loss, w: Option<ArrayView1<f64>>) -> Vec<f64> {
    let mut net = small_net();
    net.forward(x).unwrap();
    let value = match w {
        Some(w) => net.backward_loss_weighted(x, t, loss, w).unwrap(),
        None => net.backward_loss(x, t, loss).unwrap(),
    };
    let mut all = vec![value];
    for l in net.layers() {
        all.extend(l.grad_weight().iter().chain(l.grad_bias()));
    }
    all
}

fn assert_all_close(a: &[f64], b: &[f64], tol: f64) {
    assert_eq!(a.len(), b.len());
    for (i, (a, b)) in a.iter().zip(b).enumerate() {
        assert!(
            (a - b).abs() <= tol * a.abs().max(1e-3),
            "entry {i}: {a} vs {b}"
        );
    }
}

#[test]
fn equal_weights_give_the_unweighted_loss() {
    let (x, t) = (x(), targets());
    for loss in [Loss::HalfSse, Loss::Mse, Loss::CrossEntropy, Loss::Bce] {
        let w = Array1::from_elem(5, 0.7);
        let weighted = run(x.view(), t.view(), loss, Some(w.view()));
        assert_all_close(&weighted, &run(x.view(), t.view(), loss, None), 1e-14);
    }
}

/// An integer weight counts a sample that many times and a zero weight leaves it out:
/// weights `[2, 0, 1, 1, 1]` give the plain loss of the batch `[x0, x0, x2, x3, x4]`.
#[test]
fn integer_weights_repeat_samples_and_zero_drops_them() {
    let (x, t) = (x(), targets());
    let rows = [0, 0, 2, 3, 4];
    let pick = |a: &Array2<f64>| Array2::from_shape_fn((5, a.ncols()), |(i, j)| a[[rows[i], j]]);
    let (xr, tr) = (pick(&x), pick(&t));
    let w = array![2.0, 0.0, 1.0, 1.0, 1.0];
    for loss in [Loss::HalfSse, Loss::Mse, Loss::CrossEntropy, Loss::Bce] {
        let weighted = run(x.view(), t.view(), loss, Some(w.view()));
        assert_all_close(&weighted, &run(xr.view(), tr.view(), loss, None), 1e-13);
    }
}

#[test]
fn bad_weights_are_refused_with_reasons() {
    let (x, t) = (x(), targets());
    let mut net = small_net();
    net.forward(x.view()).unwrap();
    let cases: [(Array1<f64>, &str); 5] = [
        (
            array![1.0, 1.0, 1.0, 1.0],
            "shape mismatch in sample weights",
        ),
        (array![1.0, f64::NAN, 1.0, 1.0, 1.0], "got NaN for sample 1"),
        (array![1.0, 1.0, -0.5, 1.0, 1.0], "got -0.5 for sample 2"),
        (
            array![1.0, 1.0, 1.0, f64::INFINITY, 1.0],
            "got inf for sample 3",
        ),
        (Array1::zeros(5), "positive, finite sum, got 0"),
    ];
    for (w, want) in cases {
        let err = net
            .backward_loss_weighted(x.view(), t.view(), Loss::CrossEntropy, w.view())
            .unwrap_err()
            .to_string();
        assert!(err.contains(want), "{err}");
    }
}

/// f32 follows the f64 reference to f32 precision.
#[test]
fn f32_weights_follow_f64() {
    let (x, t) = (x(), targets());
    let w = array![1.0, 0.25, 3.0, 0.5, 2.0];
    let want = run(x.view(), t.view(), Loss::CrossEntropy, Some(w.view()));
    let reference = small_net();
    let layers = reference.layers().iter().map(|l| {
        let w = l.weight().mapv(|v| v as f32);
        let b = l.bias().mapv(|v| v as f32);
        Dense::from_parts(w, b, l.activation()).unwrap()
    });
    let mut net = Network::new(layers.collect()).unwrap();
    let (x, t, w) = (
        x.mapv(|v| v as f32),
        t.mapv(|v| v as f32),
        w.mapv(|v| v as f32),
    );
    net.forward(x.view()).unwrap();
    let value = net
        .backward_loss_weighted(x.view(), t.view(), Loss::CrossEntropy, w.view())
        .unwrap();
    assert!((value - want[0]).abs() < 1e-6, "{value} vs {}", want[0]);
    let grads = net
        .layers()
        .iter()
        .flat_map(|l| l.grad_weight().iter().chain(l.grad_bias()));
    for (g, w) in grads.zip(&want[1..]) {
        assert!((f64::from(*g) - w).abs() < 1e-6, "{g} vs {w}");
    }
}
