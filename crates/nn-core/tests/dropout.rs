//! Inverted dropout: `Network::forward_train` zeroes each hidden output with probability `p`
//! and scales the kept ones by `1/(1 − p)`; `Network::forward` (evaluation) ignores it; the
//! backward pass applies the training pass's masks.
//!
//! Several tests read the masks through *identity* layers (`W = I`, `b = 0`, identity
//! activation): each output is `Σ_k d_k·I_jk + 0 = d_j` with every other product an exact zero,
//! so the network's output is the dropped hidden output itself, bit for bit.

use ndarray::{array, Array1, Array2, Axis};
use nn_core::gradcheck::{check_gradients, check_gradients_train};
use nn_core::trace::trace;
use nn_core::{Activation, Dense, DropoutKey, Loss, Network};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn key(seed: u64) -> DropoutKey {
    DropoutKey::from_seed(seed)
}

/// `rows × cols` values in `[-1, 1)` from a seeded stream (not the dropout stream).
fn data(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut r = rng(seed ^ 0xDA7A);
    Array2::from_shape_fn((rows, cols), |_| {
        f64::from(r.next_u32()) / 2f64.powi(31) - 1.0
    })
}

/// An identity layer of width `k` with dropout `p`.
fn identity(k: usize, p: f64) -> Dense<f64> {
    Dense::from_parts(Array2::eye(k), Array1::zeros(k), Activation::Identity)
        .unwrap()
        .with_dropout(p)
        .unwrap()
}

/// The masks of the draw rule, written out independently with the generator's positioning
/// calls: element (i, j) of layer `l` (its index in the network) draws word `l·2³² + j` of
/// ChaCha8 stream `first_row + i` under the key of `seed` (the first 32 bytes of stream 1 of
/// `seed_from_u64(seed)`); dropped when `u < ⌊p·2³²⌋`. Returns 1 for kept, 0 for dropped.
fn expected_masks(
    seed: u64,
    first_row: u64,
    rows: usize,
    layers: &[(usize, usize, f64)],
) -> Vec<Array2<f64>> {
    let mut seeded = rng(seed);
    seeded.set_stream(1);
    let mut key_bytes = [0_u8; 32];
    seeded.fill_bytes(&mut key_bytes);
    let mut masks = Vec::new();
    for &(l, width, p) in layers {
        let threshold = (p * 2f64.powi(32)) as u32;
        let mask = Array2::from_shape_fn((rows, width), |(i, j)| {
            let mut r = ChaCha8Rng::from_seed(key_bytes);
            r.set_stream(first_row + i as u64);
            r.set_word_pos(((l as u128) << 32) + j as u128);
            f64::from(u8::from(r.next_u32() >= threshold))
        });
        masks.push(mask);
    }
    masks
}

/// A 6-16-12-4 net (tanh, sigmoid hidden) with dropout `[0.4, 0.25, 0]`.
fn tanh_sigmoid_net(seed: u64) -> Network<f64> {
    let mut net = Network::mlp(
        &[6, 16, 12, 4],
        Activation::Tanh,
        Activation::Identity,
        seed,
    )
    .unwrap();
    let mut layers = net.layers().to_vec();
    let (w, b) = (layers[1].weight().clone(), layers[1].bias().clone());
    layers[1] = Dense::from_parts(w, b, Activation::Sigmoid).unwrap();
    net = Network::new(layers).unwrap();
    net.set_dropout(&[0.4, 0.25, 0.0]).unwrap();
    net
}

fn one_hot_targets(rows: usize, classes: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, classes), |(i, j)| {
        f64::from(u8::from(i % classes == j))
    })
}

/// Every gradient, flattened in a fixed order.
fn grads<T: nn_tensor::Float>(net: &Network<T>) -> Vec<T> {
    let layers = net.layers().iter();
    layers
        .flat_map(|l| l.grad_weight().iter().chain(l.grad_bias()).copied())
        .collect()
}

/// [`tanh_sigmoid_net`] with its dropout, and the same net without.
fn with_and_without(seed: u64) -> (Network<f64>, Network<f64>) {
    let with = tanh_sigmoid_net(seed);
    let mut without = with.clone();
    without.set_dropout(&[0.0; 3]).unwrap();
    (with, without)
}

