//! The epoch driver (`TrainState::fit`): validation feeds plateau schedules and early stopping,
//! early stopping restores the best epoch's weights, the callback can stop training, and Ctrl-C
//! saves the state from before the interrupted epoch.

use std::ops::ControlFlow;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use ndarray::Array2;
use nn_core::{Activation, Loss, Network};
use nn_optim::{
    Checkpoint, CheckpointPolicy, EarlyStopping, EpochReport, FitOptions, LrSchedule, Schedule,
    Sgd, SgdConfig, Stop, TrainState, Trainer, Validation, Validator,
};

mod common;

/// y = sin(3x) on 40 grid points in [−1, 1].
fn data() -> (Array2<f32>, Array2<f32>) {
    let x = Array2::from_shape_fn((40, 1), |(i, _)| i as f32 / 19.5 - 1.0);
    let y = x.mapv(|v| (3.0 * v).sin());
    (x, y)
}

fn state(schedule: &str) -> TrainState<f32> {
    let net = Network::mlp(&[1, 16, 1], Activation::Tanh, Activation::Identity, 3).unwrap();
    let sgd = Sgd::new(SgdConfig {
        momentum: 0.9,
        ..Default::default()
    })
    .unwrap();
    let schedule = Schedule::parse(schedule, 0.05, 30).unwrap();
    TrainState::new(net, sgd, schedule, Trainer::new(8, 1))
}

/// A validator that replays a fixed sequence of losses (one per epoch), so the driver's
/// decisions can be checked by hand.
struct Scripted(Vec<f64>, usize);

impl Validator<f32> for Scripted {
    fn validate(&mut self, _: &mut Network<f32>) -> nn_optim::Result<Validation> {
        self.1 += 1;
        Ok(Validation {
            loss: self.0[self.1 - 1],
            metric: Some(-1.0),
        })
    }
}

#[test]
fn early_stopping_restores_the_best_epoch() {
    let (x, y) = data();
    // Best at epoch 2 (0.5); epochs 3, 4, 5 do not beat 0.5 − 0.01 = 0.49: patience 3 stops
    // after epoch 5 (0-based), and the weights are epoch 2's.
    let mut validator = Scripted(vec![1.0, 0.8, 0.5, 0.495, 0.6, 0.7, 0.1], 0);
    let early = EarlyStopping::new(3, 0.01).unwrap();
    let mut run = state("constant").with_early_stopping(early);
    let mut epochs_seen = Vec::new();
    let mut on_epoch = |r: &EpochReport| {
        epochs_seen.push((r.epoch, r.val_loss, r.val_metric));
        ControlFlow::Continue(())
    };
    let options = FitOptions::new(30)
        .validate_with(&mut validator)
        .on_epoch(&mut on_epoch);
    let stop = run.fit(Loss::Mse, x.view(), y.view(), options).unwrap();
    assert_eq!(
        stop,
        Stop::EarlyStopped {
            best_epoch: 2,
            best_loss: 0.5,
            patience: 3
        }
    );
    assert_eq!(epochs_seen.len(), 6);
    assert_eq!(epochs_seen[2], (2, Some(0.5), Some(-1.0)));
    // The same run stopped after epoch 2 holds the weights that were restored.
    let mut short = state("constant");
    short
        .fit(Loss::Mse, x.view(), y.view(), FitOptions::new(3))
        .unwrap();
    common::assert_same_bits(&run.network, &short.network, "restored");
    assert_eq!(run.trainer.epoch(), 6);
}

#[test]
fn plateau_watches_the_validation_loss() {
    let (x, y) = data();
    // plateau:1:0.5 halves the rate once more than one epoch in a row (PyTorch's
    // num_bad_epochs > patience) brings no new best validation loss, then counts afresh: best
    // 0.9 at epoch 1; epochs 2, 3 are bad → halved from epoch 4; epochs 4, 5 bad → halved again
    // (from epoch 6, after this run). The training loss falls all along and is not watched.
    let mut validator = Scripted(vec![1.0, 0.9, 0.95, 0.96, 0.97, 0.98], 0);
    let mut run = state("plateau:1:0.5");
    let options = FitOptions::new(6).validate_with(&mut validator);
    run.fit(Loss::Mse, x.view(), y.view(), options).unwrap();
    let rates: Vec<f64> = run.history.iter().map(|r| r.lr).collect();
    assert_eq!(rates, vec![0.05, 0.05, 0.05, 0.05, 0.025, 0.025]);
    assert_eq!(run.schedule.lr_at(6), 0.0125);
}

#[test]
fn the_callback_stops_training() {
    let (x, y) = data();
    let mut run = state("constant");
    let mut on_epoch = |r: &EpochReport| {
        if r.epoch == 3 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let options = FitOptions::new(30).on_epoch(&mut on_epoch);
    let stop = run.fit(Loss::Mse, x.view(), y.view(), options).unwrap();
    assert_eq!(stop, Stop::Callback { epochs: 4 });
    assert_eq!(run.history.len(), 4);
}

#[test]
fn early_stopping_without_validation_is_refused() {
    let (x, y) = data();
    let mut run = state("constant").with_early_stopping(EarlyStopping::new(2, 0.0).unwrap());
    let err = run.fit(Loss::Mse, x.view(), y.view(), FitOptions::new(3));
    assert!(err.unwrap_err().to_string().contains("validator"));
}

#[test]
fn ctrl_c_saves_the_state_before_the_interrupted_epoch() {
    let (x, y) = data();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("checkpoint.json");
    let flag = Arc::new(AtomicBool::new(false));
    let mut run = state("constant");
    run.trainer = run.trainer.clone().with_stop_flag(flag.clone());
    // Raise the flag from the callback after epoch 1: epoch 2 stops after its first batch.
    let mut on_epoch = |r: &EpochReport| {
        if r.epoch == 1 {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        ControlFlow::Continue(())
    };
    let policy = CheckpointPolicy {
        path: path.clone(),
        every: 100,
        extra: serde_json::json!({"who": "test"}),
    };
    let options = FitOptions::new(10)
        .checkpoint(Some(policy))
        .on_epoch(&mut on_epoch);
    let stop = run.fit(Loss::Mse, x.view(), y.view(), options).unwrap();
    assert_eq!(stop, Stop::Interrupted { epoch: 2, steps: 1 });
    let saved = Checkpoint::<f32>::load(&path).unwrap();
    assert_eq!(saved.state.trainer.epoch(), 2);
    assert_eq!(saved.state.history.len(), 2);
    assert_eq!(saved.extra["who"], "test");
    // Two clean epochs from the start give the saved weights.
    let mut two = state("constant");
    two.fit(Loss::Mse, x.view(), y.view(), FitOptions::new(2))
        .unwrap();
    common::assert_same_bits(&saved.state.network, &two.network, "checkpoint");
}
