//! Numerical robustness through the real `nn` binary: features on wildly different scales
//! train like the clean file after standardization, and f32 training stays finite.

mod common;

use common::{dataset, ok};

/// iris with sepal_length × 1e-6 and petal_length × 1e6.
fn rescaled_iris(iris: &str, dir: &std::path::Path) -> String {
    let text = std::fs::read_to_string(iris).unwrap();
    let mut lines = text.lines();
    let mut out = vec![lines.next().unwrap().to_string()];
    for line in lines {
        let mut cells: Vec<String> = line.split(',').map(String::from).collect();
        for (j, scale) in [(0, 1e-6), (2, 1e6)] {
            cells[j] = format!("{:e}", cells[j].parse::<f64>().unwrap() * scale);
        }
        out.push(cells.join(","));
    }
    let path = dir.join("scaled.csv");
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
    path.to_string_lossy().into_owned()
}

fn accuracy(stdout: &str) -> f64 {
    let rest = stdout
        .split("test accuracy ")
        .nth(1)
        .expect("an accuracy line");
    rest[..6].parse().unwrap()
}

#[test]
fn wildly_scaled_features_train_like_the_clean_file() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let scaled = rescaled_iris(&iris, dir.path());
    let out = dir.path().join("m.json").to_string_lossy().into_owned();
    let run = |data: &str| {
        let flags = ["--hidden", "16", "--epochs", "40", "--quiet", "--out", &out];
        accuracy(&ok(&[&["train", "--data", data][..], &flags].concat()))
    };
    let (clean, rescaled) = (run(&iris), run(&scaled));
    assert!(clean >= 0.9, "clean accuracy {clean}");
    // Standardization divides each column by its own scale, so only rounding differs.
    assert!(
        (clean - rescaled).abs() <= 1.0 / 30.0 + 1e-9,
        "{clean} vs {rescaled}"
    );
}

#[test]
fn f32_training_on_digits_never_produces_nan() {
    let Some(digits) = dataset("digits.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.json").to_string_lossy().into_owned();
    let stdout = ok(&[
        "train", "--data", &digits, "--dtype", "f32", "--hidden", "32", "--epochs", "8", "--lr",
        "0.05", "--out", &out,
    ]);
    let epochs: Vec<&str> = stdout.lines().filter(|l| l.starts_with("epoch")).collect();
    assert_eq!(epochs.len(), 8, "{stdout}");
    for line in &epochs {
        assert!(!line.contains("NaN") && !line.contains("inf"), "{line}");
    }
    assert!(accuracy(&stdout) >= 0.93, "{stdout}");
    let model = std::fs::read_to_string(&out).unwrap();
    let model: serde_json::Value = serde_json::from_str(&model).unwrap();
    let weights = model["layers"].as_array().unwrap().iter().flat_map(|l| {
        l["weight"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap().clone())
    });
    assert!(weights.clone().count() > 2000 && weights.into_iter().all(|w| w.is_f64()));
}
