//! Real tabular data: text columns one-hot encoded, missing cells in text columns, unknown
//! categories, column selection, delimiters, CR-only and CRLF line numbers, and a property
//! test that an accepted file's schema survives JSON.

use ndarray::array;
use nn_data::{
    load_csv, read_csv, read_csv_applying, read_csv_with_schema, ApplyOptions, CsvOptions,
    CsvSchema, Missing, Unknown,
};
use proptest::prelude::*;
use std::path::PathBuf;

fn dataset(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets")
        .join(name)
}

fn opts(missing: Missing) -> CsvOptions {
    CsvOptions {
        missing,
        ..Default::default()
    }
}

fn err(text: &str, options: &CsvOptions) -> String {
    read_csv(text.as_bytes(), "t.csv", options)
        .unwrap_err()
        .to_string()
}

/// Training data: one number, one text column with a missing cell, a label.
const TOY: &str = "size,colour,y\n1,red,a\n2,blue,b\n3,NA,a\n4,red,b\n";

#[test]
fn penguins_match_scikit_learn() {
    // Literals from tests/fixtures/make_penguins_reference.py (scikit-learn 1.9.1):
    // SimpleImputer(mean) on the numbers, SimpleImputer(most_frequent) + OneHotEncoder on
    // island and sex, in a ColumnTransformer with the numeric block first.
    let options = CsvOptions {
        target: Some("species".into()),
        ..opts(Missing::Mean)
    };
    let loaded = load_csv(dataset("penguins.csv"), &options).unwrap();
    let schema = &loaded.schema;
    let means = [
        43.9219298245614,
        17.151169590643274,
        200.91520467836258,
        4201.754385964912,
        2008.0290697674418,
    ];
    let got = &schema.imputer.as_ref().unwrap().means;
    for (g, m) in got.iter().zip(means) {
        assert!((g - m).abs() <= 1e-12 * m.abs(), "{got:?}");
    }
    let names = [
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "year",
        "island=Biscoe",
        "island=Dream",
        "island=Torgersen",
        "sex=female",
        "sex=male",
    ];
    assert_eq!(schema.feature_names, names);
    assert_eq!(
        schema.categorical[0].categories,
        ["Biscoe", "Dream", "Torgersen"]
    );
    assert_eq!(schema.categorical[1].categories, ["female", "male"]);
    let mode: Vec<&str> = schema
        .categorical
        .iter()
        .map(|c| c.most_frequent.as_str())
        .collect();
    assert_eq!(mode, ["Biscoe", "male"]);
    let x = &loaded.dataset.features;
    assert_eq!(x.dim(), (344, 10));
    assert_eq!(
        x.row(0),
        array![39.1, 18.7, 181.0, 3750.0, 2007.0, 0.0, 0.0, 1.0, 0.0, 1.0]
    );
    let row3 = [
        means[0], means[1], means[2], means[3], 2007.0, 0.0, 0.0, 1.0, 0.0, 1.0,
    ];
    assert!(x
        .row(3)
        .iter()
        .zip(row3)
        .all(|(a, b)| (a - b).abs() <= 1e-12 * b.abs()));
}

