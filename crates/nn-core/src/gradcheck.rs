//! Finite-difference gradient checks: compare backpropagation with the central difference
//! `(E(w + h) − E(w − h)) / 2h` for every parameter.
//!
//! The error reported for each parameter is `|analytic − numeric| / max(|analytic|, |numeric|,
//! 1e-4)`: relative for ordinary gradients, and absolute (scaled by 10⁴) for gradients so close to
//! zero that the difference quotient's rounding noise (~1e-11 with `h = 1e-5` in `f64`) would
//! otherwise dominate.
//!
//! [`check_gradients`] checks the evaluation pass ([`Network::forward`], dropout off);
//! [`check_gradients_train`] the training pass with one fixed dropout mask.

use ndarray::{Array2, ArrayView2};

use crate::{DropoutKey, Loss, Network, Result};

/// The worst errors found in one layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerCheck {
    /// Index of the layer, input side first.
    pub layer: usize,
    /// Largest error over the layer's weights.
    pub weight_error: f64,
    /// Largest error over the layer's biases.
    pub bias_error: f64,
}

/// Checks every gradient of `net` on the batch `(x, target)` with step `h`.
///
/// ```
/// use ndarray::array;
/// use nn_core::{gradcheck::check_gradients, Activation, Loss, Network};
/// let net = Network::<f64>::mlp(&[3, 4, 2], Activation::Tanh, Activation::Identity, 1)?;
/// let x = array![[0.1, -0.2, 0.3], [0.5, 0.4, -0.1]];
/// let t = array![[1.0, 0.0], [0.0, 1.0]];
/// let checks = check_gradients(&net, x.view(), t.view(), Loss::CrossEntropy, 1e-5)?;
/// assert!(checks.iter().all(|c| c.weight_error < 1e-6 && c.bias_error < 1e-6));
/// # Ok::<(), nn_core::CoreError>(())
/// ```
pub fn check_gradients(
    net: &Network<f64>,
    x: ArrayView2<f64>,
    target: ArrayView2<f64>,
    loss: Loss,
    h: f64,
) -> Result<Vec<LayerCheck>> {
    let batch = Batch {
        x,
        target,
        loss,
        mask: None,
    };
    batch.check(net, h)
}

/// [`check_gradients`] for the training pass ([`Network::forward_train`] with `key` and the
/// batch's first row index `first_row`): every evaluation draws the same dropout masks, so all of them, the analytic pass included,
/// see the same masks and the loss is a smooth function of the parameters.
///
/// ```
/// use ndarray::array;
/// use nn_core::{gradcheck::check_gradients_train, Activation, DropoutKey, Loss, Network};
/// let mut net = Network::<f64>::mlp(&[3, 8, 2], Activation::Tanh, Activation::Identity, 1)?;
/// net.set_dropout(&[0.5, 0.0])?;
/// let x = array![[0.1, -0.2, 0.3], [0.5, 0.4, -0.1]];
/// let t = array![[1.0, 0.0], [0.0, 1.0]];
/// let key = DropoutKey::from_seed(3);
/// let checks = check_gradients_train(&net, x.view(), t.view(), Loss::CrossEntropy, 1e-5, &key, 0)?;
/// assert!(checks.iter().all(|c| c.weight_error < 1e-6 && c.bias_error < 1e-6));
/// # Ok::<(), nn_core::CoreError>(())
/// ```
pub fn check_gradients_train(
    net: &Network<f64>,
    x: ArrayView2<f64>,
    target: ArrayView2<f64>,
    loss: Loss,
    h: f64,
    key: &DropoutKey,
    first_row: u64,
) -> Result<Vec<LayerCheck>> {
    let batch = Batch {
        x,
        target,
        loss,
        mask: Some((key, first_row)),
    };
    batch.check(net, h)
}

/// One batch, its loss, and the key and first row index of the fixed dropout mask (`None`:
/// evaluation pass).
struct Batch<'a> {
    x: ArrayView2<'a, f64>,
    target: ArrayView2<'a, f64>,
    loss: Loss,
    mask: Option<(&'a DropoutKey, u64)>,
}

impl Batch<'_> {
    fn check(&self, net: &Network<f64>, h: f64) -> Result<Vec<LayerCheck>> {
        let mut analytic = net.clone();
        self.forward(&mut analytic)?;
        analytic.backward_loss(self.x, self.target, self.loss)?;
        let mut probe = net.clone();
        let mut checks = Vec::new();
        for l in 0..net.layers().len() {
            let mut errors = [0.0_f64; 2];
            for (slot, error) in errors.iter_mut().enumerate() {
                // In the order of the flat slices `central_difference` perturbs: memory order,
                // which is not the logical order for a column-major first layer.
                let grads = analytic.layer_params_mut(l)[slot].grad.to_vec();
                for (i, &g) in grads.iter().enumerate() {
                    let numeric = self.central_difference(&mut probe, [l, slot, i], h)?;
                    *error = error.max(relative_error(g, numeric));
                }
            }
            checks.push(LayerCheck {
                layer: l,
                weight_error: errors[0],
                bias_error: errors[1],
            });
        }
        Ok(checks)
    }

    /// The network's output on the batch, by the pass this check is about.
    fn forward(&self, net: &mut Network<f64>) -> Result<Array2<f64>> {
        Ok(match self.mask {
            None => net.forward(self.x)?.to_owned(),
            Some((key, first)) => net.forward_train(self.x, key, first)?.to_owned(),
        })
    }

    /// `(E(w + h) − E(w − h)) / 2h` for entry `i` of parameter `slot` of layer `l`.
    fn central_difference(
        &self,
        net: &mut Network<f64>,
        [l, slot, i]: [usize; 3],
        h: f64,
    ) -> Result<f64> {
        let original = net.layer_params_mut(l)[slot].value[i];
        let mut at = |v: f64| -> Result<f64> {
            net.layer_params_mut(l)[slot].value[i] = v;
            let out = self.forward(net)?;
            self.loss.value(out.view(), self.target)
        };
        let plus = at(original + h)?;
        let minus = at(original - h)?;
        net.layer_params_mut(l)[slot].value[i] = original;
        Ok((plus - minus) / (2.0 * h))
    }
}

/// `|a − b| / max(|a|, |b|, 1e-4)` (see the module docs).
///
/// ```
/// assert_eq!(nn_core::gradcheck::relative_error(1.0, 1.0), 0.0);
/// assert!((nn_core::gradcheck::relative_error(2.0, 1.0) - 0.5).abs() < 1e-15);
/// ```
pub fn relative_error(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-4)
}
