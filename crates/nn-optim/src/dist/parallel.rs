//! [`DataParallel`]: which rows of each global batch this rank computes, and the one fused
//! all-reduce per step that turns the ranks' gradients into the global batch's mean gradient.

use std::ops::Range;
use std::rc::Rc;

use nn_core::{Network, Param, Parameters};

use nn_tensor::Float;

use super::{all_reduce_sum, exact, Communicator};
use crate::{BatchStats, GradientHook, OptimError, Optimizer, Result};

/// How the ranks' gradients are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// One contiguous slice of each global batch per rank, summed by a float all-reduce in the
    /// network's type (as PyTorch DDP and Horovod do): identical bits on every rank and for
    /// reruns with the same process count.
    Average,
    /// Each global batch split into `shards` slices whatever the process count, each shard's
    /// gradient summed exactly ([`exact`]): the same bits for any process count `≤ shards`.
    Exact {
        /// Shards per global batch (≥ the process count).
        shards: usize,
    },
}

/// The global batch's totals after a step's all-reduce, the same on every rank.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepTotals {
    /// Σ over the batch's rows of the per-row loss (NaN when a gradient was not finite).
    pub loss_sum: f64,
    /// Rows in the global batch.
    pub rows: usize,
    /// Whether any rank asked to stop (Ctrl-C).
    pub stop: bool,
}

impl StepTotals {
    /// The batch's mean loss, as a single process computing the whole batch reports it.
    ///
    /// ```
    /// use nn_optim::dist::StepTotals;
    /// assert_eq!(StepTotals { loss_sum: 3.0, rows: 4, stop: false }.mean_loss(), 0.75);
    /// ```
    pub fn mean_loss(&self) -> f64 {
        self.loss_sum / self.rows.max(1) as f64
    }
}

/// Combines each step's gradients over the ranks of a [`Communicator`].
///
/// Per step: for each range of [`local_shards`](Self::local_shards), forward and backward on
/// those rows of the global batch and [`add_shard`](Self::add_shard); then
/// [`reduce`](Self::reduce) (collective) and an optimizer step on
/// [`reduced`](Self::reduced)`(net)`, which shows the optimizer the global mean gradient.
///
/// ```
/// use std::rc::Rc;
/// use nn_core::{Param, ParamKind, Parameters};
/// use nn_optim::dist::{DataParallel, Local, Reduction};
/// struct W { v: [f64; 1], g: [f64; 1] }
/// impl Parameters<f64> for W {
///     fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>)) {
///         f(Param { value: &mut self.v, grad: &self.g, kind: ParamKind::Weight });
///     }
/// }
/// let mut dp = DataParallel::<f64>::new(Rc::new(Local), Reduction::Exact { shards: 2 })?;
/// assert_eq!(dp.local_shards(5), [0..2, 2..5]);
/// let mut w = W { v: [0.0], g: [1.0] };
/// dp.add_shard(&mut w, 0.5, 2); // mean gradient 1 and mean loss 0.5 over rows 0..2
/// w.g = [4.0];
/// dp.add_shard(&mut w, 2.0, 3); // mean gradient 4 over rows 2..5
/// let totals = dp.reduce(false);
/// assert_eq!((totals.loss_sum, totals.rows), (7.0, 5));
/// dp.reduced(&mut w).visit_params(&mut |p| assert_eq!(p.grad, [2.8])); // (2·1 + 3·4) / 5
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
pub struct DataParallel<T> {
    comm: Rc<dyn Communicator>,
    reduction: Reduction,
    /// The global mean gradient of the last [`reduce`](Self::reduce), flattened.
    mean: Vec<T>,
    /// This rank's shards of the current step ([`Reduction::Exact`]).
    shards: Vec<Shard<T>>,
    /// Shards added in the current step.
    used: usize,
    /// [`Reduction::Average`]'s all-reduce buffer: this rank's `Σ g·rows`, flattened, then
    /// `Σ loss·rows`, rows and the stop flag; the two sums are kept in `local` until then.
    fused: Vec<T>,
    local: (T, T),
    /// [`Reduction::Exact`]'s all-reduce buffer (integers in `f64`, see [`exact`]). Both are
    /// kept between steps (a fresh megabyte-sized buffer per step is fresh pages for the
    /// kernel to zero).
    ints: Vec<f64>,
}

impl<T: Float> DataParallel<T> {
    /// A combiner over `comm`; [`Reduction::Exact`] needs `1 ≤ comm.size() ≤ shards`.
    pub fn new(comm: Rc<dyn Communicator>, reduction: Reduction) -> Result<Self> {
        if let Reduction::Exact { shards } = reduction {
            if shards == 0 || shards < comm.size() {
                let reason = format!(
                    "needs at least one shard per process: {shards} shard(s), {} process(es)",
                    comm.size()
                );
                return Err(OptimError::InvalidConfig {
                    name: "deterministic-reduce",
                    reason,
                });
            }
        }
        Ok(DataParallel {
            comm,
            reduction,
            mean: Vec::new(),
            shards: Vec::new(),
            used: 0,
            fused: Vec::new(),
            local: (T::zero(), T::zero()),
            ints: Vec::new(),
        })
    }