#[test]
fn evaluation_ignores_dropout() {
    let (mut with, mut without) = with_and_without(3);
    let (x, t) = (data(10, 6, 1), one_hot_targets(10, 4));
    // a training pass first, so that the evaluation pass runs on buffers it wrote
    with.forward_train(x.view(), &key(5), 0).unwrap();
    let out = with.forward(x.view()).unwrap().to_owned();
    assert_eq!(out, without.forward(x.view()).unwrap());
    let (a, b) = (
        with.backward_loss(x.view(), t.view(), Loss::CrossEntropy)
            .unwrap(),
        without
            .backward_loss(x.view(), t.view(), Loss::CrossEntropy)
            .unwrap(),
    );
    assert_eq!(a.to_bits(), b.to_bits());
    assert_eq!(grads(&with), grads(&without));
}

/// `nn explain` (trace) and gradcheck run the evaluation pass: with and without dropout they
/// report the same numbers.
#[test]
fn trace_and_gradcheck_use_the_evaluation_pass() {
    let (with, without) = with_and_without(4);
    let (x, t) = (data(5, 6, 2), one_hot_targets(5, 4));
    let loss = Loss::CrossEntropy;
    let (a, b) = (
        trace(&with, x.view(), t.view(), loss, 0.5).unwrap(),
        trace(&without, x.view(), t.view(), loss, 0.5).unwrap(),
    );
    assert_eq!(a.total.to_bits(), b.total.to_bits());
    for (la, lb) in a.layers.iter().zip(&b.layers) {
        assert_eq!((&la.out, &la.grad_weight), (&lb.out, &lb.grad_weight));
    }
    let checks = check_gradients(&with, x.view(), t.view(), loss, 1e-5).unwrap();
    let reference = check_gradients(&without, x.view(), t.view(), loss, 1e-5).unwrap();
    assert_eq!(checks, reference);
}

/// Kept fraction over N = 200·500 = 100 000 draws: the kept count K is Binomial(N, q) with
/// q = 1 − ⌊p·2³²⌋/2³², which differs from 1 − p by less than 2⁻³² (N·2⁻³² ≪ 1: negligible), so
/// σ = √(N·p·(1 − p)) (≈ 94.9 for p = 0.1, 158.1 for p = 0.5, 126.5 for p = 0.8) and
/// |K − N(1 − p)| ≤ 6σ (a fair stream fails that with probability ≈ 2·10⁻⁹). Kept values are the
/// input times exactly `1/(1 − p)`, dropped ones exactly 0.
#[test]
fn kept_fraction_and_scale() {
    let (rows, k) = (200, 500);
    let x = data(rows, k, 3);
    for p in [0.1, 0.5, 0.8] {
        let mut net = Network::new(vec![identity(k, p), identity(k, 0.0)]).unwrap();
        let out = net.forward_train(x.view(), &key(11), 0).unwrap();
        let scale = 1.0 / (1.0 - p);
        let mut kept = 0usize;
        for (&o, &x) in out.iter().zip(&x) {
            if o == 0.0 {
                continue;
            }
            kept += 1;
            assert_eq!(
                o.to_bits(),
                (x * scale).to_bits(),
                "p = {p}: {o} vs {x}·{scale}"
            );
        }
        let n = (rows * k) as f64;
        let sigma = (n * p * (1.0 - p)).sqrt();
        let deviation = (kept as f64 - n * (1.0 - p)).abs();
        assert!(
            deviation <= 6.0 * sigma,
            "p = {p}: kept {kept} of {n}, σ = {sigma}"
        );
    }
}

/// Two dropout layers: the masks follow the draw rule (per row, layer 0's and layer 1's words
/// of the row's stream), so the output is `x ⊙ m₁ ⊙ m₂ · 1/(1 − p₁) · 1/(1 − p₂)`.
#[test]
fn masks_follow_the_documented_draw_rule() {
    let (rows, k, p1, p2) = (7, 9, 0.3, 0.6);
    let x = data(rows, k, 4);
    let layers = vec![identity(k, p1), identity(k, p2), identity(k, 0.0)];
    let mut net = Network::new(layers).unwrap();
    let out = net.forward_train(x.view(), &key(21), 1000).unwrap();
    let m = expected_masks(21, 1000, rows, &[(0, k, p1), (1, k, p2)]);
    let (s1, s2) = (1.0 / (1.0 - p1), 1.0 / (1.0 - p2));
    for ((i, j), &o) in out.indexed_iter() {
        let want = if m[0][[i, j]] * m[1][[i, j]] == 1.0 {
            x[[i, j]] * s1 * s2
        } else {
            0.0
        };
        assert_eq!(o, want, "[{i}, {j}]");
    }
}

