//! The SPEC parser behind [`Schedule::parse`]; the grammar is in the module docs.

use super::{
    Constant, Cosine, CosineRestarts, Exponential, InverseTime, MultiStep, OneCycle, PlateauConfig,
    Polynomial, ReduceOnPlateau, Schedule, StepDecay,
};
use crate::{OptimError, Result};

/// Every accepted SPEC form, `|`-separated (also appended to every parse error).
///
/// ```
/// assert!(nn_optim::schedule::SPEC_SYNTAX.contains("step:STEP_SIZE:GAMMA"));
/// ```
pub const SPEC_SYNTAX: &str = "constant | step:STEP_SIZE:GAMMA | multistep:M1,M2,...:GAMMA \
    | exp:GAMMA | inverse-time:K | poly:POWER[:END_LR] | cosine[:MIN_LR] \
    | cosine-restarts:T_0:T_MULT[:MIN_LR] | onecycle[:PCT_START[:DIV_FACTOR:FINAL_DIV_FACTOR]] \
    | plateau[:PATIENCE:FACTOR[:COOLDOWN[:MIN_LR]]]";

/// (name, usage) for each form, in [`SPEC_SYNTAX`] order.
const FORMS: [(&str, &str); 10] = [
    ("constant", "constant"),
    ("step", "step:STEP_SIZE:GAMMA"),
    ("multistep", "multistep:M1,M2,...:GAMMA"),
    ("exp", "exp:GAMMA"),
    ("inverse-time", "inverse-time:K"),
    ("poly", "poly:POWER[:END_LR]"),
    ("cosine", "cosine[:MIN_LR]"),
    ("cosine-restarts", "cosine-restarts:T_0:T_MULT[:MIN_LR]"),
    (
        "onecycle",
        "onecycle[:PCT_START[:DIV_FACTOR:FINAL_DIV_FACTOR]]",
    ),
    ("plateau", "plateau[:PATIENCE:FACTOR[:COOLDOWN[:MIN_LR]]]"),
];

/// A parse failure's reason, before the SPEC and syntax are attached.
type Built = std::result::Result<Schedule, String>;

pub(super) fn parse(spec: &str, base_lr: f64, epochs: usize) -> Result<Schedule> {
    let built = build(spec.trim(), base_lr, epochs).and_then(|s| check_finite(s, epochs));
    built.map_err(|reason| OptimError::InvalidSchedule {
        spec: spec.to_owned(),
        reason: format!("{reason}; accepted: {SPEC_SYNTAX}"),
    })
}

/// Rejects a schedule whose rate overflows (e.g. `exp:1e7`) within the run's epochs (the first
/// 100 000 are checked).
fn check_finite(s: Schedule, epochs: usize) -> Built {
    use super::LrSchedule;
    match (0..epochs.clamp(1, 100_000))
        .map(|t| (t, s.lr_at(t)))
        .find(|(_, r)| !r.is_finite())
    {
        Some((t, r)) => Err(format!("the learning rate becomes {r} at epoch {t}")),
        None => Ok(s),
    }
}

fn build(spec: &str, lr: f64, epochs: usize) -> Built {
    let mut parts = spec.split(':');
    let name = parts.next().unwrap_or_default().to_ascii_lowercase();
    let args = Args {
        name: &name,
        values: parts.map(str::trim).collect(),
    };
    match args.name {
        "constant" => args
            .arity(&[0])
            .and(config(Constant::new(lr).map(Schedule::Constant))),
        "step" => step(&args, lr),
        "multistep" => multistep(&args, lr),
        "exp" => exp(&args, lr),
        "inverse-time" => inverse_time(&args, lr),
        "poly" => poly(&args, lr, epochs),
        "cosine" => cosine(&args, lr, epochs),
        "cosine-restarts" => cosine_restarts(&args, lr),
        "onecycle" => onecycle(&args, lr, epochs),
        "plateau" => plateau(&args, lr),
        "" => Err("empty schedule name".to_owned()),
        other => Err(format!("unknown schedule {other:?}")),
    }
}

fn step(a: &Args, lr: f64) -> Built {
    a.arity(&[2])?;
    config(StepDecay::new(lr, a.int(0, "STEP_SIZE")?, a.num(1, "GAMMA")?).map(Schedule::Step))
}

fn multistep(a: &Args, lr: f64) -> Built {
    a.arity(&[2])?;
    let milestones = a.ints(0, "MILESTONES")?;
    config(MultiStep::new(lr, milestones, a.num(1, "GAMMA")?).map(Schedule::MultiStep))
}

