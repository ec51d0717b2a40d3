//! A run interrupted after epoch k, saved to a checkpoint file, read back and resumed, ends with
//! bit-identical weights to an uninterrupted run (momentum, plateau schedule and shuffling state
//! included).

use ndarray::Array2;
use nn_core::{Activation, Loss, Network};
use nn_optim::{Checkpoint, Schedule, Sgd, SgdConfig, TrainState, Trainer};

mod common;

fn data() -> (Array2<f32>, Array2<f32>) {
    // y = [sin(x0 + 2 x1), x0·x1] on a deterministic grid of 40 points
    let x = Array2::from_shape_fn((40, 2), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 5.0 - 1.0);
    let y = Array2::from_shape_fn((40, 2), |(i, j)| match j {
        0 => (x[[i, 0]] + 2.0 * x[[i, 1]]).sin(),
        _ => x[[i, 0]] * x[[i, 1]],
    });
    (x, y)
}

fn fresh() -> TrainState<f32> {
    let net = Network::mlp(&[2, 8, 2], Activation::Tanh, Activation::Identity, 5).unwrap();
    let sgd = Sgd::new(SgdConfig {
        momentum: 0.9,
        nesterov: true,
        weight_decay: 1e-3,
    })
    .unwrap();
    let schedule = Schedule::parse("plateau:1:0.5", 0.05, 10)
        .unwrap()
        .with_warmup(2);
    TrainState::new(net, sgd, schedule, Trainer::new(8, 11))
}

#[test]
fn interrupted_and_resumed_run_is_bit_identical() {
    let (x, y) = data();
    common::assert_resume_is_bit_identical(fresh, Loss::Mse, (&x, &y), 4, 10);
}

/// Dropout's masks follow the trainer's count of rows run through, which the checkpoint saves:
/// a resumed run draws the masks the uninterrupted one drew.
#[test]
fn interrupted_and_resumed_run_with_dropout_is_bit_identical() {
    let (x, y) = data();
    let with_dropout = || {
        let mut state = fresh();
        state.network.set_dropout(&[0.3, 0.0]).unwrap();
        state
    };
    common::assert_resume_is_bit_identical(with_dropout, Loss::Mse, (&x, &y), 3, 9);
}

#[test]
fn wrong_format_or_version_is_a_clear_error() {
    let path = std::env::temp_dir().join(format!("nn-badck-{}.json", std::process::id()));
    std::fs::write(&path, r#"{"format":"nn-checkpoint","version":99}"#).unwrap();
    let err = Checkpoint::<f32>::load(&path).unwrap_err().to_string();
    assert!(err.contains("version 99 is not supported"), "{err}");
    std::fs::write(&path, "{ truncated").unwrap();
    let err = Checkpoint::<f32>::load(&path).unwrap_err().to_string();
    assert!(err.contains("not a checkpoint"), "{err}");
    std::fs::remove_file(&path).unwrap();
}
