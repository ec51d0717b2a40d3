//! Datasets, CSV/IDX loading and fitted preprocessing for **nn**.
//!
//! Load a CSV (the target is the last column unless named), split it reproducibly, fit a
//! [`Preprocessor`] on the training part only, apply it to both parts, and save the fitted
//! parameters (with the [`CsvSchema`] and its label list) as JSON next to the model.
//!
//! # Quick start
//! ```
//! use nn_data::{read_csv, train_test_split, CsvOptions, Preprocessor, Transformer};
//!
//! let csv = "x1,x2,kind\n1,10,a\n2,20,b\n3,30,a\n4,40,b\n5,50,a\n6,60,b\n";
//! let loaded = read_csv(csv.as_bytes(), "toy.csv", &CsvOptions::default())?;
//! let (train, test) = train_test_split(&loaded.dataset, 1.0 / 3.0, 42)?; // stratified
//! let mut pre = Preprocessor::from_name("standardize")?;
//! let x_train = pre.fit_transform(train.features.view())?;
//! let x_test = pre.transform(test.features.view())?;
//! let y_train = train.one_hot()?; // (n_samples, n_classes) = (4, 2)
//! assert_eq!((x_train.dim(), x_test.dim(), y_train.dim()), ((4, 2), (2, 2), (4, 2)));
//! let saved = serde_json::to_string(&(&loaded.schema, &pre)).unwrap(); // travels with the model
//! # assert!(saved.contains("\"labels\""));
//! # Ok::<(), nn_data::DataError>(())
//! ```
//!
//! MNIST comes from [`load_mnist_dir`] (IDX files, plain or gzip); datasets live in the
//! workspace's `datasets/` folder.
//!
//! # f32 data
//! Features are `f64` by default. For `f32` training, load with the `_as` functions
//! ([`load_mnist_dir_as`], [`load_csv_as`], …) into a [`Dataset<f32>`](Dataset): every
//! preprocessing step fits (in `f64` sums) and transforms `f32` matrices directly, in place
//! where the method allows, so no `f64` copy of a large training set is ever made.
//!
//! ```
//! use nn_data::{load_csv_as, Preprocessor};
//! let loaded = load_csv_as::<f32>("../../datasets/iris.csv", &Default::default())?;
//! let mut pre = Preprocessor::from_name("standardize")?;
//! let x = pre.fit_transform_owned(loaded.dataset.features)?; // Array2<f32>, in place
//! assert!(x.column(0).iter().all(|v| v.abs() < 3.0));
//! # Ok::<(), nn_data::DataError>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod categorical;
mod consistency;
mod covariance;
mod csv;
mod csv_apply;
mod dataset;
mod delimiter;
mod encode;
mod error;
mod gz_thread;
mod idx;
mod impute;
mod labels;
mod leading;
mod min_max;
mod partition;
mod preprocessor;
mod quoted;
mod read_capped;
mod row_blocks;
mod schema;
mod select;
mod split;
mod standard;
mod table;
mod transformer;
mod whitening;

pub use crate::csv::{load_csv, load_csv_as, read_csv, read_csv_as, read_features_as, MAX_COLUMNS};
pub use categorical::CategoricalColumn;
pub use consistency::first_duplicate;
pub use csv_apply::{
    load_csv_applying, load_csv_with_schema, load_csv_with_schema_as, read_csv_applying,
    read_csv_with_schema, read_csv_with_schema_as,
};
pub use dataset::{Dataset, Target};
pub use delimiter::{sniff_delimiter, DELIMITERS};
pub use error::{DataError, Result};
pub use idx::{
    load_mnist_dir, load_mnist_dir_as, load_mnist_test_as, read_idx, read_idx_images,
    read_idx_images_as, read_idx_labels, read_idx_stream, Mnist, IMAGES_MAGIC, LABELS_MAGIC,
};
pub use impute::MeanImputer;
pub use labels::{one_hot, Labels};
pub use min_max::MinMaxScaler;
pub use preprocessor::Preprocessor;
pub use quoted::{quoted, quoted_list, MAX_SHOWN_CHARS, MAX_SHOWN_ITEMS};
pub use read_capped::read_capped;
pub use schema::{
    ApplyOptions, CsvOptions, CsvSchema, Loaded, Missing, SkippedRow, TargetKind, Task, Unknown,
    DEFAULT_MAX_BYTES, DEFAULT_MAX_CATEGORIES, MAX_AUTO_CLASSES,
};
pub use split::{k_fold, train_test_rows, train_test_split, train_test_split_owned};
pub use standard::StandardScaler;
pub use transformer::Transformer;
pub use whitening::{Components, Whitener, WhiteningMethod, DEFAULT_EPSILON};
