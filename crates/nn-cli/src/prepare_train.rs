//! The data side of `nn train`: load, pick the task and loss, encode targets, split, and fit
//! the preprocessing on the training part.

use anyhow::{ensure, Context, Result};
use ndarray::Array2;
use nn_core::Loss;
use serde::{Deserialize, Serialize};

use crate::dataset::{self, Table};
use crate::fsutil::usage;
use crate::model_file::{ModelFile, Task};
use crate::prepare::{self, Method, Scaler};
use crate::train::{TaskArg, TrainArgs};

/// The preprocessing saved in the model file: feature scaler, and for regression the target
/// scaler (the network predicts standardized targets).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Preprocessing {
    /// Applied to the features before the network.
    pub features: Scaler,
    /// Inverse-applied to the network's regression outputs.
    #[serde(default)]
    pub target: Option<Scaler>,
}

/// Training and validation arrays plus what the model file needs to know about them.
pub struct TrainData {
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
    pub train: (Array2<f64>, Array2<f64>),
    /// Preprocessed validation (test) features and encoded targets.
    pub val: (Array2<f64>, Array2<f64>),
}

impl TrainData {
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

/// Loads and prepares everything `nn train` needs.
pub fn prepare(args: &TrainArgs) -> Result<TrainData> {
    let table = dataset::load(&args.data, args.target.as_deref(), args.missing, true)?;
    let (name, cells) = table.target.clone().expect("target required");
    let task = match args.task {
        TaskArg::Auto => prepare::detect_task(&cells),
        TaskArg::Classify => Task::Classify,
        TaskArg::Regress => Task::Regress,
    };
    let loss = pick_loss(args, task)?;
    let (train, test) = split_tables(args, table, &name, task)?;
    let in_data = || format!("in {}", args.data.display());
    ensure!(train.x.nrows() > 0 && test.x.nrows() > 0, "{}: the train/test split leaves a part empty ({} train, {} test rows); change --test-split or pass --test FILE", in_data(), train.x.nrows(), test.x.nrows());
    let (y_train, y_test, labels, target_scaler) =
        encode(task, loss, &train, &test, &name).with_context(in_data)?;
    let scaler = Scaler::fit(args.preprocess, train.x.view())?;
    let x_train = scaler.transform(train.x.view())?;
    let x_test = scaler.transform(test.x.view())?;
    Ok(TrainData {
        task,
        loss,
        labels,
        features: train.features,
        target: name,
        pre: Preprocessing {
            features: scaler,
            target: target_scaler,
        },
        train: (x_train, y_train),
        val: (x_test, y_test),
    })
}

fn pick_loss(args: &TrainArgs, task: Task) -> Result<Loss> {
    let loss = args.loss.build().unwrap_or(match task {
        Task::Classify => Loss::CrossEntropy,
        Task::Regress => Loss::Mse,
    });
    if task == Task::Regress && matches!(loss, Loss::CrossEntropy | Loss::Bce) {
        return Err(usage(format!(
            "--loss {} needs a classification target; use mse or half-sse",
            loss.name()
        )));
    }
    Ok(loss)
}

/// The test part: a separate file, the MNIST folder's t10k files, or a seeded split.
fn split_tables(args: &TrainArgs, table: Table, name: &str, task: Task) -> Result<(Table, Table)> {
    if let Some(path) = &args.test {
        let test = dataset::load_columns(path, &table.features, Some(name))?;
        ensure!(
            test.target.is_some(),
            "{} has no target column {name:?}",
            path.display()
        );
        return Ok((table, test));
    }
    if args.data.is_dir() {
        let test = crate::mnist::load_folder(&args.data, crate::mnist::Part::Test)?;
        return Ok((table, test));
    }
    let cells = &table.target.as_ref().expect("target").1;
    let classes = match task {
        Task::Classify => Some(prepare::label_indices(
            cells,
            &prepare::sorted_labels(cells),
        )?),
        Task::Regress => None,
    };
    let (tr, te) = prepare::split(
        table.x.nrows(),
        classes.as_deref(),
        args.test_split,
        args.seed,
    );
    Ok((subset(&table, &tr), subset(&table, &te)))
}

fn subset(table: &Table, idx: &[usize]) -> Table {
    let target = table
        .target
        .as_ref()
        .map(|(n, c)| (n.clone(), idx.iter().map(|&i| c[i].clone()).collect()));
    Table {
        features: table.features.clone(),
        x: prepare::rows(table.x.view(), idx),
        target,
    }
}

type Encoded = (
    Array2<f64>,
    Array2<f64>,
    Option<Vec<String>>,
    Option<Scaler>,
);

fn encode(task: Task, loss: Loss, train: &Table, test: &Table, name: &str) -> Result<Encoded> {
    let cells = |t: &Table| {
        t.target
            .as_ref()
            .map(|(_, c)| c.clone())
            .unwrap_or_default()
    };
    let (tr, te) = (cells(train), cells(test));
    if task == Task::Regress {
        let (y_tr, y_te) = (
            prepare::numeric_targets(&tr, name)?,
            prepare::numeric_targets(&te, name)?,
        );
        let ts = Scaler::fit(Method::Standardize, y_tr.view())?;
        return Ok((
            ts.transform(y_tr.view())?,
            ts.transform(y_te.view())?,
            None,
            Some(ts),
        ));
    }
    let labels = prepare::sorted_labels(&tr);
    ensure!(
        labels.len() >= 2,
        "the target {name:?} has only {} distinct value(s)",
        labels.len()
    );
    if loss == Loss::Bce && labels.len() != 2 {
        return Err(usage(format!(
            "--loss bce needs exactly 2 classes, {name:?} has {}",
            labels.len()
        )));
    }
    let width = if loss == Loss::Bce { 1 } else { labels.len() };
    let y_tr = prepare::one_hot(&prepare::label_indices(&tr, &labels)?, width);
    let y_te = prepare::one_hot(&prepare::label_indices(&te, &labels)?, width);
    Ok((y_tr, y_te, Some(labels), None))
}
