//! Arbitrary bytes through the CSV and IDX loaders (the CI side of `fuzz/`): never a panic,
//! and every error names the file. Plus the CSV fixes found by the bad-input corpus: line
//! numbers after blank lines and with CRLF, duplicate and too many columns, non-finite values.

use nn_data::{read_csv, read_idx_stream, CsvOptions, IMAGES_MAGIC, LABELS_MAGIC, MAX_COLUMNS};
use proptest::prelude::*;

fn csv_err(text: &str) -> String {
    read_csv(text.as_bytes(), "t.csv", &CsvOptions::default())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

/// Mostly CSV-looking bytes: digits, separators, quotes, line endings, letters, and a BOM.
fn csv_like() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        8 => prop::sample::select(b"0123456789.,-e\n\"\r ab;NA?".to_vec()),
        1 => any::<u8>(),
    ];
    (any::<bool>(), prop::collection::vec(byte, 0..300)).prop_map(|(bom, mut v)| {
        if bom {
            v.splice(0..0, [0xef, 0xbb, 0xbf]);
        }
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn csv_loader_never_panics(bytes in csv_like()) {
        if let Err(e) = read_csv(bytes.as_slice(), "fuzz.csv", &CsvOptions::default()) {
            prop_assert!(e.to_string().starts_with("fuzz.csv"), "{e}");
        }
    }

    #[test]
    fn idx_loader_never_panics(magic in prop::sample::select(vec![IMAGES_MAGIC, LABELS_MAGIC]),
                               prefix in any::<bool>(),
                               dims in prop::collection::vec(0u32..40, 0..4),
                               tail in prop::collection::vec(any::<u8>(), 0..200)) {
        let mut bytes = if prefix { magic.to_be_bytes().to_vec() } else { Vec::new() };
        dims.iter().for_each(|d| bytes.extend_from_slice(&d.to_be_bytes()));
        bytes.extend(tail);
        match read_idx_stream(bytes.as_slice(), "fuzz.idx", magic) {
            Ok((dims, data)) => {
                let n: usize = dims.iter().product();
                prop_assert_eq!(n, data.len());
            }
            Err(e) => prop_assert!(e.to_string().starts_with("fuzz.idx"), "{}", e),
        }
    }
}

#[test]
fn line_numbers_count_blank_lines_crlf_and_cr_only() {
    // "3,1e999,z" is on line 4 in every file (rust-csv #208 and #395 reported 3 and 2; a
    // CR-only file used to be all line 1).
    let want = "t.csv:4:2: value \"1e999\" in column \"b\" is infinite or out of the f64 range (|x| < 1.8e308)";
    assert_eq!(csv_err("a,b,y\n1,2,x\n\n3,1e999,z\n"), want);
    assert_eq!(csv_err("a,b,y\r\n1,2,x\r\n\r\n3,1e999,z\r\n"), want);
    assert_eq!(csv_err("a,b,y\r1,2,x\r\r3,1e999,z\r"), want);
    assert_eq!(
        csv_err("a,b,y\r\n1,2,x\r\n3,1e999,z\r\n").replace(":3:", ":4:"),
        want
    );
}

#[test]
fn duplicate_column_names_are_refused() {
    assert_eq!(
        csv_err("a,b,a,y\n1,2,3,x\n"),
        "t.csv:1:3: duplicate column name \"a\" (also column 1)"
    );
}

#[test]
fn ten_million_columns_are_refused_before_parsing() {
    let header = "a,".repeat(10_000_000) + "y\n1\n";
    assert_eq!(
        csv_err(&header),
        format!(
            "t.csv:1:{}: 10000001 columns exceed the limit of {MAX_COLUMNS}",
            MAX_COLUMNS + 1
        )
    );
}

#[test]
fn infinite_and_out_of_range_values_say_so() {
    assert_eq!(
        csv_err("a,y\n1e400,x\n"),
        "t.csv:2:1: value \"1e400\" in column \"a\" is infinite or out of the f64 range (|x| < 1.8e308)"
    );
    assert!(csv_err("a,y\n-inf,x\n").contains("value \"-inf\" in column \"a\" is infinite"));
}

#[test]
fn invalid_utf8_names_file_line_and_column() {
    let err = read_csv(&b"a,y\n1,x\n2,\xff\n"[..], "t.csv", &CsvOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.csv:3:2: invalid UTF-8: save the file as UTF-8 text"
    );
}
