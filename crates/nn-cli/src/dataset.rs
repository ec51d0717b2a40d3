//! Loading data through nn-data: CSV files (target column by name, saved label list,
//! missing-value policy) and folders of MNIST IDX files. nn-data's errors already name the file,
//! line and column, so they are passed on unchanged.

use std::path::Path;

use anyhow::{bail, Result};
use nn_data::{CsvOptions, CsvSchema, Dataset};
use nn_tensor::Float;

/// Training data as loaded, features in the float type `D`: the dataset, an MNIST folder's own
/// test part, and (for a CSV) the schema to apply to later files.
pub struct Training<D> {
    /// The labelled training data.
    pub data: Dataset<D>,
    /// The `t10k` part of an MNIST folder.
    pub folder_test: Option<Dataset<D>>,
    /// Feature names, label list and imputation means learnt from the CSV.
    pub schema: Option<CsvSchema>,
}

/// Loads a training CSV (`options` name the target, task and missing policy) or MNIST folder,
/// storing the features as `D` (pixels and cells are rounded to `D` as they are read).
pub fn load_training<D: Float>(path: &Path, options: &CsvOptions) -> Result<Training<D>> {
    if path.is_dir() {
        let mnist = nn_data::load_mnist_dir_as(path)?;
        return Ok(Training {
            data: mnist.train,
            folder_test: Some(mnist.test),
            schema: None,
        });
    }
    let loaded = nn_data::load_csv_as(path, options)?;
    Ok(Training {
        data: loaded.dataset,
        folder_test: None,
        schema: Some(loaded.schema),
    })
}

/// Loads new data the way the model's training data was read: a CSV through the saved schema
/// (the target column may be absent), or the test part of an MNIST folder (its training
/// images are not read).
pub fn load_with_schema<D: Float>(path: &Path, schema: Option<&CsvSchema>) -> Result<Dataset<D>> {
    if path.is_dir() {
        return Ok(nn_data::load_mnist_test_as(path)?);
    }
    match schema {
        Some(schema) => Ok(nn_data::load_csv_with_schema_as(path, schema)?.dataset),
        None => bail!(
            "{}: this model was trained on an MNIST folder; give it a folder of IDX files",
            path.display()
        ),
    }
}
