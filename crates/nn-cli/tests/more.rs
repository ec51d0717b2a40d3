//! `nn preprocess`, `nn lr-find`, MNIST folders, regression predictions and `--help`.
mod common;
use common::{close, nn, ok, tempdir, two_column_images};

/// `nn preprocess fit --method METHOD` on iris's features, then `transform` of the same file.
fn fit_and_transform_iris(method: &str, params: &str, out: &str) {
    let fit = [
        "preprocess",
        "fit",
        "--method",
        method,
        "--data",
        "datasets/iris.csv",
    ];
    ok(&[&fit[..], &["--exclude", "species", "--out", params]].concat());
    let data = ["--data", "datasets/iris.csv", "--out", out];
    ok(&[&["preprocess", "transform", "--params", params][..], &data].concat());
}

#[test]
fn preprocess_fit_transform_and_inverse() {
    let (_d, dir) = tempdir();
    let (params, scaled, back) = (
        format!("{dir}/p.json"),
        format!("{dir}/s.csv"),
        format!("{dir}/b.csv"),
    );
    fit_and_transform_iris("standardize", &params, &scaled);
    let text = std::fs::read_to_string(&scaled).unwrap();
    let first: Vec<&str> = text.lines().nth(1).unwrap().split(',').collect();
    // sepal_length: (5.1 − 5.843333) / 0.825301 (population std) = −0.900681
    close(
        first[0].parse().unwrap(),
        -0.9006811702978099,
        1e-12,
        "standardized sepal_length",
    );
    assert_eq!(first[4], "setosa"); // other columns copied through
    ok(&[
        "preprocess",
        "transform",
        "--params",
        &params,
        "--data",
        &scaled,
        "--out",
        &back,
        "--inverse",
    ]);
    let back = std::fs::read_to_string(&back).unwrap();
    let row: Vec<&str> = back.lines().nth(1).unwrap().split(',').collect();
    close(row[1].parse().unwrap(), 3.5, 1e-12, "inverse sepal_width");
}

#[test]
fn lr_find_suggests_a_rate() {
    let (_d, dir) = tempdir();
    let plot = format!("{dir}/lr.svg");
    let out = ok(&[
        "lr-find",
        "--data",
        "datasets/iris.csv",
        "--steps",
        "100",
        "--plot",
        &plot,
    ]);
    let line = out
        .lines()
        .find(|l| l.starts_with("lowest smoothed loss"))
        .unwrap();
    let suggested: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(suggested > 1e-6 && suggested < 10.0, "{line}");
    assert!(std::fs::metadata(&plot).unwrap().len() > 0);
}

#[test]
fn trains_and_evaluates_on_an_mnist_folder() {
    let (_d, dir) = tempdir();
    two_column_images(&dir, 40, 10);
    let model = format!("{dir}/m.json");
    let out = ok(&[
        "train", "--data", &dir, "--hidden", "4", "--epochs", "20", "--lr", "0.1", "--out", &model,
        "--quiet",
    ]);
    assert!(out.starts_with("test accuracy 1.0000"), "{out}");
    let eval = ok(&["evaluate", "--model", &model, "--data", &dir]);
    assert!(
        eval.contains("(10 rows)") && eval.contains("accuracy 1.0000"),
        "{eval}"
    );
    std::fs::remove_file(format!("{dir}/t10k-labels-idx1-ubyte")).unwrap();
    let run = nn(&["evaluate", "--model", &model, "--data", &dir]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no test labels IDX file found"),
        "{}",
        run.stderr
    );
}

#[test]
fn regression_predictions_are_in_target_units() {
    let (_d, dir) = tempdir();
    // y = 2a + 1 exactly; a linear net (no hidden layer) learns it. `--weight-decay 0`: sgd's
    // default decay (5 / 36 training rows, capped at 0.05) is ridge regression, which shrinks
    // the slope towards 0 (3.06 at a = 1), and this test checks the units, not the prior.
    let rows: String = (0..50)
        .map(|i| format!("{},{}\n", i as f64 / 10.0, 2.0 * i as f64 / 10.0 + 1.0))
        .collect();
    let data = format!("{dir}/line.csv");
    std::fs::write(&data, format!("a,y\n{rows}")).unwrap();
    let model = format!("{dir}/m.json");
    let out = ok(&[
        "train",
        "--data",
        &data,
        "--hidden",
        "",
        "--epochs",
        "200",
        "--lr",
        "0.05",
        "--out",
        &model,
        "--quiet",
        "--weight-decay",
        "0",
    ]);
    assert!(
        out.starts_with("test R² 0.99") || out.starts_with("test R² 1.00"),
        "{out}"
    );
    let preds = ok(&["predict", "--model", &model, "--data", &data]);
    let values: Vec<f64> = preds.lines().skip(1).map(|l| l.parse().unwrap()).collect();
    assert_eq!(values.len(), 50);
    close(values[10], 3.0, 0.05, "prediction at a = 1");

    // A file longer than the rows predicted at a time (4096): 9000 rows cycling through the
    // same 50 inputs. Every row's prediction must be its input's prediction above, in every
    // chunk and across the chunk edges (a row placed one off would read another input's value,
    // 0.2 away).
    let long: String = (0..9000)
        .map(|i| format!("{},0\n", (i % 50) as f64 / 10.0))
        .collect();
    let long_data = format!("{dir}/long.csv");
    std::fs::write(&long_data, format!("a,y\n{long}")).unwrap();
    let preds = ok(&["predict", "--model", &model, "--data", &long_data]);
    let long_values: Vec<f64> = preds.lines().skip(1).map(|l| l.parse().unwrap()).collect();
    assert_eq!(long_values.len(), 9000);
    for (i, &v) in long_values.iter().enumerate() {
        close(
            v,
            values[i % 50],
            1e-9,
            &format!("row {i} of the long file"),
        );
    }
}

