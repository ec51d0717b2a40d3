//! The hand-made bad files under `tests/data/bad/` (at the repository root), each run through
//! the real `nn` binary: exit code 1, the expected message with file, line and column where
//! they exist, and never a panic (checked by `common::nn`).

mod common;

use common::{nn, ok, root};

fn bad(name: &str) -> String {
    root()
        .join("tests/data/bad")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Runs `nn ARGS`, expecting exit code 1 and `want` in the message.
fn fails_with(args: &[&str], want: &str) {
    let r = nn(args);
    assert_eq!(r.code, 1, "nn {args:?}: {}", r.stderr);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
    assert!(
        r.stderr.contains(want),
        "nn {args:?}:\n{}\nwanted: {want}",
        r.stderr
    );
}

fn train_fails(file: &str, want: &str) {
    let out = std::env::temp_dir().join(format!("nn-bad-{}.json", std::process::id()));
    let out = out.to_string_lossy();
    fails_with(
        &[
            "train",
            "--data",
            &bad(file),
            "--epochs",
            "1",
            "--out",
            &out,
        ],
        want,
    );
}

#[test]
fn bad_csv_files_give_file_line_column_messages() {
    let cases = [
        (
            "ragged.csv",
            "ragged.csv:3:3: expected 3 fields as in the header, found 2",
        ),
        (
            "huge_number.csv",
            "huge_number.csv:3:1: value \"1e400\" in column \"a\" is infinite",
        ),
        (
            "inf.csv",
            "inf.csv:3:2: value \"inf\" in column \"b\" is infinite",
        ),
        (
            "empty_lines.csv",
            "empty_lines.csv:6:2: missing value \"?\" in column \"b\"",
        ),
        (
            "duplicate_header.csv",
            "duplicate_header.csv:1:3: duplicate column name \"a\" (also column 1)",
        ),
        ("latin1.csv", "latin1.csv:3:2: invalid UTF-8"),
    ];
    for (file, want) in cases {
        train_fails(file, want);
    }
}

/// Text in a column a model reads as numbers (training on these files would one-hot encode
/// the column instead): `predict` names file, line and column, CRLF endings included.
#[test]
fn text_in_a_numeric_column_of_new_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("numeric.csv");
    std::fs::write(&data, "a,b,y\n1,2,x\n3,4,z\n5,6,x\n7,8,z\n1,3,x\n6,7,z\n").unwrap();
    let model = dir.path().join("m.json").to_string_lossy().into_owned();
    let data = data.to_string_lossy().into_owned();
    ok(&[
        "train",
        "--data",
        &data,
        "--epochs",
        "1",
        "--out",
        &model,
        "--quiet",
        "--test-split",
        "0.4",
    ]);
    let cases = [
        (
            "crlf.csv",
            "crlf.csv:3:2: non-numeric value \"q\" in column \"b\"",
        ),
        (
            "quoted_comma.csv",
            "quoted_comma.csv:2:1: non-numeric value \"1,5\" in column \"a\"",
        ),
    ];
    for (file, want) in cases {
        fails_with(&["predict", "--model", &model, "--data", &bad(file)], want);
    }
}

#[test]
fn bom_and_unicode_headers_are_read_as_names() {
    let dir = tempfile::tempdir().unwrap();
    for (file, names) in [
        ("bom.csv", ["a", "b"]),
        ("unicode_header.csv", ["länge", "größe"]),
    ] {
        let out = dir
            .path()
            .join(format!("{file}.json"))
            .to_string_lossy()
            .into_owned();
        let data = bad(file);
        ok(&[
            "train", "--data", &data, "--hidden", "2", "--epochs", "1", "--out", &out, "--quiet",
        ]);
        let model: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(model["features"], serde_json::json!(names), "{file}");
        let preds = ok(&["predict", "--model", &out, "--data", &data]);
        assert_eq!(
            preds.lines().count(),
            11,
            "{file}: header + 10 rows\n{preds}"
        );
    }
}

#[test]
fn a_ten_million_column_header_is_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    std::fs::write(&path, "a,".repeat(10_000_000) + "y\n1\n").unwrap();
    let start = std::time::Instant::now();
    fails_with(
        &["train", "--data", &path.to_string_lossy()],
        "wide.csv:1:100001: 10000001 columns exceed the limit of 100000",
    );
    assert!(start.elapsed().as_secs() < 10, "took {:?}", start.elapsed());
}

#[test]
fn bad_idx_folders_are_refused() {
    fails_with(
        &["train", "--data", &bad("idx_lying_dims")],
        "train-images-idx3-ubyte: IDX header [10, 28, 28] needs 7840 data bytes, file has 100",
    );
    fails_with(
        &["train", "--data", &bad("idx_truncated_gz")],
        "train-images-idx3-ubyte.gz: corrupt or unreadable data: incomplete deflate stream",
    );
}

#[test]
fn bad_model_files_are_refused_by_evaluate_and_predict() {
    let iris = root()
        .join("datasets/iris.csv")
        .to_string_lossy()
        .into_owned();
    let cases = [
        (
            "model_wrong_shape.json",
            "layer 0: weight row 1 has 1 values, expected in_features = 2",
        ),
        (
            "model_nan_weight.json",
            "NaN and Infinity are not allowed: expected value at line 52",
        ),
        (
            "model_unknown_version.json",
            "unsupported version 2: this nn reads version 1",
        ),
        ("model_truncated.json", "not valid JSON: EOF while parsing"),
    ];
    for (file, reason) in cases {
        let model = bad(file);
        let want = format!("invalid model file {model}: ");
        for command in ["evaluate", "predict"] {
            fails_with(&[command, "--model", &model, "--data", &iris], &want);
            fails_with(&[command, "--model", &model, "--data", &iris], reason);
        }
    }
}
