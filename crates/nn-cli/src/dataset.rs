//! Loading data through nn-data: CSV files (target column by name, saved label list,
//! categories and imputation values, missing-value policy) and folders of MNIST IDX files.
//! `-` as the path reads the CSV from standard input. nn-data's errors already name the file,
//! line and column, so they are passed on unchanged.

use std::path::Path;

use anyhow::{bail, Result};
use nn_data::{ApplyOptions, CsvOptions, CsvSchema, Dataset, Loaded, SkippedRow};
use nn_tensor::Float;

/// The name standard input has in error messages.
const STDIN: &str = "<stdin>";

/// Whether `path` means standard input (`-`).
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The bytes of a data file, or of standard input for `-`, with the name to show in errors; a
/// file alone over the memory limit is refused before it is read.
pub fn read_bytes(path: &Path) -> Result<(Vec<u8>, String)> {
    use crate::limits::budget;
    use anyhow::Context;
    if is_stdin(path) {
        let bytes = budget::read_whole(std::io::stdin().lock(), "standard input")?;
        return Ok((bytes, STDIN.to_string()));
    }
    let name = path.display().to_string();
    let context = || format!("reading {name}");
    let size = std::fs::metadata(path).with_context(context)?.len();
    let what = format!("reading {name} ({size} bytes)");
    budget::check(size, &what, "give a smaller file")?;
    let file = std::fs::File::open(path).with_context(context)?;
    Ok((budget::read_whole(file, &name)?, name))
}

/// Training data as loaded, features in the float type `D`: the dataset, an MNIST folder's own
/// test part, and (for a CSV) the schema to apply to later files.
pub struct Training<D> {
    /// The labelled training data.
    pub data: Dataset<D>,
    /// The `t10k` part of an MNIST folder.
    pub folder_test: Option<Dataset<D>>,
    /// Feature names, categories, label list and imputation values learnt from the CSV.
    pub schema: Option<CsvSchema>,
}

/// Loads a training CSV (`options` name the target, task, columns and missing policy) or MNIST
/// folder, storing the features as `D` (pixels and cells are rounded to `D` as they are read).
pub fn load_training<D: Float>(path: &Path, options: &CsvOptions) -> Result<Training<D>> {
    if path.is_dir() {
        let mnist = nn_data::load_mnist_dir_as(path)?;
        return Ok(Training {
            data: mnist.train,
            folder_test: Some(mnist.test),
            schema: None,
        });
    }
    let loaded = if is_stdin(path) {
        nn_data::read_csv_as(std::io::stdin().lock(), STDIN, options)
    } else {
        nn_data::load_csv_as(path, options)
    }
    .map_err(crate::limits::budget::data_error)?;
    Ok(Training {
        data: loaded.dataset,
        folder_test: None,
        schema: Some(loaded.schema),
    })
}

/// What reading new data left out or could not encode, row by row.
#[derive(Debug, Default)]
pub struct RowReport {
    /// Rows skipped under the missing-cell policy, with their reasons, in file order.
    pub skipped: Vec<SkippedRow>,
    /// The id column's cell of every data row (when asked for).
    pub ids: Vec<String>,
    /// Cells with a category the model never saw (encoded as all zeros).
    pub unknown_categories: usize,
}

/// Loads new data the way the model's training data was read: a CSV through the saved schema
/// under `options`, or the test part of an MNIST folder (its training images are not read).
pub fn load_with_schema<D: Float>(
    path: &Path,
    schema: Option<&CsvSchema>,
    options: &ApplyOptions,
) -> Result<(Dataset<D>, RowReport)> {
    if path.is_dir() {
        return Ok((nn_data::load_mnist_test_as(path)?, RowReport::default()));
    }
    let Some(schema) = schema else {
        bail!(
            "{}: this model was trained on an MNIST folder; give it a folder of IDX files",
            path.display()
        );
    };
    let loaded: Loaded<D> = if is_stdin(path) {
        nn_data::read_csv_applying(std::io::stdin().lock(), STDIN, schema, options)
    } else {
        nn_data::load_csv_applying(path, schema, options)
    }
    .map_err(crate::limits::budget::data_error)?;
    let report = RowReport {
        skipped: loaded.skipped,
        ids: loaded.ids,
        unknown_categories: loaded.unknown_categories,
    };
    Ok((loaded.dataset, report))
}

/// nn-data's error with a fitting overflow ([`nn_data::DataError::Overflow`], which knows only
/// the column's position) naming the column of `file`: `names` are the feature matrix's
/// column names; e.g. `big.csv: column "b": standardizing overflows: the column's mean …`.
pub fn name_column(err: nn_data::DataError, names: &[String], file: &str) -> anyhow::Error {
    let nn_data::DataError::Overflow { op, column, what } = err else {
        return err.into();
    };
    let verb = match op {
        "MinMaxScaler::fit" => "min-max scaling",
        "Whitener::fit" => "whitening",
        _ => "standardizing",
    };
    let name = names
        .get(column)
        .map_or_else(|| format!("{}", column + 1), |n| nn_data::quoted(n));
    anyhow::anyhow!(
        "{file}: column {name}: {verb} overflows: the column's {what} exceeds the f64 range (|x| < 1.8e308); divide the column by a large power of ten"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_errors_name_the_column() {
        let names = ["a".to_string(), "b".to_string()];
        let overflow = |op, column| nn_data::DataError::Overflow {
            op,
            column,
            what: "mean",
        };
        let err = name_column(overflow("StandardScaler::fit", 1), &names, "big.csv");
        assert_eq!(
            err.to_string(),
            "big.csv: column \"b\": standardizing overflows: the column's mean exceeds the f64 range (|x| < 1.8e308); divide the column by a large power of ten"
        );
        let err = name_column(overflow("Whitener::fit", 5), &names, "big.csv");
        assert!(err
            .to_string()
            .starts_with("big.csv: column 6: whitening overflows"));
        let other = nn_data::DataError::NotFitted { op: "x" };
        assert_eq!(
            name_column(other, &names, "f").to_string(),
            "x called before fit"
        );
    }
}
