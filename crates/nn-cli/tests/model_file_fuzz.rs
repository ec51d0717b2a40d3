//! Arbitrary input through the model JSON loader (the CI side of `fuzz/`): never a panic,
//! always either a valid model or an error with a reason.

use proptest::prelude::*;

use nn_cli::model_file::ModelFile;

/// A valid model file's text, to mutate.
fn textbook_json() -> String {
    let net = nn_core::textbook::network();
    let model = ModelFile::from_network(&net, nn_core::Loss::HalfSse, nn_data::Task::Regress);
    serde_json::to_string(&model).expect("serialises")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let message = format!("{:#}", ModelFile::parse(&text).expect_err("not a model"));
        prop_assert!(!message.is_empty());
    }

    #[test]
    fn mutated_models_load_or_say_why(cut in 0usize..2000, byte in any::<u8>(), flip in any::<bool>()) {
        let mut bytes = textbook_json().into_bytes();
        let at = cut % bytes.len();
        if flip { bytes[at] = byte } else { bytes.truncate(at) }
        let text = String::from_utf8_lossy(&bytes);
        match ModelFile::parse(&text) {
            Ok(model) => prop_assert!(model.network::<f64>().is_ok()),
            Err(err) => {
                let message = format!("{err:#}");
                prop_assert!(!message.is_empty());
            }
        }
    }

    #[test]
    fn any_numbers_in_the_layers_are_checked(w in prop::collection::vec(any::<f64>(), 0..6),
                                               n_in in 0usize..4, n_out in 0usize..4) {
        let mut model: serde_json::Value = serde_json::from_str(&textbook_json()).unwrap();
        model["layers"][0]["in_features"] = n_in.into();
        model["layers"][0]["out_features"] = n_out.into();
        model["layers"][0]["weight"] = serde_json::json!([w.clone()]);
        if let Ok(m) = ModelFile::parse(&model.to_string()) {
            prop_assert!(m.network::<f32>().is_ok());
            prop_assert!(w.iter().all(|v| v.is_finite()));
        }
    }
}