#[test]
fn every_subcommand_has_examples_in_help() {
    for cmd in common::COMMANDS {
        let out = ok(&[*cmd, "--help"]);
        assert!(out.contains("Examples:"), "nn {cmd} --help has no examples");
    }
    for action in ["fit", "transform"] {
        assert!(ok(&["preprocess", action, "--help"]).contains("Examples:"));
    }
}

#[test]
fn empty_csv_is_a_clear_error() {
    let (_d, dir) = tempdir();
    let path = format!("{dir}/empty.csv");
    std::fs::write(&path, "").unwrap();
    let run = nn(&["train", "--data", &path]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("empty.csv: empty file: no header row"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_closed_pipe_is_not_a_panic() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_nn"))
        .args(["schedule", "--schedule", "cosine", "--epochs", "200000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take()); // like `| head`
    let out = child.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn zca_whitening_decorrelates_and_trains() {
    let (_d, dir) = tempdir();
    let (params, out) = (format!("{dir}/zca.json"), format!("{dir}/white.csv"));
    fit_and_transform_iris("zca-whiten", &params, &out);
    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').take(4).map(|v| v.parse().unwrap()).collect())
        .collect();
    let n = rows.len() as f64;
    let mean: Vec<f64> = (0..4)
        .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / n)
        .collect();
    for i in 0..4 {
        for j in 0..4 {
            let cov = rows
                .iter()
                .map(|r| (r[i] - mean[i]) * (r[j] - mean[j]))
                .sum::<f64>()
                / n;
            close(
                cov,
                if i == j { 1.0 } else { 0.0 },
                0.01,
                "covariance of ZCA-whitened iris",
            );
        }
    }
    let model = format!("{dir}/m.json");
    let out = ok(&[
        "train",
        "--data",
        "datasets/iris.csv",
        "--preprocess",
        "zca-whiten",
        "--epochs",
        "50",
        "--out",
        &model,
        "--quiet",
    ]);
    let acc: f64 = out.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(acc >= 0.9, "{out}");
}

#[test]
fn separate_test_file_and_mean_imputation() {
    let (_d, dir) = tempdir();
    let text = std::fs::read_to_string(common::root().join("datasets/iris.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Every fifth row to the test file; one training cell blanked out.
    let (mut train, mut test) = (vec![lines[0].to_string()], vec![lines[0].to_string()]);
    for (i, line) in lines[1..].iter().enumerate() {
        if i % 5 == 0 {
            test.push(line.to_string())
        } else {
            train.push(line.to_string())
        }
    }
    train[1] = train[1].replacen("4.9", "", 1);
    let (train_path, test_path) = (format!("{dir}/train.csv"), format!("{dir}/test.csv"));
    std::fs::write(&train_path, train.join("\n")).unwrap();
    std::fs::write(&test_path, test.join("\n")).unwrap();
    let model = format!("{dir}/m.json");
    let gap = nn(&[
        "train",
        "--data",
        &train_path,
        "--test",
        &test_path,
        "--out",
        &model,
    ]);
    assert_eq!(gap.code, 1, "{}", gap.stderr);
    let out = ok(&[
        "train",
        "--data",
        &train_path,
        "--test",
        &test_path,
        "--missing",
        "mean",
        "--hidden",
        "16",
        "--out",
        &model,
        "--quiet",
    ]);
    let acc: f64 = out.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(acc >= 0.9, "{out}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let means = &saved["preprocessing"]["schema"]["imputer"];
    assert!(means.is_object(), "imputation means saved: {means}");
}
