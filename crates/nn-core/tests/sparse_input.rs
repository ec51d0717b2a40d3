//! Networks whose first layer has at least `SPARSE_MIN_INPUTS` inputs: column-major first-layer
//! weights, and sparse batches through `nn_tensor::sparse`.
//!
//! # The reference, and why it is exact
//! [`reference`] recomputes the forward pass and every gradient from the layers' logical
//! `(n_out, n_in)` weights with `matmul_naive` and the textbook formulas (ReLU / identity
//! activations, half-SSE loss, `∂L/∂o = (o − t)/n`). The values are chosen so that no
//! operation of either side rounds, so the network must match it bit for bit, whatever its
//! summation order, blocking, FMA use or sparse/dense path:
//!
//! - inputs are multiples of 2⁻² in `[0, 1]`, weights multiples of 2⁻⁴ in `[−1, 1]`, biases odd
//!   multiples of 2⁻⁸ in `(−1, 1)`, targets multiples of 2⁻⁴ in `[−1, 1]`; batches have 16, 32
//!   or 64 rows, so `1/n` is a power of two;
//! - a sum of products of such numbers is a multiple of the product of their grids, and every
//!   partial sum is bounded by the sum of absolute values. With at most 129 inputs, 20 hidden
//!   units and 3 outputs: `z₁` (grid 2⁻⁸, `|·| < 129 + 1 < 2⁸`: 16 bits), `z₂` (2⁻¹²,
//!   `< 20·2⁸ + 1 < 2¹³`: 25 bits), `δ₂ = (o − t)/n` (2⁻¹⁸, `< 2¹⁴/16 = 2¹⁰`: 28 bits),
//!   `∂L/∂W₂ = δ₂ᵀ·a₁` (2⁻²⁶, `≤ max|a₁|·Σ_rows|δ₂| < 2⁸·2¹⁴`: 48 bits), `∂L/∂a₁ = δ₂·W₂`
//!   (2⁻²², `< 3·2¹⁰ < 2¹²`: 34 bits), `∂L/∂W₁ = δ₁ᵀ·x` (2⁻²⁴, `< 64·2¹²`: 42 bits), biases'
//!   gradients on the same grids with smaller sums: every value and partial sum fits f64's
//!   53-bit significand, so every addition and multiplication is exact;
//! - the odd multiples of 2⁻⁸ in the biases keep every pre-activation off ReLU's kink at 0 (the
//!   rest of `z₁` is a multiple of 2⁻⁶, so `z₁ ≠ 0`).

use ndarray::{s, Array1, Array2, ArrayView2, Axis};
use nn_core::gradcheck::check_gradients;
use nn_core::network::{Input, SPARSE_MAX_DENSITY, SPARSE_MIN_INPUTS};
use nn_core::{Activation, Dense, DropoutKey, Loss, Network, Parameters};
use nn_tensor::matmul_naive;
use nn_tensor::sparse::CsrMatrix;
use nn_testutil::Lcg;

/// A multiple of `2^-bits` in `[lo, hi]`, drawn from `rng`.
fn on_grid(rng: &mut Lcg, lo: f64, hi: f64, bits: i32) -> f64 {
    let steps = ((hi - lo) * 2f64.powi(bits)) as u64;
    lo + (rng.next_f64() * (steps + 1) as f64)
        .floor()
        .min(steps as f64)
        * 2f64.powi(-bits)
}

/// A batch of `rows × cols` with exactly `nnz` non-zeros (at pseudo-random places), each a
/// multiple of 2⁻² in `[1/4, 1]`.
fn batch(rows: usize, cols: usize, nnz: usize, seed: u64) -> Array2<f64> {
    let mut rng = Lcg::new(seed);
    let mut places: Vec<usize> = (0..rows * cols).collect();
    // Fisher–Yates: the first `nnz` places get values.
    for i in 0..places.len() {
        let j =
            i + ((rng.next_f64() * (places.len() - i) as f64) as usize).min(places.len() - i - 1);
        places.swap(i, j);
    }
    let mut x = Array2::zeros((rows, cols));
    for &p in &places[..nnz] {
        x[[p / cols, p % cols]] = on_grid(&mut rng, 0.25, 1.0, 2);
    }
    x
}

