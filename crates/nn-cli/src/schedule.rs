//! `nn schedule`: preview a learning-rate schedule (the same SPEC as `nn train --schedule`).

use anyhow::Result;
use nn_optim::{LrSchedule, OptimError, Schedule};

use crate::args::ScheduleArgs;
use crate::fsutil::usage;
use crate::plot::{Lines, Series};

/// Parses a SPEC with optional warm-up; an invalid SPEC is a usage error (exit code 2).
pub fn parse(spec: &str, lr: f64, epochs: usize, warmup: usize) -> Result<Schedule> {
    Schedule::parse_with_warmup(spec, lr, epochs, warmup).map_err(|e| match e {
        OptimError::InvalidSchedule { .. } => usage(format!("--schedule: {e}")),
        other => usage(format!("--schedule {spec:?}: {other}")),
    })
}

/// Runs `nn schedule`.
pub fn run(args: ScheduleArgs) -> Result<()> {
    let schedule = parse(&args.schedule, args.lr, args.epochs, args.warmup)?;
    let rates: Vec<f64> = (0..args.epochs).map(|e| schedule.lr_at(e)).collect();
    println!("{:>6} {:>14}", "epoch", "lr");
    for (epoch, lr) in rates.iter().enumerate() {
        println!("{:>6} {:>14.8}", epoch + 1, lr);
    }
    if schedule.needs_metric() {
        println!("note: plateau schedules lower the rate only when the validation loss stalls; this preview shows no metric, so the rate stays at its start");
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
        crate::plot::save(path, &chart, (800, 500))?;
        println!("plot written to {}", path.display());
    }
    Ok(())
}
