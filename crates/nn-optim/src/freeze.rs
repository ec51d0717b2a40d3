//! Freezing the biases: an optimizer wrapper that updates only the weights.
//!
//! The textbook (section 2.2) derives updates for the weights w1–w8 only and keeps the biases
//! fixed, as the well-known online walk-through of the same method does; [`FreezeBias`]
//! reproduces that convention with any optimizer.

use nn_core::{Param, ParamKind, Parameters};

use crate::Optimizer;

/// Wraps an optimizer so that each step updates the weights and leaves every
/// [`ParamKind::Bias`] parameter unchanged (the inner optimizer never sees the biases, so
/// it keeps no state for them either).
///
/// ```
/// use nn_core::{Param, ParamKind, Parameters};
/// use nn_optim::{FreezeBias, Optimizer, Sgd, SgdConfig};
/// struct Neuron { w: [f64; 1], b: [f64; 1] }
/// impl Parameters<f64> for Neuron {
///     fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, f64>)) {
///         f(Param { value: &mut self.w, grad: &[2.0], kind: ParamKind::Weight });
///         f(Param { value: &mut self.b, grad: &[4.0], kind: ParamKind::Bias });
///     }
/// }
/// // w ← 1 − 0.5·2 = 0; b stays 1.
/// let mut m = Neuron { w: [1.0], b: [1.0] };
/// let mut sgd = Sgd::new(SgdConfig::default())?;
/// FreezeBias::new(&mut sgd).step(&mut m, 0.5);
/// assert_eq!((m.w, m.b), ([0.0], [1.0]));
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
pub struct FreezeBias<'a, T> {
    inner: &'a mut dyn Optimizer<T>,
}

impl<'a, T> FreezeBias<'a, T> {
    /// Steps with `inner`, on the weights only.
    pub fn new(inner: &'a mut dyn Optimizer<T>) -> Self {
        FreezeBias { inner }
    }
}

impl<T> Optimizer<T> for FreezeBias<'_, T> {
    fn step(&mut self, model: &mut dyn Parameters<T>, lr: f64) {
        self.inner.step(&mut WeightsOnly { model }, lr);
    }
}

/// A view of a model that shows only its weights.
struct WeightsOnly<'a, T> {
    model: &'a mut dyn Parameters<T>,
}

impl<T> Parameters<T> for WeightsOnly<'_, T> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, T>)) {
        self.model.visit_params(&mut |p| {
            if p.kind != ParamKind::Bias {
                f(p);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Sgd, SgdConfig};
    use ndarray::array;
    use nn_core::{Activation, Dense, Loss, Network};

    /// One neuron `out = w·x + b` on x = 1, target 3, from w = b = 0: E = ½(w + b − 3)², so
    /// ∂E/∂w = ∂E/∂b = w + b − 3.
    fn neuron() -> Network<f64> {
        let layer = Dense::from_parts(array![[0.0]], array![0.0], Activation::Identity).unwrap();
        Network::new(vec![layer]).unwrap()
    }

    fn step(net: &mut Network<f64>, opt: &mut dyn Optimizer<f64>, lr: f64) {
        let (x, t) = (array![[1.0]], array![[3.0]]);
        net.forward(x.view()).unwrap();
        net.backward_loss(x.view(), t.view(), Loss::HalfSse)
            .unwrap();
        opt.step(net, lr);
    }

    #[test]
    fn updates_weights_and_keeps_biases() {
        // Step 1: g = −3, w = 0.5·3 = 1.5. Step 2: g = 1.5 − 3 = −1.5, w = 1.5 + 0.75 = 2.25.
        let mut net = neuron();
        let mut sgd = Sgd::new(SgdConfig::default()).unwrap();
        step(&mut net, &mut FreezeBias::new(&mut sgd), 0.5);
        step(&mut net, &mut FreezeBias::new(&mut sgd), 0.5);
        assert_eq!(net.layers()[0].weight()[[0, 0]], 2.25);
        assert_eq!(net.layers()[0].bias()[0], 0.0);
    }

    #[test]
    fn momentum_state_covers_the_weights_only() {
        // Momentum 0.5, lr 1. Step 1: g = −3, v = −3, w = 3. Step 2: g = 0, v = −1.5,
        // w = 4.5. The bias never moves, so the weight alone fits the target, then overshoots.
        let mut net = neuron();
        let config = SgdConfig {
            momentum: 0.5,
            ..Default::default()
        };
        let mut sgd = Sgd::new(config).unwrap();
        let mut frozen = FreezeBias::new(&mut sgd);
        step(&mut net, &mut frozen, 1.0);
        step(&mut net, &mut frozen, 1.0);
        assert_eq!(net.layers()[0].weight()[[0, 0]], 4.5);
        assert_eq!(net.layers()[0].bias()[0], 0.0);
    }
}
