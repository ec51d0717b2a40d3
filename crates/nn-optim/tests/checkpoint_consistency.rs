//! The checkpoint loader, as a property: the checkpoint of a real run (any network size,
//! optimizer and number of finished epochs) loads, is consistent (one more epoch trains from it)
//! and survives load → save → load unchanged; the same file with one inconsistency in its
//! state (a short optimizer buffer, a missing buffer, an epoch counter behind its reports, a
//! report numbered out of order, a network that no longer matches its buffers) is refused.

use ndarray::Array2;
use nn_core::{Activation, Loss, Network};
use nn_optim::{
    AdamConfig, Checkpoint, FitOptions, OptimizerConfig, RmsPropConfig, Schedule, SgdConfig,
    TrainState, Trainer,
};
use proptest::prelude::*;
use serde_json::{json, Value};

fn data() -> (Array2<f64>, Array2<f64>) {
    let x = Array2::from_shape_fn((8, 3), |(i, j)| ((i * 3 + j * 5) % 7) as f64 / 3.0 - 1.0);
    let y = Array2::from_shape_fn((8, 2), |(i, j)| x[[i, j]] - 0.5 * x[[i, 2]]);
    (x, y)
}

/// The state after `epochs` epochs of a 3-`hidden`-2 network with the optimizer `which`.
fn trained(hidden: usize, which: usize, epochs: usize, seed: u64) -> TrainState<f64> {
    let config = match which {
        0 => OptimizerConfig::Sgd(SgdConfig {
            momentum: 0.9,
            ..Default::default()
        }),
        1 => OptimizerConfig::Adam(AdamConfig::default()),
        2 => OptimizerConfig::AdamW(AdamConfig::adamw_default()),
        _ => OptimizerConfig::RmsProp(RmsPropConfig {
            momentum: 0.5,
            centered: true,
            ..Default::default()
        }),
    };
    let net = Network::<f64>::mlp(
        &[3, hidden, 2],
        Activation::Tanh,
        Activation::Identity,
        seed,
    )
    .unwrap();
    let schedule = Schedule::parse("constant", 0.05, 10).unwrap();
    let mut state = TrainState::new(
        net,
        config.build().unwrap(),
        schedule,
        Trainer::new(4, seed),
    );
    let (x, y) = data();
    state
        .fit(Loss::Mse, x.view(), y.view(), FitOptions::new(epochs))
        .unwrap();
    state
}

/// One inconsistency put into a checkpoint's JSON, or none (`0`); `false` when this state has
/// nothing to break that way (e.g. no optimizer buffers yet).
fn break_it(v: &mut Value, kind: usize) -> bool {
    let had_buffers = buffers_exist(&v["state"]["optimizer"]);
    let state = &mut v["state"];
    match kind {
        0 => true,
        1 => first_buffer(&mut state["optimizer"])
            .and_then(Value::as_array_mut)
            .and_then(Vec::pop)
            .is_some(),
        2 => {
            let epoch = state["trainer"]["epoch"].as_u64().unwrap_or(0);
            state["trainer"]["epoch"] = json!(epoch.saturating_sub(1));
            epoch > 0
        }
        3 => match state["history"].as_array_mut() {
            Some(h) if h.len() >= 2 => {
                h.swap(0, 1);
                true
            }
            _ => false,
        },
        // A network of one layer fewer than the optimizer's buffers know.
        _ => match state["network"]["layers"].as_array_mut() {
            Some(layers) if had_buffers => layers.pop().is_some(),
            _ => false,
        },
    }
}

/// The first parameter's first buffer of the optimizer, whatever its kind.
fn first_buffer(optimizer: &mut Value) -> Option<&mut Value> {
    let (_, inner) = optimizer.as_object_mut()?.iter_mut().next()?;
    let slots = ["velocity", "moments", "buffers"]
        .into_iter()
        .find_map(|k| inner.get(k).map(|_| k))?;
    let first = inner.get_mut(slots)?.as_array_mut()?.first_mut()?;
    match first {
        Value::Array(_) => Some(first),
        Value::Object(o) => o
            .values_mut()
            .find(|b| b.as_array().is_some_and(|a| !a.is_empty())),
        _ => None,
    }
}

