//! Data parallelism without MPI: ranks as threads ([`ThreadGroup`]) train a small MLP with
//! [`DataParallel`]; the weights must be identical on every rank, equal (to rounding) to one
//! process computing each whole batch, and with [`Reduction::Exact`] bit-identical for 1, 2, 3
//! and 4 ranks; with dropout too, since each row's mask depends on its index in the run, not on
//! the rank or shard that computes it.

use std::rc::Rc;

use ndarray::Array2;
use nn_core::{Activation, Loss, Network, Parameters};
use nn_optim::dist::{Communicator, DataParallel, Local, Reduction, ThreadGroup};
use nn_optim::{FitOptions, Schedule, Sgd, SgdConfig, TrainState, Trainer};
use nn_tensor::Float;

/// 40 rows of 3 features in [-1, 1) and 2 targets, from a fixed-seed LCG.
fn data<T: Float>() -> (Array2<T>, Array2<T>) {
    let mut s = 7_u64;
    let mut next = || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        T::from_f64((s >> 11) as f64 / (1u64 << 52) as f64 - 1.0)
    };
    let x = Array2::from_shape_simple_fn((40, 3), &mut next);
    let y = Array2::from_shape_simple_fn((40, 2), &mut next);
    (x, y)
}

/// A 3-5-2 tanh network with dropout `p` on its hidden layer (0: none).
fn network<T: Float>(p: f64) -> Network<T> {
    let mut net = Network::mlp(&[3, 5, 2], Activation::Tanh, Activation::Identity, 11).unwrap();
    net.set_dropout(&[p, 0.0]).unwrap();
    net
}

fn sgd<T: Float>() -> Sgd<T> {
    Sgd::new(SgdConfig {
        momentum: 0.9,
        ..Default::default()
    })
    .unwrap()
}

/// Every parameter, flattened.
fn weights<T: Float>(net: &mut Network<T>) -> Vec<T> {
    let mut out = Vec::new();
    net.visit_params(&mut |p| out.extend_from_slice(p.value));
    out
}

const BATCH: usize = 16; // 40 rows: batches of 16, 16 and 8
const EPOCHS: usize = 3;

/// Trains `EPOCHS` shuffled epochs with [`Trainer::run_epoch_hooked`] as one rank of
/// `comm`; returns the weights and each epoch's mean loss.
/// `p` is the hidden layer's dropout.
fn train_rank<T: Float>(
    comm: Rc<dyn Communicator>,
    reduction: Reduction,
    p: f64,
) -> (Vec<T>, Vec<f64>) {
    let (x, y) = data::<T>();
    let mut net = network::<T>(p);
    let mut dp = DataParallel::<T>::new(comm, reduction).unwrap();
    let mut trainer = Trainer::new(BATCH, 5);
    let losses = epochs(&mut trainer, &mut net, Loss::Mse, (&x, &y), Some(&mut dp));
    (weights(&mut net), losses)
}

/// `EPOCHS` epochs of SGD with momentum, through `dp` where given; each epoch's mean loss.
fn epochs<T: Float>(
    trainer: &mut Trainer,
    net: &mut Network<T>,
    loss: Loss,
    (x, y): (&Array2<T>, &Array2<T>),
    mut dp: Option<&mut DataParallel<T>>,
) -> Vec<f64> {
    let mut opt = sgd::<T>();
    (0..EPOCHS)
        .map(|_| {
            let (x, y) = (x.view(), y.view());
            let report = match dp.as_deref_mut() {
                Some(dp) => trainer.run_epoch_hooked(net, &mut opt, loss, x, y, 0.1, dp),
                None => trainer.run_epoch(net, &mut opt, loss, x, y, 0.1),
            };
            report.unwrap().train_loss
        })
        .collect()
}

