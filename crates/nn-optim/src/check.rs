//! Range checks shared by the optimizers' `validate` methods; errors name the option as the
//! command-line flag does (`"beta1"`, `"weight-decay"`).

use crate::{OptimError, Result};

/// `value` must lie in `[0, 1)` (momentum, betas, RMSprop's alpha).
pub(crate) fn unit_interval(name: &'static str, value: f64) -> Result<()> {
    check(name, (0.0..1.0).contains(&value), "in [0, 1)", value)
}

/// `value` must be finite and `≥ 0` (weight decay).
pub(crate) fn non_negative(name: &'static str, value: f64) -> Result<()> {
    check(
        name,
        value >= 0.0 && value.is_finite(),
        "≥ 0 and finite",
        value,
    )
}

/// `value` must be finite and `> 0` (eps).
pub(crate) fn positive(name: &'static str, value: f64) -> Result<()> {
    check(
        name,
        value > 0.0 && value.is_finite(),
        "> 0 and finite",
        value,
    )
}

fn check(name: &'static str, ok: bool, range: &str, value: f64) -> Result<()> {
    if ok {
        return Ok(());
    }
    let reason = format!("must be {range}, got {value}");
    Err(OptimError::InvalidConfig { name, reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_messages() {
        assert!(unit_interval("beta1", 0.0).is_ok() && unit_interval("beta1", 0.999).is_ok());
        let err = unit_interval("beta1", 1.0).unwrap_err().to_string();
        assert_eq!(err, "invalid beta1: must be in [0, 1), got 1");
        assert!(unit_interval("beta1", f64::NAN).is_err());
        assert!(non_negative("weight-decay", 0.0).is_ok());
        assert!(non_negative("weight-decay", -1e-9).is_err());
        assert!(non_negative("weight-decay", f64::INFINITY).is_err());
        assert!(positive("eps", 1e-300).is_ok());
        let err = positive("eps", 0.0).unwrap_err().to_string();
        assert_eq!(err, "invalid eps: must be > 0 and finite, got 0");
    }
}
