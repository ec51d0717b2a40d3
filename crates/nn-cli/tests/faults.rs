//! Training faults through the real `nn` binary: checkpoint and resume are bit-identical,
//! divergence stops with a clear message and keeps the previous model file, gradient clipping
//! runs.

mod common;

use std::path::Path;

use common::{dataset, nn, ok};
use serde_json::Value;

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The `layers` of a model file (weights and biases, as written: shortest round-trip floats).
fn layers(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("model file written");
    let model: Value = serde_json::from_str(&text).expect("model JSON");
    model["layers"].clone()
}

/// `nn train` flags for a small, seeded iris run with momentum and a plateau schedule.
fn flags(iris: &str, out: &Path, epochs: &str) -> Vec<String> {
    [
        "train",
        "--data",
        iris,
        "--hidden",
        "8",
        "--seed",
        "3",
        "--momentum",
        "0.9",
        "--nesterov",
        "--schedule",
        "plateau:1:0.5",
        "--batch-size",
        "16",
        "--quiet",
        "--epochs",
        epochs,
        "--out",
        &path_str(out),
    ]
    .map(String::from)
    .to_vec()
}

fn run(args: &[String]) -> String {
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn stopped_after_epoch_3_and_resumed_to_8_is_bit_identical() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (straight, resumed, ck) = (
        dir.path().join("straight.json"),
        dir.path().join("resumed.json"),
        dir.path().join("ck"),
    );
    run(&flags(&iris, &straight, "8"));
    let mut first = flags(&iris, &resumed, "3");
    first.extend(["--checkpoint".into(), path_str(&ck)]);
    run(&first);
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(ck.join("checkpoint.json")).unwrap())
            .unwrap();
    assert_eq!(saved["state"]["history"].as_array().unwrap().len(), 3);
    assert!(
        saved["state"]["optimizer"]["sgd"]["velocity"]
            .as_array()
            .unwrap()
            .len()
            == 4,
        "momentum buffers"
    );
    let out = run(&["train", "--resume", &path_str(&ck), "--epochs", "8"].map(String::from));
    assert!(out.contains("after 8 epochs"), "{out}");
    assert_eq!(layers(&straight), layers(&resumed));
}

#[test]
fn resume_refuses_changed_flags_and_fewer_epochs_than_done() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ck = path_str(&dir.path().join("ck"));
    let mut args = flags(&iris, &dir.path().join("m.json"), "2");
    args.extend(["--checkpoint".into(), ck.clone()]);
    run(&args);
    let r = nn(&["train", "--resume", &ck, "--lr", "0.5"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--lr cannot change on --resume"),
        "{}",
        r.stderr
    );
    let r = nn(&["train", "--resume", &ck, "--epochs", "1"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("already finished 2 of --epochs 1; pass --epochs 2 or more"),
        "{}",
        r.stderr
    );
    let r = nn(&["train", "--resume", &path_str(dir.path())]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("checkpoint.json"), "{}", r.stderr);
}

/// A checkpoint from before sgd's default weight decay (5/n; 0 before) resumes with its own
/// decay 0; any other decay than the flags' is still refused.
#[test]
fn resume_accepts_a_checkpoint_from_before_the_default_decay() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("ck");
    let mut args = flags(&iris, &dir.path().join("m.json"), "2");
    args.extend(["--checkpoint".into(), path_str(&ck)]);
    run(&args);
    let file = ck.join("checkpoint.json");
    let mut saved: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let decay = &mut saved["state"]["optimizer"]["sgd"]["config"]["weight_decay"];
    // 150 rows less the 20 % test and 10 % validation splits: 108 training rows, 5/108.
    assert_eq!(decay.as_f64(), Some(5.0 / 108.0));
    for (old, resumes) in [(0.0, true), (0.3, false)] {
        saved["state"]["optimizer"]["sgd"]["config"]["weight_decay"] = old.into();
        std::fs::write(&file, saved.to_string()).unwrap();
        let r = nn(&["train", "--resume", &path_str(&ck), "--epochs", "3"]);
        assert_eq!(r.code == 0, resumes, "decay {old}: {}", r.stderr);
        if !resumes {
            assert!(
                r.stderr.contains("is not the one its saved flags give"),
                "{}",
                r.stderr
            );
        }
    }
}

#[test]
fn divergence_past_the_bound_stops_and_keeps_the_model_file() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model.json");
    std::fs::write(&out, "previous model").unwrap();
    let r = nn(&[
        "train",
        "--data",
        &iris,
        "--lr",
        "50",
        "--epochs",
        "5",
        "--out",
        &path_str(&out),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let err = &r.stderr;
    assert!(
        err.contains("training diverged in epoch 1, batch 2: the loss"),
        "{err}"
    );
    assert!(err.contains("exceeds the bound"), "{err}");
    assert!(err.contains("(last finite loss: 1.6089"), "{err}");
    assert!(err.contains("try a lower learning rate"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous model");
}

#[test]
fn non_finite_loss_stops_with_epoch_and_batch() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = path_str(&dir.path().join("model.json"));
    let r = nn(&[
        "train",
        "--data",
        &iris,
        "--lr",
        "1e6",
        "--momentum",
        "0",
        "--divergence-factor",
        "1e300",
        "--epochs",
        "5",
        "--out",
        &out,
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("diverged in epoch 1, batch 3: the loss is not finite (NaN)"),
        "{}",
        r.stderr
    );
    assert!(!Path::new(&out).exists(), "no model file on divergence");
}

#[test]
fn clipping_keeps_a_large_learning_rate_usable() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    let base = [
        "train",
        "--data",
        &iris,
        "--lr",
        "1",
        "--momentum",
        "0.5",
        "--epochs",
        "30",
    ];
    let clipped = ok(&[
        &base[..],
        &["--clip-grad-norm", "1", "--out", &path_str(&a)],
    ]
    .concat());
    ok(&[&base[..], &["--out", &path_str(&b)]].concat());
    // Iris at lr 1 stays usable (the unclipped run reaches it too, by other updates).
    let accuracy: f64 = clipped
        .split("test accuracy ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    assert!(accuracy >= 0.9, "{clipped}");
    assert_ne!(layers(&a), layers(&b), "clipping changed the updates");
    let r = nn(&["train", "--data", &iris, "--clip-grad-norm", "0"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--clip-grad-norm"), "{}", r.stderr);
}

#[test]
fn declared_sizes_past_the_limits_are_usage_errors() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    for (flag, value, want) in [
        (
            "--hidden",
            "100000",
            "width 100000 exceeds the limit of 65536 per layer",
        ),
        ("--epochs", "2000000", "is not an integer from 1 to 1000000"),
        (
            "--batch-size",
            "99999999",
            "is not an integer from 0 to 1000000",
        ),
    ] {
        let r = nn(&["train", "--data", &iris, flag, value]);
        assert_eq!(r.code, 2, "{flag}: {}", r.stderr);
        assert!(r.stderr.contains(want), "{flag}: {}", r.stderr);
    }
    let r = nn(&["train", "--data", &iris, "--hidden", "65536,65536,65536"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("more than 100000000 parameters"),
        "{}",
        r.stderr
    );
}
