//! Inverted dropout on hidden layers' outputs, with PyTorch's semantics: a training pass zeroes
//! each output of a layer with dropout probability `p` and scales the kept ones by `1/(1 − p)`;
//! an evaluation pass leaves them alone.
//!
//! # Draw rule
//! Each element draws one `u32` from the caller's [`DropoutKey`]: unit `j` of a layer's output
//! for a batch row draws the word that the key assigns to that row's global index, the layer
//! and `j` (see [`crate::dropout_key`]); layers without dropout draw nothing. An element is
//! dropped when `u < ⌊p·2³²⌋`, so it is kept with probability `1 − ⌊p·2³²⌋/2³²` (exactly
//! `1 − p` when `p·2³²` is an integer, within `2⁻³²` otherwise), and a kept element is
//! multiplied by `T::from_f64(1/(1 − p))`. A row's draws depend on its index alone, so the same
//! rows get the same masks at any thread count and however a batch is split.
//!
//! # Buffers
//! A layer with dropout keeps three outputs: the activation `a` (whose derivative backprop
//! needs, e.g. `σ' = a(1 − a)`), the mask as scale factors `m ∈ {0, 1/(1 − p)}`, and the dropped
//! output `a ⊙ m` that feeds the next layer (its input for the forward pass and for its weight
//! gradient). Backprop turns `∂L/∂(a ⊙ m)` into `∂L/∂a = ∂L/∂(a ⊙ m) ⊙ m`. The buffers are sized
//! for the largest batch seen, like the network's own.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Zip};
use nn_tensor::aligned::zeros_aligned;
use nn_tensor::s;
use nn_tensor::Float;

use crate::{Dense, DropoutKey};

/// The masks and dropped outputs of the last forward pass.
#[derive(Debug, Clone, Default)]
pub(crate) struct Masks<T> {
    /// Per layer, the probability the last forward pass applied (all 0 after an evaluation
    /// pass), so backprop follows the forward pass even if the layers' settings changed since.
    applied: Vec<f64>,
    /// Per layer, `m`, `(capacity, n_out)`; empty for layers that never had dropout applied.
    scale: Vec<Array2<T>>,
    /// Per layer, `a ⊙ m`, same shapes as `scale`.
    dropped: Vec<Array2<T>>,
    /// The random bytes of one row's draws for one layer.
    draws: Vec<u8>,
}

impl<T: Float> Masks<T> {
    /// Starts a forward pass: records which layers get dropout (none unless `training`) and
    /// makes sure their buffers hold `capacity` rows (allocating only when they grow).
    pub(crate) fn begin(&mut self, layers: &[Dense<T>], capacity: usize, training: bool) {
        self.applied.clear();
        let p = |l: &Dense<T>| if training { l.dropout() } else { 0.0 };
        self.applied.extend(layers.iter().map(p));
        let empty = || Array2::zeros((0, 0));
        self.scale.resize_with(layers.len(), empty);
        self.dropped.resize_with(layers.len(), empty);
        for (l, layer) in layers.iter().enumerate() {
            if self.applied[l] > 0.0 && self.scale[l].nrows() < capacity {
                self.scale[l] = zeros_aligned((capacity, layer.n_out()), false);
                self.dropped[l] = zeros_aligned((capacity, layer.n_out()), false);
            }
        }
    }

    /// Whether the last forward pass applied dropout to layer `l`.
    fn applies(&self, l: usize) -> bool {
        self.applied.get(l).is_some_and(|&p| p > 0.0)
    }

    /// Draws layer `l`'s mask for its first `act.nrows()` rows (global indices `first_row..`)
    /// and writes `a ⊙ m`, row by row (see the draw rule in the module docs); nothing if `l`
    /// has no dropout.
    pub(crate) fn draw(&mut self, l: usize, act: ArrayView2<T>, key: &DropoutKey, first_row: u64) {
        if !self.applies(l) {
            return;
        }
        let p = self.applied[l];
        let (threshold, keep, zero) = (threshold(p), T::from_f64(1.0 / (1.0 - p)), T::zero());
        let (n, width) = act.dim();
        if width == 0 {
            return;
        }
        self.draws.resize(4 * width, 0);
        let mut scale = self.scale[l].slice_mut(s![..n, ..]);
        let mut dropped = self.dropped[l].slice_mut(s![..n, ..]);
        let (a, m, d) = (flat(&act), flat_mut(&mut scale), flat_mut(&mut dropped));
        let rows = a.chunks_exact(width).zip(m.chunks_exact_mut(width));
        for (i, ((a, m), d)) in rows.zip(d.chunks_exact_mut(width)).enumerate() {
            key.fill_draws(first_row + i as u64, l, &mut self.draws);
            let units = a.iter().zip(m).zip(d).zip(self.draws.chunks_exact(4));
            for (((&a, m), d), u) in units {
                let u = u32::from_le_bytes([u[0], u[1], u[2], u[3]]);
                *m = if u >= threshold { keep } else { zero };
                *d = a * *m;
            }
        }
    }

    /// Layer `l`'s output as the next layer sees it: the first `n` rows of `a ⊙ m` if the last
    /// forward pass applied dropout to it, of its activation `act` otherwise.
    pub(crate) fn feed<'a>(&'a self, l: usize, act: &'a Array2<T>, n: usize) -> ArrayView2<'a, T> {
        let source = if self.applies(l) {
            &self.dropped[l]
        } else {
            act
        };
        source.slice(s![..n, ..])
    }

    /// Turns `∂L/∂(a ⊙ m)` into `∂L/∂a` in place for layer `l` (nothing without dropout).
    pub(crate) fn backward(&self, l: usize, grad: ArrayViewMut2<T>) {
        if self.applies(l) {
            let m = self.scale[l].slice(s![..grad.nrows(), ..]);
            Zip::from(grad).and(m).for_each(|g, &m| *g *= m);
        }
    }
}

/// The first rows of a network buffer (row-major, contiguous) as a flat slice.
fn flat<'a, T>(a: &'a ArrayView2<T>) -> &'a [T] {
    a.as_slice().expect("network buffers are row-major")
}

fn flat_mut<'a, T>(a: &'a mut ArrayViewMut2<T>) -> &'a mut [T] {
    a.as_slice_mut().expect("network buffers are row-major")
}

/// `⌊p·2³²⌋`: an element whose draw is below it is dropped (`p ∈ [0, 1)`, so it fits a `u32`).
fn threshold(p: f64) -> u32 {
    (p * 4_294_967_296.0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_split_the_u32_range() {
        assert_eq!(threshold(0.0), 0);
        assert_eq!(threshold(0.5), 1 << 31);
        assert_eq!(threshold(0.25), 1 << 30);
        // the largest p below 1 still fits: ⌊(1 − 2⁻⁵³)·2³²⌋ = 2³² − 1
        assert_eq!(threshold(1.0 - f64::EPSILON / 2.0), u32::MAX);
    }
}
