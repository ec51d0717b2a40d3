//! The data side of `nn train`: load through nn-data, pick the loss, encode targets, split,
//! and fit the preprocessing on the training part only.

use anyhow::{bail, ensure, Context, Result};
use ndarray::{Array2, Axis};
use nn_core::Loss;
use nn_data::{CsvSchema, Dataset, StandardScaler, Target, Task, Transformer};
use nn_tensor::Float;

use crate::args::TrainArgs;
use crate::dataset::{self, Training};
use crate::fsutil::usage;
use crate::model_file::ModelFile;
use crate::preprocessing::Preprocessing;
use crate::targets::encode_classes;

/// Training and validation arrays in the float type `D` plus what the model file needs to know
/// about them.
pub struct TrainData<D> {
    /// Classification or regression.
    pub task: Task,
    /// The loss to train with.
    pub loss: Loss,
    /// Sorted class labels (classification).
    pub labels: Option<Vec<String>>,
    /// Feature names.
    pub features: Vec<String>,
    /// The target column name.
    pub target: String,
    /// Fitted on the training part.
    pub pre: Preprocessing,
    /// Preprocessed training features and encoded targets.
    pub train: (Array2<D>, Array2<D>),
    /// Preprocessed validation (test) features and encoded targets.
    pub val: (Array2<D>, Array2<D>),
}

impl<D> TrainData<D> {
    /// Copies labels, names and preprocessing into a model file.
    pub fn describe(&self, model: &mut ModelFile) {
        model.labels = self.labels.clone();
        model.features = self.features.clone();
        model.target = Some(self.target.clone());
        model.preprocessing = serde_json::to_value(&self.pre).ok();
    }

    /// Number of network outputs.
    pub fn n_out(&self) -> usize {
        self.train.1.ncols()
    }
}

/// Loads and prepares everything `nn train` needs, with the data in `D` from the start: the
/// features are read into `D` and preprocessed in place (fitted with `f64` sums), so for `f32`
/// no `f64` copy of the training set exists.
pub fn prepare<D: Float>(args: &TrainArgs) -> Result<TrainData<D>> {
    let options = args.data.csv_options();
    let path = args.data.data.as_deref().context("--data is required")?;
    let loaded = dataset::load_training(path, &options)?;
    let schema = loaded.schema.clone();
    let (mut train, mut test) = split(args, loaded)?;
    let task = match train.target {
        Target::Classes { .. } => Task::Classify,
        _ => Task::Regress,
    };
    let loss = pick_loss(args, task)?;
    let (y_train, y_test, labels, target) = encode(loss, &train, &test)?;
    let mut features = args.data.preprocess.build()?;
    // Move the feature matrices through the preprocessing: no second copy of a large set.
    let take = |a: &mut Array2<D>| std::mem::replace(a, Array2::zeros((0, 0)));
    // Scaling applies to the numeric columns; one-hot indicators after them stay 0/1.
    let n_numeric = schema.as_ref().map_or(usize::MAX, CsvSchema::n_numeric);
    let x_train = features.fit_transform_leading(take(&mut train.features), n_numeric)?;
    let x_test = features.transform_leading(take(&mut test.features), n_numeric)?;
    Ok(TrainData {
        task,
        loss,
        labels,
        features: train.feature_names.clone(),
        target: train.target_name.clone().unwrap_or_default(),
        pre: Preprocessing {
            schema,
            features,
            target,
        },
        train: (x_train, y_train),
        val: (x_test, y_test),
    })
}

fn pick_loss(args: &TrainArgs, task: Task) -> Result<Loss> {
    let loss = args.net.loss.build().unwrap_or(match task {
        Task::Regress => Loss::Mse,
        _ => Loss::CrossEntropy,
    });
    if task == Task::Regress && matches!(loss, Loss::CrossEntropy | Loss::Bce) {
        let name = loss.name();
        return Err(usage(format!(
            "--loss {name} needs a classification target; use mse or half-sse (or --task classify)"
        )));
    }
    Ok(loss)
}

/// The test part: a separate file read with the training schema, an MNIST folder's `t10k`
/// files, or nn-data's seeded (stratified) split.
fn split<D: Float>(args: &TrainArgs, loaded: Training<D>) -> Result<(Dataset<D>, Dataset<D>)> {
    let (train, test) = match (&args.test.test, loaded.folder_test) {
        (Some(path), _) => {
            let options = nn_data::ApplyOptions {
                delimiter: args.data.delimiter,
                ..Default::default()
            };
            let (test, _) = dataset::load_with_schema(path, loaded.schema.as_ref(), &options)?;
            ensure!(
                !matches!(test.target, Target::None),
                "{}: no target column",
                path.display()
            );
            (loaded.data, test)
        }
        (None, Some(test)) => (loaded.data, test),
        (None, None) => {
            nn_data::train_test_split(&loaded.data, args.test.test_split, args.run.seed)?
        }
    };
    if train.n_samples() == 0 || test.n_samples() == 0 {
        bail!(
            "{}: the train/test split leaves a part empty ({} train, {} test rows); change --test-split or pass --test FILE",
            data_name(args),
            train.n_samples(),
            test.n_samples()
        );
    }
    Ok((train, test))
}

type Encoded<D> = (
    Array2<D>,
    Array2<D>,
    Option<Vec<String>>,
    Option<StandardScaler>,
);

fn encode<D: Float>(loss: Loss, train: &Dataset<D>, test: &Dataset<D>) -> Result<Encoded<D>> {
    match (&train.target, &test.target) {
        (
            Target::Classes { indices, labels },
            Target::Classes {
                indices: test_idx, ..
            },
        ) => {
            let name = train.target_name.clone().unwrap_or_default();
            ensure!(
                labels.len() >= 2,
                "the target {name:?} has only {} class(es)",
                labels.len()
            );
            if loss == Loss::Bce && labels.len() != 2 {
                let n = labels.len();
                return Err(usage(format!(
                    "--loss bce needs exactly 2 classes, {name:?} has {n}"
                )));
            }
            let y = |idx: &[usize]| encode_classes(idx, labels.len(), loss == Loss::Bce);
            Ok((y(indices), y(test_idx), Some(labels.clone()), None))
        }
        (Target::Values(train_y), Target::Values(test_y)) => {
            // Fitted and standardized in f64 (targets are one column), then rounded to D.
            let column = |v: &ndarray::Array1<f64>| v.clone().insert_axis(Axis(1));
            let mut scaler = StandardScaler::default();
            let y_train = scaler.fit_transform(column(train_y).view())?;
            let y_test = scaler.transform(column(test_y).view())?;
            let (y_train, y_test) = (y_train.mapv(D::from_f64), y_test.mapv(D::from_f64));
            Ok((y_train, y_test, None, Some(scaler)))
        }
        _ => bail!("the training and test targets are not of the same kind"),
    }
}

/// The `--data` path for messages.
pub fn data_name(args: &TrainArgs) -> String {
    args.data
        .data
        .as_deref()
        .map_or("(no --data)".into(), |p| p.display().to_string())
}
