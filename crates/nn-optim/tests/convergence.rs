//! Convergence and reproducibility of the whole training path (Network + Sgd + Trainer).

use ndarray::{array, s, Array2, Axis};
use nn_core::{Activation, Dense, Loss, Network};
use nn_optim::{schedule::Constant, Optimizer, Sgd, SgdConfig, Trainer};
use nn_tensor::{argmax_rows, Float};

fn fixed(lr: f64) -> Constant {
    Constant::new(lr).unwrap()
}

#[test]
fn textbook_step_through_the_optimizer() {
    // The same step as nn-core's tests/textbook.rs, but through Sgd: w5⁺ = 0.268375021,
    // w1⁺ = 0.049574763 (chapter), w8⁺ = 0.349376620041 (tests/textbook_reference.py).
    let hidden = Dense::from_parts(
        array![[0.05, 0.15], [0.10, 0.20]],
        array![0.35, 0.35],
        Activation::Sigmoid,
    );
    let output = Dense::from_parts(
        array![[0.25, 0.35], [0.30, 0.40]],
        array![0.50, 0.50],
        Activation::Sigmoid,
    );
    let mut net: Network<f64> = Network::new(vec![hidden.unwrap(), output.unwrap()]).unwrap();
    let (x, y) = (array![[0.10, 0.20]], array![[0.85, 0.30]]);
    net.forward(x.view()).unwrap();
    net.backward_loss(x.view(), y.view(), Loss::HalfSse)
        .unwrap();
    Sgd::new(SgdConfig::default()).unwrap().step(&mut net, 1.0);
    let (w_h, w_o) = (net.layers()[0].weight(), net.layers()[1].weight());
    assert!((w_o[[0, 0]] - 0.268375021).abs() < 1e-9);
    assert!((w_h[[0, 0]] - 0.049574763).abs() < 1e-9);
    assert!((w_o[[1, 1]] - 0.349376620041).abs() < 1e-9);
}

fn xor<T: Float>() -> (Array2<T>, Array2<T>) {
    let x = array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]].mapv(T::from_f64);
    let y = array![[0.0], [1.0], [1.0], [0.0]].mapv(T::from_f64);
    (x, y)
}

fn xor_accuracy<T: Float>(seed: u64) -> f64 {
    let (x, y) = xor::<T>();
    let mut net =
        Network::<T>::mlp(&[2, 4, 1], Activation::Sigmoid, Activation::Sigmoid, seed).unwrap();
    let mut sgd = Sgd::new(SgdConfig {
        momentum: 0.9,
        ..Default::default()
    })
    .unwrap();
    let mut trainer = Trainer::new(4, seed);
    trainer
        .fit(
            &mut net,
            &mut sgd,
            &fixed(1.0),
            Loss::HalfSse,
            x.view(),
            y.view(),
            3000,
        )
        .unwrap();
    let out = net.forward(x.view()).unwrap();
    let hits = out
        .iter()
        .zip(y.iter())
        .filter(|(o, t)| (Float::to_f64(**o) > 0.5) == (Float::to_f64(**t) > 0.5))
        .count();
    hits as f64 / 4.0
}

#[test]
fn xor_reaches_full_accuracy_in_f32_and_f64() {
    assert_eq!(xor_accuracy::<f64>(3), 1.0);
    assert_eq!(xor_accuracy::<f32>(3), 1.0);
}

/// Iris from datasets/iris.csv with a minimal parser: 4 features, 3 species (sorted labels).
fn iris() -> (Array2<f64>, Vec<usize>) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/iris.csv"
    ))
    .unwrap();
    let species = ["setosa", "versicolor", "virginica"];
    let mut x = Vec::new();
    let mut labels = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let cells: Vec<&str> = line.split(',').collect();
        x.extend(cells[..4].iter().map(|c| c.parse::<f64>().unwrap()));
        labels.push(species.iter().position(|s| *s == cells[4]).unwrap());
    }
    (
        Array2::from_shape_vec((labels.len(), 4), x).unwrap(),
        labels,
    )
}

fn one_hot<T: Float>(labels: &[usize], k: usize) -> Array2<T> {
    Array2::from_shape_fn((labels.len(), k), |(i, j)| {
        if labels[i] == j {
            T::one()
        } else {
            T::zero()
        }
    })
}

/// A seeded stratified split: in each class, a shuffled `fraction` of the samples is held out.
fn stratified_split(labels: &[usize], fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    use ndarray_rand::rand::seq::SliceRandom;
    use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for class in 0..=*labels.iter().max().unwrap() {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        idx.shuffle(&mut rng);
        let k = (idx.len() as f64 * fraction).round() as usize;
        test.extend_from_slice(&idx[..k]);
        train.extend_from_slice(&idx[k..]);
    }
    (train, test)
}

