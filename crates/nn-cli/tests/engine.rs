//! `nn train`'s validation, early stopping and thread-independence, and `nn cv`, end to end on
//! the shipped iris data.

mod common;

use common::{nn, ok, root};

fn iris() -> String {
    root()
        .join("datasets/iris.csv")
        .to_string_lossy()
        .into_owned()
}

/// `nn [--threads T] train --data iris FLAGS --out OUT`: its stdout and the model file it wrote.
fn train_iris(threads: &str, flags: &[&str], out: &std::path::Path) -> (String, serde_json::Value) {
    let out_str = out.to_string_lossy().into_owned();
    let base = [
        "--threads",
        threads,
        "train",
        "--data",
        &iris(),
        "--out",
        &out_str,
    ];
    let text = ok(&[&base[..], flags].concat());
    let model = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    (text, model)
}

/// The number after `label` in `text` (up to the next space or parenthesis).
fn number_after(text: &str, label: &str) -> f64 {
    let tail = text
        .split(label)
        .nth(1)
        .unwrap_or_else(|| panic!("no {label:?} in:\n{text}"));
    let token: String = tail
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .collect();
    token
        .parse()
        .unwrap_or_else(|_| panic!("no number after {label:?} in:\n{text}"))
}

#[test]
fn early_stopping_stops_names_the_best_epoch_and_is_thread_independent() {
    let dir = tempfile::tempdir().unwrap();
    let flags = [
        "--hidden",
        "16",
        "--lr",
        "0.05",
        "--early-stopping",
        "3",
        "--epochs",
        "1000",
        "--quiet",
    ];
    let run = |threads: &str, name: &str| train_iris(threads, &flags, &dir.path().join(name));
    let (text, model) = run("1", "one.json");
    assert!(text.contains("early stopping after epoch"), "{text}");
    let stopped = number_after(&text, "early stopping after epoch");
    let best = number_after(&text, "restored the weights of epoch");
    // Patience 3: the run stopped exactly 3 epochs after its best one, long before 1000.
    assert_eq!(stopped, best + 3.0, "{text}");
    assert!(stopped < 1000.0);
    assert_eq!(model["metrics"]["best_epoch"].as_f64(), Some(best));
    assert_eq!(model["metrics"]["epochs"].as_f64(), Some(stopped));
    assert!(
        model["metrics"]["test_accuracy"].as_f64().unwrap() >= 0.9,
        "{text}"
    );
    let (_, two) = run("2", "two.json");
    assert_eq!(
        model["layers"], two["layers"],
        "1 and 2 threads give the same bits"
    );
}

#[test]
fn validation_is_separate_from_the_test_part() {
    // 150 rows: 30 test (20%), then 12 validation (10% of 120, stratified: 4 per class).
    let dir = tempfile::tempdir().unwrap();
    let sink = dir.path().join("model.json").to_string_lossy().into_owned();
    let data = iris();
    let base = ["train", "--data", &data, "--epochs", "2", "--out", &sink];
    let two_epochs = |extra: &[&str]| ok(&[&base[..], extra].concat());
    let text = two_epochs(&[]);
    assert!(
        text.contains("val_loss") && text.contains("val_acc"),
        "{text}"
    );
    assert!(text.contains("test accuracy"), "{text}");
    // Without validation, the per-epoch lines have no val_ numbers, and plateau / early stopping
    // are usage errors.
    let text = two_epochs(&["--val-split", "0"]);
    assert!(!text.contains("val_loss"), "{text}");
    for flags in [["--schedule", "plateau"], ["--early-stopping", "2"]] {
        let r = nn(&[
            &[
                "train",
                "--data",
                &iris(),
                "--val-split",
                "0",
                "--out",
                &sink,
            ][..],
            &flags[..],
        ]
        .concat());
        assert_eq!(r.code, 2, "{flags:?}: {}", r.stderr);
        assert!(r.stderr.contains("validation loss"), "{}", r.stderr);
    }
}

