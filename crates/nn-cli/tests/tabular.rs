//! Real tabular data end to end: penguins (text columns, NA cells) trained with defaults plus
//! `--target` and `--missing mean`; predict's one row per input row with and without `--id`;
//! the target never read by predict; column selection, delimiters, stdin, unknown categories,
//! preprocess line numbers on CRLF files, and the flag fixes (`--lr -1`, one "No such file").
mod common;
use common::{nn, ok, tempdir};
use std::io::Write;
use std::process::{Command, Stdio};

/// A small two-class file: a number, a text column with an NA, an id, the label last.
const SHOP: &str = "id,price,colour,label\n\
a1,1.0,red,cheap\na2,1.2,red,cheap\na3,0.9,blue,cheap\na4,1.1,NA,cheap\na5,0.8,red,cheap\n\
b1,5.0,blue,dear\nb2,5.2,blue,dear\nb3,4.9,red,dear\nb4,5.1,blue,dear\nb5,NA,blue,dear\n";

fn write(dir: &str, name: &str, text: &str) -> String {
    let path = format!("{dir}/{name}");
    std::fs::write(&path, text).unwrap();
    path
}

fn train(data: &str, model: &str, extra: &[&str]) -> String {
    let base = [
        "train", "--data", data, "--out", model, "--quiet", "--epochs", "60",
    ];
    ok(&[&base[..], extra].concat())
}

/// Trains on `SHOP` (without its id column) under `--missing MISSING`; returns the model path.
fn train_shop(dir: &str, missing: &str) -> String {
    let (data, model) = (write(dir, "shop.csv", SHOP), format!("{dir}/m.json"));
    let flags = [
        "--missing",
        missing,
        "--exclude",
        "id",
        "--test-split",
        "0.3",
    ];
    train(&data, &model, &flags);
    model
}

#[test]
fn penguins_train_with_defaults_and_predict_every_row() {
    let (_d, dir) = tempdir();
    let model = format!("{dir}/m.json");
    let data = "datasets/penguins.csv";
    let base = [
        "train",
        "--data",
        data,
        "--target",
        "species",
        "--missing",
        "mean",
    ];
    let out = ok(&[&base[..], &["--out", &model, "--quiet"]].concat());
    let acc: f64 = out.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(acc >= 0.95, "{out}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let schema = &saved["preprocessing"]["schema"];
    assert_eq!(
        schema["categorical"][0]["categories"],
        serde_json::json!(["Biscoe", "Dream", "Torgersen"])
    );
    assert_eq!(schema["categorical"][1]["most_frequent"], "male");
    assert_eq!(schema["imputer"]["means"].as_array().unwrap().len(), 5);
    assert_eq!(saved["features"][5], "island=Biscoe");
    let preds = ok(&["predict", "--model", &model, "--data", data]);
    assert_eq!(preds.lines().count(), 1 + 344, "one row per input row");
    // export carries the feature names and the categories in the safetensors metadata.
    let st = format!("{dir}/m.safetensors");
    ok(&["export", "--model", &model, "--out", &st]);
    let bytes = std::fs::read(&st).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let meta = &header["__metadata__"];
    assert!(meta["features"]
        .as_str()
        .unwrap()
        .contains("\"island=Biscoe\""));
    let pre: serde_json::Value =
        serde_json::from_str(meta["preprocessing"].as_str().unwrap()).unwrap();
    assert_eq!(
        pre["schema"]["categorical"][1]["categories"],
        serde_json::json!(["female", "male"])
    );
}

#[test]
fn predict_keeps_row_order_with_and_without_id() {
    let (_d, dir) = tempdir();
    let model = train_shop(&dir, "drop");
    // New rows: a missing price on line 3, an unseen label on line 2 (never read).
    let new = write(
        &dir,
        "new.csv",
        "label,colour,price,id\nweird,red,1.0,n1\n,blue,,n2\ndear,blue,5.0,n3\n",
    );
    let plain = ok(&["predict", "--model", &model, "--data", &new]);
    let lines: Vec<&str> = plain.lines().collect();
    assert_eq!(lines[0], "prediction,p_cheap,p_dear,reason");
    assert!(lines[1].starts_with("cheap,"), "{plain}");
    assert_eq!(
        lines[2],
        ",,,\"missing value \"\"\"\" in column \"\"price\"\"\""
    );
    assert!(
        lines[3].starts_with("dear,") && lines[3].ends_with(','),
        "{plain}"
    );
    let with_id = ok(&["predict", "--model", &model, "--data", &new, "--id", "id"]);
    let ids: Vec<&str> = with_id
        .lines()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["id", "n1", "n2", "n3"]);
    // --missing mean scores every row with the stored means: no reason column.
    let imputed = ok(&[
        "predict",
        "--model",
        &model,
        "--data",
        &new,
        "--missing",
        "mean",
    ]);
    let lines: Vec<&str> = imputed.lines().collect();
    assert_eq!((lines.len(), lines[0]), (4, "prediction,p_cheap,p_dear"));
    // evaluate reads the target: the unseen label is an error naming it and its line.
    let run = nn(&["evaluate", "--model", &model, "--data", &new]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("unseen label \"weird\" at"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("new.csv:2"), "{}", run.stderr);
}

#[test]
fn unknown_categories_are_counted_or_refused() {
    let (_d, dir) = tempdir();
    let model = train_shop(&dir, "mean");
    let new = write(
        &dir,
        "new.csv",
        "price,colour,label\n1.0,green,cheap\n5.0,blue,dear\n",
    );
    let run = nn(&["evaluate", "--model", &model, "--data", &new]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("note: 1 cell(s)"), "{}", run.stderr);
    let run = nn(&[
        "evaluate",
        "--model",
        &model,
        "--data",
        &new,
        "--unknown",
        "error",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("new.csv:2:2: unknown category \"green\" in column \"colour\""),
        "{}",
        run.stderr
    );
}

/// The feature names a model file records.
fn features(model: &str) -> Vec<String> {
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model).unwrap()).unwrap();
    serde_json::from_value(saved["features"].clone()).unwrap()
}

