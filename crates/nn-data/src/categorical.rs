//! [`CategoricalColumn`]: a text column's categories, fitted on training data and one-hot
//! encoded with scikit-learn `OneHotEncoder` semantics (sorted categories, one indicator
//! column each), plus its most frequent value for imputation (`SimpleImputer`'s
//! `most_frequent`).

use crate::{DataError, Labels, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A categorical feature column: its name, sorted categories and most frequent category.
///
/// Categories are sorted as [`Labels`] sorts (numerically when every value is an integer,
/// else by bytes); indicator `k` is 1 for `categories[k]`. The most frequent category breaks
/// ties by that order, as `SimpleImputer` takes the smallest of the tied values.
///
/// ```
/// let c = nn_data::CategoricalColumn::fit("island", ["Dream", "Biscoe", "Dream", "Biscoe", "Torgersen"]);
/// assert_eq!(c.categories, ["Biscoe", "Dream", "Torgersen"]);
/// assert_eq!(c.most_frequent, "Biscoe"); // 2 each: the first in sorted order
/// assert_eq!(c.index_of("Dream"), Some(1));
/// assert_eq!(c.feature_names(), ["island=Biscoe", "island=Dream", "island=Torgersen"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoricalColumn {
    /// The column's name in the CSV header.
    pub name: String,
    /// Sorted distinct values; indicator `k` stands for `categories[k]`.
    pub categories: Vec<String>,
    /// The value that fills a missing cell under [`Missing::Mean`](crate::Missing::Mean).
    pub most_frequent: String,
}

impl CategoricalColumn {
    /// Fits the categories of `values` (the column's non-missing training cells).
    pub fn fit<S: AsRef<str>>(name: &str, values: impl IntoIterator<Item = S>) -> Self {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for v in values {
            *counts.entry(v.as_ref().to_string()).or_default() += 1;
        }
        let categories = Labels::fit(counts.keys()).names().to_vec();
        let most_frequent = categories
            .iter()
            .fold(None::<&String>, |best, c| match best {
                Some(b) if counts[b] >= counts[c] => Some(b),
                _ => Some(c),
            })
            .cloned()
            .unwrap_or_default();
        CategoricalColumn {
            name: name.to_string(),
            categories,
            most_frequent,
        }
    }

    /// Checks a column read from a file: unique categories, and the most frequent one among
    /// them (empty when there are none).
    ///
    /// # Errors
    /// [`DataError::Inconsistent`] naming the column.
    ///
    /// ```
    /// let mut c = nn_data::CategoricalColumn::fit("island", ["Dream", "Biscoe"]);
    /// c.validate()?;
    /// c.most_frequent = "Mars".into();
    /// assert!(c.validate().unwrap_err().to_string().contains("\"Mars\" is not"));
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        const WHAT: &str = "categorical column";
        crate::consistency::unique(WHAT, &self.name, &self.categories)?;
        let known = self.index_of(&self.most_frequent).is_some()
            || (self.categories.is_empty() && self.most_frequent.is_empty());
        if known {
            return Ok(());
        }
        let message = format!(
            "{}: most_frequent {} is not one of its categories",
            crate::quoted(&self.name),
            crate::quoted(&self.most_frequent)
        );
        Err(DataError::inconsistent(WHAT, message))
    }

    /// The indicator index of `value`, if it is a known category.
    pub fn index_of(&self, value: &str) -> Option<usize> {
        self.categories.iter().position(|c| c == value)
    }

    /// The indicator columns' names, `name=category`.
    pub fn feature_names(&self) -> Vec<String> {
        let name = |c: &String| format!("{}={c}", self.name);
        self.categories.iter().map(name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_categories_sort_numerically_and_the_mode_wins() {
        let c = CategoricalColumn::fit("year", ["2009", "2008", "2009", "10"]);
        assert_eq!(c.categories, ["10", "2008", "2009"]);
        assert_eq!(
            (c.most_frequent.as_str(), c.index_of("1999")),
            ("2009", None)
        );
    }
}
