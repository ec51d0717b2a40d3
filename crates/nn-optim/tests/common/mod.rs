//! Helpers shared by nn-optim's integration tests: bit-for-bit network comparison and the
//! interrupted-and-resumed run harness.
#![allow(dead_code)]

use ndarray::Array2;
use nn_core::{Loss, Network};
use nn_optim::{Checkpoint, FitOptions, TrainState};

/// Every weight and bias of both networks, bit for bit (logical order, any storage layout).
pub fn assert_same_bits(a: &Network<f32>, b: &Network<f32>, what: &str) {
    for (l, (p, q)) in a.layers().iter().zip(b.layers()).enumerate() {
        assert_eq!(p.weight().dim(), q.weight().dim());
        let same = |u: &[f32], v: &[f32]| u.iter().zip(v).all(|(s, t)| s.to_bits() == t.to_bits());
        let (pw, qw): (Vec<f32>, Vec<f32>) = (
            p.weight().iter().copied().collect(),
            q.weight().iter().copied().collect(),
        );
        let (pb, qb): (Vec<f32>, Vec<f32>) = (p.bias().to_vec(), q.bias().to_vec());
        assert!(
            same(&pw, &qw) && same(&pb, &qb),
            "{what}: layer {l} differs"
        );
    }
}

/// Trains `total` epochs straight, and `first` epochs then a checkpoint written to disk, read
/// back and trained to `total`; asserts both end with the same bits (weights, optimizer state,
/// schedule, epoch counter, losses). Returns the straight run's state.
pub fn assert_resume_is_bit_identical(
    fresh: impl Fn() -> TrainState<f32>,
    loss: Loss,
    (x, y): (&Array2<f32>, &Array2<f32>),
    first: usize,
    total: usize,
) -> TrainState<f32> {
    let fit = |state: &mut TrainState<f32>, epochs: usize| {
        state
            .fit(loss, x.view(), y.view(), FitOptions::new(epochs))
            .unwrap()
    };
    let mut straight = fresh();
    fit(&mut straight, total);

    let mut part = fresh();
    fit(&mut part, first);
    let path = std::env::temp_dir().join(format!(
        "nn-resume-{}-{first}-{total}.json",
        std::process::id()
    ));
    Checkpoint::new(part).save(&path).unwrap();
    let mut resumed = Checkpoint::<f32>::load(&path).unwrap().state;
    std::fs::remove_file(&path).unwrap();
    fit(&mut resumed, total);

    assert_eq!(resumed.trainer.epoch(), total);
    assert_same_bits(&straight.network, &resumed.network, "resumed");
    assert_eq!(straight.optimizer, resumed.optimizer, "optimizer state");
    assert_eq!(straight.schedule, resumed.schedule, "schedule state");
    let losses = |s: &TrainState<f32>| {
        s.history
            .iter()
            .map(|r| r.train_loss.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(losses(&straight), losses(&resumed), "per-epoch losses");
    straight
}