fn buffers_exist(optimizer: &Value) -> bool {
    let mut copy = optimizer.clone();
    first_buffer(&mut copy).is_some_and(|b| b.as_array().is_some_and(|a| !a.is_empty()))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn accepted_checkpoints_train_on_and_round_trip(
        hidden in 1usize..5,
        which in 0usize..4,
        epochs in 0usize..4,
        seed in 0u64..100,
        kind in 0usize..5,
    ) {
        let mut value = serde_json::to_value(Checkpoint::new(trained(hidden, which, epochs, seed))).unwrap();
        let broken = break_it(&mut value, kind);
        let bytes = serde_json::to_vec(&value).unwrap();
        let path = std::path::Path::new("ck.json");
        match Checkpoint::<f64>::from_bytes(path, &bytes) {
            Ok(ck) => {
                prop_assert!(kind == 0 || !broken, "kind {kind} accepted");
                let again = serde_json::to_value(&ck).unwrap();
                let reread = Checkpoint::<f64>::from_bytes(path, &serde_json::to_vec(&again).unwrap()).unwrap();
                prop_assert_eq!(serde_json::to_value(&reread).unwrap(), again);
                let mut state = reread.state;
                let (x, y) = data();
                let next = state.trainer.epoch() + 1;
                state.fit(Loss::Mse, x.view(), y.view(), FitOptions::new(next)).unwrap();
                prop_assert!(state.network.layers().iter().all(|l| l.weight().iter().all(|w| w.is_finite())));
            }
            Err(err) => {
                prop_assert!(kind != 0 && broken, "the checkpoint of a real run was refused: {err}");
                prop_assert!(err.to_string().starts_with("checkpoint ck.json: "), "{err}");
            }
        }
    }
}

/// The property above is not vacuous: after 3 epochs of each optimizer, every kind of
/// inconsistency is refused, with its reason.
#[test]
fn each_inconsistency_is_refused_with_its_reason() {
    let reasons = [
        "an optimizer buffer of parameter 0 has 11 values, the parameter 12",
        "epoch report 2 is numbered 2, but the trainer's epoch counter is 2",
        "epoch report 1 is numbered 0",
        "the optimizer holds state for 4 parameters, the network has 2",
    ];
    for which in 0..4 {
        let ck = Checkpoint::new(trained(4, which, 3, 7));
        let value = serde_json::to_value(&ck).unwrap();
        let path = std::path::Path::new("ck.json");
        assert!(Checkpoint::<f64>::from_bytes(path, &serde_json::to_vec(&value).unwrap()).is_ok());
        for kind in 1..5 {
            let mut broken = value.clone();
            assert!(break_it(&mut broken, kind), "kind {kind}");
            let bytes = serde_json::to_vec(&broken).unwrap();
            let err = Checkpoint::<f64>::from_bytes(path, &bytes)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(reasons[kind - 1]),
                "optimizer {which}, kind {kind}: {err}"
            );
        }
    }
}

/// Settings a checkpoint carries beside the network: negative class weights and an early
/// stopping state with patience 0 are refused.
#[test]
fn trainer_and_early_stopping_settings_are_checked() {
    let value = serde_json::to_value(Checkpoint::new(trained(2, 0, 1, 3))).unwrap();
    let path = std::path::Path::new("ck.json");
    let load = |v: &Value| Checkpoint::<f64>::from_bytes(path, &serde_json::to_vec(v).unwrap());
    let mut weights = value.clone();
    weights["state"]["trainer"]["class_weights"] = json!([1.0, -2.0]);
    let err = load(&weights).unwrap_err().to_string();
    assert!(
        err.ends_with("the trainer's class weight -2 is not a finite number ≥ 0"),
        "{err}"
    );
    let mut early = value.clone();
    early["state"]["early_stopping"] = json!({"patience": 0, "min_delta": 0.0, "best_loss": null,
        "best_epoch": null, "wait": 0, "best": null});
    let err = load(&early).unwrap_err().to_string();
    assert!(
        err.contains("the patience must be at least 1 epoch"),
        "{err}"
    );
}
