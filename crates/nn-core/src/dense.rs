//! The fully connected layer: `out = f(x·Wᵀ + b)`.
//!
//! Weights use PyTorch's layout, `(n_out, n_in)`: row `j` holds the weights *into* output
//! neuron `j`. For a batch `x` of shape `(n_samples, n_in)`:
//!
//! - forward: `z = x·Wᵀ + b`, `a = f(z)`
//! - backward, given `∂L/∂a`: `∂L/∂z = ∂L/∂a ⊙ f'(z)`, `∂L/∂W = (∂L/∂z)ᵀ·x`,
//!   `∂L/∂b = Σ_rows ∂L/∂z`, `∂L/∂x = ∂L/∂z · W`.
//!
//! A layer may also carry a dropout probability `p` for its outputs (PyTorch's
//! `Linear → activation → Dropout(p)`); [`Network::forward_train`](crate::Network::forward_train)
//! applies it, every other pass ignores it.

use ndarray::{Array1, Array2};
use nn_tensor::{Float, TensorError};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::{Activation, CoreError, Init, Result};

/// A dense (fully connected) layer with its activation, parameters and their gradients.
///
/// ```
/// use ndarray::array;
/// use nn_core::{Activation, Dense};
/// let layer = Dense::from_parts(array![[0.15_f64, 0.20], [0.25, 0.30]], array![0.35, 0.35], Activation::Sigmoid)?;
/// assert_eq!((layer.n_in(), layer.n_out()), (2, 2));
/// # Ok::<(), nn_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DenseState<T>", into = "DenseState<T>")]
#[serde(bound(
    serialize = "T: Float + Serialize",
    deserialize = "T: Float + Deserialize<'de>"
))]
pub struct Dense<T> {
    weight: Array2<T>,
    bias: Array1<T>,
    activation: Activation,
    grad_weight: Array2<T>,
    grad_bias: Array1<T>,
    dropout: f64,
}

impl<T: Float> Dense<T> {
    /// A layer with weights drawn from `init` and zero biases.
    ///
    /// ```
    /// use nn_core::{Activation, Dense, Init};
    /// use rand_chacha::{ChaCha8Rng, rand_core::SeedableRng};
    /// let l = Dense::<f32>::new(4, 16, Activation::Relu, Init::HeUniform, &mut ChaCha8Rng::seed_from_u64(1))?;
    /// assert_eq!(l.weight().dim(), (16, 4));
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn new(
        n_in: usize,
        n_out: usize,
        activation: Activation,
        init: Init,
        rng: &mut ChaCha8Rng,
    ) -> Result<Self> {
        if n_in == 0 || n_out == 0 {
            let reason = format!(
                "a dense layer needs at least one input and one output, got {n_in}→{n_out}"
            );
            return Err(CoreError::InvalidConfig {
                name: "layer size",
                reason,
            });
        }
        Self::from_parts(
            init.weights(n_out, n_in, rng)?,
            Array1::zeros(n_out),
            activation,
        )
    }

    /// A layer from explicit parameters: `weight` is `(n_out, n_in)`, `bias` has `n_out` entries.
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_core::{Activation, Dense};
    /// assert!(Dense::from_parts(array![[1.0_f64, 2.0]], array![0.0, 0.0], Activation::Identity).is_err());
    /// ```
    pub fn from_parts(weight: Array2<T>, bias: Array1<T>, activation: Activation) -> Result<Self> {
        if weight.nrows() != bias.len() {
            return Err(CoreError::Tensor(TensorError::ShapeMismatch {
                op: "dense bias",
                expected: vec![weight.nrows()],
                got: vec![bias.len()],
            }));
        }
        check_activation(activation)?;
        let (grad_weight, grad_bias) = (Array2::zeros(weight.dim()), Array1::zeros(bias.len()));
        let weight = weight.as_standard_layout().into_owned();
        Ok(Dense {
            weight,
            bias,
            activation,
            grad_weight,
            grad_bias,
            dropout: 0.0,
        })
    }

    /// The layer with dropout probability `p ∈ [0, 1)` on its outputs (see
    /// [`set_dropout`](Self::set_dropout)).
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_core::{Activation, Dense};
    /// let l = Dense::from_parts(array![[1.0_f64]], array![0.0], Activation::Relu)?.with_dropout(0.5)?;
    /// assert_eq!(l.dropout(), 0.5);
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn with_dropout(mut self, p: f64) -> Result<Self> {
        self.set_dropout(p)?;
        Ok(self)
    }

    /// Sets the probability `p ∈ [0, 1)` with which training zeroes each output (after the
    /// activation); kept outputs are scaled by `1/(1 − p)`. `0` turns dropout off.
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_core::{Activation, Dense};
    /// let mut l = Dense::from_parts(array![[1.0_f64]], array![0.0], Activation::Relu)?;
    /// assert!(l.set_dropout(1.0).is_err());
    /// l.set_dropout(0.25)?;
    /// assert_eq!(l.dropout(), 0.25);
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn set_dropout(&mut self, p: f64) -> Result<()> {
        check_dropout(p)?;
        self.dropout = p;
        Ok(())
    }

    /// The dropout probability of the layer's outputs (`0` when off).
    pub fn dropout(&self) -> f64 {
        self.dropout
    }

