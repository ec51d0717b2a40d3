//! One place that turns flags into the objects training needs — the network (with the size
//! limits), the optimizer and the learning-rate schedule — for every command that builds them
//! (`train`, `lr-find`, `gradcheck`), so each flag means the same everywhere.

use anyhow::Result;
use nn_core::{Activation, Network};
use nn_optim::{OptimError, Schedule, Sgd, SgdConfig};
use nn_tensor::Float;

use crate::args::{LrArgs, NetworkArgs, OptimizerArgs};
use crate::fsutil::usage;

/// The MLP `n_in → --hidden… → n_out` with the hidden activation of `--activation` and the
/// given output activation, seeded; refused (usage error) above the parameter limit.
pub fn network<T: Float>(
    args: &NetworkArgs,
    n_in: usize,
    n_out: usize,
    output: Activation,
    seed: u64,
) -> Result<Network<T>> {
    let mut sizes = vec![n_in];
    sizes.extend(&args.hidden);
    sizes.push(n_out);
    crate::limits::check_network(&sizes)?;
    Ok(Network::mlp(&sizes, args.activation.build(), output, seed)?)
}

/// The optimizer of the flags; out-of-range values are usage errors.
pub fn optimizer<T: Float>(args: &OptimizerArgs) -> Result<Sgd<T>> {
    let config = SgdConfig {
        momentum: args.momentum,
        nesterov: args.nesterov,
        weight_decay: args.weight_decay,
    };
    Sgd::new(config).map_err(|e| usage(e.to_string()))
}

/// The schedule of `--lr`, `--schedule` and `--warmup` over `epochs`; an invalid SPEC is a
/// usage error (exit code 2).
pub fn schedule(args: &LrArgs, epochs: usize) -> Result<Schedule> {
    let spec = &args.schedule;
    Schedule::parse_with_warmup(spec, args.lr, epochs, args.warmup).map_err(|e| match e {
        OptimError::InvalidSchedule { .. } => usage(format!("--schedule: {e}")),
        other => usage(format!("--schedule {spec:?}: {other}")),
    })
}
