//! train → evaluate → predict on iris, end to end.
mod common;
use common::{ok, root, tempdir};

#[test]
fn train_evaluate_predict_iris() {
    let (_dir, dir) = tempdir();
    let model = format!("{dir}/model.json");
    let curves = format!("{dir}/curves.svg");
    let out = ok(&[
        "train",
        "--data",
        "datasets/iris.csv",
        "--hidden",
        "16",
        "--epochs",
        "100",
        "--out",
        &model,
        "--plot",
        &curves,
        "--seed",
        "42",
    ]);
    assert!(
        out.lines().filter(|l| l.starts_with("epoch")).count() == 100,
        "{out}"
    );
    // 150 rows: 30 (20 %) held out for the test, 12 of the other 120 (10 %) for validation,
    // then the time from the start to the first epoch.
    let first = out.lines().next().unwrap_or_default();
    let want = "data        108 train  12 val  30 test rows  (ready in ";
    assert!(first.starts_with(want) && first.ends_with("s)"), "{first}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let acc = saved["metrics"]["test_accuracy"].as_f64().unwrap();
    assert!(acc >= 0.95, "test accuracy {acc}");
    let ready = saved["metrics"]["seconds_to_first_epoch"].as_f64().unwrap();
    assert!(ready > 0.0 && ready.is_finite(), "{ready}");
    assert_eq!(
        saved["labels"],
        serde_json::json!(["setosa", "versicolor", "virginica"])
    );
    assert_eq!(
        saved["architecture"]["sizes"],
        serde_json::json!([4, 16, 3])
    );
    assert_eq!(saved["layers"][0]["weight"].as_array().unwrap().len(), 16); // (out, in) rows
    assert!(std::fs::read_to_string(&curves).unwrap().contains("<svg"));

    let eval = ok(&["evaluate", "--model", &model, "--data", "datasets/iris.csv"]);
    assert!(eval.contains("confusion matrix"), "{eval}");
    let line = eval.lines().find(|l| l.starts_with("accuracy")).unwrap();
    let overall: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(overall >= 0.95, "{eval}");

    // Predict on rows without the target column.
    let text = std::fs::read_to_string(root().join("datasets/iris.csv")).unwrap();
    let features: String = text
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n")
        .collect();
    let truth: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.rsplit_once(',').unwrap().1)
        .collect();
    let input = format!("{dir}/features.csv");
    std::fs::write(&input, features).unwrap();
    let preds = format!("{dir}/preds.csv");
    ok(&[
        "predict", "--model", &model, "--data", &input, "--out", &preds,
    ]);
    let preds = std::fs::read_to_string(&preds).unwrap();
    let mut lines = preds.lines();
    assert_eq!(
        lines.next(),
        Some("prediction,p_setosa,p_versicolor,p_virginica")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 150);
    let labels = ["setosa", "versicolor", "virginica"];
    assert!(rows.iter().all(|r| labels.contains(&r[0])));
    let sums = rows.iter().map(|r| {
        r[1..]
            .iter()
            .map(|p| p.parse::<f64>().unwrap())
            .sum::<f64>()
    });
    assert!(sums.into_iter().all(|s| (s - 1.0).abs() < 1e-5));
    let right = rows.iter().zip(&truth).filter(|(r, t)| r[0] == **t).count();
    assert!(right >= 143, "{right}/150 predictions right");
}

#[test]
fn same_seed_same_model() {
    let (_dir, dir) = tempdir();
    let run = |name: &str| {
        let path = format!("{dir}/{name}.json");
        ok(&[
            "train",
            "--data",
            "datasets/iris.csv",
            "--epochs",
            "5",
            "--out",
            &path,
            "--quiet",
        ]);
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        v["layers"].clone()
    };
    assert_eq!(run("a"), run("b"));
}

#[test]
fn quiet_prints_only_the_result() {
    let (_dir, dir) = tempdir();
    let model = format!("{dir}/m.json");
    let out = ok(&[
        "train",
        "--data",
        "datasets/iris.csv",
        "--epochs",
        "3",
        "--out",
        &model,
        "--quiet",
        "--dtype",
        "f64",
        "--threads",
        "1",
    ]);
    assert_eq!(out.lines().count(), 1, "{out}");
    let saved = std::fs::read_to_string(&model).unwrap();
    assert!(
        saved.contains("\"dtype\": \"f64\""),
        "training config saved"
    );
    assert!(out.starts_with("test accuracy"), "{out}");
}

#[test]
fn divergence_is_reported_and_keeps_the_old_model() {
    let (_dir, dir) = tempdir();
    let model = format!("{dir}/m.json");
    std::fs::write(&model, "previous").unwrap();
    let run = common::nn(&[
        "train",
        "--data",
        "datasets/iris.csv",
        "--lr",
        "1e6",
        "--epochs",
        "20",
        "--out",
        &model,
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("diverged"), "{}", run.stderr);
    assert!(run.stderr.contains("not written"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&model).unwrap(), "previous");
}