/// A layer with grid weights and odd-multiple-of-2⁻⁸ biases (see the module docs).
fn grid_layer(n_in: usize, n_out: usize, act: Activation, seed: u64) -> Dense<f64> {
    let mut rng = Lcg::new(seed);
    let w = Array2::from_shape_simple_fn((n_out, n_in), || on_grid(&mut rng, -1.0, 1.0, 4));
    let b = Array1::from_shape_simple_fn(n_out, || {
        let odd = 2.0 * (rng.next_f64() * 128.0).floor() + 1.0; // 1, 3, …, 255
        let sign = if rng.next_f64() < 0.5 { -1.0 } else { 1.0 };
        sign * odd / 256.0
    });
    Dense::from_parts(w, b, act).unwrap()
}

fn grid_net(sizes: &[usize], seed: u64) -> Network<f64> {
    let last = sizes.len() - 2;
    let layers = sizes.windows(2).enumerate().map(|(i, w)| {
        let act = if i == last {
            Activation::Identity
        } else {
            Activation::Relu
        };
        grid_layer(w[0], w[1], act, seed + i as u64)
    });
    Network::new(layers.collect()).unwrap()
}

fn targets(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    let mut rng = Lcg::new(seed);
    Array2::from_shape_simple_fn((rows, cols), || on_grid(&mut rng, -1.0, 1.0, 4))
}

/// The forward output and every layer's `(∂L/∂W, ∂L/∂b)` by the textbook formulas, from the
/// layers' logical weights (ReLU hidden layers, identity output, half-SSE loss).
struct Reference {
    out: Array2<f64>,
    grads: Vec<(Array2<f64>, Array1<f64>)>,
}

fn reference(layers: &[Dense<f64>], x: ArrayView2<f64>, t: ArrayView2<f64>) -> Reference {
    // Forward: z = a·Wᵀ + b, a = f(z).
    let mut acts = vec![x.to_owned()];
    for l in layers {
        // The logical weights, copied into a fresh row-major array: nothing of the layer's
        // storage reaches the reference.
        let w: Array2<f64> = Array2::from_shape_fn(l.weight().dim(), |ij| l.weight()[ij]);
        let mut z = matmul_naive(acts.last().unwrap().view(), w.t()).unwrap();
        z += &l.bias().view().insert_axis(Axis(0));
        let a = match l.activation() {
            Activation::Relu => z.mapv(|v| v.max(0.0)),
            Activation::Identity => z,
            other => panic!("the reference has no {other:?}"),
        };
        acts.push(a);
    }
    let n = x.nrows() as f64;
    let out = acts.last().unwrap().clone();
    // Backward: ∂L/∂o = (o − t)/n; δ = ∂L/∂a ⊙ f'(z); ∂L/∂W = δᵀ·a_prev; ∂L/∂b = Σ_rows δ;
    // ∂L/∂a_prev = δ·W.
    let mut da = (&out - &t) / n;
    let mut grads = Vec::new();
    for (i, l) in layers.iter().enumerate().rev() {
        let a = &acts[i + 1];
        let delta = match l.activation() {
            Activation::Relu => &da * &a.mapv(|v| if v > 0.0 { 1.0 } else { 0.0 }),
            _ => da.clone(),
        };
        let gw = matmul_naive(delta.t(), acts[i].view()).unwrap();
        let gb = delta.sum_axis(Axis(0));
        let w: Array2<f64> = Array2::from_shape_fn(l.weight().dim(), |ij| l.weight()[ij]);
        da = matmul_naive(delta.view(), w.view()).unwrap();
        grads.push((gw, gb));
    }
    grads.reverse();
    Reference { out, grads }
}

