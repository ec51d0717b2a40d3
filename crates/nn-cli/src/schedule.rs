//! `nn schedule`: preview a learning-rate schedule (the same SPEC as `nn train --schedule`).

use anyhow::Result;
use nn_optim::LrSchedule;

use crate::args::ScheduleArgs;
use crate::plot::{Lines, Series};
use crate::stdout::outln;

/// Runs `nn schedule`.
pub fn run(args: ScheduleArgs) -> Result<()> {
    crate::outputs::Outputs::new()
        .plot("--plot", args.plot.as_deref())
        .check()?;
    let lr = crate::args::LrArgs {
        lr: args.lr,
        schedule: args.schedule.clone(),
        warmup: args.warmup,
    };
    let schedule = crate::builder::schedule(&lr, args.epochs)?;
    let rates: Vec<f64> = (0..args.epochs).map(|e| schedule.lr_at(e)).collect();
    outln!("{:>6} {:>14}", "epoch", "lr")?;
    for (epoch, lr) in rates.iter().enumerate() {
        outln!("{:>6} {:>14.8}", epoch + 1, lr)?;
    }
    if schedule.needs_metric() {
        outln!("note: plateau schedules lower the rate only when the validation loss stalls; this preview shows no metric, so the rate stays at its start")?;
    }
    if let Some(path) = &args.plot {
        let chart = Lines {
            title: format!("learning rate: {}", args.schedule),
            x_label: "epoch".into(),
            y_label: "lr".into(),
            series: vec![Series {
                name: args.schedule.clone(),
                points: rates
                    .iter()
                    .enumerate()
                    .map(|(e, &lr)| ((e + 1) as f64, lr))
                    .collect(),
            }],
        };
        let staged = crate::plot::stage(path, &chart, (800, 500))?;
        outln!("plot written to {}", path.display())?;
        staged.commit()?;
    }
    Ok(())
}
