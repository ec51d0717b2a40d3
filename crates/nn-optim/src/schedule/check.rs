//! Validation helpers shared by the schedule constructors.

use crate::{OptimError, Result};

/// `value` if it is finite and `> 0`.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(invalid(
            name,
            format!("must be positive and finite, got {value}"),
        ))
    }
}

/// `value` if it is finite and `>= 0`.
pub(crate) fn non_negative(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(invalid(
            name,
            format!("must be non-negative and finite, got {value}"),
        ))
    }
}

/// `value` if it lies in the open interval (0, 1).
pub(crate) fn unit_open(name: &'static str, value: f64) -> Result<f64> {
    if value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(invalid(name, format!("must lie in (0, 1), got {value}")))
    }
}

/// `value` if it lies in the closed interval [0, 1].
pub(crate) fn unit_closed(name: &'static str, value: f64) -> Result<f64> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(invalid(name, format!("must lie in [0, 1], got {value}")))
    }
}

/// `value` if it is at least 1.
pub(crate) fn at_least_one(name: &'static str, value: usize) -> Result<usize> {
    if value >= 1 {
        Ok(value)
    } else {
        Err(invalid(name, format!("must be at least 1, got {value}")))
    }
}

/// An [`OptimError::InvalidConfig`] for option `name`.
pub(crate) fn invalid(name: &'static str, reason: String) -> OptimError {
    OptimError::InvalidConfig { name, reason }
}

/// `x^n` for an integer exponent, exact for small `n` (`powi`) and total for huge ones.
pub(crate) fn pow_usize(x: f64, n: usize) -> f64 {
    i32::try_from(n).map_or_else(|_| x.powf(n as f64), |n| x.powi(n))
}
