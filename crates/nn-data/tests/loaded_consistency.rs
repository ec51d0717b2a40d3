//! Fitted parameters read from a file are validated as a whole (`validate`), fitting that
//! overflows f64 names its column, and messages show NaN as NaN and long values cut short.

use ndarray::array;
use nn_data::{
    quoted, CsvOptions, DataError, MinMaxScaler, Preprocessor, StandardScaler, Transformer,
    Whitener, WhiteningMethod,
};

#[test]
fn fitting_values_near_the_f64_limit_names_the_overflowing_column() {
    // Column 1: mean (1.7e308 − 1.7e308 + 1.7e308)/3 is finite, but (1.7e308 − μ)² is not.
    let x = array![[1.0, 1.7e308], [2.0, -1.7e308], [3.0, 1.7e308]];
    let err = StandardScaler::default().fit(x.view()).unwrap_err();
    assert!(matches!(
        err,
        DataError::Overflow {
            column: 1,
            what: "variance",
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "StandardScaler::fit: feature column 2 overflows: its variance exceeds the f64 range (|x| < 1.8e308); scale the column down"
    );
    // max − min = 3.4e308 overflows.
    let err = MinMaxScaler::default().fit(x.view()).unwrap_err();
    assert!(
        matches!(err, DataError::Overflow { column: 1, .. }),
        "{err}"
    );
    let err = Whitener::new(WhiteningMethod::Zca)
        .fit(x.view())
        .unwrap_err();
    assert!(
        matches!(
            err,
            DataError::Overflow {
                column: 1,
                what: "variance",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_nan_cell_is_called_nan_and_a_long_cell_is_cut() {
    let read = |csv: &str| {
        nn_data::read_csv(csv.as_bytes(), "t.csv", &CsvOptions::default())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        read("a,y\n1,p\nnan,q\n"),
        "t.csv:3:1: value \"nan\" in column \"a\" is NaN (not a number); mark a missing cell as empty, NA, NaN or ?"
    );
    let regression = CsvOptions {
        task: nn_data::Task::Regress,
        ..Default::default()
    };
    let err = nn_data::read_csv("a,y\n1,2\n2,nan\n".as_bytes(), "t.csv", &regression).unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.csv:3:2: regression target \"nan\" in column \"y\" is NaN (not a number)"
    );
    assert_eq!(
        read("a,y\n1,p\ninf,q\n"),
        "t.csv:3:1: value \"inf\" in column \"a\" is infinite or out of the f64 range (|x| < 1.8e308)"
    );
    // A 5000-digit number is out of range; the message shows 80 characters and the length.
    let long = "9".repeat(5000);
    let err = read(&format!("a,y\n1,p\n{long},q\n"));
    assert_eq!(
        err,
        format!(
            "t.csv:3:1: value \"{}\"… (5000 characters) in column \"a\" is infinite or out of the f64 range (|x| < 1.8e308)",
            "9".repeat(80)
        )
    );
}

#[test]
fn quoted_cuts_at_characters_not_bytes() {
    let word = "ä".repeat(100); // 200 bytes
    assert_eq!(
        quoted(&word),
        format!("\"{}\"… (100 characters)", "ä".repeat(80))
    );
    assert_eq!(quoted(&"ä".repeat(80)), format!("\"{}\"", "ä".repeat(80)));
}

#[test]
fn loading_as_f32_refuses_values_beyond_f32() {
    let err =
        nn_data::read_csv_as::<f32>("a,y\n1e39,p\n".as_bytes(), "t.csv", &CsvOptions::default())
            .unwrap_err()
            .to_string();
    assert!(
        err.starts_with("t.csv:2:1: value \"1e39\" in column \"a\" is beyond the f32 range"),
        "{err}"
    );
    assert!(nn_data::read_csv_as::<f64>(
        "a,y\n1e39,p\n".as_bytes(),
        "t.csv",
        &CsvOptions::default()
    )
    .is_ok());
}

#[test]
fn preprocessors_read_from_json_are_validated() {
    let mut p = Preprocessor::from_name("standardize").unwrap();
    p.fit(array![[1.0, 2.0], [3.0, 4.0]].view()).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    let back: Preprocessor = serde_json::from_str(&json).unwrap();
    assert_eq!(back.validate().unwrap(), Some((2, 2)));
    let bad: Preprocessor =
        serde_json::from_str(&json.replace("\"scale\":[1.0,1.0]", "\"scale\":[1.0,-1.0]")).unwrap();
    assert_eq!(
        bad.validate().unwrap_err().to_string(),
        "inconsistent standardize parameters: scale[1] is -1, not positive"
    );
    let mut w = Preprocessor::from_name("zca-whiten").unwrap();
    w.fit(array![[1.0, 2.0], [2.0, 1.0], [3.0, 5.0]].view())
        .unwrap();
    let json = serde_json::to_string(&w).unwrap();
    let pca: Preprocessor =
        serde_json::from_str(&json.replace("\"zca-whiten\"", "\"pca-whiten\"")).unwrap();
    assert_eq!(
        pca.validate().unwrap_err().to_string(),
        "inconsistent whitening parameters: method is Pca whitening but the whitener says Zca"
    );
}
