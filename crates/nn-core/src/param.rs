//! The parameter-visiting interface optimizers use: each parameter tensor as a flat slice with
//! its gradient.

/// Whether a parameter is a weight matrix or a bias vector (L2 weight decay skips biases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A weight matrix.
    Weight,
    /// A bias vector.
    Bias,
}

/// One parameter tensor, flattened: its values (to update) and its gradient from the last
/// backward pass.
///
/// ```
/// use nn_core::{Param, ParamKind};
/// let mut w = [1.0_f64, 2.0];
/// let g = [0.5, 0.5];
/// let p = Param { value: &mut w, grad: &g, kind: ParamKind::Weight };
/// for (v, g) in p.value.iter_mut().zip(p.grad) { *v -= 0.1 * g; }
/// assert_eq!(w, [0.95, 1.95]);
/// ```
#[derive(Debug)]
pub struct Param<'a, T> {
    /// The parameter's values.
    pub value: &'a mut [T],
    /// `∂L/∂value`, same length.
    pub grad: &'a [T],
    /// Weight or bias.
    pub kind: ParamKind,
}

/// Anything with trainable parameters.
pub trait Parameters<T> {
    /// Calls `f` on every parameter tensor, always in the same order.
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, T>));
}