/// `f` run by each of `ranks` thread-ranks of one [`ThreadGroup`]; every rank's result.
fn on_ranks<R: Send>(ranks: usize, f: impl Fn(Rc<dyn Communicator>) -> R + Sync) -> Vec<R> {
    let f = &f;
    std::thread::scope(|s| {
        let handles: Vec<_> = ThreadGroup::new(ranks)
            .into_iter()
            .map(|comm| s.spawn(move || f(Rc::new(comm))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// The same training on `ranks` threads; every rank's result.
fn train_threads<T: Float>(ranks: usize, reduction: Reduction, p: f64) -> Vec<(Vec<T>, Vec<f64>)> {
    on_ranks(ranks, |comm| train_rank::<T>(comm, reduction, p))
}

/// The single-process trainer: forward and backward on each whole batch.
fn train_single<T: Float>(p: f64) -> Vec<T> {
    let (x, y) = data::<T>();
    let mut net = network::<T>(p);
    epochs(
        &mut Trainer::new(BATCH, 5),
        &mut net,
        Loss::Mse,
        (&x, &y),
        None,
    );
    weights(&mut net)
}

/// Dropout on the hidden layer in the tests that run it (0.0 in the others).
const P: f64 = 0.4;

#[test]
fn every_rank_holds_the_same_bits() {
    for (ranks, p) in [(2, 0.0), (3, 0.0), (2, P), (3, P)] {
        let results = train_threads::<f32>(ranks, Reduction::Average, p);
        assert!(results.iter().all(|r| r == &results[0]), "{ranks} ranks");
        // And a rerun gives the same bits.
        assert_eq!(train_threads::<f32>(ranks, Reduction::Average, p), results);
    }
}

#[test]
fn averaged_gradients_match_one_process() {
    for p in [0.0, P] {
        let single = train_single::<f64>(p);
        for ranks in [1, 2, 3] {
            let (w, _) = &train_threads::<f64>(ranks, Reduction::Average, p)[0];
            for (a, b) in w.iter().zip(&single) {
                assert!((a - b).abs() < 1e-12, "p {p}, {ranks} ranks: {a} vs {b}");
            }
        }
    }
    // Dropout changed the result (the tests above would pass with it ignored otherwise).
    let (with, without) = (train_single::<f64>(P), train_single::<f64>(0.0));
    assert!(with.iter().zip(&without).any(|(a, b)| (a - b).abs() > 1e-3));
}

/// A 3-256-256-3 softmax classifier with class weights [1, 4, 0.5] on one-hot targets (the
/// class of the largest of `y`'s two columns and their sum): its 256×256 weight goes through
/// the all-reduce on its own, straight from the network's buffer, the rest in one fused
/// buffer; with class weights each rank's share of a batch is its weight, not its rows, over
/// the batch's (2 ranks split 16 rows 8 + 8 whatever their classes).
fn weighted_wide(comm: Option<(Rc<dyn Communicator>, Reduction)>) -> (Vec<f64>, Vec<f64>) {
    let (x, y) = data::<f64>();
    let y = Array2::from_shape_fn((y.nrows(), 3), |(i, c)| {
        let (a, b) = (y[[i, 0]], y[[i, 1]]);
        let class = if a + b > 0.5 { 2 } else { usize::from(a > b) };
        f64::from(u8::from(class == c))
    });
    let mut net =
        Network::mlp(&[3, 256, 256, 3], Activation::Tanh, Activation::Softmax, 5).unwrap();
    let mut trainer = Trainer::new(BATCH, 5).with_class_weights(vec![1.0, 4.0, 0.5]);
    let mut dp = comm.map(|(c, r)| DataParallel::new(c, r).unwrap());
    let data = (&x, &y);
    let losses = epochs(
        &mut trainer,
        &mut net,
        Loss::CrossEntropy,
        data,
        dp.as_mut(),
    );
    (weights(&mut net), losses)
}

#[test]
fn large_gradients_and_class_weights_match_one_process() {
    let (single, single_losses) = weighted_wide(None);
    assert!(single.len() > 65_536);
    let exact = Reduction::Exact { shards: 3 };
    let (one, _) = weighted_wide(Some((Rc::new(Local), exact)));
    let cases = [
        (2, Reduction::Average),
        (3, Reduction::Average),
        (2, exact),
        (3, exact),
    ];
    for (ranks, reduction) in cases {
        let results = on_ranks(ranks, |comm| weighted_wide(Some((comm, reduction))));
        let case = format!("{ranks} ranks, {reduction:?}");
        for (w, losses) in &results {
            assert_eq!(w, &results[0].0, "{case}: ranks hold different bits");
            if reduction == exact {
                assert_eq!(w, &one, "{case}: not the bits of one process");
            }
            for (a, b) in w.iter().zip(&single) {
                assert!((a - b).abs() < 1e-12, "{case}: {a} vs {b}");
            }
            // The reported loss is the batches' weighted mean too.
            for (a, b) in losses.iter().zip(&single_losses) {
                assert!((a - b).abs() < 1e-12, "{case}: loss {a} vs {b}");
            }
        }
    }
}

/// Class 0 weighs nothing, and 4 ranks split batches of 4 rows one row each: a rank whose row
/// is of class 0 adds nothing (it is not an error, as long as its batch weighs something),
/// and the result is one process's.
#[test]
fn a_rank_whose_rows_weigh_nothing_adds_nothing() {
    let run = |comm: Option<Rc<dyn Communicator>>| {
        let (x, y) = data::<f64>();
        let y = Array2::from_shape_fn((y.nrows(), 3), |(i, c)| {
            let class = if y[[i, 0]] > 0.3 {
                0
            } else {
                1 + usize::from(y[[i, 1]] > 0.0)
            };
            f64::from(u8::from(class == c))
        });
        let mut net = Network::mlp(&[3, 5, 3], Activation::Tanh, Activation::Softmax, 5).unwrap();
        let mut trainer = Trainer::new(4, 9).with_class_weights(vec![0.0, 1.0, 2.0]);
        let mut dp = comm.map(|c| DataParallel::new(c, Reduction::Average).unwrap());
        epochs(
            &mut trainer,
            &mut net,
            Loss::CrossEntropy,
            (&x, &y),
            dp.as_mut(),
        );
        (weights(&mut net), y.column(0).sum())
    };
    let (single, zeros) = run(None);
    assert!(zeros >= 8.0, "{zeros} rows of class 0");
    let results = on_ranks(4, |comm| run(Some(comm)).0);
    for w in &results {
        for (a, b) in w.iter().zip(&single) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }
}

#[test]
fn exact_reduction_is_independent_of_the_process_count() {
    let exact = Reduction::Exact { shards: 4 };
    for p in [0.0, P] {
        let (one, losses) = train_rank::<f32>(Rc::new(Local), exact, p);
        for ranks in [2, 3, 4] {
            for (w, l) in train_threads::<f32>(ranks, exact, p) {
                assert_eq!(w, one, "p {p}, {ranks} ranks");
                assert_eq!(l, losses, "p {p}, {ranks} ranks");
            }
        }
        // Close to the plain loop, which sums in another order (with the same masks).
        let single = train_single::<f32>(p);
        for (a, b) in one.iter().zip(&single) {
            assert!((a - b).abs() < 1e-5, "p {p}: {a} vs {b}");
        }
    }
}

#[test]
fn more_processes_than_shards_is_refused() {
    let rank0 = ThreadGroup::new(3).swap_remove(0);
    let dp = DataParallel::<f32>::new(Rc::new(rank0), Reduction::Exact { shards: 2 });
    let err = dp.err().unwrap().to_string();
    assert!(err.contains("2 shard(s), 3 process(es)"), "{err}");
}

/// One rank raises the stop flag, or holds a non-finite gradient: every rank learns it from
/// the same all-reduce.
#[test]
fn stop_and_divergence_reach_every_rank() {
    for reduction in [Reduction::Average, Reduction::Exact { shards: 2 }] {
        let totals = on_ranks(2, |comm| {
            let rank = comm.rank();
            let mut dp = DataParallel::<f32>::new(comm, reduction).unwrap();
            let mut net = network::<f32>(0.0);
            let (x, y) = data::<f32>();
            net.forward(x.view()).unwrap();
            net.backward_loss(x.view(), y.view(), Loss::Mse).unwrap();
            dp.add_shard(&mut net, 0.5, 40);
            let first = dp.reduce(&mut net, rank == 1);
            let loss = if rank == 0 { f64::NAN } else { 0.5 };
            dp.add_shard(&mut net, loss, 40);
            (first, dp.reduce(&mut net, false))
        });
        for (first, second) in totals {
            assert!(first.stop && !second.stop, "{reduction:?}");
            assert_eq!(
                (first.loss_sum, first.rows),
                (40.0, 80),
                "{reduction:?} {first:?}"
            );
            assert!(second.loss_sum.is_nan(), "{reduction:?}");
        }
    }
}

/// 96 rows of 100 features, about 15 % non-zero (so that a 100-input first layer takes sparse
/// batches), and 3 one-hot classes, from a fixed-seed LCG.
fn sparse_data() -> (Array2<f32>, Array2<f32>) {
    let mut s = 3_u64;
    let mut next = || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let x = Array2::from_shape_simple_fn((96, 100), || {
        let u = next();
        if u < 0.15 {
            (u * 6.0) as f32
        } else {
            0.0
        }
    });
    let y = Array2::from_shape_fn((96, 3), |(i, c)| f32::from(i % 3 == c));
    (x, y)
}

/// [`TrainState::fit`] as one rank of `comm` (the fit keeps the data's non-zeros and gathers
/// each rank's part of a batch in CSR form), or, without `comm`, [`Trainer::run_epoch`] in one
/// process (each batch built from dense rows): the weights.
fn sparse_fit(comm: Option<Rc<dyn Communicator>>, reduction: Reduction) -> Vec<f32> {
    let (x, y) = sparse_data();
    let mut net = Network::mlp(&[100, 8, 3], Activation::Relu, Activation::Identity, 4).unwrap();
    assert!(net.takes_sparse_input());
    let trainer = Trainer::new(BATCH, 9);
    let Some(comm) = comm else {
        let (mut trainer, mut opt) = (trainer, sgd::<f32>());
        for _ in 0..EPOCHS {
            let loss = Loss::CrossEntropy;
            (trainer.run_epoch(&mut net, &mut opt, loss, x.view(), y.view(), 0.1)).unwrap();
        }
        return weights(&mut net);
    };
    let schedule = Schedule::parse("constant", 0.1, EPOCHS).unwrap();
    let mut state = TrainState::new(net, sgd::<f32>(), schedule, trainer);
    let mut dp = DataParallel::<f32>::new(comm, reduction).unwrap();
    let options = FitOptions::new(EPOCHS).gradient_hook(&mut dp);
    (state.fit(Loss::CrossEntropy, x.view(), y.view(), options)).unwrap();
    weights(&mut state.network)
}

/// The kept non-zeros under data parallelism: with the exact reduction, 1, 2 and 3 ranks give
/// the same bits; averaged over 2 ranks, every rank holds the same bits; both are within 1e-5
/// of one process building every batch from dense rows (which sums in another order).
#[test]
fn kept_non_zeros_under_data_parallelism() {
    let exact = Reduction::Exact { shards: 4 };
    let one = sparse_fit(Some(Rc::new(Local)), exact);
    for ranks in [2, 3] {
        let results = on_ranks(ranks, |comm| sparse_fit(Some(comm), exact));
        for w in results {
            assert_eq!(w, one, "{ranks} ranks");
        }
    }
    let single = sparse_fit(None, exact);
    let averaged = on_ranks(2, |comm| sparse_fit(Some(comm), Reduction::Average));
    assert_eq!(averaged[0], averaged[1]);
    for (a, b) in averaged[0]
        .iter()
        .zip(&single)
        .chain(one.iter().zip(&single))
    {
        assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    }
}