#[test]
fn one_hot_round_trip_through_json() {
    let loaded = read_csv(TOY.as_bytes(), "toy.csv", &opts(Missing::Mean)).unwrap();
    // colour: blue, red (sorted); the NA becomes red (2 of 3). size mean (1+2+3+4)/4 unused.
    let want = array![[1., 0., 1.], [2., 1., 0.], [3., 0., 1.], [4., 0., 1.]];
    assert_eq!(loaded.dataset.features, want);
    let json = serde_json::to_string(&loaded.schema).unwrap();
    assert!(
        json.contains(r#""categories":["blue","red"],"most_frequent":"red""#),
        "{json}"
    );
    let schema: CsvSchema = serde_json::from_str(&json).unwrap();
    assert_eq!(schema, loaded.schema);
    // New data, columns in another order plus an extra one, read with the saved schema.
    let new = "note,colour,size,y\nx,blue,7,b\ny,,8,a\n";
    let again = read_csv_with_schema(new.as_bytes(), "new.csv", &schema).unwrap();
    assert_eq!(again.dataset.features, array![[7., 1., 0.], [8., 0., 1.]]);
}

#[test]
fn missing_text_cells_drop_their_rows_or_fail() {
    let dropped = read_csv(TOY.as_bytes(), "toy.csv", &opts(Missing::Drop)).unwrap();
    assert_eq!(dropped.dropped_rows, 1);
    assert_eq!(
        dropped.dataset.features,
        array![[1., 0., 1.], [2., 1., 0.], [4., 0., 1.]]
    );
    let msg = err(TOY, &opts(Missing::Error));
    assert_eq!(
        msg,
        "t.csv:4:2: missing value \"NA\" in column \"colour\" (choose missing = drop or mean)"
    );
}

#[test]
fn unknown_categories_ignored_with_a_count_or_an_error() {
    let schema = read_csv(TOY.as_bytes(), "toy.csv", &opts(Missing::Mean))
        .unwrap()
        .schema;
    let new = "size,colour\n5,green\n6,red\n7,mauve\n";
    let ignore = ApplyOptions::default();
    let got = read_csv_applying::<f64>(new.as_bytes(), "new.csv", &schema, &ignore).unwrap();
    assert_eq!(
        got.dataset.features,
        array![[5., 0., 0.], [6., 0., 1.], [7., 0., 0.]]
    );
    assert_eq!(got.unknown_categories, 2);
    let error = ApplyOptions {
        unknown: Unknown::Error,
        ..Default::default()
    };
    let msg = read_csv_applying::<f64>(new.as_bytes(), "new.csv", &schema, &error)
        .unwrap_err()
        .to_string();
    let want =
        "new.csv:2:2: unknown category \"green\" in column \"colour\" (known: [\"blue\", \"red\"]";
    assert!(msg.starts_with(want), "{msg}");
}

#[test]
fn max_categories_names_the_column_and_count() {
    let text = "id,x,y\nA1,1,a\nB2,2,b\nC3,3,a\n";
    let options = CsvOptions {
        max_categories: 2,
        ..Default::default()
    };
    let msg = err(text, &options);
    assert!(
        msg.starts_with(
            "t.csv:1:1: column \"id\" has 3 distinct text values, more than max_categories = 2;"
        ),
        "{msg}"
    );
    assert!(msg.contains("--exclude id"), "{msg}");
    let excluded = CsvOptions {
        exclude: vec!["id".into()],
        ..options
    };
    let loaded = read_csv(text.as_bytes(), "t.csv", &excluded).unwrap();
    assert_eq!(loaded.schema.feature_names, ["x"]);
}

#[test]
fn categorical_forces_a_numeric_looking_column() {
    let text = "year,x,y\n2008,1,a\n2007,2,b\n2008,3,a\n";
    let options = CsvOptions {
        categorical: vec!["year".into()],
        ..Default::default()
    };
    let loaded = read_csv(text.as_bytes(), "t.csv", &options).unwrap();
    assert_eq!(loaded.schema.feature_names, ["x", "year=2007", "year=2008"]);
    assert_eq!(
        loaded.dataset.features,
        array![[1., 0., 1.], [2., 1., 0.], [3., 0., 1.]]
    );
    let unknown = CsvOptions {
        categorical: vec!["y".into()],
        ..Default::default()
    };
    assert_eq!(
        err(text, &unknown),
        "t.csv:1:3: categorical column \"y\" is not a feature column"
    );
}

#[test]
fn features_and_exclude_select_columns() {
    let text = "id,a,b,c,y\n1,2,3,4,u\n5,6,7,8,v\n";
    let only = CsvOptions {
        features: Some(vec!["c".into(), "a".into()]),
        ..Default::default()
    };
    let loaded = read_csv(text.as_bytes(), "t.csv", &only).unwrap();
    assert_eq!(loaded.schema.feature_names, ["a", "c"]); // file order
    assert_eq!(loaded.dataset.features, array![[2., 4.], [6., 8.]]);
    let without = CsvOptions {
        exclude: vec!["id".into(), "b".into()],
        ..Default::default()
    };
    let loaded = read_csv(text.as_bytes(), "t.csv", &without).unwrap();
    assert_eq!(loaded.schema.feature_names, ["a", "c"]);
    let typo = CsvOptions {
        exclude: vec!["ID".into()],
        ..Default::default()
    };
    assert!(err(text, &typo).starts_with("t.csv: line 1: no column named \"ID\""));
    let target = CsvOptions {
        features: Some(vec!["y".into()]),
        ..Default::default()
    };
    assert_eq!(
        err(text, &target),
        "t.csv:1:5: column \"y\" is the target, not a feature"
    );
    let both = CsvOptions {
        exclude: vec!["id".into()],
        ..only
    };
    assert!(err(text, &both).contains("not both"));
    // A model's missing column is an error naming it.
    let schema = read_csv(text.as_bytes(), "t.csv", &without).unwrap().schema;
    let new = "a,b\n1,2\n";
    let msg = read_csv_with_schema(new.as_bytes(), "new.csv", &schema).unwrap_err();
    assert!(
        msg.to_string()
            .starts_with("new.csv: line 1: no column named \"c\""),
        "{msg}"
    );
}

#[test]
fn delimiters_are_sniffed_forced_and_tsv_means_tab() {
    let comma = read_csv(TOY.as_bytes(), "t.csv", &opts(Missing::Mean)).unwrap();
    for d in [";", "\t", "|"] {
        let text = TOY.replace(',', d);
        let loaded = read_csv(text.as_bytes(), "t.csv", &opts(Missing::Mean)).unwrap();
        assert_eq!(loaded.dataset, comma.dataset, "delimiter {d:?}");
    }
    // Forced: `;` as the delimiter makes "1,5" one (text) cell.
    let forced = CsvOptions {
        delimiter: Some(b';'),
        ..Default::default()
    };
    let loaded = read_csv("a;b,c;y\n1,5;2;u\n".as_bytes(), "t.csv", &forced).unwrap();
    assert_eq!(loaded.schema.feature_names, ["b,c", "a=1,5"]);
    // A .tsv file is tab-separated even when a header cell holds a comma.
    let path = std::env::temp_dir().join(format!("nn-tabular-{}.tsv", std::process::id()));
    std::fs::write(&path, "a,b\tc\ty\n1\t2\tu\n3\t4\tv\n").unwrap();
    let loaded = load_csv(&path, &CsvOptions::default()).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(loaded.schema.feature_names, ["a,b", "c"]);
}

#[test]
fn cr_only_and_crlf_files_report_the_right_line() {
    let bad = "size,y\n1,a\n2,b\n1e999,a\n";
    let want = "t.csv:4:1: value \"1e999\" in column \"size\" is infinite or out of the f64 range (|x| < 1.8e308)";
    for ending in ["\n", "\r\n", "\r"] {
        let text = bad.replace('\n', ending);
        assert_eq!(err(&text, &CsvOptions::default()), want, "{ending:?}");
        // The same file read with a schema (evaluate / predict).
        let schema = read_csv(
            "size,y\n1,a\n2,b\n".as_bytes(),
            "t.csv",
            &CsvOptions::default(),
        );
        let schema = schema.unwrap().schema;
        let got = read_csv_with_schema(text.as_bytes(), "t.csv", &schema);
        assert_eq!(got.unwrap_err().to_string(), want, "{ending:?}");
    }
    // CR-only training file with text columns: every row read.
    let loaded = read_csv(
        TOY.replace('\n', "\r").as_bytes(),
        "t.csv",
        &opts(Missing::Mean),
    );
    assert_eq!(loaded.unwrap().dataset.n_samples(), 4);
}

#[test]
fn applying_skips_rows_with_reasons_and_keeps_ids() {
    let schema = read_csv(TOY.as_bytes(), "toy.csv", &opts(Missing::Drop))
        .unwrap()
        .schema;
    let new = "name,size,colour,y\np,1,red,NEW\nq,,blue,a\nr,3,blue,b\n";
    let options = ApplyOptions {
        read_target: false, // a label the model never saw is no error
        id: Some("name".into()),
        ..Default::default()
    };
    let got = read_csv_applying::<f32>(new.as_bytes(), "new.csv", &schema, &options).unwrap();
    assert_eq!(
        got.dataset.features,
        array![[1.0_f32, 0., 1.], [3., 1., 0.]]
    );
    assert_eq!(got.ids, ["p", "q", "r"]);
    let skipped: Vec<_> = got
        .skipped
        .iter()
        .map(|s| (s.row, s.line, s.reason.as_str()))
        .collect();
    assert_eq!(skipped, [(1, 3, "missing value \"\" in column \"size\"")]);
    // Imputed with the stored mean (1 + 2 + 4) / 3 of the rows kept in training.
    let mean = ApplyOptions {
        missing: Some(Missing::Mean),
        ..options.clone()
    };
    let got = read_csv_applying::<f64>(new.as_bytes(), "new.csv", &schema, &mean).unwrap();
    assert_eq!(got.dataset.features.row(1), array![7.0 / 3.0, 1., 0.]);
    // Reading the target: the unseen label is an error naming label and line.
    let labelled = ApplyOptions {
        read_target: true,
        ..mean
    };
    let msg = read_csv_applying::<f64>(new.as_bytes(), "new.csv", &schema, &labelled)
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with("unseen label \"NEW\" at new.csv:2"),
        "{msg}"
    );
}

