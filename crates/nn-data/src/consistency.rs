//! Checks shared by the `validate` methods of fitted parameters read from a file (scalers,
//! whiteners, schemas): lengths that must agree, numbers that must be finite, names that must
//! be unique. Each names what it checked and the values at fault.

use crate::{DataError, Result};

/// `a` and `b` (named `a_name`, `b_name`) must be equal lengths.
pub(crate) fn same_len(
    what: &'static str,
    (a_name, a): (&str, usize),
    (b_name, b): (&str, usize),
) -> Result<()> {
    if a == b {
        return Ok(());
    }
    let message = format!("{a_name} has {a} values but {b_name} has {b}");
    Err(DataError::inconsistent(what, message))
}

/// Every value of `values` (named `name`) must be finite.
pub(crate) fn finite(what: &'static str, name: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => {
            let message = format!("{name}[{i}] is {}, not a finite number", values[i]);
            Err(DataError::inconsistent(what, message))
        }
    }
}

/// The first name of `names` that repeats an earlier one: `(earlier, later)` positions.
///
/// ```
/// let names = ["a", "b", "a"].map(String::from);
/// assert_eq!(nn_data::first_duplicate(&names), Some((0, 2)));
/// assert_eq!(nn_data::first_duplicate(&names[..2]), None);
/// ```
pub fn first_duplicate(names: &[String]) -> Option<(usize, usize)> {
    let mut seen = std::collections::HashMap::new();
    for (j, name) in names.iter().enumerate() {
        if let Some(&i) = seen.get(name.as_str()) {
            return Some((i, j));
        }
        seen.insert(name.as_str(), j);
    }
    None
}

/// Every name of `names` (a list called `list`) must be distinct.
pub(crate) fn unique(what: &'static str, list: &str, names: &[String]) -> Result<()> {
    match first_duplicate(names) {
        None => Ok(()),
        Some((i, j)) => {
            let message = format!(
                "{list} names {} twice (positions {} and {})",
                crate::quoted(&names[j]),
                i + 1,
                j + 1
            );
            Err(DataError::inconsistent(what, message))
        }
    }
}

/// `indices` (called `name`) must be strictly increasing and below `len`.
pub(crate) fn increasing_indices(
    what: &'static str,
    name: &str,
    indices: &[usize],
    len: usize,
) -> Result<()> {
    let bad = indices
        .iter()
        .enumerate()
        .find(|&(k, &j)| j >= len || (k > 0 && j <= indices[k - 1]));
    match bad {
        None => Ok(()),
        Some((k, j)) => {
            let message =
                format!("{name}[{k}] = {j} is not an increasing column index below {len}");
            Err(DataError::inconsistent(what, message))
        }
    }
}

/// An unfitted transformer is consistent only with no parameters at all (it then has no
/// columns: a file whose features are all one-hot indicators); `empty` says whether it has none.
pub(crate) fn unfitted(what: &'static str, empty: bool) -> Result<()> {
    match empty {
        true => Ok(()),
        false => Err(DataError::inconsistent(
            what,
            "not fitted but holds parameters",
        )),
    }
}
