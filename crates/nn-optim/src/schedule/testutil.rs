//! Test helpers for the schedules.

use super::LrSchedule;

/// Asserts `schedule.lr_at(t) == expected[t]` to 1e-12 for every `t`.
#[track_caller]
pub(crate) fn assert_lrs(schedule: &impl LrSchedule, expected: &[f64]) {
    for (epoch, &want) in expected.iter().enumerate() {
        let got = schedule.lr_at(epoch);
        assert!(
            (got - want).abs() < 1e-12,
            "epoch {epoch}: got {got}, expected {want}"
        );
    }
}