fn exp(a: &Args, lr: f64) -> Built {
    a.arity(&[1])?;
    config(Exponential::new(lr, a.num(0, "GAMMA")?).map(Schedule::Exponential))
}

fn inverse_time(a: &Args, lr: f64) -> Built {
    a.arity(&[1])?;
    config(InverseTime::new(lr, a.num(0, "K")?).map(Schedule::InverseTime))
}

fn poly(a: &Args, lr: f64, epochs: usize) -> Built {
    a.arity(&[1, 2])?;
    let (power, end_lr) = (a.num(0, "POWER")?, a.num_or(1, "END_LR", 0.0)?);
    config(Polynomial::new(lr, end_lr, power, epochs).map(Schedule::Polynomial))
}

fn cosine(a: &Args, lr: f64, epochs: usize) -> Built {
    a.arity(&[0, 1])?;
    config(Cosine::new(lr, a.num_or(0, "MIN_LR", 0.0)?, epochs).map(Schedule::Cosine))
}

fn cosine_restarts(a: &Args, lr: f64) -> Built {
    a.arity(&[2, 3])?;
    let (t_0, t_mult) = (a.int(0, "T_0")?, a.int(1, "T_MULT")?);
    let min_lr = a.num_or(2, "MIN_LR", 0.0)?;
    config(CosineRestarts::new(lr, min_lr, t_0, t_mult).map(Schedule::CosineRestarts))
}

fn onecycle(a: &Args, lr: f64, epochs: usize) -> Built {
    a.arity(&[0, 1, 3])?;
    let pct_start = a.num_or(0, "PCT_START", 0.3)?;
    let div = a.num_or(1, "DIV_FACTOR", 25.0)?;
    let final_div = a.num_or(2, "FINAL_DIV_FACTOR", 1e4)?;
    let s = OneCycle::new(lr, epochs, pct_start).and_then(|s| s.with_div_factors(div, final_div));
    config(s.map(Schedule::OneCycle))
}

fn plateau(a: &Args, lr: f64) -> Built {
    a.arity(&[0, 2, 3, 4])?;
    let d = PlateauConfig::default();
    let c = PlateauConfig {
        patience: a.int_or(0, "PATIENCE", d.patience)?,
        factor: a.num_or(1, "FACTOR", d.factor)?,
        cooldown: a.int_or(2, "COOLDOWN", d.cooldown)?,
        min_lr: a.num_or(3, "MIN_LR", d.min_lr)?,
        ..d
    };
    config(ReduceOnPlateau::new(lr, c).map(Schedule::Plateau))
}

/// A constructor's validation error as a parse reason.
fn config(built: Result<Schedule>) -> Built {
    built.map_err(|e| e.to_string())
}

/// The `:`-separated arguments after the schedule name.
struct Args<'a> {
    name: &'a str,
    values: Vec<&'a str>,
}

impl Args<'_> {
    fn arity(&self, allowed: &[usize]) -> std::result::Result<(), String> {
        if allowed.contains(&self.values.len()) {
            return Ok(());
        }
        let counts: Vec<String> = allowed.iter().map(usize::to_string).collect();
        let usage = FORMS
            .iter()
            .find(|(n, _)| *n == self.name)
            .map_or("", |(_, u)| u);
        Err(format!(
            "{} takes {} argument(s), got {}: use {usage}",
            self.name,
            counts.join(" or "),
            self.values.len()
        ))
    }

    fn num(&self, i: usize, what: &str) -> std::result::Result<f64, String> {
        let text = self.values[i];
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(format!("{what}: expected a finite number, got {text:?}")),
        }
    }

    fn num_or(&self, i: usize, what: &str, default: f64) -> std::result::Result<f64, String> {
        if i < self.values.len() {
            self.num(i, what)
        } else {
            Ok(default)
        }
    }

    fn int(&self, i: usize, what: &str) -> std::result::Result<usize, String> {
        parse_int(self.values[i], what)
    }

    fn int_or(&self, i: usize, what: &str, default: usize) -> std::result::Result<usize, String> {
        if i < self.values.len() {
            self.int(i, what)
        } else {
            Ok(default)
        }
    }

    fn ints(&self, i: usize, what: &str) -> std::result::Result<Vec<usize>, String> {
        self.values[i]
            .split(',')
            .map(|t| parse_int(t.trim(), what))
            .collect()
    }
}

fn parse_int(text: &str, what: &str) -> std::result::Result<usize, String> {
    text.parse()
        .map_err(|_| format!("{what}: expected a non-negative integer, got {text:?}"))
}

#[cfg(test)]
mod tests;