#[test]
fn features_exclude_categorical_and_delimiters() {
    let (_d, dir) = tempdir();
    let model = format!("{dir}/m.json");
    let semi = write(&dir, "shop.txt", &SHOP.replace(',', ";"));
    train(
        &semi,
        &model,
        &[
            "--features",
            "price",
            "--missing",
            "drop",
            "--test-split",
            "0.3",
        ],
    );
    assert_eq!(features(&model), ["price"]);
    let tsv = write(&dir, "shop.tsv", &SHOP.replace(',', "\t"));
    train(
        &tsv,
        &model,
        &[
            "--exclude",
            "id,price",
            "--missing",
            "mean",
            "--test-split",
            "0.3",
        ],
    );
    assert_eq!(features(&model), ["colour=blue", "colour=red"]);
    // Forcing ';' on a comma file leaves one column: a usage of the wrong delimiter.
    let comma = write(&dir, "shop.csv", SHOP);
    let run = nn(&[
        "train",
        "--data",
        &comma,
        "--delimiter",
        ";",
        "--out",
        &model,
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("need a feature column and a target column"),
        "{}",
        run.stderr
    );
    let both = nn(&[
        "train",
        "--data",
        &comma,
        "--features",
        "price",
        "--exclude",
        "id",
    ]);
    assert_eq!(both.code, 2, "{}", both.stderr);
    let many = nn(&[
        "train",
        "--data",
        &comma,
        "--missing",
        "mean",
        "--max-categories",
        "3",
        "--out",
        &model,
    ]);
    assert!(
        many.stderr
            .contains("column \"id\" has 10 distinct text values"),
        "{}",
        many.stderr
    );
}

#[test]
fn data_from_stdin() {
    let (_d, dir) = tempdir();
    let model = format!("{dir}/m.json");
    let args = [
        "train",
        "--data",
        "-",
        "--exclude",
        "id",
        "--missing",
        "mean",
        "--out",
        &model,
        "--quiet",
        "--epochs",
        "20",
        "--test-split",
        "0.3",
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_nn"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(SHOP.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::metadata(&model).is_ok());
    // A checkpointed run must be able to read its data again on --resume.
    let ck = format!("{dir}/ck");
    let run = nn(&["train", "--data", "-", "--checkpoint", &ck]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--checkpoint needs --data FILE"),
        "{}",
        run.stderr
    );
}

#[test]
fn labels_with_commas_are_quoted() {
    let (_d, dir) = tempdir();
    let text = "x,label\n0,\"a, b\"\n0.1,\"a, b\"\n0.2,\"a, b\"\n5,c\n5.1,c\n5.2,c\n";
    let (data, model) = (write(&dir, "q.csv", text), format!("{dir}/m.json"));
    train(&data, &model, &["--test-split", "0.34"]);
    let preds = ok(&["predict", "--model", &model, "--data", &data]);
    assert!(preds.starts_with("prediction,\"p_a, b\",p_c\n"), "{preds}");
    assert!(
        preds.lines().nth(1).unwrap().starts_with("\"a, b\","),
        "{preds}"
    );
}

#[test]
fn preprocess_names_the_right_line_on_crlf_files() {
    let (_d, dir) = tempdir();
    let params = format!("{dir}/p.json");
    let good = write(&dir, "good.csv", "a,b\r\n1,2\r\n3,4\r\n");
    ok(&[
        "preprocess",
        "fit",
        "--method",
        "standardize",
        "--data",
        &good,
        "--out",
        &params,
    ]);
    let bad = write(&dir, "bad.csv", "a,b\r\n1,2\r\n3,1e999\r\n");
    let run = nn(&[
        "preprocess",
        "transform",
        "--params",
        &params,
        "--data",
        &bad,
        "--out",
        &format!("{dir}/o.csv"),
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("bad.csv:3:2: value \"1e999\" in column \"b\""),
        "{}",
        run.stderr
    );
}

#[test]
fn negative_values_reach_the_range_check_and_io_errors_print_once() {
    let run = nn(&["train", "--data", "datasets/iris.csv", "--lr", "-1"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("\"-1\" is not a positive number"),
        "{}",
        run.stderr
    );
    let run = nn(&["train", "--data", "no/such.csv"]);
    assert_eq!(
        run.stderr.matches("No such file").count(),
        1,
        "{}",
        run.stderr
    );
}
