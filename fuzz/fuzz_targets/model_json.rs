//! Arbitrary text through the `nn` model-file loader (nn-cli's library part): errors, never
//! panics; a model that loads builds a network.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nn_cli::model_file;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(model) = model_file::ModelFile::parse(text) {
            assert!(model.network::<f32>().is_ok());
        }
    }
});
