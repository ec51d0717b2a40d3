//! [`DataParallel`]: which rows of each global batch this rank computes, and the one fused
//! all-reduce per step that turns the ranks' gradients into the global batch's mean gradient.

use std::ops::Range;
use std::rc::Rc;
use std::time::{Duration, Instant};

use nn_core::{Network, Param, Parameters};

use nn_tensor::Float;

use super::{all_reduce_sum, all_reduce_sum_into, exact, Communicator};
use crate::{BatchStats, GradientHook, OptimError, Optimizer, Result};

/// How the ranks' gradients are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// One contiguous slice of each global batch per rank, summed by a float all-reduce in the
    /// network's type (as PyTorch DDP and Horovod do): identical bits on every rank and for
    /// reruns with the same process count. Each rank's gradients are its share of the batch's
    /// mean ([`GradientHook::sums_parts`]), so the all-reduce reads them where backpropagation
    /// wrote them and its sum is the mean: no copy, no scaling pass.
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
/// The backward pass of each shard must give the shard's share of the batch's mean gradient
/// (its rows, or sample weight, over the batch's: [`nn_core::Network::backward_loss_share`];
/// the trainer does so, see [`GradientHook::sums_parts`]), so that the sum over the shards
/// of every rank is the batch's mean.
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
/// assert_eq!(dp.local_shards(8), [0..4, 4..8]);
/// // Rows 0..4: mean gradient 1 and mean loss 0.5; their share of the batch is 4/8.
/// let mut w = W { v: [0.0], g: [1.0 * 0.5] };
/// dp.add_shard(&mut w, 0.5, 4);
/// w.g = [4.0 * 0.5]; // rows 4..8: mean gradient 4 (and loss 2), share 4/8
/// dp.add_shard(&mut w, 2.0, 4);
/// let totals = dp.reduce(&mut w, false);
/// assert_eq!((totals.loss_sum, totals.rows), (10.0, 8));
/// dp.reduced(&mut w).visit_params(&mut |p| assert_eq!(p.grad, [2.5])); // (4·1 + 4·4) / 8
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
    /// [`Reduction::Average`]'s all-reduce buffer of the small parameters (below
    /// [`BUCKET`] values; the large ones go from their own gradients), then `Σ loss·rows`, rows
    /// and the stop flag; the two sums are kept in `local` until then.
    fused: Vec<T>,
    local: (T, T),
    /// Zero gradients, sent by a rank with no rows in a step ([`Reduction::Average`]).
    zeros: Vec<T>,
    /// [`Reduction::Exact`]'s all-reduce buffer (integers in `f64`, see [`exact`]). Both are
    /// kept between steps (a fresh megabyte-sized buffer per step is fresh pages for the
    /// kernel to zero).
    ints: Vec<f64>,
    /// Time spent in [`reduce`](Self::reduce), waiting for the other ranks included.
    reducing: Duration,
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
            zeros: Vec::new(),
            ints: Vec::new(),
            reducing: Duration::ZERO,
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
    /// loss was `loss`: the shard's share of the batch's mean gradient
    /// ([`Reduction::Average`] records only the loss and rows; [`reduce`](Self::reduce) reads
    /// the gradients where backward wrote them).
    pub fn add_shard(&mut self, model: &mut dyn Parameters<T>, loss: f64, rows: usize) {
        if self.reduction == Reduction::Average {
            self.local.0 += T::from_f64(loss * rows as f64);
            self.local.1 += T::from_f64(rows as f64);
            self.used += 1;
            return;
        }
        if self.shards.len() == self.used {
            self.shards.push(Shard::default());
        }
        let shard = &mut self.shards[self.used];
        let (grad, mut max) = (&mut shard.grad, 0.0_f64);
        grad.clear();
        model.visit_params(&mut |p| {
            for chunk in p.grad.chunks(BLOCK) {
                let start = grad.len();
                grad.extend_from_slice(chunk);
                // while the block is in cache
                max = max.max(exact::max_abs(&grad[start..], 1.0));
            }
        });
        (shard.rows, shard.loss_sum, shard.max) = (rows, loss * rows as f64, max);
        self.used += 1;
    }

    /// The collective step: sums the shards of every rank (and the stop flags), leaving the
    /// global mean gradient for [`reduced`](Self::reduced). Every rank must call it once per
    /// step, with or without shards, with `model` holding the step's gradients.
    pub fn reduce(&mut self, model: &mut dyn Parameters<T>, stop: bool) -> StepTotals {
        let start = Instant::now();
        let totals = match self.reduction {
            Reduction::Average => self.reduce_average(model, stop),
            Reduction::Exact { shards } => {
                if self.used > 0 {
                    let len = self.shards[0].grad.len();
                    self.mean.resize(len, T::zero());
                }
                self.reduce_exact(stop, shards)
            }
        };
        self.used = 0;
        self.reducing += start.elapsed();
        totals
    }

    /// Seconds spent in [`reduce`](Self::reduce) so far: the collectives, their buffers and
    /// the wait for the slowest rank (what data parallelism adds to each step).
    ///
    /// ```
    /// use std::rc::Rc;
    /// use nn_optim::dist::{DataParallel, Local, Reduction};
    /// let dp = DataParallel::<f32>::new(Rc::new(Local), Reduction::Average)?;
    /// assert_eq!(dp.reduce_seconds(), 0.0);
    /// # Ok::<(), nn_optim::OptimError>(())
    /// ```
    pub fn reduce_seconds(&self) -> f64 {
        self.reducing.as_secs_f64()
    }

    /// The all-reduces of [`Reduction::Average`]: each large gradient from where backward
    /// wrote it into the mean, then the small ones with `[Σ loss·rows, rows, stop]` in one
    /// buffer. A rank without rows this step sends zeros.
    fn reduce_average(&mut self, model: &mut dyn Parameters<T>, stop: bool) -> StepTotals {
        let mut p = 0;
        model.visit_params(&mut |q| p += q.grad.len());
        self.mean.resize(p, T::zero());
        let empty = self.used == 0;
        if empty {
            self.zeros.resize(p, T::zero());
        }
        let (comm, mean, fused, zeros) =
            (&*self.comm, &mut self.mean, &mut self.fused, &self.zeros);
        fused.clear();
        let mut offset = 0;
        model.visit_params(&mut |q| {
            let range = offset..offset + q.grad.len();
            let send = if empty { &zeros[range.clone()] } else { q.grad };
            if send.len() >= BUCKET {
                all_reduce_sum_into(comm, send, &mut mean[range.clone()]);
            } else {
                fused.extend_from_slice(send);
            }
            offset = range.end;
        });
        let (loss, rows) = std::mem::replace(&mut self.local, (T::zero(), T::zero()));
        let flag = T::from_f64(f64::from(u8::from(stop)));
        fused.extend([loss, rows, flag]);
        all_reduce_sum(comm, fused);
        let (mut offset, mut at) = (0, 0);
        model.visit_params(&mut |q| {
            let len = q.grad.len();
            if len < BUCKET {
                mean[offset..offset + len].copy_from_slice(&fused[at..at + len]);
                at += len;
            }
            offset += len;
        });
        StepTotals {
            loss_sum: fused[at].to_f64(),
            rows: fused[at + 1].to_f64() as usize,
            stop: fused[at + 2].to_f64() > 0.0,
        }
    }

    /// A maximum all-reduce for the shared scales, then one all-reduce of the integers
    /// `[q(Σ shares of g), q(Σ loss·rows), rows, stop]` (held in `f64`s, see [`exact`]).
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
        exact::finish(&ints[..p], eg, 1.0, &mut self.mean);
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

    fn sums_parts(&self) -> bool {
        true
    }

    fn after_backward(&mut self, net: &mut Network<T>, stats: &mut BatchStats) -> Result<()> {
        let totals = self.reduce(net, stats.stop);
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

/// Gradients of at least this many values are all-reduced on their own, straight from the
/// network's buffer; smaller ones share one buffer (one collective's latency for them all).
const BUCKET: usize = 1 << 16;

/// One shard's part of a step.
#[derive(Debug, Clone, Default)]
struct Shard<T> {
    /// The shard's share of the batch's mean gradient, flattened.
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
