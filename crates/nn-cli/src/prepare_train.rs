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

/// Features and encoded targets of one part of the data, in the float type `D`.
pub type Part<D> = (Array2<D>, Array2<D>);

/// The training, validation and test parts in the float type `D` plus what the model file
/// needs to know about them. The preprocessing is fitted on the training part only.
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
    pub train: Part<D>,
    /// The validation part, watched every epoch (absent with `--val-split 0`).
    pub val: Option<Part<D>>,
    /// The test part, evaluated once after training.
    pub test: Part<D>,
    /// When the preparation began (before the data was read): the time to the first epoch
    /// is measured from it.
    pub started: std::time::Instant,
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
    let started = std::time::Instant::now();
    let loaded = load(args)?;
    let schema = loaded.schema.clone();
    let (train, test) = split_test(args, loaded)?;
    let data = from_parts(args, train, test, schema)?;
    Ok(TrainData { started, ..data })
}

/// Reads `--data` (a CSV with the target, task and missing-cell flags, or an MNIST folder).
pub fn load<D: Float>(args: &TrainArgs) -> Result<Training<D>> {
    let options = args.data.csv_options();
    let path = args
        .data
        .data
        .as_deref()
        .ok_or_else(|| usage("--data is required"))?;
    dataset::load_training(path, &options)
}

/// Everything `nn train` needs from a training part and a test part already split: the
/// validation part split off the training part, targets encoded and features preprocessed
/// (fitted on the training part only).
pub fn from_parts<D: Float>(
    args: &TrainArgs,
    train: Dataset<D>,
    test: Dataset<D>,
    schema: Option<nn_data::CsvSchema>,
) -> Result<TrainData<D>> {
    let started = std::time::Instant::now();
    let (mut train, val) = split_val(args, train, schema.as_ref())?;
    let task = task_of(&train);
    let loss = pick_loss(args, task)?;
    let mut encoder = Encoder::fit(loss, &train, &data_name(args))?;
    let parts = [Some(&train), val.as_ref(), Some(&test)];
    let rows = parts.iter().flatten().map(|d| d.features.nrows());
    let rows = (rows.clone().sum(), rows.max().unwrap_or(0));
    encoder.check_size::<D>(rows, train.target_name.as_deref().unwrap_or_default())?;
    let mut features = args.data.preprocess_method().build()?;
    // --init: the model's weights expect its own fitted preprocessing; keep it.
    let warm = warm_start(args, &train, &encoder)?;
    if let Some(pre) = &warm {
        (features, encoder.scaler) = (pre.features.clone(), pre.target.clone());
    }
    let y_train = encoder.encode(&train)?;
    // Scaling applies to the numeric columns; one-hot indicators after them stay 0/1.
    // Move the feature matrices through the preprocessing: no second copy of a large set.
    let n_numeric = schema.as_ref().map_or(usize::MAX, CsvSchema::n_numeric);
    if warm.is_none() && args.data.preprocess_method().is_whitening() {
        let columns = n_numeric.min(train.features.ncols());
        crate::limits::bounds::check_whitening(columns)?;
    }
    let x_train = match warm {
        Some(_) => features.transform_leading(take(&mut train.features), n_numeric)?,
        None => features
            .fit_transform_leading(take(&mut train.features), n_numeric)
            .map_err(|e| dataset::name_column(e, &train.feature_names, &data_name(args)))?,
    };
    let mut part = |mut d: Dataset<D>| -> Result<Part<D>> {
        let y = encoder.encode(&d)?;
        Ok((
            features.transform_leading(take(&mut d.features), n_numeric)?,
            y,
        ))
    };
    let (val, test) = (val.map(&mut part).transpose()?, part(test)?);
    Ok(TrainData {
        task,
        loss,
        labels: encoder.labels,
        features: train.feature_names.clone(),
        target: train.target_name.clone().unwrap_or_default(),
        pre: Preprocessing {
            schema,
            features,
            target: encoder.scaler,
        },
        train: (x_train, y_train),
        val,
        test,
        started,
    })
}

