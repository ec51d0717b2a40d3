//! Arbitrary bytes through nn-data's training and schema CSV readers: errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nn_data::{read_csv, CsvOptions, Missing};

fuzz_target!(|data: &[u8]| {
    for missing in [Missing::Error, Missing::Drop, Missing::Mean] {
        let options = CsvOptions { missing, ..Default::default() };
        if let Ok(loaded) = read_csv(data, "fuzz.csv", &options) {
            let _ = nn_data::read_csv_with_schema(data, "fuzz.csv", &loaded.schema);
        }
    }
});
