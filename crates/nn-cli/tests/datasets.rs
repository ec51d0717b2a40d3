//! The results to reach on the other bundled datasets, seeded (skipped with a message when a
//! dataset is not in this checkout). Small nets and few epochs keep these fast in debug builds.
mod common;
use common::{dataset, ok, tempdir};

fn metric(args: &[&str], name: &str) -> f64 {
    let (_dir, dir) = tempdir();
    let model = format!("{dir}/m.json");
    let mut all = args.to_vec();
    all.extend(["--out", &model, "--quiet", "--seed", "42"]);
    ok(&all);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    v["metrics"][name].as_f64().unwrap()
}

#[test]
fn breast_cancer_reaches_95_percent() {
    let Some(data) = dataset("breast_cancer.csv") else {
        return;
    };
    let acc = metric(
        &[
            "train",
            "--data",
            &data,
            "--hidden",
            "32",
            "--epochs",
            "50",
            "--weight-decay",
            "1e-3",
        ],
        "test_accuracy",
    );
    assert!(acc >= 0.95, "breast_cancer test accuracy {acc}");
}

#[test]
fn digits_reach_95_percent() {
    let Some(data) = dataset("digits.csv") else {
        return;
    };
    let acc = metric(
        &["train", "--data", &data, "--hidden", "64", "--epochs", "30"],
        "test_accuracy",
    );
    assert!(acc >= 0.95, "digits test accuracy {acc}");
}

#[test]
fn diabetes_r2_reaches_0_4() {
    let Some(data) = dataset("diabetes.csv") else {
        return;
    };
    let r2 = metric(
        &[
            "train", "--data", &data, "--hidden", "32", "--lr", "0.001", "--epochs", "100",
        ],
        "test_r2",
    );
    assert!(r2 >= 0.4, "diabetes test R² {r2}");
}

#[test]
fn wine_reaches_95_percent() {
    let Some(data) = dataset("wine.csv") else {
        return;
    };
    let acc = metric(
        &["train", "--data", &data, "--epochs", "100"],
        "test_accuracy",
    );
    assert!(acc >= 0.95, "wine test accuracy {acc}");
}