#[test]
fn cv_prints_every_fold_and_their_mean() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("folds.csv");
    let text = ok(&[
        "cv",
        "--data",
        &iris(),
        "--folds",
        "5",
        "--epochs",
        "30",
        "--hidden",
        "8",
        "--out",
        csv.to_str().unwrap(),
    ]);
    let folds: Vec<f64> = text
        .lines()
        .filter(|l| l.starts_with("repeat 1 fold"))
        .map(|l| number_after(l, "accuracy"))
        .collect();
    assert_eq!(folds.len(), 5, "{text}");
    // 150 stratified rows in 5 folds: 30 test rows each, accuracies in steps of 1/30.
    assert_eq!(text.matches("120 train, 30 test rows").count(), 5, "{text}");
    let mean = folds.iter().sum::<f64>() / 5.0;
    let std = (folds.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / 5.0).sqrt();
    let line = text
        .lines()
        .find(|l| l.starts_with("mean accuracy"))
        .unwrap();
    assert!(
        (number_after(line, "mean accuracy") - mean).abs() < 1e-4,
        "{line}"
    );
    assert!((number_after(line, "±") - std).abs() < 1e-4, "{line}");
    assert!(mean > 0.8, "{text}");
    let rows = std::fs::read_to_string(&csv).unwrap();
    // An --out naming the data file is refused before anything is written.
    let copy = dir.path().join("iris.csv");
    std::fs::copy(iris(), &copy).unwrap();
    let copy = copy.to_string_lossy().into_owned();
    let r = nn(&["cv", "--data", &copy, "--folds", "2", "--out", &copy]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(&copy).unwrap(),
        std::fs::read_to_string(iris()).unwrap()
    );
    assert_eq!(rows.lines().count(), 6, "{rows}");
    assert!(rows.starts_with("repeat,fold,train_rows,test_rows,test_loss,test_accuracy"));
}