/// One training step of a 64-128-64-10 f32 net on 256 rows: the same seed gives the same
/// output, loss and gradients bit for bit at 1 and 2 threads; another seed gives others.
#[test]
fn same_seed_same_bits_at_any_thread_count() {
    let mut net = Network::<f32>::mlp(
        &[64, 128, 64, 10],
        Activation::Relu,
        Activation::Identity,
        8,
    )
    .unwrap();
    net.set_dropout(&[0.3, 0.2, 0.0]).unwrap();
    net.set_sparse_input(false);
    let x = data(256, 64, 5).mapv(|v| v as f32);
    let t = one_hot_targets(256, 10).mapv(|v| v as f32);
    let step = |threads: usize, seed: u64, first_row: u64| {
        nn_tensor::set_num_threads(threads);
        let mut net = net.clone();
        let out = net
            .forward_train(x.view(), &key(seed), first_row)
            .unwrap()
            .to_owned();
        let loss = net
            .backward_loss(x.view(), t.view(), Loss::CrossEntropy)
            .unwrap();
        (out, loss.to_bits(), grads(&net))
    };
    let one = step(1, 9, 0);
    let two = step(2, 9, 0);
    let other_seed = step(2, 10, 0);
    let other_rows = step(2, 9, 256);
    nn_tensor::set_num_threads(0);
    assert_eq!(one, two);
    assert_ne!(one.0, other_seed.0);
    assert_ne!(one.0, other_rows.0);
}

/// The masks of a row depend on its global index only: a batch of 12 rows run whole, or split
/// into parts [0, 5), [5, 6), [6, 12) each given its first row's index (as data-parallel ranks
/// and shards run it), gives the same outputs bit for bit, at 1 and 2 threads.
#[test]
fn splitting_a_batch_draws_the_same_masks() {
    let (rows, k) = (12, 40);
    let x = data(rows, k, 12);
    let mut net = Network::new(vec![identity(k, 0.5), identity(k, 0.3), identity(k, 0.0)]).unwrap();
    let first = 7_000;
    let whole = net
        .forward_train(x.view(), &key(4), first)
        .unwrap()
        .to_owned();
    for threads in [1, 2] {
        nn_tensor::set_num_threads(threads);
        for (a, b) in [(0, 5), (5, 6), (6, 12)] {
            let part = x.slice(ndarray::s![a..b, ..]);
            let out = net.forward_train(part, &key(4), first + a as u64).unwrap();
            assert_eq!(out, whole.slice(ndarray::s![a..b, ..]), "rows {a}..{b}");
        }
    }
    nn_tensor::set_num_threads(0);
    let m = expected_masks(4, first, rows, &[(0, k, 0.5), (1, k, 0.3)]);
    let kept = |i, j| m[0][[i, j]] * m[1][[i, j]] == 1.0;
    for ((i, j), &o) in whole.indexed_iter() {
        assert_eq!(o != 0.0, kept(i, j), "[{i}, {j}]");
    }
}

#[test]
fn without_dropout_the_training_pass_is_the_evaluation_pass() {
    let mut net =
        Network::<f32>::mlp(&[6, 16, 4], Activation::Tanh, Activation::Identity, 2).unwrap();
    let x = data(9, 6, 6).mapv(|v| v as f32);
    let train = net.forward_train(x.view(), &key(1), 0).unwrap().to_owned();
    assert_eq!(train, net.forward(x.view()).unwrap());
}

/// With the mask fixed (every evaluation draws with the same key and rows), the
/// gradients of the training pass match central differences.
#[test]
fn gradients_with_a_fixed_mask_match_finite_differences() {
    let net = tanh_sigmoid_net(7);
    let (x, t) = (data(6, 6, 7), one_hot_targets(6, 4));
    for seed in [1, 2, 3] {
        let checks = check_gradients_train(
            &net,
            x.view(),
            t.view(),
            Loss::CrossEntropy,
            1e-5,
            &key(seed),
            0,
        )
        .unwrap();
        for c in checks {
            assert!(
                c.weight_error < 1e-6 && c.bias_error < 1e-6,
                "seed {seed}: {c:?}"
            );
        }
    }
}

