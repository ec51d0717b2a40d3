//! The per-epoch record of a training run as `nn train` reports it, and its curves plot.

use std::path::Path;

use anyhow::Result;
use nn_data::Task;
use nn_optim::EpochReport;

use crate::fsutil::Staged;
use crate::plot::{Lines, Row, Series};
use crate::progress::EpochLine;

/// Per-epoch numbers of one run.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct History {
    /// One line per epoch.
    pub epochs: Vec<EpochLine>,
    /// Total training seconds (validation included).
    pub seconds: f64,
}

impl History {
    /// The lines of nn-optim's per-epoch reports.
    pub fn from_reports(reports: &[EpochReport]) -> Self {
        History {
            epochs: reports.iter().map(EpochLine::from).collect(),
            seconds: reports.iter().map(|r| r.seconds).sum(),
        }
    }
}

/// The short name of the task's metric in per-epoch lines: `acc` or `r2`.
pub fn metric_name(task: Task) -> &'static str {
    match task {
        Task::Regress => "r2",
        _ => "acc",
    }
}

/// Draws the loss curves and the validation accuracy (or R²) curve side by side (without
/// validation, the training loss alone) into a file that `commit` puts at `path`.
pub fn plot_curves(path: &Path, history: &History, task: Task) -> Result<Staged> {
    let series = |name: &str, f: fn(&EpochLine) -> Option<f64>| Series {
        name: name.into(),
        points: history
            .epochs
            .iter()
            .filter_map(|e| Some((e.epoch as f64, f(e)?)))
            .collect(),
    };
    let loss = Lines {
        title: "loss".into(),
        x_label: "epoch".into(),
        y_label: "loss".into(),
        series: vec![
            series("train", |e| Some(e.train_loss)),
            series("validation", |e| e.val_loss),
        ],
    };
    let metric = match task {
        Task::Regress => "validation R²",
        _ => "validation accuracy",
    };
    let score = Lines {
        title: metric.into(),
        x_label: "epoch".into(),
        y_label: metric.into(),
        series: vec![series(metric, |e| e.val_metric)],
    };
    crate::plot::stage(path, &Row(vec![loss, score]), (1100, 450))
}