    /// The communicator.
    pub fn comm(&self) -> &dyn Communicator {
        &*self.comm
    }

    /// The row ranges (within a global batch of `n` rows) this rank computes, each to be
    /// forwarded, backpropagated and added separately; some may be empty.
    pub fn local_shards(&self, n: usize) -> Vec<Range<usize>> {
        let (rank, size) = (self.comm.rank(), self.comm.size());
        match self.reduction {
            Reduction::Average => vec![split(n, size, rank)],
            Reduction::Exact { shards } => split(shards, size, rank)
                .map(|k| split(n, shards, k))
                .collect(),
        }
    }

    /// Records the gradients `model` holds after a backward pass over `rows` rows whose mean
    /// loss was `loss`.
    pub fn add_shard(&mut self, model: &mut dyn Parameters<T>, loss: f64, rows: usize) {
        if self.reduction == Reduction::Average {
            return self.add_to_sum(model, loss, rows);
        }
        if self.shards.len() == self.used {
            self.shards.push(Shard::default());
        }
        let shard = &mut self.shards[self.used];
        let (weight, grad, mut max) = (T::from_f64(rows as f64), &mut shard.grad, 0.0_f64);
        grad.clear();
        model.visit_params(&mut |p| {
            for chunk in p.grad.chunks(BLOCK) {
                let start = grad.len();
                grad.extend(chunk.iter().map(|&g| g * weight));
                // while the block is in cache
                max = max.max(exact::max_abs(&grad[start..], 1.0));
            }
        });
        (shard.rows, shard.loss_sum, shard.max) = (rows, loss * rows as f64, max);
        self.used += 1;
    }

    /// [`add_shard`](Self::add_shard) of [`Reduction::Average`]: `g · rows` straight into the
    /// all-reduce buffer (written by the step's first shard, added to by the others).
    fn add_to_sum(&mut self, model: &mut dyn Parameters<T>, loss: f64, rows: usize) {
        let (weight, fused, first) = (T::from_f64(rows as f64), &mut self.fused, self.used == 0);
        if first {
            fused.clear();
        }
        let mut offset = 0;
        model.visit_params(&mut |p| {
            let weighted = p.grad.iter().map(|&g| g * weight);
            if first {
                fused.extend(weighted);
            } else {
                let sums = &mut fused[offset..offset + p.grad.len()];
                sums.iter_mut().zip(weighted).for_each(|(f, g)| *f += g);
            }
            offset += p.grad.len();
        });
        self.local.0 += T::from_f64(loss * rows as f64);
        self.local.1 += T::from_f64(rows as f64);
        self.used += 1;
    }

    /// The collective step: sums the shards of every rank (and the stop flags), leaving the
    /// global mean gradient for [`reduced`](Self::reduced). Every rank must call it once per
    /// step, with or without shards.
    pub fn reduce(&mut self, stop: bool) -> StepTotals {
        let len = match (self.reduction, self.used) {
            (_, 0) => self.mean.len(),
            (Reduction::Average, _) => self.fused.len(),
            (Reduction::Exact { .. }, _) => self.shards[0].grad.len(),
        };
        self.mean.resize(len, T::zero());
        let totals = match self.reduction {
            Reduction::Average => self.reduce_average(stop),
            Reduction::Exact { shards } => self.reduce_exact(stop, shards),
        };
        self.used = 0;
        totals
    }

    /// One float all-reduce of `[Σ g·rows, Σ loss·rows, rows, stop]` in `T`; the buffer then
    /// becomes the mean gradient (and the old mean the next step's buffer).
    fn reduce_average(&mut self, stop: bool) -> StepTotals {
        let p = self.mean.len();
        if self.used == 0 {
            self.fused.clear();
            self.fused.resize(p, T::zero());
        }
        let (loss, rows) = std::mem::replace(&mut self.local, (T::zero(), T::zero()));
        let flag = T::from_f64(f64::from(u8::from(stop)));
        self.fused.extend([loss, rows, flag]);
        all_reduce_sum(&*self.comm, &mut self.fused);
        let fused = &self.fused;
        let rows = fused[p + 1].to_f64();
        let totals = StepTotals {
            loss_sum: fused[p].to_f64(),
            rows: rows as usize,
            stop: fused[p + 2].to_f64() > 0.0,
        };
        let scale = T::from_f64(rows.max(1.0));
        std::mem::swap(&mut self.mean, &mut self.fused);
        self.mean.truncate(p);
        self.mean.iter_mut().for_each(|m| *m /= scale);
        totals
    }