/// With `--init MODEL`, the model's preprocessing, after checking that the data has the model's
/// feature columns (in order) and classes.
fn warm_start<D>(
    args: &TrainArgs,
    train: &Dataset<D>,
    encoder: &Encoder,
) -> Result<Option<Preprocessing>> {
    let Some(path) = &args.init else {
        return Ok(None);
    };
    let model = ModelFile::load(path)?;
    let (want, have) = (&model.features, &train.feature_names);
    if want != have {
        let missing: Vec<&String> = want.iter().filter(|f| !have.contains(f)).collect();
        let extra: Vec<&String> = have.iter().filter(|f| !want.contains(f)).collect();
        bail!(
            "--init {}: the data's feature columns differ from the model's (missing {missing:?}, extra {extra:?}{})",
            path.display(),
            if missing.is_empty() && extra.is_empty() { ", order differs" } else { "" }
        );
    }
    ensure!(
        model.labels == encoder.labels,
        "--init {}: the model's classes {:?} differ from the data's {:?}",
        path.display(),
        model.labels.unwrap_or_default(),
        encoder.labels.clone().unwrap_or_default()
    );
    let pre = model.preprocessing.with_context(|| {
        format!(
            "--init {}: the model has no preprocessing record",
            path.display()
        )
    })?;
    Ok(Some(serde_json::from_value(pre)?))
}

