//! Checkpoints with every optimizer: a run saved after two epochs, loaded and continued ends
//! with the bits of an uninterrupted run (network and optimizer state); a version-1 checkpoint
//! (SGD only, written before Adam existed) still loads and resumes.

use std::path::{Path, PathBuf};

use ndarray::Array2;
use nn_core::{Activation, Loss, Network};
use nn_optim::{
    AdamConfig, AnyOptimizer, Checkpoint, Optimizer, OptimizerConfig, RmsPropConfig, Schedule,
    SgdConfig, Trainer,
};
use serde::Serialize;

/// 24 points of y = x0·x1 − sin(x1) on a fixed grid.
fn data() -> (Array2<f32>, Array2<f32>) {
    let x = Array2::from_shape_fn((24, 2), |(i, j)| ((i * 5 + j * 7) % 13) as f32 / 6.0 - 1.0);
    let y = Array2::from_shape_fn((24, 1), |(i, _)| x[[i, 0]] * x[[i, 1]] - x[[i, 1]].sin());
    (x, y)
}

/// Runs `epochs` epochs at a learning rate falling by 10% an epoch.
fn train(net: &mut Network<f32>, opt: &mut dyn Optimizer<f32>, t: &mut Trainer, epochs: usize) {
    let (x, y) = data();
    for _ in 0..epochs {
        let lr = 0.02 * 0.9_f64.powi(t.epoch() as i32);
        t.run_epoch(net, opt, Loss::Mse, x.view(), y.view(), lr)
            .unwrap();
    }
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

#[test]
fn every_optimizer_resumes_bit_identically() {
    let fresh =
        || Network::<f32>::mlp(&[2, 6, 1], Activation::Tanh, Activation::Identity, 4).unwrap();
    for config in configs() {
        let (mut net, mut opt, mut t) = (fresh(), config.build().unwrap(), Trainer::new(5, 9));
        train(&mut net, &mut opt, &mut t, 5);

        let (mut first, mut first_opt, mut first_t) =
            (fresh(), config.build().unwrap(), Trainer::new(5, 9));
        train(&mut first, &mut first_opt, &mut first_t, 2);
        let path = temp("optimizer-resume");
        let schedule = Schedule::parse("constant", 0.02, 5).unwrap();
        Checkpoint::new(first, first_opt, schedule, first_t, vec![])
            .save(&path)
            .unwrap();
        let ck = Checkpoint::<f32>::load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(ck.optimizer.config(), config);
        let (mut resumed, mut resumed_opt, mut resumed_t) = (ck.network, ck.optimizer, ck.trainer);
        train(&mut resumed, &mut resumed_opt, &mut resumed_t, 3);

        assert_eq!(json(&resumed), json(&net), "{config:?}: weights");
        assert_eq!(
            json(&resumed_opt),
            json(&opt),
            "{config:?}: optimizer state"
        );
        assert_ne!(
            json(&net),
            json(&fresh()),
            "{config:?}: training changed the weights"
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

#[test]
fn version_1_checkpoints_load_as_sgd_and_resume() {
    let sgd = SgdConfig {
        momentum: 0.9,
        nesterov: false,
        weight_decay: 1e-3,
    };
    let mut net =
        Network::<f64>::mlp(&[2, 3, 1], Activation::Tanh, Activation::Identity, 3).unwrap();
    let (mut opt, mut t) = (
        OptimizerConfig::Sgd(sgd).build().unwrap(),
        Trainer::new(2, 7),
    );
    v1_run(&mut net, &mut opt, &mut t, 4);

    let ck = Checkpoint::<f64>::load(Path::new("tests/data/checkpoint_v1.json")).unwrap();
    assert_eq!(ck.version, 2, "upgraded in memory");
    assert!(matches!(ck.optimizer, AnyOptimizer::Sgd(_)));
    assert_eq!(ck.optimizer.config(), OptimizerConfig::Sgd(sgd));
    let (mut resumed, mut resumed_opt, mut resumed_t) = (ck.network, ck.optimizer, ck.trainer);
    assert_eq!(resumed_t.epoch(), 2);
    v1_run(&mut resumed, &mut resumed_opt, &mut resumed_t, 4);
    assert_eq!(json(&resumed), json(&net), "weights");
    assert_eq!(json(&resumed_opt), json(&opt), "momentum buffers");

    // Saved again, it is a version-2 file.
    let path = temp("v1-upgraded");
    Checkpoint::new(resumed, resumed_opt, ck.schedule, resumed_t, vec![])
        .save(&path)
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(
        text.contains(r#""version":2"#) && text.contains(r#""optimizer":{"sgd":"#),
        "{text}"
    );
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
