//! One test per bad-input case, asserting the error message names the file, line and column.

use flate2::{write::GzEncoder, Compression};
use nn_data::{
    load_csv, read_csv, read_idx, read_idx_images, read_idx_labels, CsvOptions, DataError,
    StandardScaler, Transformer, Whitener, WhiteningMethod, IMAGES_MAGIC, LABELS_MAGIC,
};
use std::io::Write;
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn csv_error(name: &str) -> String {
    load_csv(data(name), &CsvOptions::default())
        .unwrap_err()
        .to_string()
}

/// Writes `bytes` to a fresh file in the temp dir (unique per test and process).
fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!("nn-data-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

fn idx_header(magic: u32, dims: &[u32]) -> Vec<u8> {
    let mut out = magic.to_be_bytes().to_vec();
    dims.iter()
        .for_each(|d| out.extend_from_slice(&d.to_be_bytes()));
    out
}

#[test]
fn ragged_row() {
    let msg = csv_error("ragged.csv");
    assert!(
        msg.ends_with("ragged.csv:3:2: expected 3 fields as in the header, found 1"),
        "{msg}"
    );
}

#[test]
fn non_numeric_cell_in_a_column_the_model_reads_as_numbers() {
    // Training on this file makes `b` categorical; a model trained where `b` was numeric
    // refuses its text cell, naming line and column.
    let train = read_csv(
        "a,b,y\n1,2,x\n3,4,y\n".as_bytes(),
        "t.csv",
        &CsvOptions::default(),
    );
    let schema = train.unwrap().schema;
    let err = nn_data::load_csv_with_schema(data("non_numeric.csv"), &schema).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.ends_with("non_numeric.csv:3:2: non-numeric value \"abc\" in column \"b\""),
        "{msg}"
    );
}

#[test]
fn missing_cell_is_an_error_by_default() {
    let msg = csv_error("missing.csv");
    assert!(
        msg.contains("missing.csv:3:2: missing value \"NA\" in column \"b\""),
        "{msg}"
    );
}

#[test]
fn empty_file() {
    assert!(csv_error("empty.csv").ends_with("empty.csv: empty file: no header row"));
}

#[test]
fn header_only_file() {
    assert!(csv_error("header_only.csv").ends_with("header_only.csv: header only, no data rows"));
}

#[test]
fn unknown_target_column() {
    let opts = CsvOptions {
        target: Some("label".into()),
        ..Default::default()
    };
    let msg = load_csv(data("missing.csv"), &opts)
        .unwrap_err()
        .to_string();
    let want = "missing.csv: line 1: no column named \"label\"; columns are [\"a\", \"b\", \"y\"]";
    assert!(msg.ends_with(want), "{msg}");
}

#[test]
fn single_column_file() {
    let err = read_csv("y\n1\n".as_bytes(), "one.csv", &CsvOptions::default()).unwrap_err();
    let want = "one.csv: line 1: need a feature column and a target column, found [\"y\"]";
    assert_eq!(err.to_string(), want);
}

#[test]
fn non_numeric_regression_target() {
    let opts = CsvOptions {
        task: nn_data::Task::Regress,
        ..Default::default()
    };
    let err = read_csv("a,y\n1,2.5\n2,high\n".as_bytes(), "r.csv", &opts).unwrap_err();
    assert_eq!(
        err.to_string(),
        "r.csv:3:2: non-numeric regression target \"high\" in column \"y\""
    );
}

#[test]
fn missing_file() {
    let msg = csv_error("does_not_exist.csv");
    assert!(
        msg.starts_with("reading ") && msg.contains("does_not_exist.csv"),
        "{msg}"
    );
}

#[test]
fn idx_bad_magic() {
    let mut bytes = idx_header(0x0000_0804, &[1, 1, 1]);
    bytes.push(0);
    let path = temp_file("bad-magic.idx", &bytes);
    let msg = read_idx_images(&path).unwrap_err().to_string();
    assert!(
        msg.ends_with("bad IDX magic number 0x00000804, expected 0x00000803"),
        "{msg}"
    );
}

#[test]
fn idx_header_claiming_10_to_the_12_items_is_an_error_not_an_allocation() {
    let bytes = idx_header(IMAGES_MAGIC, &[1_000_000, 1000, 1000]); // 10¹² pixels, no data
    let path = temp_file("huge.idx", &bytes);
    let msg = read_idx(&path, IMAGES_MAGIC).unwrap_err().to_string();
    assert!(
        msg.ends_with("IDX header claims [1000000, 1000, 1000] items: too large"),
        "{msg}"
    );
}