/// `nn cv --dtype f64` trains and scores in f64 (it used to accept the flag and run in f32):
/// the per-fold test losses of the two types differ by f32 rounding only, never by nothing.
#[test]
fn cv_honours_dtype() {
    let dir = tempfile::tempdir().unwrap();
    let losses = |dtype: &str| -> Vec<f64> {
        let csv = dir.path().join(format!("{dtype}.csv"));
        ok(&[
            "cv",
            "--data",
            &iris(),
            "--folds",
            "3",
            "--epochs",
            "5",
            "--hidden",
            "8",
            "--dtype",
            dtype,
            "--out",
            csv.to_str().unwrap(),
        ]);
        let rows = std::fs::read_to_string(&csv).unwrap();
        rows.lines()
            .skip(1)
            .map(|l| l.split(',').nth(4).unwrap().parse().unwrap())
            .collect()
    };
    let (single, double) = (losses("f32"), losses("f64"));
    assert_eq!(single.len(), 3);
    for (s, d) in single.iter().zip(&double) {
        assert_ne!(
            s, d,
            "f32 and f64 folds gave the same bits: --dtype ignored"
        );
        assert!((s - d).abs() < 1e-4, "{s} vs {d}");
    }
    // bf16 products multiply f32 networks only: refused before any fold runs.
    let r = nn(&[
        "cv",
        "--data",
        &iris(),
        "--dtype",
        "f64",
        "--precision",
        "bf16",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--precision bf16 needs --dtype f32"),
        "{}",
        r.stderr
    );
}

#[test]
fn optimizers_dropout_and_class_weights_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = |threads: &str, name: &str, extra: &[&str]| {
        let base = ["--hidden", "16,8", "--epochs", "15", "--quiet"];
        train_iris(
            threads,
            &[&base[..], extra].concat(),
            &dir.path().join(name),
        )
        .1
    };
    let flags = [
        "--optimizer",
        "adamw",
        "--lr",
        "0.01",
        "--dropout",
        "0.3,0.1",
        "--class-weight",
        "balanced",
    ];
    let one = run("1", "one.json", &flags);
    let two = run("2", "two.json", &flags);
    assert_eq!(one["layers"], two["layers"], "same bits at 1 and 2 threads");
    let dropout: Vec<f64> = one["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["dropout"].as_f64().unwrap())
        .collect();
    assert_eq!(dropout, vec![0.3, 0.1, 0.0]);
    // AdamW's PyTorch default weight decay, recorded with the effective configuration.
    let config = &one["training"]["optimizer_config"]["adamw"];
    assert_eq!(config["weight_decay"].as_f64(), Some(0.01));
    assert_eq!(config["beta2"].as_f64(), Some(0.999));
    // Another optimizer gives other weights.
    let rms = run("1", "rms.json", &["--optimizer", "rmsprop", "--lr", "0.01"]);
    assert_ne!(rms["layers"], one["layers"]);
    let sink = dir.path().join("bad.json").to_string_lossy().into_owned();
    for bad in [
        &["--optimizer", "adam", "--beta1", "1"][..],
        &["--optimizer", "adam", "--eps", "0"],
        &["--optimizer", "rmsprop", "--alpha", "-0.5"],
        &["--dropout", "1"],
        &["--class-weight", "tulip=2"],
    ] {
        let r = nn(&[
            &["train", "--data", &iris(), "--epochs", "1", "--out", &sink][..],
            bad,
        ]
        .concat());
        assert_eq!(r.code, 2, "{bad:?}: {}", r.stderr);
    }
}

#[test]
fn init_starts_from_a_model_and_checks_its_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let train = |extra: &[&str], out: &str| {
        let base = ["train", "--data", &iris(), "--hidden", "16", "--out", out];
        let text = ok(&[&base[..], extra].concat());
        let model: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
        (text, model)
    };
    let (_, a) = train(&["--epochs", "60", "--quiet"], &path("a.json"));
    let (fresh, _) = train(&["--epochs", "1"], &path("fresh.json"));
    let (warm, b) = train(
        &["--epochs", "1", "--init", &path("a.json"), "--lr", "0.001"],
        &path("b.json"),
    );
    // The first epoch from A's weights starts where A ended: far below a fresh network's loss.
    let first = |t: &str| number_after(t, "train_loss");
    assert!(first(&warm) < 0.5 * first(&fresh), "{warm}\n{fresh}");
    // A's fitted preprocessing is kept (the weights expect it).
    assert_eq!(a["preprocessing"], b["preprocessing"]);
    // Data without the model's columns is refused, naming them.
    let wine = root()
        .join("datasets/wine.csv")
        .to_string_lossy()
        .into_owned();
    let r = nn(&[
        "train",
        "--data",
        &wine,
        "--init",
        &path("a.json"),
        "--out",
        &path("c.json"),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("feature columns differ") && r.stderr.contains("sepal_length"),
        "{}",
        r.stderr
    );
    assert!(!dir.path().join("c.json").exists());
    // Fine-tuning into the --init file itself would destroy the starting model: refused.
    let before = std::fs::read_to_string(path("a.json")).unwrap();
    let r = nn(&[
        "train",
        "--data",
        &iris(),
        "--init",
        &path("a.json"),
        "--out",
        &path("a.json"),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is the --init file"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(path("a.json")).unwrap(), before);
}

/// `--out /dev/null` discards the model: nn writes into the device instead of renaming a file
/// over it (which, as root, would turn /dev/null into a regular file for every program).
#[cfg(unix)]
#[test]
fn out_dev_null_writes_into_the_device() {
    use std::os::unix::fs::FileTypeExt;
    let is_device = || {
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    };
    assert!(is_device());
    let text = ok(&[
        "train",
        "--data",
        &iris(),
        "--epochs",
        "1",
        "--out",
        "/dev/null",
    ]);
    assert!(text.contains("model written to /dev/null"), "{text}");
    assert!(is_device(), "/dev/null was replaced");
}