fn assert_bits(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(g.to_bits() == w.to_bits(), "{what}[{i}]: got {g}, want {w}");
    }
}

/// Forward and backward on `x`; everything equals [`reference`] exactly.
fn check_against_reference(net: &mut Network<f64>, x: &Array2<f64>, seed: u64, what: &str) {
    let t = targets(x.nrows(), net.n_out(), seed);
    let want = reference(net.layers(), x.view(), t.view());
    let out = net.forward(x.view()).unwrap().to_owned();
    assert_bits(
        &out.iter().copied().collect::<Vec<_>>(),
        &want.out.iter().copied().collect::<Vec<_>>(),
        &format!("{what}: output"),
    );
    net.backward_loss(x.view(), t.view(), Loss::HalfSse)
        .unwrap();
    for (l, (layer, (gw, gb))) in net.layers().iter().zip(&want.grads).enumerate() {
        // Logical order on both sides (`iter` follows the logical shape, whatever the layout).
        let got_w: Vec<f64> = layer.grad_weight().iter().copied().collect();
        assert_eq!(layer.grad_weight().dim(), gw.dim());
        assert_bits(&got_w, gw.as_slice().unwrap(), &format!("{what}: ∂L/∂W{l}"));
        assert_bits(
            layer.grad_bias().as_slice().unwrap(),
            gb.as_slice().unwrap(),
            &format!("{what}: ∂L/∂b{l}"),
        );
    }
}

#[test]
fn sparse_batches_give_the_reference_values_and_gradients() {
    for (sizes, seed) in [
        (&[100, 20, 3][..], 1),
        (&[100, 1][..], 2),    // the first layer is the output layer, n_out = 1
        (&[64, 1, 2][..], 3),  // exactly SPARSE_MIN_INPUTS, a one-neuron first layer
        (&[129, 7, 1][..], 4), // an odd width, one output
    ] {
        let mut net = grid_net(sizes, seed);
        assert!(net.layers()[0].is_column_major(), "{sizes:?}");
        let n_in = sizes[0];
        // 20% non-zeros, then a batch with more rows (buffers grow), a dense one (the dense
        // path after the sparse one), a nearly empty one and one without any non-zero.
        let cases = [
            (32, 32 * n_in / 5),
            (64, 64 * n_in / 10),
            (16, 16 * n_in),
            (32, 3),
            (16, 0),
        ];
        for (i, (rows, nnz)) in cases.into_iter().enumerate() {
            let x = batch(rows, n_in, nnz, seed * 100 + i as u64);
            let what = format!("{sizes:?}, {rows} rows, {nnz} non-zeros");
            check_against_reference(&mut net, &x, seed + 10 * i as u64, &what);
        }
    }
}

#[test]
fn batches_just_below_and_just_above_the_density_threshold() {
    let mut net = grid_net(&[100, 20, 3], 5);
    let len = 32 * 100;
    let at = (len as f64 * SPARSE_MAX_DENSITY) as usize; // 1066 of 3200
    assert_eq!(at, len / 3);
    for nnz in [at - 1, at, at + 1, at + 2] {
        let x = batch(32, 100, nnz, nnz as u64);
        assert_eq!(x.iter().filter(|&&v| v != 0.0).count(), nnz);
        check_against_reference(&mut net, &x, 7, &format!("{nnz} of {len} non-zeros"));
    }
}

/// A 100 → 4 identity layer whose output 2 weighs input 0 by +∞: where input 0 is zero, that
/// output is NaN on the dense path (`0·∞`) and finite on the sparse one, which skips the zero.
fn infinite_weight_net(seed: u64) -> Network<f64> {
    let base = grid_layer(100, 4, Activation::Identity, seed);
    let mut w = base.weight().clone();
    w[[2, 0]] = f64::INFINITY;
    let layer = Dense::from_parts(w, base.bias().clone(), Activation::Identity).unwrap();
    Network::new(vec![layer]).unwrap()
}