/// Moves the matrix out, leaving an empty one.
fn take<D: Float>(a: &mut Array2<D>) -> Array2<D> {
    std::mem::replace(a, Array2::zeros((0, 0)))
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
/// files, or nn-data's seeded (stratified) split (which moves the training rows in place).
fn split_test<D: Float>(args: &TrainArgs, loaded: Training<D>) -> Result<(Dataset<D>, Dataset<D>)> {
    let (train, test) = match (&args.test.test, loaded.folder_test) {
        (Some(path), _) => (loaded.data, labelled(args, path, loaded.schema.as_ref())?),
        (None, Some(test)) => (loaded.data, test),
        (None, None) => {
            nn_data::train_test_split_owned(loaded.data, args.test.test_split, args.run.seed)?
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

/// The validation part: a separate file, or a seeded (stratified) split of the non-test rows;
/// none with `--val-split 0`.
fn split_val<D: Float>(
    args: &TrainArgs,
    train: Dataset<D>,
    schema: Option<&nn_data::CsvSchema>,
) -> Result<(Dataset<D>, Option<Dataset<D>>)> {
    let (train, val) = match &args.val.val {
        Some(path) => (train, labelled(args, path, schema)?),
        None if args.val.val_split == 0.0 => return Ok((train, None)),
        None => {
            let (part, val) = nn_data::train_test_rows(&train, args.val.val_split, args.run.seed)?;
            if val.is_empty() || part.is_empty() {
                // Too few rows for a validation part (a tiny file): train on all of them.
                crate::stdout::errln!(
                    "note: --val-split {} of {} training rows leaves no validation rows; training without validation",
                    args.val.val_split,
                    train.n_samples()
                );
                return Ok((train, None));
            }
            // The training rows move in place; only the validation rows are copied.
            train.partition(&part, &val)?
        }
    };
    if train.n_samples() == 0 || val.n_samples() == 0 {
        bail!(
            "{}: the training or validation part is empty ({} train, {} validation rows)",
            data_name(args),
            train.n_samples(),
            val.n_samples()
        );
    }
    Ok((train, Some(val)))
}

/// A labelled file read with the training schema (and `--delimiter`).
fn labelled<D: Float>(
    args: &TrainArgs,
    path: &std::path::Path,
    schema: Option<&nn_data::CsvSchema>,
) -> Result<Dataset<D>> {
    let options = nn_data::ApplyOptions {
        delimiter: args.data.delimiter,
        max_bytes: crate::limits::budget::max_memory(),
        ..Default::default()
    };
    let (data, _) = dataset::load_with_schema(path, schema, &options)?;
    ensure!(
        !matches!(data.target, Target::None),
        "{}: no target column",
        path.display()
    );
    Ok(data)
}

/// How targets become network outputs: one-hot (or one 0/1 column for BCE) class indices, or
/// values standardized by a scaler fitted on the training part.
struct Encoder {
    loss: Loss,
    labels: Option<Vec<String>>,
    scaler: Option<StandardScaler>,
}

impl Encoder {
    /// Fits on the training part of `file` (named in errors).
    fn fit<D: Float>(loss: Loss, train: &Dataset<D>, file: &str) -> Result<Self> {
        match &train.target {
            Target::Classes { labels, .. } => {
                let name = train.target_name.clone().unwrap_or_default();
                ensure!(
                    labels.len() >= 2,
                    "{file}: the target {} has only {} class(es) in the training part ({}); a classifier needs at least 2",
                    nn_data::quoted(&name),
                    labels.len(),
                    nn_data::quoted_list(labels)
                );
                if loss == Loss::Bce && labels.len() != 2 {
                    let n = labels.len();
                    return Err(usage(format!(
                        "--loss bce needs exactly 2 classes, {name:?} has {n}"
                    )));
                }
                let labels = Some(labels.clone());
                Ok(Encoder {
                    loss,
                    labels,
                    scaler: None,
                })
            }
            Target::Values(y) => {
                let mut scaler = StandardScaler::default();
                let target = [train.target_name.clone().unwrap_or_default()];
                scaler
                    .fit(column(y).view())
                    .map_err(|e| crate::dataset::name_column(e, &target, file))?;
                Ok(Encoder {
                    loss,
                    labels: None,
                    scaler: Some(scaler),
                })
            }
            Target::None => bail!("the training data has no target column"),
        }
    }

    /// Refuses class targets for `rows` rows (every part; `scored` in the largest) whose
    /// [estimate](nn_cli::limits::estimate::class_targets) is over the memory budget: a text
    /// target with about as many values as rows is an id column picked by mistake.
    fn check_size<D>(&self, (rows, scored): (usize, usize), target: &str) -> Result<()> {
        let Some(labels) = &self.labels else {
            return Ok(());
        };
        let classes = if self.loss == Loss::Bce {
            1
        } else {
            labels.len()
        };
        let element = std::mem::size_of::<D>();
        let bytes = crate::limits::estimate::class_targets(rows, scored, classes, element);
        let what = format!("the targets of {rows} rows × {classes} classes of {target:?}");
        let hint = "is the target an id or free text? Choose the class column with --target, \
                    or --task regress for a numeric target";
        crate::limits::budget::check(bytes, &what, hint)
    }

    /// The network's targets for `data` (fitted and standardized in f64, then rounded to D).
    fn encode<D: Float>(&self, data: &Dataset<D>) -> Result<Array2<D>> {
        match (&data.target, &self.labels, &self.scaler) {
            (Target::Classes { indices, .. }, Some(labels), _) => Ok(encode_classes(
                indices,
                labels.len(),
                self.loss == Loss::Bce,
            )),
            (Target::Values(y), _, Some(scaler)) => {
                Ok(scaler.transform(column(y).view())?.mapv(D::from_f64))
            }
            _ => bail!("the training and held-out targets are not of the same kind"),
        }
    }
}

/// A target vector as one column.
fn column(v: &ndarray::Array1<f64>) -> Array2<f64> {
    v.clone().insert_axis(Axis(1))
}

/// The `--data` path for messages.
pub fn data_name(args: &TrainArgs) -> String {
    args.data
        .data
        .as_deref()
        .map_or("(no --data)".into(), |p| p.display().to_string())
}

/// Classification for class targets, regression otherwise.
pub fn task_of<D>(data: &Dataset<D>) -> Task {
    match data.target {
        Target::Classes { .. } => Task::Classify,
        _ => Task::Regress,
    }
}
