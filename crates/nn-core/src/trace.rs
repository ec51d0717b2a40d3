//! One training step written out quantity by quantity, as the textbook works it by hand.
//!
//! For each layer: its input, the linear parts `l = input·Wᵀ + b`, the outputs `out = f(l)`,
//! `∂E/∂out`, `∂out/∂l`, `∂E/∂l`, the gradients `∂E/∂W = (∂E/∂l)ᵀ·input` and `∂E/∂b`, and the
//! parameters after one plain gradient-descent step `w⁺ = w − η·∂E/∂w`. Every gradient is
//! computed from the parameters as they were *before* the step (as the textbook does).

use ndarray::{Array1, Array2, ArrayView2};
use nn_tensor::{add_row_broadcast, matmul, matmul_nt, matmul_tn, sum_rows, Float};

use crate::{Dense, Loss, Network, Result};

/// Every number of one layer in one forward and backward pass.
#[derive(Debug, Clone)]
pub struct LayerTrace<T> {
    /// The layer's input, `(n_samples, n_in)`.
    pub input: Array2<T>,
    /// Linear parts `l = input·Wᵀ + b`, `(n_samples, n_out)`.
    pub linear: Array2<T>,
    /// Outputs `out = f(l)`.
    pub out: Array2<T>,
    /// `∂E/∂out`.
    pub d_out: Array2<T>,
    /// `∂out/∂l` element-wise (softmax: the Jacobian's diagonal).
    pub d_out_d_linear: Array2<T>,
    /// `∂E/∂l` (the "delta" of each neuron).
    pub d_linear: Array2<T>,
    /// `∂E/∂W`, `(n_out, n_in)`.
    pub grad_weight: Array2<T>,
    /// `∂E/∂b`.
    pub grad_bias: Array1<T>,
    /// The weights before the step.
    pub weight: Array2<T>,
    /// The biases before the step.
    pub bias: Array1<T>,
    /// `W − η·∂E/∂W`.
    pub new_weight: Array2<T>,
    /// `b − η·∂E/∂b`.
    pub new_bias: Array1<T>,
}

/// A whole step: one [`LayerTrace`] per layer and the loss.
#[derive(Debug, Clone)]
pub struct Trace<T> {
    /// Input side first.
    pub layers: Vec<LayerTrace<T>>,
    /// Each output's loss per sample (`E_o1`, `E_o2`, …).
    pub losses: Array2<f64>,
    /// The batch loss (`E_total`).
    pub total: f64,
}

/// Traces one step of plain gradient descent with learning rate `lr` (the network itself is
/// left unchanged).
///
/// ```
/// use ndarray::array;
/// use nn_core::{trace::trace, Activation, Dense, Loss, Network};
/// let layer = Dense::from_parts(array![[0.5_f64]], array![0.0], Activation::Identity)?;
/// let net = Network::new(vec![layer])?;
/// // out = 0.5·2 = 1, E = ½(3 − 1)² = 2, ∂E/∂w = (1 − 3)·2 = −4, w⁺ = 0.5 + 0.1·4 = 0.9
/// let t = trace(&net, array![[2.0]].view(), array![[3.0]].view(), Loss::HalfSse, 0.1)?;
/// assert_eq!(t.total, 2.0);
/// assert!((t.layers[0].new_weight[[0, 0]] - 0.9).abs() < 1e-15);
/// # Ok::<(), nn_core::CoreError>(())
/// ```
pub fn trace<T: Float>(
    net: &Network<T>,
    x: ArrayView2<T>,
    target: ArrayView2<T>,
    loss: Loss,
    lr: f64,
) -> Result<Trace<T>> {
    let mut work = net.clone();
    work.forward(x)?;
    let total = work.backward_loss(x, target, loss)?;
    let mut layers = forward_parts(net, x)?;
    let out = &layers[layers.len() - 1].out;
    let losses = loss.per_output(out.view(), target)?;
    let mut d_out = Array2::zeros(out.dim());
    loss.value_and_grad(out.view(), target, d_out.view_mut())?;
    for (l, lt) in layers.iter_mut().enumerate().rev() {
        fill_backward(lt, &work.layers()[l], d_out, lr)?;
        d_out = Array2::zeros(lt.input.dim());
        matmul(lt.d_linear.view(), lt.weight.view(), d_out.view_mut())?;
    }
    Ok(Trace {
        layers,
        losses,
        total,
    })
}

/// The forward half: inputs, linear parts and outputs of every layer.
fn forward_parts<T: Float>(net: &Network<T>, x: ArrayView2<T>) -> Result<Vec<LayerTrace<T>>> {
    let mut input = x.to_owned();
    let mut layers = Vec::new();
    for layer in net.layers() {
        let mut linear = Array2::zeros((input.nrows(), layer.n_out()));
        matmul_nt(input.view(), layer.weight().view(), linear.view_mut())?;
        add_row_broadcast(linear.view_mut(), layer.bias().view())?;
        let mut out = linear.clone();
        layer.activation().apply(out.view_mut());
        let (weight, bias) = (layer.weight().clone(), layer.bias().clone());
        let empty = Array2::zeros((0, 0));
        layers.push(LayerTrace {
            input: std::mem::replace(&mut input, out.clone()),
            linear,
            out,
            d_out: empty.clone(),
            d_out_d_linear: empty.clone(),
            d_linear: empty,
            grad_weight: Array2::zeros(weight.dim()),
            grad_bias: Array1::zeros(bias.len()),
            new_weight: weight.clone(),
            new_bias: bias.clone(),
            weight,
            bias,
        });
    }
    Ok(layers)
}

/// The backward half for one layer, given `∂E/∂out`.
fn fill_backward<T: Float>(
    lt: &mut LayerTrace<T>,
    layer: &Dense<T>,
    d_out: Array2<T>,
    lr: f64,
) -> Result<()> {
    let act = layer.activation();
    lt.d_out_d_linear = act.derivative(lt.out.view());
    let mut d_linear = d_out.clone();
    act.backward(lt.out.view(), d_linear.view_mut());
    lt.d_out = d_out;
    matmul_tn(d_linear.view(), lt.input.view(), lt.grad_weight.view_mut())?;
    lt.grad_bias = sum_rows(d_linear.view());
    lt.d_linear = d_linear;
    let eta = T::from_f64(lr);
    lt.new_weight = &lt.weight - &lt.grad_weight.mapv(|g| g * eta);
    lt.new_bias = &lt.bias - &lt.grad_bias.mapv(|g| g * eta);
    Ok(())
}