/// The sparse path leaves out zero inputs, which shows with an infinite weight in a column whose
/// input is zero in every row: `0·∞ = NaN` on the dense path, nothing on the sparse one. That
/// tells which path a batch took, so the threshold itself can be checked: at most a third of
/// non-zeros goes sparse.
#[test]
fn the_density_threshold_picks_the_path() {
    let mut net = infinite_weight_net(9);
    let len = 30 * 100;
    for (nnz, sparse) in [(len / 3 - 1, true), (len / 3, true), (len / 3 + 1, false)] {
        let mut x = batch(30, 100, nnz, 11);
        // Move any non-zero of column 0 to a free place in the same row (the count stays).
        for i in 0..30 {
            if x[[i, 0]] != 0.0 {
                let free = (1..100).find(|&j| x[[i, j]] == 0.0).unwrap();
                x[[i, free]] = x[[i, 0]];
                x[[i, 0]] = 0.0;
            }
        }
        assert_eq!(x.iter().filter(|&&v| v != 0.0).count(), nnz);
        let out = net.forward(x.view()).unwrap();
        let nan = out.column(2).iter().all(|v| v.is_nan());
        assert_eq!(!nan, sparse, "{nnz} of {len} non-zeros");
        assert!(out.column(0).iter().all(|v| v.is_finite()));
    }
}

#[test]
fn a_63_input_first_layer_stays_row_major() {
    let net = grid_net(&[SPARSE_MIN_INPUTS - 1, 5, 2], 6);
    assert!(!net.layers()[0].is_column_major());
    assert!(net.layers()[0].weight().is_standard_layout());
    let net = grid_net(&[SPARSE_MIN_INPUTS, 5, 2], 6);
    assert!(net.layers()[0].is_column_major());
    assert!(net.layers()[0].weight().t().is_standard_layout());
    // Only the first layer: a later 64-input layer stays row-major.
    let net = grid_net(&[3, 70, 5], 6);
    assert!(net.layers()[1].weight().is_standard_layout());
}

#[test]
fn gradcheck_passes_on_a_sparse_batch() {
    let net =
        Network::<f64>::mlp(&[100, 20, 3], Activation::Tanh, Activation::Identity, 3).unwrap();
    assert!(net.layers()[0].is_column_major());
    // 8 rows at 20% density, values in [1/4, 1]; one-hot targets.
    let x = batch(8, 100, 160, 12);
    let t = Array2::from_shape_fn((8, 3), |(i, j)| f64::from(u8::from(i % 3 == j)));
    let checks = check_gradients(&net, x.view(), t.view(), Loss::CrossEntropy, 1e-5).unwrap();
    for c in &checks {
        assert!(c.weight_error < 1e-6 && c.bias_error < 1e-6, "{c:?}");
    }
    // And with one output and a sigmoid (the column-major layer is the output layer).
    let net = Network::<f64>::mlp(&[100, 1], Activation::Tanh, Activation::Sigmoid, 4).unwrap();
    let t = Array2::from_shape_fn((8, 1), |(i, _)| f64::from(u8::from(i % 2 == 0)));
    let checks = check_gradients(&net, x.view(), t.view(), Loss::HalfSse, 1e-5).unwrap();
    assert!(
        checks[0].weight_error < 1e-6 && checks[0].bias_error < 1e-6,
        "{checks:?}"
    );
}

/// The first layer's weights as optimizers see them: the flat value and gradient slices.
fn first_param(net: &mut Network<f64>) -> (Vec<f64>, Vec<f64>) {
    let mut first = None;
    net.visit_params(&mut |p| {
        if first.is_none() {
            first = Some((p.value.to_vec(), p.grad.to_vec()));
        }
    });
    first.unwrap()
}

