//! Element-wise parameter updates split across two threads for large parameters.
//!
//! Every optimizer's rule is element-wise: element `i` of the new value depends only on element
//! `i` of the value, the gradient and the optimizer's state buffers. Updating the two halves of
//! a slice on two threads therefore gives exactly the bits of one pass, at any thread count.

use std::sync::{Mutex, PoisonError};

use nn_core::{Param, Parameters};
use nn_tensor::Float;

/// Parameters from this many elements on are updated in two halves on two threads (where
/// nn-tensor may use them): a large layer's update streams megabytes through the caches.
pub(crate) const PARALLEL_UPDATE: usize = 1 << 16;

/// Runs `f` on matching pieces of `w`, `g` and each state buffer in `state` (every buffer
/// empty or as long as `w`): the whole slices, or two halves at once for large parameters.
pub(crate) fn in_parts<T: Float, const N: usize>(
    w: &mut [T],
    g: &[T],
    state: [&mut [T]; N],
    f: impl Fn(&mut [T], &[T], &mut [&mut [T]; N]) + Sync,
) {
    let mut state = state;
    if w.len() < PARALLEL_UPDATE || nn_tensor::num_threads() < 2 {
        return f(w, g, &mut state);
    }
    let half = w.len() / 2;
    let (w0, w1) = w.split_at_mut(half);
    let (g0, g1) = g.split_at(half);
    let (s0, s1) = split_all(state, half);
    let parts = [Mutex::new((w0, g0, s0)), Mutex::new((w1, g1, s1))];
    nn_tensor::run_parts(2, &|i| {
        let mut part = parts[i].lock().unwrap_or_else(PoisonError::into_inner);
        let (w, g, s) = &mut *part;
        f(w, g, s);
    });
}

/// Calls `f` on each of `model`'s parameters with its position in the visiting order, which
/// indexes the optimizer's per-parameter state.
pub(crate) fn for_each_indexed<T>(
    model: &mut dyn Parameters<T>,
    mut f: impl FnMut(usize, Param<'_, T>),
) {
    let mut index = 0;
    model.visit_params(&mut |p| {
        f(index, p);
        index += 1;
    });
}

/// The state of parameter `index`, created (default) on its first step.
pub(crate) fn slot<S: Default>(states: &mut Vec<S>, index: usize) -> &mut S {
    if states.len() <= index {
        states.resize_with(index + 1, S::default);
    }
    &mut states[index]
}

/// Splits every buffer at `at` (an empty buffer into two empty ones).
fn split_all<T, const N: usize>(state: [&mut [T]; N], at: usize) -> ([&mut [T]; N], [&mut [T]; N]) {
    let mut high: [&mut [T]; N] = std::array::from_fn(|_| <&mut [T]>::default());
    let mut i = 0;
    let low = state.map(|s| {
        let (a, b) = s.split_at_mut(at.min(s.len()));
        high[i] = b;
        i += 1;
        a
    });
    (low, high)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// w ← w − g·s0 and s0 ← s0 + 1, element by element.
    fn rule(w: &mut [f64], g: &[f64], s: &mut [&mut [f64]; 1]) {
        for ((w, &g), s) in w.iter_mut().zip(g).zip(s[0].iter_mut()) {
            *w -= g * *s;
            *s += 1.0;
        }
    }

    #[test]
    fn halves_give_the_same_values_as_one_pass() {
        let n = PARALLEL_UPDATE + 3;
        let g: Vec<f64> = (0..n).map(|i| (i % 17) as f64 * 0.25).collect();
        let (mut w, mut s) = (vec![1.0; n], vec![2.0; n]);
        in_parts(&mut w, &g, [&mut s], rule);
        // w_i = 1 − 2·g_i, s_i = 3, whichever way the slices were split.
        assert!(w.iter().zip(&g).all(|(w, g)| *w == 1.0 - 2.0 * g));
        assert!(s.iter().all(|&s| s == 3.0));
    }

    #[test]
    fn split_all_keeps_empty_buffers_empty() {
        let (mut a, mut b) = (vec![1.0, 2.0, 3.0], Vec::<f64>::new());
        let (low, high) = split_all([&mut a[..], &mut b[..]], 2);
        assert_eq!((&*low[0], &*high[0]), (&[1.0, 2.0][..], &[3.0][..]));
        assert!(low[1].is_empty() && high[1].is_empty());
    }
}