    /// Number of inputs (columns of the weight matrix).
    pub fn n_in(&self) -> usize {
        self.weight.ncols()
    }

    /// Number of outputs (neurons).
    pub fn n_out(&self) -> usize {
        self.weight.nrows()
    }

    /// The weight matrix, `(n_out, n_in)`.
    pub fn weight(&self) -> &Array2<T> {
        &self.weight
    }

    /// The bias vector, `n_out` entries.
    pub fn bias(&self) -> &Array1<T> {
        &self.bias
    }

    /// The activation applied after the affine map.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// `∂L/∂W` from the last backward pass.
    pub fn grad_weight(&self) -> &Array2<T> {
        &self.grad_weight
    }

    /// `∂L/∂b` from the last backward pass.
    pub fn grad_bias(&self) -> &Array1<T> {
        &self.grad_bias
    }

    /// The parameters and their gradients, as flat slices, for optimizers.
    pub(crate) fn params_mut(&mut self) -> [crate::Param<'_, T>; 2] {
        use crate::{Param, ParamKind};
        // The weights and their gradient share one memory order (see `store_column_major`), so
        // the flat slices pair up element by element.
        let w = self
            .weight
            .as_slice_memory_order_mut()
            .expect("weights are kept contiguous");
        let gw = self
            .grad_weight
            .as_slice_memory_order()
            .expect("contiguous");
        let b = self.bias.as_slice_mut().expect("standard layout");
        let gb = self.grad_bias.as_slice().expect("standard layout");
        [
            Param {
                value: w,
                grad: gw,
                kind: ParamKind::Weight,
            },
            Param {
                value: b,
                grad: gb,
                kind: ParamKind::Bias,
            },
        ]
    }

    /// Whether the weights are stored column by column (`Wᵀ` row-major), as a network's first
    /// layer keeps them for sparse inputs; the logical shape is `(n_out, n_in)` either way. A
    /// single-neuron layer is both.
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_core::{Activation, Dense};
    /// let w = array![[1.0_f32, 2.0], [3.0, 4.0]];
    /// let l = Dense::from_parts(w, array![0.0, 0.0], Activation::Identity)?;
    /// assert!(!l.is_column_major());
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn is_column_major(&self) -> bool {
        self.weight.nrows() <= 1 || self.weight.strides()[0] == 1
    }

    /// Stores the weights and their gradient column-major, starting on a cache line (values
    /// unchanged). Optimizers see the parameters as flat slices in memory order, so this must
    /// happen before an optimizer first sees the layer, and the order must then stay.
    pub(crate) fn store_column_major(&mut self) {
        self.weight = nn_tensor::aligned::aligned_copy(&self.weight, true);
        self.grad_weight = nn_tensor::aligned::aligned_copy(&self.grad_weight, true);
    }

    /// Moves column-major weights back onto a cache line if a clone lost the alignment.
    pub(crate) fn realign(&mut self) {
        if self.is_column_major() && !nn_tensor::aligned::is_aligned(&self.weight) {
            self.store_column_major();
        }
    }

    pub(crate) fn grads_mut(&mut self) -> (&mut Array2<T>, &mut Array1<T>) {
        (&mut self.grad_weight, &mut self.grad_bias)
    }
}

/// What a [`Dense`] layer serialises to: parameters, activation and dropout probability
/// (gradients are not saved). `dropout` is written only when non-zero and reads as 0 when
/// absent, so files from before dropout load unchanged.
#[derive(Serialize, Deserialize)]
struct DenseState<T> {
    weight: Array2<T>,
    bias: Array1<T>,
    activation: Activation,
    #[serde(default, skip_serializing_if = "is_zero")]
    dropout: f64,
}

fn is_zero(p: &f64) -> bool {
    *p == 0.0
}

impl<T: Float> TryFrom<DenseState<T>> for Dense<T> {
    type Error = CoreError;
    fn try_from(s: DenseState<T>) -> Result<Self> {
        Dense::from_parts(s.weight, s.bias, s.activation)?.with_dropout(s.dropout)
    }
}

impl<T: Float> From<Dense<T>> for DenseState<T> {
    fn from(d: Dense<T>) -> Self {
        DenseState {
            weight: d.weight,
            bias: d.bias,
            activation: d.activation,
            dropout: d.dropout,
        }
    }
}

/// Checks a dropout probability: `p ∈ [0, 1)` (so `1/(1 − p)` is finite; NaN is refused).
pub(crate) fn check_dropout(p: f64) -> Result<()> {
    check_unit_interval("dropout", "dropout probability", p)
}

fn check_activation(activation: Activation) -> Result<()> {
    match activation {
        Activation::LeakyRelu { slope } => {
            check_unit_interval("activation", "leaky-relu slope", slope)
        }
        _ => Ok(()),
    }
}

/// `value ∈ [0, 1)`, or an [`CoreError::InvalidConfig`] for option `name` saying what it is.
fn check_unit_interval(name: &'static str, what: &str, value: f64) -> Result<()> {
    if !(0.0..1.0).contains(&value) {
        let reason = format!("{what} must be in [0, 1), got {value}");
        return Err(CoreError::InvalidConfig { name, reason });
    }
    Ok(())
}
