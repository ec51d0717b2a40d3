//! Training progress: an indicatif bar on a terminal, plain per-epoch lines otherwise, nothing
//! with `--quiet`.

use std::io::IsTerminal;

use crate::stdout::outln;
use indicatif::{ProgressBar, ProgressStyle};

/// One epoch's numbers, as reported.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct EpochLine {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training loss.
    pub train_loss: f64,
    /// Validation loss (absent without validation).
    pub val_loss: Option<f64>,
    /// Validation accuracy (classification) or R² (regression).
    pub val_metric: Option<f64>,
    /// The learning rate used.
    pub lr: f64,
    /// Seconds the epoch took.
    pub seconds: f64,
}

impl From<&nn_optim::EpochReport> for EpochLine {
    fn from(r: &nn_optim::EpochReport) -> Self {
        EpochLine {
            epoch: r.epoch + 1,
            train_loss: r.train_loss,
            val_loss: r.val_loss,
            val_metric: r.val_metric,
            lr: r.lr,
            seconds: r.seconds,
        }
    }
}

/// Where progress goes.
pub enum Progress {
    /// A terminal progress bar.
    Bar(ProgressBar),
    /// One line per epoch on stdout.
    Lines,
    /// Nothing.
    Quiet,
}

impl Progress {
    /// A bar when stdout is a terminal, lines otherwise, nothing when `quiet`.
    pub fn new(epochs: usize, quiet: bool) -> Self {
        if quiet {
            return Progress::Quiet;
        }
        if !std::io::stdout().is_terminal() {
            return Progress::Lines;
        }
        let bar = ProgressBar::new(epochs as u64);
        let template = "{bar:30} epoch {pos}/{len} {msg} ETA {eta}";
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        Progress::Bar(bar)
    }

    /// Reports one epoch; `metric` names the validation metric (`acc` or `R²`). A write error
    /// on standard output is returned.
    pub fn epoch(&self, line: &EpochLine, metric: &str) -> anyhow::Result<()> {
        let val = match (line.val_loss, line.val_metric) {
            (Some(loss), Some(m)) => format!("  val_loss {loss:.4}  val_{metric} {m:.4}"),
            (Some(loss), None) => format!("  val_loss {loss:.4}"),
            _ => String::new(),
        };
        let text = format!("train_loss {:.4}{val}  lr {:.3e}", line.train_loss, line.lr);
        match self {
            Progress::Bar(bar) => {
                bar.set_message(text);
                bar.inc(1);
            }
            Progress::Lines => outln!("epoch {:>4}  {text}  ({:.2}s)", line.epoch, line.seconds)?,
            Progress::Quiet => {}
        }
        Ok(())
    }

    /// Reports the parts' row counts and the seconds from the start to the first epoch, as a
    /// line before the first epoch's, e.g.
    /// `data        54000 train  6000 val  10000 test rows  (ready in 0.42s)`.
    pub fn ready(&self, rows: &[(&str, usize)], seconds: f64) -> anyhow::Result<()> {
        let parts: Vec<String> = rows.iter().map(|(part, n)| format!("{n} {part}")).collect();
        let text = format!(
            "data        {} rows  (ready in {seconds:.2}s)",
            parts.join("  ")
        );
        match self {
            Progress::Bar(bar) => bar.println(text),
            Progress::Lines => outln!("{text}")?,
            Progress::Quiet => {}
        }
        Ok(())
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
