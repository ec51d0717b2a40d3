//! Finite-difference gradient checks: compare backpropagation with the central difference
//! `(E(w + h) − E(w − h)) / 2h` for every parameter.
//!
//! The error reported for each parameter is `|analytic − numeric| / max(|analytic|, |numeric|,
//! 1e-4)`: relative for ordinary gradients, and absolute (scaled by 10⁴) for gradients so close to
//! zero that the difference quotient's rounding noise (~1e-11 with `h = 1e-5` in `f64`) would
//! otherwise dominate.

use ndarray::ArrayView2;

use crate::{Loss, Network, Result};

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
    let mut analytic = net.clone();
    analytic.forward(x)?;
    analytic.backward_loss(x, target, loss)?;
    let mut probe = net.clone();
    let mut checks = Vec::new();
    for l in 0..net.layers().len() {
        let mut errors = [0.0_f64; 2];
        for (slot, error) in errors.iter_mut().enumerate() {
            // In the order of the flat slices `central_difference` perturbs: memory order, which
            // is not the logical order for a column-major first layer.
            let grads = analytic.layer_params_mut(l)[slot].grad.to_vec();
            for (i, &g) in grads.iter().enumerate() {
                let numeric = central_difference(&mut probe, l, slot, i, h, x, target, loss)?;
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

#[allow(clippy::too_many_arguments)]
fn central_difference(
    net: &mut Network<f64>,
    l: usize,
    slot: usize,
    i: usize,
    h: f64,
    x: ArrayView2<f64>,
    target: ArrayView2<f64>,
    loss: Loss,
) -> Result<f64> {
    let original = net.layer_params_mut(l)[slot].value[i];
    let at = |v: f64, net: &mut Network<f64>| -> Result<f64> {
        net.layer_params_mut(l)[slot].value[i] = v;
        let out = net.forward(x)?.to_owned();
        loss.value(out.view(), target)
    };
    let plus = at(original + h, net)?;
    let minus = at(original - h, net)?;
    net.layer_params_mut(l)[slot].value[i] = original;
    Ok((plus - minus) / (2.0 * h))
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
