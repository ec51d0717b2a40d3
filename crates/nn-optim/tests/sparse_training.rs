//! Training on MNIST-like sparse inputs (784 features, about 19% non-zero, so batches take the
//! sparse first-layer path and the first layer is stored column-major): the same bits for any
//! thread count, and a checkpointed, resumed run equal to an uninterrupted one.

use ndarray::Array2;
use nn_core::{Activation, Loss, Network};
use nn_optim::{Schedule, Sgd, SgdConfig, TrainState, Trainer};

mod common;
use nn_tensor::sparse::density;

/// A 64-bit LCG: deterministic values in `[0, 1)`.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

const FEATURES: usize = 784;
const CLASSES: usize = 10;

/// `n` images of 784 "pixels" in `[0, 1]`: each class has a template of about 150 lit pixels;
/// a sample keeps each of them with probability 0.9 at a random intensity and lights a few
/// stray pixels. One-hot labels.
fn mnist_like(n: usize, seed: u64) -> (Array2<f32>, Array2<f32>) {
    let mut rng = Lcg(seed);
    let templates: Vec<Vec<usize>> = (0..CLASSES)
        .map(|_| {
            (0..FEATURES)
                .filter(|_| rng.next() < 150.0 / FEATURES as f64)
                .collect()
        })
        .collect();
    let mut x = Array2::zeros((n, FEATURES));
    let mut y = Array2::zeros((n, CLASSES));
    for i in 0..n {
        let c = (rng.next() * CLASSES as f64) as usize;
        y[[i, c]] = 1.0;
        for &p in &templates[c] {
            if rng.next() < 0.9 {
                x[[i, p]] = (0.1 + 0.9 * rng.next()) as f32;
            }
        }
        for _ in 0..5 {
            let p = (rng.next() * FEATURES as f64) as usize;
            x[[i, p]] = rng.next() as f32;
        }
    }
    (x, y)
}

fn net() -> Network<f32> {
    Network::mlp(
        &[FEATURES, 64, CLASSES],
        Activation::Relu,
        Activation::Identity,
        3,
    )
    .unwrap()
}

fn sgd() -> Sgd<f32> {
    Sgd::new(SgdConfig {
        momentum: 0.9,
        nesterov: false,
        weight_decay: 1e-4,
    })
    .unwrap()
}

/// 512 samples in batches of 128: each batch's first-layer products have about
/// 128·784·0.19 ≈ 19 000 non-zeros × 64 columns ≈ 1.2·10⁶ multiply-adds, more than twice the
/// 2¹⁸ per thread below which `spmm` stays on one thread, so two threads split them.
#[test]
fn sparse_training_is_bit_identical_for_1_and_2_threads() {
    let (x, y) = mnist_like(512, 1);
    let d = density(x.view());
    assert!((0.1..0.3).contains(&d), "density {d}");
    let train = |threads: usize| {
        nn_tensor::set_num_threads(threads);
        let mut net = net();
        assert!(net.layers()[0].is_column_major());
        let mut opt = sgd();
        let mut trainer = Trainer::new(128, 7);
        let reports: Vec<f64> = (0..3)
            .map(|_| {
                let r = trainer.run_epoch(
                    &mut net,
                    &mut opt,
                    Loss::CrossEntropy,
                    x.view(),
                    y.view(),
                    0.1,
                );
                r.unwrap().train_loss
            })
            .collect();
        nn_tensor::set_num_threads(0);
        (net, opt, reports)
    };
    let (one, opt1, r1) = train(1);
    let (two, opt2, r2) = train(2);
    common::assert_same_bits(&one, &two, "1 vs 2 threads");
    assert_eq!(opt1, opt2, "momentum buffers");
    assert_eq!(r1, r2);
    // It learns (so the runs did something): the loss falls from about ln 10 ≈ 2.3.
    assert!(r1[2] < 0.8 * r1[0], "losses {r1:?}");
}

#[test]
fn checkpoint_and_resume_with_a_column_major_first_layer_is_bit_identical() {
    let (x, y) = mnist_like(192, 2);
    let fresh = || {
        let sgd = Sgd::new(SgdConfig {
            momentum: 0.9,
            nesterov: true,
            weight_decay: 1e-3,
        })
        .unwrap();
        let schedule = Schedule::parse("step:2:0.5", 0.05, 6).unwrap();
        let state = TrainState::new(net(), sgd, schedule, Trainer::new(64, 11));
        assert!(state.network.layers()[0].is_column_major());
        state
    };
    common::assert_resume_is_bit_identical(fresh, Loss::CrossEntropy, (&x, &y), 2, 4);
}