/// On one sample, a dropped hidden unit gets no gradient: its incoming weights and bias
/// (∂L/∂a_j = 0) and its outgoing weights (the next layer sees an input of 0) all have exactly
/// zero gradient. So the gradient of the weight from unit i into unit j is non-zero exactly when
/// both are kept (inputs, all non-zero here, and outputs count as kept), and a bias's exactly
/// when its unit is kept.
#[test]
fn dropped_units_get_zero_gradient() {
    let mut net =
        Network::<f64>::mlp(&[3, 8, 6, 2], Activation::Sigmoid, Activation::Identity, 4).unwrap();
    net.set_dropout(&[0.5, 0.5, 0.0]).unwrap();
    let (x, t) = (data(1, 3, 8), array![[1.0, 0.0]]);
    assert!(x.iter().all(|&v| v != 0.0));
    net.forward_train(x.view(), &key(13), 0).unwrap();
    net.backward_loss(x.view(), t.view(), Loss::CrossEntropy)
        .unwrap();
    let hidden = expected_masks(13, 0, 1, &[(0, 8, 0.5), (1, 6, 0.5)]);
    for mask in &hidden {
        assert!(mask.iter().any(|&m| m == 0.0) && mask.iter().any(|&m| m == 1.0));
    }
    let mut kept = vec![Array2::ones((1, 3))];
    kept.extend(hidden);
    kept.push(Array2::ones((1, 2)));
    for (l, layer) in net.layers().iter().enumerate() {
        let (from, to) = (kept[l].row(0), kept[l + 1].row(0));
        for ((j, i), &g) in layer.grad_weight().indexed_iter() {
            let live = from[i] == 1.0 && to[j] == 1.0;
            assert_eq!(g != 0.0, live, "layer {l}: unit {i} → unit {j}: {g}");
        }
        for (j, &g) in layer.grad_bias().iter().enumerate() {
            assert_eq!(g != 0.0, to[j] == 1.0, "layer {l}: bias {j}: {g}");
        }
    }
}

/// A 2-2-1 network worked by hand. p = ½ on the sigmoid hidden layer, so kept units are
/// doubled. The key of seed 0 draws u = 3172127682, 1307981202 for layer 0 of row 2 (checked
/// below against the draw rule written out in [`expected_masks`]): against ⌊½·2³²⌋ =
/// 2147483648 unit 0 is kept and unit 1 dropped, mask m = [2, 0].
///
/// x = [1, −1], W₁ = [[0.5, 0.5], [1, 1]], b₁ = 0: z₁ = [0, 0], a = σ(z₁) = [0.5, 0.5],
/// dropped output d = a ⊙ m = [1, 0]. W₂ = [[0.5, −1]], b₂ = 0.25, identity:
/// o = 0.5·1 − 1·0 + 0.25 = 0.75. Half-SSE against t = 0.25: E = ½(0.5)² = 0.125.
/// ∂E/∂o = 0.5; ∂E/∂W₂ = 0.5·d = [0.5, 0]; ∂E/∂b₂ = 0.5.
/// ∂E/∂d = 0.5·W₂ = [0.25, −0.5]; ∂E/∂a = ∂E/∂d ⊙ m = [0.5, 0];
/// ∂E/∂z₁ = ∂E/∂a ⊙ a(1 − a) = [0.5·0.25, 0] = [0.125, 0] (with the undropped a = 0.5: the
/// dropped d₀ = 1 would give σ' = 1·(1 − 1) = 0);
/// ∂E/∂W₁ = (∂E/∂z₁)ᵀ·x = [[0.125, −0.125], [0, 0]]; ∂E/∂b₁ = [0.125, 0].
/// Evaluation: o = 0.5·0.5 − 1·0.5 + 0.25 = 0.
#[test]
fn hand_worked_2_2_1() {
    let mut draws = [0_u8; 8];
    key(0).fill_draws(2, 0, &mut draws);
    let u: Vec<u32> = draws
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    assert_eq!(u, [3172127682, 1307981202]);
    assert_eq!(
        expected_masks(0, 2, 1, &[(0, 2, 0.5)])[0],
        array![[1.0, 0.0]]
    );
    let hidden = Dense::from_parts(
        array![[0.5, 0.5], [1.0, 1.0]],
        array![0.0, 0.0],
        Activation::Sigmoid,
    )
    .unwrap()
    .with_dropout(0.5)
    .unwrap();
    let output =
        Dense::from_parts(array![[0.5, -1.0]], array![0.25], Activation::Identity).unwrap();
    let mut net = Network::new(vec![hidden, output]).unwrap();
    let (x, t) = (array![[1.0, -1.0]], array![[0.25]]);
    assert_eq!(
        net.forward_train(x.view(), &key(0), 2).unwrap(),
        array![[0.75]]
    );
    let e = net
        .backward_loss(x.view(), t.view(), Loss::HalfSse)
        .unwrap();
    assert_eq!(e, 0.125);
    let l = net.layers();
    assert_eq!(l[1].grad_weight(), array![[0.5, 0.0]]);
    assert_eq!(l[1].grad_bias(), array![0.5]);
    assert_eq!(l[0].grad_weight(), array![[0.125, -0.125], [0.0, 0.0]]);
    assert_eq!(l[0].grad_bias(), array![0.125, 0.0]);
    assert_eq!(net.forward(x.view()).unwrap(), array![[0.0]]);
}