/// Column-major after `Network::new`, a serde round trip and `clone`, with the logical weights
/// unchanged; optimizers' flat slices pair each weight with its own gradient.
#[test]
fn the_first_layer_stays_column_major_with_the_same_logical_weights() {
    let w = Array2::from_shape_fn((20, 100), |(j, i)| (j * 100 + i) as f64 / 64.0);
    let layers = vec![
        Dense::from_parts(w.clone(), Array1::zeros(20), Activation::Relu).unwrap(),
        grid_layer(20, 3, Activation::Identity, 8),
    ];
    assert!(layers[0].weight().is_standard_layout());
    let net = Network::new(layers).unwrap();
    let check = |net: &Network<f64>, what: &str| {
        let first = &net.layers()[0];
        assert!(first.is_column_major(), "{what}");
        assert!(first.weight().t().is_standard_layout(), "{what}");
        assert!(
            first.grad_weight().t().is_standard_layout(),
            "{what}: gradient"
        );
        assert_eq!(first.weight(), &w, "{what}");
        assert!(!net.layers()[1].is_column_major(), "{what}: second layer");
    };
    check(&net, "new");

    let json = serde_json::to_string(&net).unwrap();
    // The file holds the logical (out, in) row-major values, not the memory order.
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let data: Vec<f64> = value["layers"][0]["weight"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(data, w.iter().copied().collect::<Vec<_>>());
    assert_eq!(
        value["layers"][0]["weight"]["dim"],
        serde_json::json!([20, 100])
    );
    let back: Network<f64> = serde_json::from_str(&json).unwrap();
    check(&back, "serde");
    let cloned = back.clone();
    check(&cloned, "clone");

    // Memory order: value k and gradient k are the same logical weight, (k % 20, k / 20).
    let mut net = cloned;
    let x = batch(32, 100, 640, 13);
    let t = targets(32, 3, 14);
    net.forward(x.view()).unwrap();
    net.backward_loss(x.view(), t.view(), Loss::HalfSse)
        .unwrap();
    let gw = net.layers()[0].grad_weight().clone();
    let (values, grads) = first_param(&mut net);
    for (k, (v, g)) in values.iter().zip(&grads).enumerate() {
        let (j, i) = (k % 20, k / 20);
        assert_eq!(*v, w[[j, i]], "value {k}");
        assert_eq!(g.to_bits(), gw[[j, i]].to_bits(), "gradient {k}");
    }
    // A clone computes the same bits as its original.
    let mut again = net.clone();
    let (a, b) = (
        net.forward(x.view()).unwrap().to_owned(),
        again.forward(x.view()).unwrap().to_owned(),
    );
    assert_bits(
        a.as_slice().unwrap(),
        b.as_slice().unwrap(),
        "clone forward",
    );
}

/// Gradients of a batch that follows a bigger, denser sparse batch with the same rows: nothing
/// of the first batch's sparse form may leak into the second's backward pass.
#[test]
fn consecutive_sparse_batches_do_not_mix() {
    let mut net = grid_net(&[100, 20, 3], 15);
    let big = batch(32, 100, 1000, 16);
    check_against_reference(&mut net, &big, 17, "first");
    let small = batch(32, 100, 50, 18);
    check_against_reference(&mut net, &small, 19, "second");
    // A forward pass on a sparse batch, then a dense one of the same size: backward must use
    // the dense one.
    let dense = batch(32, 100, 3200, 20);
    net.forward(small.view()).unwrap();
    check_against_reference(&mut net, &dense, 21, "dense after sparse");
    let part = small.slice(s![..16, ..]).to_owned();
    check_against_reference(&mut net, &part, 22, "fewer rows");
}

/// [`check_against_reference`] with the batch given in CSR form ([`Input::Sparse`]).
fn check_csr_against_reference(net: &mut Network<f64>, x: &Array2<f64>, seed: u64, what: &str) {
    let t = targets(x.nrows(), net.n_out(), seed);
    let want = reference(net.layers(), x.view(), t.view());
    let csr = CsrMatrix::from_dense(x.view());
    let key = DropoutKey::from_seed(0);
    let out = net
        .forward_train_input(Input::Sparse(&csr), &key, 0)
        .unwrap();
    assert_bits(
        &out.iter().copied().collect::<Vec<_>>(),
        &want.out.iter().copied().collect::<Vec<_>>(),
        &format!("{what}: output"),
    );
    let loss = Loss::HalfSse;
    net.backward_loss_input(Input::Sparse(&csr), t.view(), loss, None, None)
        .unwrap();
    for (l, (layer, (gw, _))) in net.layers().iter().zip(&want.grads).enumerate() {
        let got_w: Vec<f64> = layer.grad_weight().iter().copied().collect();
        assert_bits(&got_w, gw.as_slice().unwrap(), &format!("{what}: ∂L/∂W{l}"));
    }
}

/// Batches given in CSR form: to a first layer ready for them (any density, even above the
/// limit for dense batches), and written out densely for one that is not (too few inputs, or
/// the sparse path turned off).
#[test]
fn csr_batches_give_the_reference_values_and_gradients() {
    // 32 and 16 rows: `1/n` a power of two, as the reference needs (see the module docs).
    let sparse = batch(32, 100, 400, 31);
    let dense = batch(32, 100, 2000, 32);
    check_csr_against_reference(&mut grid_net(&[100, 20, 3], 33), &sparse, 34, "ready");
    check_csr_against_reference(&mut grid_net(&[100, 20, 3], 35), &dense, 36, "ready, dense");
    let mut off = grid_net(&[100, 20, 3], 37);
    off.set_sparse_input(false);
    assert!(!off.takes_sparse_input());
    check_csr_against_reference(&mut off, &sparse, 38, "sparse path off");
    let narrow = batch(32, SPARSE_MIN_INPUTS - 1, 100, 39);
    let mut row_major = grid_net(&[SPARSE_MIN_INPUTS - 1, 5, 2], 40);
    assert!(!row_major.takes_sparse_input());
    check_csr_against_reference(&mut row_major, &narrow, 41, "row-major first layer");
    // A smaller CSR batch after a bigger one reuses the written-out buffer.
    let part = sparse.slice(s![..16, ..]).to_owned();
    check_csr_against_reference(&mut off, &part, 42, "sparse path off, fewer rows");
}

/// As in [`the_density_threshold_picks_the_path`]: an infinite weight on an all-zero input
/// column shows which path a batch took. A CSR batch above the dense batches' limit still goes
/// sparse; with the sparse path off it is written out and multiplied densely.
#[test]
fn a_csr_batch_takes_the_sparse_path_whatever_its_density() {
    let mut net = infinite_weight_net(43);
    let mut x = batch(30, 100, 2000, 44);
    x.column_mut(0).fill(0.0);
    let csr = CsrMatrix::from_dense(x.view());
    let key = DropoutKey::from_seed(0);
    for (enabled, nan) in [(true, false), (false, true)] {
        net.set_sparse_input(enabled);
        let out = net
            .forward_train_input(Input::Sparse(&csr), &key, 0)
            .unwrap();
        assert_eq!(
            out.column(2).iter().all(|v| v.is_nan()),
            nan,
            "enabled {enabled}"
        );
    }
}

/// Backward needs the batch in the form the forward pass got it.
#[test]
fn backward_refuses_a_batch_in_the_other_form() {
    let mut net = grid_net(&[100, 20, 3], 45);
    let x = batch(8, 100, 100, 46);
    let t = targets(8, 3, 47);
    let csr = CsrMatrix::from_dense(x.view());
    let key = DropoutKey::from_seed(0);
    net.forward_train_input(Input::Sparse(&csr), &key, 0)
        .unwrap();
    let err = net
        .backward_loss(x.view(), t.view(), Loss::HalfSse)
        .unwrap_err();
    assert!(err.to_string().contains("same batch"), "{err}");
    net.forward(x.view()).unwrap();
    let loss = Loss::HalfSse;
    let err =
        (net.backward_loss_input(Input::Sparse(&csr), t.view(), loss, None, None)).unwrap_err();
    assert!(err.to_string().contains("same batch"), "{err}");
}