#[test]
fn idx_lying_dimensions() {
    let mut bytes = idx_header(LABELS_MAGIC, &[1000]);
    bytes.extend_from_slice(&[1, 2, 3]);
    let path = temp_file("short.idx", &bytes);
    let msg = read_idx_labels(&path).unwrap_err().to_string();
    assert!(
        msg.ends_with("IDX header [1000] needs 1000 data bytes, file has 3"),
        "{msg}"
    );
    let mut bytes = idx_header(LABELS_MAGIC, &[2]);
    bytes.extend_from_slice(&[1, 2, 3]);
    let msg = read_idx_labels(temp_file("long.idx", &bytes))
        .unwrap_err()
        .to_string();
    assert!(
        msg.ends_with("needs 2 data bytes, file has more than 2"),
        "{msg}"
    );
}

#[test]
fn idx_truncated_gzip() {
    let mut bytes = idx_header(IMAGES_MAGIC, &[10, 28, 28]);
    bytes.extend((0..7840).map(|i| (i % 251) as u8));
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(&bytes).unwrap();
    let gz = gz.finish().unwrap();
    let whole = temp_file("whole.idx.gz", &gz);
    assert_eq!(read_idx_images(&whole).unwrap().dim(), (10, 784));
    let cut = temp_file("cut.idx.gz", &gz[..gz.len() / 2]);
    let msg = read_idx_images(&cut).unwrap_err().to_string();
    assert!(msg.contains("cut.idx.gz: "), "{msg}");
    assert!(
        msg.contains("corrupt or unreadable data") || msg.contains("file has"),
        "{msg}"
    );
}

#[test]
fn transform_before_fit() {
    let x = ndarray::array![[1.0]];
    let err = StandardScaler::default().transform(x.view()).unwrap_err();
    assert!(matches!(err, DataError::NotFitted { .. }));
    assert_eq!(
        err.to_string(),
        "StandardScaler::transform called before fit"
    );
    let err = Whitener::new(WhiteningMethod::Zca)
        .inverse_transform(x.view())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Whitener::inverse_transform called before fit"
    );
}

#[test]
fn wrong_width_after_fit() {
    let mut s = StandardScaler::default();
    s.fit(ndarray::array![[1.0, 2.0], [3.0, 4.0]].view())
        .unwrap();
    let err = s.transform(ndarray::array![[1.0]].view()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "shape mismatch in StandardScaler::transform: expected [1, 2], got [1, 1]"
    );
}

#[test]
fn a_feature_matrix_over_max_bytes_is_refused_before_allocating() {
    // 30 rows; columns: n, then colour one-hot over 30 values: 31 columns; f64:
    // 30·31·8 = 7440 bytes. The table holds less: 251 bytes of text, and per record its
    // cells' 5 bytes ("5c12a"), 3 bounds (24) and 96: 125, so 251 + 30·125 = 4001.
    let mut text = String::from("n,colour,y\n");
    for i in 0..30 {
        text += &format!("{},c{i:02},{}\n", i % 10, ["a", "b"][i % 2]);
    }
    let opts = |max_bytes| CsvOptions {
        max_bytes,
        ..Default::default()
    };
    let loaded = nn_data::read_csv(text.as_bytes(), "t.csv", &opts(7440)).unwrap();
    assert_eq!(loaded.dataset.features.dim(), (30, 31));
    let err = nn_data::read_csv(text.as_bytes(), "t.csv", &opts(7439)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.csv: the feature matrix needs 30 rows × 31 columns × 8 bytes = 7440 bytes, over the \
         limit of 7439 bytes"
    );
    // New data read with the saved schema is bounded the same way.
    let apply = nn_data::ApplyOptions {
        max_bytes: 7439,
        ..Default::default()
    };
    let err = nn_data::read_csv_applying::<f64>(text.as_bytes(), "u.csv", &loaded.schema, &apply)
        .unwrap_err();
    assert!(
        matches!(
            err,
            DataError::TooLarge {
                bytes: 7440,
                limit: 7439,
                ..
            }
        ),
        "{err}"
    );
    // The table itself: 4001 bytes held, refused under 4000.
    let err = nn_data::read_csv(text.as_bytes(), "t.csv", &opts(4000)).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::TableTooLarge {
                rows: 30,
                bytes: 4001,
                limit: 4000,
                ..
            }
        ),
        "{err}"
    );
}