/// A cell: a number, a word from a small set, or a missing marker.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        (-50i32..50).prop_map(|v| (f64::from(v) / 4.0).to_string()),
        prop::sample::select(vec!["red", "blue", "a b", "Z"]).prop_map(String::from),
        prop::sample::select(vec!["", "NA", "?"]).prop_map(String::from),
    ]
}

proptest! {
    #[test]
    fn an_accepted_schema_round_trips_through_json(
        rows in prop::collection::vec((cell(), cell(), cell(), 0u8..3), 1..12),
        missing in prop::sample::select(vec![Missing::Error, Missing::Drop, Missing::Mean]),
    ) {
        let mut text = String::from("p,q,r,label\n");
        for (a, b, c, label) in &rows {
            text.push_str(&format!("{a},{b},{c},L{label}\n"));
        }
        let Ok(loaded) = read_csv(text.as_bytes(), "t.csv", &opts(missing)) else {
            return Ok(());
        };
        let json = serde_json::to_string(&loaded.schema).unwrap();
        let back: CsvSchema = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &loaded.schema);
        // The saved schema encodes the training file exactly as training did.
        let again = read_csv_with_schema(text.as_bytes(), "t.csv", &back).unwrap();
        prop_assert_eq!(again.dataset, loaded.dataset);
    }
}
