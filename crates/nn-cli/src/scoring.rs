//! Scoring a network on a part of the data: the loss and the task's metric (accuracy for
//! classification, R² for regression), through nn-optim's chunked evaluation loop. Used as the
//! per-epoch validator and for the final test score.

use ndarray::Array2;
use nn_core::{Loss, Network};
use nn_data::Task;
use nn_optim::{evaluate_chunks, Validation, Validator, EVAL_CHUNK};
use nn_tensor::Float;

use crate::metrics::{accuracy, classes, regression_scores};
use crate::prepare_train::Part;

/// A part of the data with the loss and task it is scored by.
pub struct Scorer<'a, T> {
    /// Features and encoded targets.
    pub part: &'a Part<T>,
    /// The training loss.
    pub loss: Loss,
    /// Accuracy or R².
    pub task: Task,
}

impl<T: Float> Scorer<'_, T> {
    /// The loss and the metric of `net` on the part.
    pub fn score(&self, net: &mut Network<T>) -> nn_optim::Result<Validation> {
        let (x, y) = (self.part.0.view(), self.part.1.view());
        let mut out = Array2::<f64>::zeros(y.dim());
        let loss = evaluate_chunks(net, self.loss, x, y, EVAL_CHUNK, |rows, o| {
            out.slice_mut(nn_tensor::s![rows, ..])
                .zip_mut_with(&o, |d, &v| *d = v.to_f64());
        })?;
        let truth = y.mapv(|v| v.to_f64());
        let metric = match self.task {
            Task::Regress => regression_scores(truth.view(), out.view()).r2,
            _ => accuracy(&classes(truth.view()), &classes(out.view())),
        };
        Ok(Validation {
            loss,
            metric: Some(metric),
        })
    }
}

impl<T: Float> Validator<T> for Scorer<'_, T> {
    fn validate(&mut self, net: &mut Network<T>) -> nn_optim::Result<Validation> {
        self.score(net)
    }
}