/// A sparse batch (≥ 64 inputs, ~10% non-zeros) takes the sparse first-layer path, and dropout
/// on the hidden outputs works with it: the same masks as the dense path (they depend on shapes
/// only), the same output and gradients up to rounding, and gradients that match central
/// differences.
#[test]
fn sparse_inputs_with_dropout() {
    let mut net =
        Network::<f64>::mlp(&[80, 24, 10, 3], Activation::Tanh, Activation::Identity, 6).unwrap();
    net.set_dropout(&[0.5, 0.3, 0.0]).unwrap();
    assert!(net.layers()[0].is_column_major());
    let mut x = data(32, 80, 9);
    x.mapv_inplace(|v| if v > 0.8 { v } else { 0.0 });
    let nnz = x.iter().filter(|&&v| v != 0.0).count();
    assert!(nnz > 0 && (nnz as f64) < 0.15 * x.len() as f64);
    let t = one_hot_targets(32, 3);
    let run = |sparse: bool| {
        let mut net = net.clone();
        net.set_sparse_input(sparse);
        let out = net.forward_train(x.view(), &key(17), 0).unwrap().to_owned();
        net.backward_loss(x.view(), t.view(), Loss::CrossEntropy)
            .unwrap();
        (out, grads(&net))
    };
    let (sparse, dense) = (run(true), run(false));
    let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() <= 1e-12);
    assert!(close(
        sparse.0.as_slice().unwrap(),
        dense.0.as_slice().unwrap()
    ));
    assert!(close(&sparse.1, &dense.1));
    let x8 = x.select(Axis(0), &[0, 1, 2, 3, 4, 5, 6, 7]);
    let t8 = t.select(Axis(0), &[0, 1, 2, 3, 4, 5, 6, 7]);
    let checks = check_gradients_train(
        &net,
        x8.view(),
        t8.view(),
        Loss::CrossEntropy,
        1e-5,
        &key(17),
        0,
    )
    .unwrap();
    for c in checks {
        assert!(c.weight_error < 1e-6 && c.bias_error < 1e-6, "{c:?}");
    }
}

#[test]
fn bad_probabilities_are_refused_and_change_nothing() {
    let mut net = tanh_sigmoid_net(1);
    let cases: [(&[f64], &str); 5] = [
        (
            &[0.5, 0.5],
            "one dropout probability per layer: 3 layers, got 2",
        ),
        (&[1.0, 0.5, 0.0], "must be in [0, 1), got 1"),
        (&[-0.1, 0.5, 0.0], "must be in [0, 1), got -0.1"),
        (&[f64::NAN, 0.5, 0.0], "must be in [0, 1), got NaN"),
        (
            &[0.5, 0.5, 0.1],
            "the output layer cannot have dropout, got p = 0.1",
        ),
    ];
    for (p, want) in cases {
        let err = net.set_dropout(p).unwrap_err().to_string();
        assert!(err.contains(want), "{err}");
        assert_eq!(net.dropout(), vec![0.4, 0.25, 0.0]);
    }
    let last = identity(2, 0.0).with_dropout(0.5).unwrap();
    let err = Network::new(vec![identity(2, 0.1), last])
        .unwrap_err()
        .to_string();
    assert!(err.contains("output layer cannot have dropout"), "{err}");
}

#[test]
fn dropout_is_serialised_with_the_layer() {
    let net = tanh_sigmoid_net(2);
    let json = serde_json::to_string(&net).unwrap();
    let back: Network<f64> = serde_json::from_str(&json).unwrap();
    assert_eq!(back.dropout(), vec![0.4, 0.25, 0.0]);
    // files from before dropout have no field: it reads as 0
    let old = r#"{"layers":[
        {"weight":{"v":1,"dim":[1,1],"data":[1.0]},"bias":{"v":1,"dim":[1],"data":[0.0]},"activation":{"kind":"relu"}}]}"#;
    let old: Network<f64> = serde_json::from_str(old).unwrap();
    assert_eq!(old.dropout(), vec![0.0]);
    let bad = json.replacen("\"dropout\":0.4", "\"dropout\":1.5", 1);
    let err = serde_json::from_str::<Network<f64>>(&bad)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("dropout probability must be in [0, 1), got 1.5"),
        "{err}"
    );
}