/// Trains 4-16-3 (ReLU, softmax cross-entropy) on a seeded stratified 80/20 split; returns test accuracy
/// and the trained network.
fn iris_run<T: Float>(seed: u64) -> (f64, Network<T>) {
    let (x, labels) = iris();
    let (train, test) = stratified_split(&labels, 0.2, seed);
    let mean = x.mean_axis(Axis(0)).unwrap();
    let std = x.std_axis(Axis(0), 0.0);
    let z = ((&x - &mean) / &std).mapv(T::from_f64);
    let pick = |idx: &[usize]| z.select(Axis(0), idx);
    let y_train = one_hot::<T>(&train.iter().map(|&i| labels[i]).collect::<Vec<_>>(), 3);
    let mut net =
        Network::<T>::mlp(&[4, 16, 3], Activation::Relu, Activation::Identity, seed).unwrap();
    let mut sgd = Sgd::new(SgdConfig {
        momentum: 0.9,
        ..Default::default()
    })
    .unwrap();
    let mut trainer = Trainer::new(16, seed);
    let xt = pick(&train);
    trainer
        .fit(
            &mut net,
            &mut sgd,
            &fixed(0.05),
            Loss::CrossEntropy,
            xt.view(),
            y_train.view(),
            100,
        )
        .unwrap();
    let pred = argmax_rows(net.forward(pick(&test).view()).unwrap());
    let hits = pred
        .iter()
        .zip(&test)
        .filter(|(p, &i)| **p == labels[i])
        .count();
    (hits as f64 / test.len() as f64, net)
}

#[test]
fn iris_reaches_95_percent_test_accuracy() {
    let (acc64, _) = iris_run::<f64>(42);
    let (acc32, _) = iris_run::<f32>(42);
    assert!(acc64 >= 0.95, "f64 test accuracy {acc64}");
    assert!(acc32 >= 0.95, "f32 test accuracy {acc32}");
}

#[test]
fn same_seed_gives_identical_bits_and_other_seeds_differ() {
    let (_, a) = iris_run::<f32>(7);
    let (_, b) = iris_run::<f32>(7);
    let (_, c) = iris_run::<f32>(8);
    for (la, lb) in a.layers().iter().zip(b.layers()) {
        assert_eq!(
            la.weight().as_slice().unwrap(),
            lb.weight().as_slice().unwrap()
        );
        assert_eq!(la.bias(), lb.bias());
    }
    assert_ne!(
        a.layers()[0].weight().slice(s![0, ..]),
        c.layers()[0].weight().slice(s![0, ..])
    );
}

#[test]
fn nan_loss_is_reported_as_divergence() {
    let (x, y) = xor::<f64>();
    let mut net =
        Network::<f64>::mlp(&[2, 4, 1], Activation::Relu, Activation::Identity, 1).unwrap();
    let mut sgd = Sgd::new(SgdConfig::default()).unwrap();
    let err = Trainer::new(4, 1)
        .fit(
            &mut net,
            &mut sgd,
            &fixed(1e6),
            Loss::Mse,
            x.view(),
            y.view(),
            50,
        )
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("diverged") && msg.contains("lower learning rate"),
        "{msg}"
    );
}

#[test]
fn f64_data_into_an_f32_network_matches_casting_the_data_first() {
    // Batches are converted as they are gathered; the result must equal training on a copy
    // of the data cast to f32 up front, bit for bit.
    let (x, y) = xor::<f64>();
    let (x32, y32) = (x.mapv(|v| v as f32), y.mapv(|v| v as f32));
    let run = |direct: bool| {
        let mut net =
            Network::<f32>::mlp(&[2, 3, 1], Activation::Tanh, Activation::Sigmoid, 2).unwrap();
        let mut sgd = Sgd::new(SgdConfig::default()).unwrap();
        let mut trainer = Trainer::new(2, 2);
        for _ in 0..20 {
            if direct {
                trainer
                    .run_epoch(&mut net, &mut sgd, Loss::HalfSse, x.view(), y.view(), 0.5)
                    .unwrap();
            } else {
                trainer
                    .run_epoch(
                        &mut net,
                        &mut sgd,
                        Loss::HalfSse,
                        x32.view(),
                        y32.view(),
                        0.5,
                    )
                    .unwrap();
            }
        }
        net.layers()[0].weight().clone()
    };
    assert_eq!(run(true), run(false));
}
