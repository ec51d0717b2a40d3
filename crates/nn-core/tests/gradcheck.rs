//! Property test: backpropagation agrees with central finite differences (f64, h = 1e-5,
//! error < 1e-6 as defined in `nn_core::gradcheck`) for random small networks: widths 1..6,
//! 1–3 layers, every hidden activation, every loss (with every output activation it accepts),
//! batches of 1..5 samples. Pre-activations within 1e-3 of ReLU's kink are rejected, since the
//! derivative is undefined there.

use ndarray::Array2;
use nn_core::{gradcheck::check_gradients, trace::trace, Activation, Dense, Init, Loss, Network};
use proptest::prelude::*;
use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};

const HIDDEN: [Activation; 5] = [
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Relu,
    Activation::LeakyRelu { slope: 0.1 },
    Activation::Identity,
];

/// (loss, output activation) pairs: the fused losses take logits.
const HEADS: [(Loss, Activation); 8] = [
    (Loss::HalfSse, Activation::Sigmoid),
    (Loss::HalfSse, Activation::Identity),
    (Loss::Mse, Activation::Tanh),
    (Loss::Mse, Activation::Softmax),
    (Loss::Mse, Activation::Relu),
    (Loss::HalfSse, Activation::LeakyRelu { slope: 0.2 }),
    (Loss::CrossEntropy, Activation::Identity),
    (Loss::Bce, Activation::Identity),
];

fn build(sizes: &[usize], hidden: Activation, output: Activation, seed: u64) -> Network<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let last = sizes.len() - 2;
    let layers = sizes.windows(2).enumerate().map(|(i, w)| {
        let act = if i == last { output } else { hidden };
        let mut l = Dense::new(w[0], w[1], act, Init::XavierNormal, &mut rng).unwrap();
        // non-zero biases so bias gradients are exercised away from symmetric points
        let bias = l.bias().mapv(|_| 0.1 * (seed % 7) as f64 - 0.3);
        l = Dense::from_parts(l.weight().clone(), bias, act).unwrap();
        l
    });
    Network::new(layers.collect()).unwrap()
}

fn target_for(loss: Loss, n: usize, m: usize, values: &[f64]) -> Array2<f64> {
    let mut t = Array2::from_shape_fn((n, m), |(i, j)| values[(i * m + j) % values.len()]);
    if loss == Loss::CrossEntropy {
        for (i, mut row) in t.rows_mut().into_iter().enumerate() {
            row.fill(0.0);
            row[i % m] = 1.0;
        }
    }
    t
}

fn off_kinks(net: &Network<f64>, x: &Array2<f64>, t: &Array2<f64>, loss: Loss) -> bool {
    let tr = trace(net, x.view(), t.view(), loss, 0.0).unwrap();
    tr.layers
        .iter()
        .zip(net.layers())
        .all(|(lt, layer)| match layer.activation() {
            Activation::Relu | Activation::LeakyRelu { .. } => {
                lt.linear.iter().all(|z| z.abs() > 1e-3)
            }
            _ => true,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn backprop_matches_finite_differences(
        widths in prop::collection::vec(1usize..6, 2..5),
        hidden in 0usize..HIDDEN.len(),
        head in 0usize..HEADS.len(),
        n in 1usize..5,
        seed in 0u64..10_000,
        xs in prop::collection::vec(-2.0f64..2.0, 30),
        ts in prop::collection::vec(0.0f64..1.0, 30),
    ) {
        let (loss, output) = HEADS[head];
        let net = build(&widths, HIDDEN[hidden], output, seed);
        let x = Array2::from_shape_fn((n, widths[0]), |(i, j)| xs[(i * widths[0] + j) % xs.len()]);
        let t = target_for(loss, n, *widths.last().unwrap(), &ts);
        prop_assume!(off_kinks(&net, &x, &t, loss));
        for c in check_gradients(&net, x.view(), t.view(), loss, 1e-5).unwrap() {
            prop_assert!(c.weight_error < 1e-6 && c.bias_error < 1e-6, "{c:?} {loss:?} {output:?} {:?}", HIDDEN[hidden]);
        }
    }
}
