//! Checkpoints with every optimizer: a run saved after two epochs, loaded and continued ends
//! with the bits of an uninterrupted run (network and optimizer state); a version-1 checkpoint
//! (SGD only, written before Adam existed) still loads and resumes.

use std::path::{Path, PathBuf};

use ndarray::Array2;
use nn_core::{Activation, Loss, Network};
use nn_optim::{
    AdamConfig, AnyOptimizer, Checkpoint, Optimizer, OptimizerConfig, RmsPropConfig, Schedule,
    SgdConfig, TrainState, Trainer,
};
use serde::Serialize;
use serde_json::Value;

mod common;

/// 24 points of y = x0·x1 − sin(x1) on a fixed grid.
fn data() -> (Array2<f32>, Array2<f32>) {
    let x = Array2::from_shape_fn((24, 2), |(i, j)| ((i * 5 + j * 7) % 13) as f32 / 6.0 - 1.0);
    let y = Array2::from_shape_fn((24, 1), |(i, _)| x[[i, 0]] * x[[i, 1]] - x[[i, 1]].sin());
    (x, y)
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap()
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("nn-{name}-{}.json", std::process::id()))
}

fn configs() -> [OptimizerConfig; 5] {
    let amsgrad = AdamConfig {
        amsgrad: true,
        ..AdamConfig::adamw_default()
    };
    let rms = RmsPropConfig {
        momentum: 0.5,
        centered: true,
        weight_decay: 1e-3,
        ..Default::default()
    };
    [
        OptimizerConfig::Sgd(SgdConfig {
            momentum: 0.9,
            nesterov: true,
            weight_decay: 1e-3,
        }),
        OptimizerConfig::Adam(AdamConfig {
            weight_decay: 1e-3,
            ..Default::default()
        }),
        OptimizerConfig::AdamW(amsgrad),
        OptimizerConfig::RmsProp(RmsPropConfig::default()),
        OptimizerConfig::RmsProp(rms),
    ]
}

fn net() -> Network<f32> {
    Network::mlp(&[2, 6, 1], Activation::Tanh, Activation::Identity, 4).unwrap()
}

#[test]
fn every_optimizer_resumes_bit_identically() {
    let (x, y) = data();
    for config in configs() {
        let fresh = || {
            let schedule = Schedule::parse("step:2:0.5", 0.02, 5).unwrap();
            TrainState::new(net(), config.build().unwrap(), schedule, Trainer::new(5, 9))
        };
        let done = common::assert_resume_is_bit_identical(fresh, Loss::Mse, (&x, &y), 2, 5);
        assert_eq!(done.optimizer.config(), config);
        assert_ne!(
            json(&done.network),
            json(&net()),
            "{config:?}: the weights moved"
        );
    }
}

/// The run that wrote `tests/data/checkpoint_v1.json` (with the version-1 build, commit
/// 31801d9), continued to `epochs` in all: f64, 2-3-1 tanh network, SGD with momentum.
fn v1_run(net: &mut Network<f64>, opt: &mut dyn Optimizer<f64>, t: &mut Trainer, epochs: usize) {
    let x = Array2::from_shape_fn((6, 2), |(i, j)| ((i * 5 + j * 3) % 7) as f64 / 3.0 - 1.0);
    let y = Array2::from_shape_fn((6, 1), |(i, _)| x[[i, 0]] - 0.5 * x[[i, 1]]);
    while t.epoch() < epochs {
        t.run_epoch(net, opt, Loss::Mse, x.view(), y.view(), 0.1)
            .unwrap();
    }
}

fn v1_sgd() -> SgdConfig {
    SgdConfig {
        momentum: 0.9,
        nesterov: false,
        weight_decay: 1e-3,
    }
}

#[test]
fn version_1_checkpoints_load_as_sgd_and_resume() {
    let mut net =
        Network::<f64>::mlp(&[2, 3, 1], Activation::Tanh, Activation::Identity, 3).unwrap();
    let config = OptimizerConfig::Sgd(v1_sgd());
    let (mut opt, mut t) = (config.build().unwrap(), Trainer::new(2, 7));
    v1_run(&mut net, &mut opt, &mut t, 4);

    // The flat version-1 layout (network, optimizer, … at the top level).
    let ck = Checkpoint::<f64>::load(Path::new("tests/data/checkpoint_v1.json")).unwrap();
    assert_eq!(ck.version, 2, "upgraded in memory");
    let mut state = ck.state;
    assert!(matches!(state.optimizer, AnyOptimizer::Sgd(_)));
    assert_eq!(state.optimizer.config(), config);
    assert_eq!(state.trainer.epoch(), 2);
    v1_run(
        &mut state.network,
        &mut state.optimizer,
        &mut state.trainer,
        4,
    );
    assert_eq!(json(&state.network), json(&net), "weights");
    assert_eq!(json(&state.optimizer), json(&opt), "momentum buffers");

    // Saved again, it is a version-2 file.
    let path = temp("v1-upgraded");
    Checkpoint::new(state).save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let saved: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(saved["version"], 2);
    assert!(
        saved["state"]["optimizer"]["sgd"]["velocity"].is_array(),
        "{text}"
    );
}

#[test]
fn version_1_checkpoints_with_a_state_object_load_too() {
    // Version 1 as written by the first epoch-driver builds: the run inside `state`, the SGD
    // untagged. Made here from a version-2 file by undoing exactly those two changes.
    let (x, y) = data();
    let schedule = Schedule::parse("constant", 0.02, 2).unwrap();
    let sgd = OptimizerConfig::Sgd(v1_sgd()).build().unwrap();
    let mut state = TrainState::new(net(), sgd, schedule, Trainer::new(5, 9));
    let options = nn_optim::FitOptions::new(2);
    state.fit(Loss::Mse, x.view(), y.view(), options).unwrap();
    let mut v1: Value = serde_json::to_value(Checkpoint::new(state.clone())).unwrap();
    v1["version"] = 1.into();
    v1["state"]["optimizer"] = v1["state"]["optimizer"]["sgd"].take();
    let path = temp("v1-state");
    std::fs::write(&path, v1.to_string()).unwrap();
    let loaded = Checkpoint::<f32>::load(&path).unwrap().state;
    std::fs::remove_file(&path).unwrap();
    assert_eq!(loaded.optimizer, state.optimizer);
    assert_eq!(json(&loaded.network), json(&state.network));
    assert_eq!(loaded.history, state.history);
}

#[test]
fn unknown_versions_are_refused_by_name() {
    let path = temp("v3");
    std::fs::write(&path, r#"{"format":"nn-checkpoint","version":3}"#).unwrap();
    let err = Checkpoint::<f32>::load(&path).unwrap_err().to_string();
    std::fs::remove_file(&path).unwrap();
    assert!(
        err.contains("version 3 is not supported") && err.contains("version 1 to 2"),
        "{err}"
    );
}
