//! Tests of the SPEC parser: every form, every kind of mistake.

use super::*;
use crate::schedule::PlateauMode;

fn ok(spec: &str) -> Schedule {
    Schedule::parse(spec, 0.1, 100).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

/// The reason of the error `spec` gives.
fn reason(spec: &str) -> String {
    match Schedule::parse(spec, 0.1, 100) {
        Err(OptimError::InvalidSchedule { spec: s, reason }) if s == spec => reason,
        other => panic!("{spec}: expected InvalidSchedule, got {other:?}"),
    }
}

#[test]
fn every_form_builds_its_variant() {
    let plateau = |patience, factor, cooldown, min_lr| PlateauConfig {
        patience,
        factor,
        cooldown,
        min_lr,
        ..PlateauConfig::default()
    };
    let cases = [
        ("constant", Schedule::Constant(Constant::new(0.1).unwrap())),
        (
            " Step:30:0.5 ",
            Schedule::Step(StepDecay::new(0.1, 30, 0.5).unwrap()),
        ),
        (
            "multistep:30,60,90:0.1",
            Schedule::MultiStep(MultiStep::new(0.1, vec![30, 60, 90], 0.1).unwrap()),
        ),
        (
            "exp:0.95",
            Schedule::Exponential(Exponential::new(0.1, 0.95).unwrap()),
        ),
        (
            "inverse-time:0.01",
            Schedule::InverseTime(InverseTime::new(0.1, 0.01).unwrap()),
        ),
        (
            "poly:2",
            Schedule::Polynomial(Polynomial::new(0.1, 0.0, 2.0, 100).unwrap()),
        ),
        (
            "poly:2:1e-4",
            Schedule::Polynomial(Polynomial::new(0.1, 1e-4, 2.0, 100).unwrap()),
        ),
        (
            "cosine",
            Schedule::Cosine(Cosine::new(0.1, 0.0, 100).unwrap()),
        ),
        (
            "cosine:1e-4",
            Schedule::Cosine(Cosine::new(0.1, 1e-4, 100).unwrap()),
        ),
        (
            "cosine-restarts:10:2",
            Schedule::CosineRestarts(CosineRestarts::new(0.1, 0.0, 10, 2).unwrap()),
        ),
        (
            "cosine-restarts:10:1:1e-3",
            Schedule::CosineRestarts(CosineRestarts::new(0.1, 1e-3, 10, 1).unwrap()),
        ),
        (
            "onecycle",
            Schedule::OneCycle(OneCycle::new(0.1, 100, 0.3).unwrap()),
        ),
        (
            "onecycle:0.5",
            Schedule::OneCycle(OneCycle::new(0.1, 100, 0.5).unwrap()),
        ),
        (
            "onecycle:0.5:10:100",
            Schedule::OneCycle(
                OneCycle::new(0.1, 100, 0.5)
                    .unwrap()
                    .with_div_factors(10.0, 100.0)
                    .unwrap(),
            ),
        ),
        (
            "plateau",
            Schedule::Plateau(ReduceOnPlateau::new(0.1, PlateauConfig::default()).unwrap()),
        ),
        (
            "plateau:5:0.5",
            Schedule::Plateau(ReduceOnPlateau::new(0.1, plateau(5, 0.5, 0, 0.0)).unwrap()),
        ),
        (
            "plateau:5:0.5:2",
            Schedule::Plateau(ReduceOnPlateau::new(0.1, plateau(5, 0.5, 2, 0.0)).unwrap()),
        ),
        (
            "plateau:5:0.5:2:1e-5",
            Schedule::Plateau(ReduceOnPlateau::new(0.1, plateau(5, 0.5, 2, 1e-5)).unwrap()),
        ),
    ];
    for (spec, expected) in cases {
        assert_eq!(ok(spec), expected, "{spec}");
    }
}

#[test]
fn plateau_spec_watches_a_minimum() {
    let Schedule::Plateau(s) = ok("plateau:5:0.5") else {
        panic!("not a plateau")
    };
    assert_eq!(s.config().mode, PlateauMode::Min);
}

#[test]
fn bad_forms_say_what_is_wrong_and_what_is_accepted() {
    let cases = [
        ("", "empty schedule name"),
        ("linear", "unknown schedule \"linear\""),
        (
            "constant:1",
            "constant takes 0 argument(s), got 1: use constant",
        ),
        (
            "step:30",
            "step takes 2 argument(s), got 1: use step:STEP_SIZE:GAMMA",
        ),
        ("step:30:0.5:1", "step takes 2 argument(s), got 3"),
        (
            "step:x:0.5",
            "STEP_SIZE: expected a non-negative integer, got \"x\"",
        ),
        (
            "step:-1:0.5",
            "STEP_SIZE: expected a non-negative integer, got \"-1\"",
        ),
        ("step:2.5:0.5", "STEP_SIZE: expected a non-negative integer"),
        ("step:0:0.5", "invalid step_size: must be at least 1, got 0"),
        (
            "step:30:0",
            "invalid gamma: must be positive and finite, got 0",
        ),
        (
            "step:30:nan",
            "GAMMA: expected a finite number, got \"nan\"",
        ),
        ("exp:inf", "GAMMA: expected a finite number, got \"inf\""),
        ("exp:", "GAMMA: expected a finite number, got \"\""),
        ("exp:-0.9", "invalid gamma: must be positive"),
        (
            "multistep:30,,90:0.1",
            "MILESTONES: expected a non-negative integer, got \"\"",
        ),
        (
            "multistep:60,30:0.1",
            "invalid milestones: must be non-empty and strictly increasing",
        ),
        (
            "inverse-time:-1",
            "invalid decay_rate: must be non-negative",
        ),
        (
            "poly",
            "poly takes 1 or 2 argument(s), got 0: use poly:POWER[:END_LR]",
        ),
        ("poly:0", "invalid power"),
        ("cosine:-1", "invalid min_lr"),
        (
            "cosine-restarts:0:2",
            "invalid first_period: must be at least 1",
        ),
        (
            "cosine-restarts:10:0",
            "invalid period_mult: must be at least 1",
        ),
        (
            "onecycle:1.5",
            "invalid pct_start: must lie in [0, 1], got 1.5",
        ),
        (
            "onecycle:0.3:25",
            "onecycle takes 0 or 1 or 3 argument(s), got 2",
        ),
        (
            "plateau:5",
            "plateau takes 0 or 2 or 3 or 4 argument(s), got 1",
        ),
        (
            "plateau:5:1.5",
            "invalid factor: must lie in (0, 1), got 1.5",
        ),
    ];
    for (spec, expected) in cases {
        let reason = reason(spec);
        assert!(
            reason.contains(expected),
            "{spec}: {reason:?} lacks {expected:?}"
        );
        assert!(
            reason.ends_with(SPEC_SYNTAX),
            "{spec}: {reason:?} lacks the syntax"
        );
    }
}

#[test]
fn epoch_dependent_forms_need_epochs() {
    for spec in ["poly:2", "cosine", "onecycle"] {
        let err = Schedule::parse(spec, 0.1, 0).unwrap_err().to_string();
        assert!(
            err.contains("invalid total_epochs: must be at least 1, got 0"),
            "{err}"
        );
    }
    assert!(Schedule::parse("step:2:0.5", 0.1, 0).is_ok());
}

#[test]
fn bad_base_lr_is_reported() {
    let err = Schedule::parse("cosine", f64::NAN, 10)
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid base_lr"), "{err}");
}

#[test]
fn syntax_lists_every_form() {
    let usages: Vec<&str> = FORMS.iter().map(|(_, usage)| *usage).collect();
    let normalised = SPEC_SYNTAX.split_whitespace().collect::<String>();
    assert_eq!(normalised, usages.join("|"));
}
