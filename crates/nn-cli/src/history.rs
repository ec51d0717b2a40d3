//! The per-epoch record of a training run, and its curves plot.

use std::path::Path;

use anyhow::Result;
use nn_data::Task;

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

/// Writes the loss curves and the accuracy (or R²) curve side by side.
pub fn plot_curves(path: &Path, history: &History, task: Task) -> Result<()> {
    let points = |f: fn(&EpochLine) -> f64| {
        history
            .epochs
            .iter()
            .map(|e| (e.epoch as f64, f(e)))
            .collect()
    };
    let series = |name: &str, f: fn(&EpochLine) -> f64| Series {
        name: name.into(),
        points: points(f),
    };
    let metric = if task == Task::Classify {
        "test accuracy"
    } else {
        "test R²"
    };
    let loss = Lines {
        title: "loss".into(),
        x_label: "epoch".into(),
        y_label: "loss".into(),
        series: vec![
            series("train", |e| e.train_loss),
            series("test", |e| e.val_loss),
        ],
    };
    let score = Lines {
        title: metric.into(),
        x_label: "epoch".into(),
        y_label: metric.into(),
        series: vec![series(metric, |e| e.val_metric)],
    };
    crate::plot::save(path, &Row(vec![loss, score]), (1100, 450))
}
