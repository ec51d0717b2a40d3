//! Training on MNIST-like sparse inputs (784 features, about 19% non-zero, so batches take the
//! sparse first-layer path and the first layer is stored column-major): the same bits for any
//! thread count, and a checkpointed, resumed run equal to an uninterrupted one.

use ndarray::Array2;
use nn_core::{Activation, Loss, Network};
use nn_optim::{Schedule, Sgd, SgdConfig, TrainState, Trainer};

mod common;
use nn_tensor::sparse::density;
use nn_testutil::Lcg;

const FEATURES: usize = 784;
const CLASSES: usize = 10;

/// `n` images of 784 "pixels" in `[0, 1]`: each class has a template of about 150 lit pixels;
/// a sample keeps each of them with probability 0.9 at a random intensity and lights a few
/// stray pixels. One-hot labels.
fn mnist_like(n: usize, seed: u64) -> (Array2<f32>, Array2<f32>) {
    let mut rng = Lcg::from_state(seed);
    let templates: Vec<Vec<usize>> = (0..CLASSES)
        .map(|_| {
            (0..FEATURES)
                .filter(|_| rng.next_f64() < 150.0 / FEATURES as f64)
                .collect()
        })
        .collect();
    let mut x = Array2::zeros((n, FEATURES));
    let mut y = Array2::zeros((n, CLASSES));
    for i in 0..n {
        let c = (rng.next_f64() * CLASSES as f64) as usize;
        y[[i, c]] = 1.0;
        for &p in &templates[c] {
            if rng.next_f64() < 0.9 {
                x[[i, p]] = (0.1 + 0.9 * rng.next_f64()) as f32;
            }
        }
        for _ in 0..5 {
            let p = (rng.next_f64() * FEATURES as f64) as usize;
            x[[i, p]] = rng.next_f64() as f32;
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

/// A fit keeps the data's non-zeros and gathers batches in CSR form; an epoch at a time
/// ([`Trainer::run_epoch`]) builds each batch's CSR form from dense rows. The two must give the
/// same bits: with f32 data, with f64 data converted per entry, at 1 and 2 threads, and with
/// some rows dense enough that a few batches pass the density limit and go dense.
#[test]
fn kept_non_zeros_give_the_same_bits_as_batches_built_from_dense_rows() {
    let (mut x, y) = mnist_like(640, 3);
    // Every 8th row fully lit: the data stay under a third non-zero in every block
    // (1/8 + 7/8 · 0.19 ≈ 0.29), but a batch of 8 rows holding two such rows is over the limit
    // (2/8 + 6/8 · 0.19 ≈ 0.39 > 1/3).
    for i in (5..640).step_by(8) {
        x.row_mut(i).fill(0.5);
    }
    let wide = x.mapv(f64::from);
    let lr = 0.05;
    for threads in [1, 2] {
        nn_tensor::set_num_threads(threads);
        let schedule = Schedule::parse("constant", lr, 2).unwrap();
        let mut kept = net();
        let (mut opt, mut trainer) = (sgd(), Trainer::new(8, 5));
        let loss = Loss::CrossEntropy;
        let fit =
            (trainer.fit(&mut kept, &mut opt, &schedule, loss, x.view(), y.view(), 2)).unwrap();
        let mut kept_wide = net();
        let (mut opt, mut trainer) = (sgd(), Trainer::new(8, 5));
        let (xw, yw) = (wide.view(), y.mapv(f64::from));
        let fit_wide = trainer
            .fit(&mut kept_wide, &mut opt, &schedule, loss, xw, yw.view(), 2)
            .unwrap();
        let mut built = net();
        let (mut opt, mut trainer) = (sgd(), Trainer::new(8, 5));
        let epochs: Vec<_> = (0..2)
            .map(|_| trainer.run_epoch(&mut built, &mut opt, loss, x.view(), y.view(), lr))
            .collect::<Result<_, _>>()
            .unwrap();
        nn_tensor::set_num_threads(0);
        common::assert_same_bits(&kept, &built, "kept vs built");
        common::assert_same_bits(&kept_wide, &built, "kept from f64 vs built");
        let losses =
            |r: &[nn_optim::EpochReport]| r.iter().map(|e| e.train_loss).collect::<Vec<_>>();
        assert_eq!(losses(&fit), losses(&epochs));
        assert_eq!(losses(&fit_wide), losses(&epochs));
        assert!(
            fit[1].train_loss < fit[0].train_loss,
            "it learns: {:?}",
            losses(&fit)
        );
    }
}
