//! Arbitrary input to the schedule SPEC parser never panics: it parses to a schedule whose rates
//! are finite and non-negative for every epoch, or returns an error that lists the syntax.

use nn_optim::{LrSchedule, Schedule};
use proptest::prelude::*;

fn check(spec: &str, lr: f64, epochs: usize) -> Result<(), TestCaseError> {
    match Schedule::parse(spec, lr, epochs) {
        Ok(s) => {
            for t in 0..epochs.min(50) {
                let r = s.lr_at(t);
                prop_assert!(
                    r.is_finite() && r >= 0.0,
                    "{spec:?} gives lr {r} at epoch {t}"
                );
            }
        }
        Err(e) => prop_assert!(e.to_string().contains("accepted:"), "{spec:?}: {e}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn arbitrary_strings(spec in ".{0,40}", epochs in 0usize..200) {
        check(&spec, 0.1, epochs)?;
    }

    #[test]
    fn spec_shaped_strings(
        name in prop::sample::select(vec!["constant", "step", "multistep", "exp", "inverse-time", "poly", "cosine", "cosine-restarts", "onecycle", "plateau", "STEP"]),
        args in prop::collection::vec("(-?[0-9]{0,3}(\\.[0-9]{0,3})?(e-?[0-9]{1,3})?|nan|inf|[0-9],[0-9]{1,2}|)", 0..5),
        epochs in 0usize..100,
    ) {
        let spec = std::iter::once(name.to_string()).chain(args).collect::<Vec<_>>().join(":");
        check(&spec, 0.1, epochs)?;
    }
}
