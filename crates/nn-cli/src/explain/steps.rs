//! `nn explain --steps N`: the chapter's "plug the updated weights back in and keep iterating
//! until the output approaches the target".
//!
//! The iteration is nn-optim's: a [`Trainer`] with batches of the one sample and no shuffling
//! (so one epoch is one step), plain [`Sgd`] at a constant rate η, wrapped in [`FreezeBias`]
//! with `--freeze-bias`. The trainer reports the loss *before* each update, so E after step
//! `s` is report `s` (`s < N`); E after the last step takes one more forward pass.

use std::fmt::Write;

use anyhow::{Context, Result};
use ndarray::Array2;
use nn_core::{Loss, Network};
use nn_optim::{schedule::Constant, FreezeBias, OptimError, Optimizer, Sgd, SgdConfig, Trainer};
use serde_json::{json, Value};

use crate::explain::json::named;
use crate::explain::text::f;
use crate::explain::{Names, Step};

/// The result of `N` steps.
pub struct Iteration {
    /// `N`.
    pub steps: usize,
    /// The learning rate η.
    pub lr: f64,
    /// Whether the biases were kept.
    pub freeze_bias: bool,
    /// `E_total` with the parameters after `s` steps, for `s = 0..=N`.
    pub losses: Vec<f64>,
    /// The network's outputs after the last step, `(1, n_out)`.
    pub outputs: Array2<f64>,
    /// The target, `(1, n_out)`.
    pub target: Array2<f64>,
}

/// Runs `steps` steps of `step`'s network on its sample `x`.
pub fn iterate(step: &Step, x: &Array2<f64>, steps: usize) -> Result<Iteration> {
    let mut net = step.net.clone();
    let losses = train(&mut net, step, x, steps).context("iterating the step (--steps)")?;
    Ok(Iteration {
        steps,
        lr: step.lr,
        freeze_bias: step.freeze_bias,
        losses,
        outputs: net.forward(x.view())?.to_owned(),
        target: step.target.clone(),
    })
}

/// Trains `net` in place; returns E_total after 0, 1, …, `steps` steps.
fn train(net: &mut Network<f64>, step: &Step, x: &Array2<f64>, steps: usize) -> Result<Vec<f64>> {
    let (t, loss) = (step.target.view(), step.loss);
    let mut sgd = Sgd::new(SgdConfig::default())?;
    let mut frozen;
    let opt: &mut dyn Optimizer<f64> = if step.freeze_bias {
        frozen = FreezeBias::new(&mut sgd);
        &mut frozen
    } else {
        &mut sgd
    };
    let schedule = Constant::new(step.lr)?;
    let mut trainer = Trainer::new(1, 0).without_shuffle();
    let reports = trainer
        .fit(net, opt, &schedule, loss, x.view(), t, steps)
        .map_err(in_steps)?;
    let last = final_loss(net, loss, x, step.target)?;
    Ok(reports.iter().map(|r| r.train_loss).chain([last]).collect())
}

/// Divergence told in steps (the trainer counts epochs, each one step here).
fn in_steps(e: OptimError) -> anyhow::Error {
    match e {
        OptimError::Diverged { epoch, loss, .. } => {
            anyhow::anyhow!("E_total is {loss} after {epoch} steps (diverged); try a lower --lr")
        }
        other => other.into(),
    }
}

/// The loss after the last update (an evaluation forward pass).
fn final_loss(net: &mut Network<f64>, loss: Loss, x: &Array2<f64>, t: &Array2<f64>) -> Result<f64> {
    let out = net.forward(x.view())?;
    Ok(loss.value(out, t.view())?)
}

/// The steps printed: 0 to 10, the powers of ten, and the last.
pub fn selected(steps: usize) -> Vec<usize> {
    let powers = std::iter::successors(Some(100_usize), |p| p.checked_mul(10));
    let mut out: Vec<usize> = (0..=steps.min(10))
        .chain(powers.take_while(|&p| p <= steps))
        .collect();
    if out.last() != Some(&steps) {
        out.push(steps);
    }
    out
}

/// How E_total is printed: 9 decimals, or 9 significant digits once it is below 0.001.
fn e(v: f64) -> String {
    if v.abs() >= 1e-3 || v == 0.0 {
        f(v)
    } else {
        format!("{v:.9e}")
    }
}

/// The text after the explanation.
pub fn render(it: &Iteration, names: &Names) -> String {
    let mut s = String::new();
    let biases = if it.freeze_bias {
        "biases frozen"
    } else {
        "biases updated too"
    };
    let (n, lr) = (it.steps, it.lr);
    let _ = writeln!(
        s,
        "\n== Keep iterating: {n} steps of w⁺ = w − η·∂E/∂w (η = {lr}, {biases}) =="
    );
    let _ = writeln!(s, "  {:>8}  {:>16}", "step", "E_total");
    for k in selected(n) {
        let _ = writeln!(s, "  {k:>8}  {:>16}", e(it.losses[k]));
    }
    let _ = writeln!(s, "After {n} steps:");
    let outputs = names.neurons.last().map(Vec::as_slice).unwrap_or_default();
    for (j, o) in outputs.iter().enumerate() {
        let (out, t) = (it.outputs[[0, j]], it.target[[0, j]]);
        let _ = writeln!(s, "  out_{o} = {} (target {})", f(out), f(t));
    }
    s
}

/// The `"steps"` object of the JSON output.
pub fn to_json(it: &Iteration, names: &Names) -> Value {
    let series: Vec<Value> = selected(it.steps)
        .into_iter()
        .map(|k| json!({"step": k, "E_total": it.losses[k]}))
        .collect();
    let outputs = names.neurons.last().map(Vec::as_slice).unwrap_or_default();
    json!({
        "count": it.steps,
        "lr": it.lr,
        "freeze_bias": it.freeze_bias,
        "E_total": series,
        "outputs": named(outputs, it.outputs.row(0).iter()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selected_steps_are_the_first_ten_powers_of_ten_and_the_last() {
        assert_eq!(selected(3), vec![0, 1, 2, 3]);
        assert_eq!(
            selected(1000),
            vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100, 1000]
        );
        assert_eq!(
            selected(250),
            vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100, 250]
        );
    }

    #[test]
    fn small_losses_keep_nine_significant_digits() {
        assert_eq!(e(0.096867268202), "0.096867268");
        assert_eq!(e(6.408347793458268e-14), "6.408347793e-14");
    }
}