    /// A maximum all-reduce for the shared scales, then one all-reduce of the integers
    /// `[q(Σ g·rows), q(Σ loss·rows), rows, stop]` (held in `f64`s, see [`exact`]).
    fn reduce_exact(&mut self, stop: bool, terms: usize) -> StepTotals {
        let local = &self.shards[..self.used];
        let losses: Vec<f64> = local.iter().map(|s| s.loss_sum).collect();
        let max_grad = local.iter().map(|s| s.max).fold(0.0, f64::max);
        let max_loss = exact::max_abs(&losses, 1.0);
        let mut maxima = [max_grad, max_loss, f64::from(u8::from(stop))];
        self.comm.all_reduce_max_f64(&mut maxima);
        let stop = maxima[2] > 0.0;
        let scales =
            exact::scale_exponent(maxima[0], terms).zip(exact::scale_exponent(maxima[1], terms));
        let Some((eg, el)) = scales else {
            let rows = self.shards[..self.used].iter().map(|s| s.rows).sum();
            return StepTotals {
                loss_sum: f64::NAN,
                rows,
                stop,
            };
        };
        let p = self.mean.len();
        let ints = &mut self.ints;
        ints.clear();
        ints.resize(p + 3, 0.0);
        // Block by block, every shard into the block's sums while they are in cache.
        for start in (0..p).step_by(BLOCK) {
            let block = start..(start + BLOCK).min(p);
            for shard in local {
                let grad = &shard.grad[block.clone()];
                exact::accumulate(&mut ints[block.clone()], grad, 1.0, eg);
            }
        }
        for shard in local {
            ints[p] += exact::quantize(shard.loss_sum, exact::pow2(el));
            ints[p + 1] += shard.rows as f64;
        }
        ints[p + 2] = f64::from(u8::from(stop));
        self.comm.all_reduce_sum_f64(ints);
        let rows = ints[p + 1].max(1.0);
        exact::finish(&ints[..p], eg, rows, &mut self.mean);
        let mut loss = [0.0_f64];
        exact::finish(&ints[p..p + 1], el, 1.0, &mut loss);
        StepTotals {
            loss_sum: loss[0],
            rows: ints[p + 1] as usize,
            stop: ints[p + 2] > 0.0,
        }
    }

    /// `model` with the global mean gradient of the last [`reduce`](Self::reduce) in place of
    /// its own (the model's buffers are not modified): what the optimizer steps on.
    pub fn reduced<'a>(&'a self, model: &'a mut dyn Parameters<T>) -> impl Parameters<T> + 'a {
        Reduced {
            model,
            mean: &self.mean,
        }
    }
}

/// The data-parallel step of the trainer's batch loop (see [`crate::FitOptions::gradient_hook`]).
impl<T: Float> GradientHook<T> for DataParallel<T> {
    fn parts(&mut self, rows: usize) -> Vec<Range<usize>> {
        self.local_shards(rows)
    }

    fn after_part(&mut self, net: &mut Network<T>, loss: f64, rows: usize) {
        self.add_shard(net, loss, rows);
    }

    fn after_backward(&mut self, _net: &mut Network<T>, stats: &mut BatchStats) -> Result<()> {
        let totals = self.reduce(stats.stop);
        *stats = BatchStats {
            loss_sum: totals.loss_sum,
            rows: totals.rows,
            stop: totals.stop,
        };
        Ok(())
    }

    fn step(&mut self, net: &mut Network<T>, opt: &mut dyn Optimizer<T>, lr: f64) {
        opt.step(&mut self.reduced(net), lr);
    }
}

/// Elements per block of the shard loops (a block of the sums and of each shard's values
/// fit the first-level cache).
const BLOCK: usize = 2048;

/// One shard's part of a step.
#[derive(Debug, Clone, Default)]
struct Shard<T> {
    /// The shard's gradient times its row count, flattened.
    grad: Vec<T>,
    rows: usize,
    /// The shard's loss times its row count.
    loss_sum: f64,
    /// `max |grad|` (infinite if one is not finite), for [`Reduction::Exact`] only.
    max: f64,
}

/// Part `i` of `n` items split into `parts` contiguous, nearly equal ranges.
fn split(n: usize, parts: usize, i: usize) -> Range<usize> {
    i * n / parts..(i + 1) * n / parts
}

/// A model whose gradients are read from a flat buffer.
struct Reduced<'a, T> {
    model: &'a mut dyn Parameters<T>,
    mean: &'a [T],
}

impl<T: Copy> Parameters<T> for Reduced<'_, T> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, T>)) {
        let mut offset = 0;
        let mean = self.mean;
        self.model.visit_params(&mut |p| {
            let grad = &mean[offset..offset + p.grad.len()];
            offset += p.grad.len();
            f(Param {
                value: p.value,
                grad,
                kind: p.kind,
            });
        });
    }
}
