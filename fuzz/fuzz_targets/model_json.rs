//! Arbitrary text through the `nn` binary's model-file loader (its source is included, as the
//! CLI is a binary crate): errors, never panics; a model that loads builds a network.
#![no_main]

#[allow(dead_code)]
#[path = "../../crates/nn-cli/src/fsutil.rs"]
mod fsutil;
#[allow(dead_code)]
#[path = "../../crates/nn-cli/src/model_file.rs"]
mod model_file;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(model) = model_file::ModelFile::parse(text) {
            assert!(model.network::<f32>().is_ok());
        }
    }
});
