//! Arbitrary bytes through nn-data's IDX reader (images and labels): errors, never panics,
//! and no allocation beyond the bytes actually present.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nn_data::{read_idx_stream, IMAGES_MAGIC, LABELS_MAGIC};

fuzz_target!(|data: &[u8]| {
    for magic in [IMAGES_MAGIC, LABELS_MAGIC] {
        if let Ok((dims, bytes)) = read_idx_stream(data, "fuzz.idx", magic) {
            assert_eq!(dims.iter().product::<usize>(), bytes.len());
        }
    }
});
