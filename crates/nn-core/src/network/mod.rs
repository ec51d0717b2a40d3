//! `Network`: a sequence of dense layers with a forward pass and backpropagation by the chain
//! rule.
//!
//! The network keeps one activation buffer and one gradient buffer per layer, sized for the
//! largest batch seen, so a training loop allocates nothing per batch. Gradients are summed over
//! the batch and divided by the batch size (the losses' gradients carry the `1/n`).
//!
//! # Sparse inputs
//! Inputs that are mostly zeros (MNIST pixels scaled to `[0, 1]` are 81% zeros) skip the zeros:
//! a first layer with at least [`SPARSE_MIN_INPUTS`] inputs stores its weights column-major
//! (`Wᵀ` row-major), and a batch with at most [`SPARSE_MAX_DENSITY`] non-zeros goes through
//! [`nn_tensor::sparse`]: `z = x·Wᵀ` and `∂L/∂Wᵀ = xᵀ·δ` cost only the non-zeros. The sums run
//! over the same terms in the same order of `k` as before, minus the zero terms, so results
//! differ from the dense path only by rounding; the choice depends on the batch alone, so the
//! same data give the same bits.
//!
//! # Dropout
//! Each layer's [`Dense::dropout`] probability applies to its outputs in a training pass,
//! [`Network::forward_train`], which draws each row's masks from the caller's [`DropoutKey`] and
//! the row's global index (see [`crate::dropout_key`]'s draw rule); [`Network::forward`] is the evaluation pass (prediction,
//! validation, [`crate::trace`] and [`crate::gradcheck`] use it) and ignores dropout. A backward
//! pass follows the forward pass before it, masks included. Dropout on hidden outputs and the
//! sparse path on inputs combine freely.
//!
//! # Per-sample weights
//! [`Network::backward_loss_weighted`] weights each sample's loss (class weights), see
//! [`crate::sample_weight`].

use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use nn_tensor::aligned::zeros_aligned;
use nn_tensor::matmul::Precision;
use nn_tensor::s;
use nn_tensor::sparse::{spmm, CsrMatrix};
use nn_tensor::{Float, TensorError};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::DropoutKey;

mod backward;
mod input;
mod sparse_input;

pub use input::Input;
use sparse_input::{FirstInput, SparseInput};

use crate::dense::check_dropout;
use crate::dropout::Masks;
use crate::{Activation, CoreError, Dense, Init, Loss, Param, Parameters, Result};

/// A first layer with at least this many inputs stores its weights column-major, ready for
/// sparse batches (below it a dense product is cheap anyway).
pub const SPARSE_MIN_INPUTS: usize = 64;

/// A batch whose fraction of non-zero entries is at most this takes the sparse path (where the
/// first layer is column-major). The sparse product runs at about 40% of the dense GEMM's
/// multiply-add rate, so it wins below about 0.4; a third leaves a margin.
pub const SPARSE_MAX_DENSITY: f64 = 1.0 / 3.0;

/// A feed-forward network: dense layers applied in order.
///
/// ```
/// use ndarray::array;
/// use nn_core::{Activation, Dense, Loss, Network};
/// // One sigmoid neuron, w = [1, 1], b = 0, on x = [0, 0]: out = σ(0) = 0.5.
/// let layer = Dense::from_parts(array![[1.0_f64, 1.0]], array![0.0], Activation::Sigmoid)?;
/// let mut net = Network::new(vec![layer])?;
/// let x = array![[0.0, 0.0]];
/// assert_eq!(net.forward(x.view())?[[0, 0]], 0.5);
/// // half_sse against 1: ∂E/∂b = (0.5 − 1)·σ'(0) = −0.125
/// net.backward_loss(x.view(), array![[1.0]].view(), Loss::HalfSse)?;
/// assert_eq!(net.layers()[0].grad_bias()[0], -0.125);
/// # Ok::<(), nn_core::CoreError>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "NetworkState<T>", into = "NetworkState<T>")]
#[serde(bound(
    serialize = "T: Float + Serialize",
    deserialize = "T: Float + Deserialize<'de>"
))]
pub struct Network<T> {
    layers: Vec<Dense<T>>,
    acts: Vec<Array2<T>>,
    grads: Vec<Array2<T>>,
    rows: usize,
    sparse: SparseInput<T>,
    masks: Masks<T>,
    precision: Precision,
}

impl<T: Float> Network<T> {
    /// A network from layers whose sizes chain (`layers[i].n_out() == layers[i+1].n_in()`).
    pub fn new(layers: Vec<Dense<T>>) -> Result<Self> {
        if layers.is_empty() {
            let reason = "a network needs at least one layer".to_string();
            return Err(CoreError::InvalidConfig {
                name: "layers",
                reason,
            });
        }
        for pair in layers.windows(2) {
            if pair[0].n_out() != pair[1].n_in() {
                return Err(CoreError::Tensor(TensorError::ShapeMismatch {
                    op: "network layer sizes",
                    expected: vec![pair[0].n_out()],
                    got: vec![pair[1].n_in()],
                }));
            }
        }
        check_output_dropout(layers[layers.len() - 1].dropout())?;
        let mut layers = layers;
        if layers[0].n_in() >= SPARSE_MIN_INPUTS {
            layers[0].store_column_major();
        }
        Ok(Network {
            layers,
            acts: Vec::new(),
            grads: Vec::new(),
            rows: 0,
            sparse: SparseInput::default(),
            masks: Masks::default(),
            precision: Precision::Native,
        })
    }

    /// A multi-layer perceptron `sizes[0] → sizes[1] → … → sizes[last]`: every hidden layer
    /// uses `hidden`, the last layer `output`; weights from [`Init::default_for`].
    ///
    /// ```
    /// use nn_core::{Activation, Network};
    /// let net = Network::<f32>::mlp(&[4, 16, 3], Activation::Relu, Activation::Identity, 42)?;
    /// assert_eq!(net.sizes(), vec![4, 16, 3]);
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn mlp(sizes: &[usize], hidden: Activation, output: Activation, seed: u64) -> Result<Self> {
        use rand_chacha::rand_core::SeedableRng;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        if sizes.len() < 2 {
            let reason = format!("an MLP needs an input and an output size, got {sizes:?}");
            return Err(CoreError::InvalidConfig {
                name: "sizes",
                reason,
            });
        }
        let last = sizes.len() - 2;
        let layers = sizes.windows(2).enumerate().map(|(i, w)| {
            let act = if i == last { output } else { hidden };
            Dense::new(w[0], w[1], act, Init::default_for(act), &mut rng)
        });
        Network::new(layers.collect::<Result<_>>()?)
    }

    /// Allows (the default) or forbids the sparse path for mostly-zero batches (see the module
    /// docs); forbidding it makes every batch take the dense GEMM, e.g. to compare the two.
    ///
    /// ```
    /// use nn_core::{Activation, Network};
    /// let mut net = Network::<f32>::mlp(&[784, 10], Activation::Relu, Activation::Identity, 0)?;
    /// net.set_sparse_input(false);
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn set_sparse_input(&mut self, enabled: bool) {
        self.sparse.enabled = enabled;
    }

    /// Sets every layer's dropout probability, input side first: one `p ∈ [0, 1)` per layer,
    /// and `0` for the output layer. Nothing changes if any value is refused.
    ///
    /// ```
    /// use nn_core::{Activation, Network};
    /// let mut net = Network::<f32>::mlp(&[4, 16, 8, 3], Activation::Relu, Activation::Identity, 0)?;
    /// net.set_dropout(&[0.5, 0.2, 0.0])?;
    /// assert_eq!(net.dropout(), vec![0.5, 0.2, 0.0]);
    /// assert!(net.set_dropout(&[0.5, 0.2, 0.1]).is_err()); // the output layer's must be 0
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn set_dropout(&mut self, p: &[f64]) -> Result<()> {
        if p.len() != self.layers.len() {
            let reason = format!(
                "one dropout probability per layer: {} layers, got {} values",
                self.layers.len(),
                p.len()
            );
            return Err(CoreError::InvalidConfig {
                name: "dropout",
                reason,
            });
        }
        p.iter().try_for_each(|&p| check_dropout(p))?;
        check_output_dropout(p[p.len() - 1])?;
        for (layer, &p) in self.layers.iter_mut().zip(p) {
            layer.set_dropout(p)?;
        }
        Ok(())
    }

    /// Every layer's dropout probability, input side first.
    pub fn dropout(&self) -> Vec<f64> {
        self.layers.iter().map(Dense::dropout).collect()
    }

    /// Sets the arithmetic of the three products per layer (forward `x·Wᵀ`, and backward
    /// `δᵀ·x` and `δ·W`): [`Precision::Native`] (the default) or [`Precision::Bf16`] — bf16
    /// operands, `f32` accumulation, for `f32` networks; weights, biases, activations, the
    /// loss and the optimizer stay in `f32`. A sparse first-layer batch (see the module docs)
    /// keeps its exact `f32` sparse products.
    ///
    /// # Errors
    /// [`CoreError::InvalidConfig`] for bf16 on a network that is not `f32`.
    ///
    /// ```
    /// use nn_core::{Activation, Network};
    /// use nn_tensor::matmul::Precision;
    /// let mut net = Network::<f32>::mlp(&[2, 3, 1], Activation::Relu, Activation::Identity, 7)?;
    /// net.set_precision(Precision::Bf16)?;
    /// assert_eq!(net.precision(), Precision::Bf16);
    /// let mut wide = Network::<f64>::mlp(&[2, 1], Activation::Relu, Activation::Identity, 7)?;
    /// assert!(wide.set_precision(Precision::Bf16).is_err());
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn set_precision(&mut self, precision: Precision) -> Result<()> {
        if !precision.supports::<T>() {
            let reason = format!("bf16 products need an f32 network, this one is {}", T::NAME);
            return Err(CoreError::InvalidConfig {
                name: "precision",
                reason,
            });
        }
        self.precision = precision;
        Ok(())
    }

    /// The arithmetic of the products (see [`set_precision`](Self::set_precision)).
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The layers, input side first.
    pub fn layers(&self) -> &[Dense<T>] {
        &self.layers
    }

    /// Layer widths: inputs, then each layer's outputs.
    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes = vec![self.layers[0].n_in()];
        sizes.extend(self.layers.iter().map(|l| l.n_out()));
        sizes
    }

    /// Number of input features.
    pub fn n_in(&self) -> usize {
        self.layers[0].n_in()
    }

    /// Number of outputs.
    pub fn n_out(&self) -> usize {
        self.layers[self.layers.len() - 1].n_out()
    }

    /// The forward pass on a batch `(n_samples, n_in)`; returns the output `(n_samples, n_out)`,
    /// a view into the network's buffers valid until the next call. This is the evaluation
    /// pass: dropout is off.
    pub fn forward(&mut self, x: ArrayView2<T>) -> Result<ArrayView2<'_, T>> {
        self.run_forward(Input::Dense(x), None)
    }

    /// The training pass: [`forward`](Self::forward) with each layer's dropout applied to its
    /// outputs. Row `i` of `x` is row `first_row + i` of the run's sequence of training rows;
    /// its masks depend only on `key`, that index and the layer (see [`crate::dropout_key`]),
    /// so the same rows get the same masks at any thread count and however a batch is split
    /// into parts. The next backward pass applies the same masks. Without dropout it is exactly
    /// `forward`: same bits.
    ///
    /// ```
    /// use ndarray::{array, Array1};
    /// use nn_core::{Activation, Dense, DropoutKey, Network};
    /// // 1 → 4 → 1: the hidden layer copies x = 1 to four units, the output sums them.
    /// let hidden = Dense::from_parts(array![[1.0_f64], [1.0], [1.0], [1.0]], Array1::zeros(4), Activation::Identity)?;
    /// let output = Dense::from_parts(array![[1.0, 1.0, 1.0, 1.0]], array![0.0], Activation::Identity)?;
    /// let mut net = Network::new(vec![hidden.with_dropout(0.5)?, output])?;
    /// let x = array![[1.0]];
    /// let out = net.forward_train(x.view(), &DropoutKey::from_seed(0), 0)?[[0, 0]];
    /// assert!([0.0, 2.0, 4.0, 6.0, 8.0].contains(&out)); // each kept unit counts 1/(1 − ½) = 2
    /// assert_eq!(net.forward(x.view())?[[0, 0]], 4.0); // evaluation: no dropout
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn forward_train(
        &mut self,
        x: ArrayView2<T>,
        key: &DropoutKey,
        first_row: u64,
    ) -> Result<ArrayView2<'_, T>> {
        self.forward_train_input(Input::Dense(x), key, first_row)
    }

    /// [`forward_train`](Self::forward_train) on a dense or a sparse batch. A batch in CSR form
    /// takes the sparse path whatever its density (where the first layer is stored column-major
    /// and the path is allowed, see [`takes_sparse_input`](Self::takes_sparse_input); otherwise
    /// it is written out densely first); its results are those of the same rows given densely
    /// when they are sparse enough to take the sparse path: same bits.
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_core::network::Input;
    /// use nn_core::{Activation, DropoutKey, Network};
    /// use nn_tensor::sparse::CsrMatrix;
    /// let mut net = Network::<f32>::mlp(&[100, 4, 2], Activation::Relu, Activation::Identity, 1)?;
    /// let mut x = ndarray::Array2::<f32>::zeros((3, 100));
    /// x[[0, 7]] = 1.0;
    /// x[[2, 50]] = 0.5;
    /// let csr = CsrMatrix::from_dense(x.view());
    /// let key = DropoutKey::from_seed(0);
    /// let sparse = net.forward_train_input(Input::Sparse(&csr), &key, 0)?.to_owned();
    /// assert_eq!(sparse, net.forward_train(x.view(), &key, 0)?);
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn forward_train_input(
        &mut self,
        x: Input<'_, T>,
        key: &DropoutKey,
        first_row: u64,
    ) -> Result<ArrayView2<'_, T>> {
        let masks = match self.layers.iter().all(|l| l.dropout() == 0.0) {
            true => None,
            false => Some((key, first_row)),
        };
        self.run_forward(x, masks)
    }

    /// Whether a batch in CSR form goes to the first layer as it is (the layer has at least
    /// [`SPARSE_MIN_INPUTS`] inputs, so its weights are stored column-major, and the sparse
    /// path is allowed): then a training loop may as well gather its batches that way.
    ///
    /// ```
    /// use nn_core::{Activation, Network};
    /// let mut wide = Network::<f32>::mlp(&[784, 10], Activation::Relu, Activation::Identity, 0)?;
    /// assert!(wide.takes_sparse_input());
    /// wide.set_sparse_input(false);
    /// assert!(!wide.takes_sparse_input());
    /// let narrow = Network::<f32>::mlp(&[4, 3], Activation::Relu, Activation::Identity, 0)?;
    /// assert!(!narrow.takes_sparse_input());
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn takes_sparse_input(&self) -> bool {
        self.sparse.ready(&self.layers[0])
    }

    /// The forward pass, with dropout when given a key and the batch's first row index.
    fn run_forward(
        &mut self,
        x: Input<'_, T>,
        masks: Option<(&DropoutKey, u64)>,
    ) -> Result<ArrayView2<'_, T>> {
        self.check_input(x.dim())?;
        let n = x.nrows();
        self.reserve(n);
        let capacity = self.acts[0].nrows();
        self.masks.begin(&self.layers, capacity, masks.is_some());
        self.sparse.take(&self.layers[0], x);
        for l in 0..self.layers.len() {
            let (done, rest) = self.acts.split_at_mut(l);
            let out = rest[0].slice_mut(s![..n, ..]);
            match l {
                0 => match self.sparse.first(x).0 {
                    FirstInput::Csr(x) => forward_sparse(&self.layers[0], x, out)?,
                    FirstInput::Dense(x) => forward_layer(&self.layers[0], x, out, self.precision)?,
                },
                _ => {
                    let input = self.masks.feed(l - 1, &done[l - 1], n);
                    forward_layer(&self.layers[l], input, out, self.precision)?
                }
            }
            if let Some((key, first_row)) = masks {
                self.masks
                    .draw(l, rest[0].slice(s![..n, ..]), key, first_row);
            }
        }
        Ok(self.acts[self.layers.len() - 1].slice(s![..n, ..]))
    }

    /// Predictions for a batch (allocating): the forward pass, then the loss's link (softmax for
    /// cross-entropy, sigmoid for BCE).
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_core::{Activation, Dense, Loss, Network};
    /// let layer = Dense::from_parts(array![[0.0_f64], [0.0]], array![0.0, 0.0], Activation::Identity)?;
    /// let mut net = Network::new(vec![layer])?;
    /// let p = net.predict(array![[3.0]].view(), Loss::CrossEntropy)?;
    /// assert_eq!(p, array![[0.5, 0.5]]);
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn predict(&mut self, x: ArrayView2<T>, loss: Loss) -> Result<Array2<T>> {
        let mut out = self.forward(x)?.to_owned();
        loss.link(out.view_mut());
        Ok(out)
    }

    /// Mutable access to layer `i`'s parameters through [`Parameters`]; also used by
    /// gradient checks.
    pub fn layer_params_mut(&mut self, i: usize) -> [Param<'_, T>; 2] {
        self.layers[i].params_mut()
    }

    fn reserve(&mut self, n: usize) {
        self.rows = n;
        self.layers[0].realign();
        if self.acts.first().is_some_and(|a| a.nrows() >= n) {
            return;
        }
        let buffers = || -> Vec<Array2<T>> {
            let shape = |l: &Dense<T>| (n, l.n_out());
            self.layers
                .iter()
                .map(|l| zeros_aligned(shape(l), false))
                .collect()
        };
        self.acts = buffers();
        self.grads = buffers();
    }

    fn check_input(&self, (rows, cols): (usize, usize)) -> Result<()> {
        if cols != self.n_in() {
            return Err(shape_error(
                "network input",
                (rows, self.n_in()),
                (rows, cols),
            ));
        }
        Ok(())
    }
}

/// What a [`Network`] serialises to: its layers (buffers are rebuilt on the next forward pass).
#[derive(Serialize, Deserialize)]
#[serde(bound(
    serialize = "T: Float + Serialize",
    deserialize = "T: Float + Deserialize<'de>"
))]
struct NetworkState<T> {
    layers: Vec<Dense<T>>,
}

impl<T: Float> TryFrom<NetworkState<T>> for Network<T> {
    type Error = CoreError;
    fn try_from(s: NetworkState<T>) -> Result<Self> {
        Network::new(s.layers)
    }
}

impl<T: Float> From<Network<T>> for NetworkState<T> {
    fn from(n: Network<T>) -> Self {
        NetworkState { layers: n.layers }
    }
}

impl<T: Float> Parameters<T> for Network<T> {
    fn visit_params(&mut self, f: &mut dyn FnMut(Param<'_, T>)) {
        for layer in &mut self.layers {
            for p in layer.params_mut() {
                f(p);
            }
        }
    }
}

/// `out = f(input·Wᵀ + b)` for one layer, the product in `precision`.
fn forward_layer<T: Float>(
    layer: &Dense<T>,
    input: ArrayView2<T>,
    mut out: ArrayViewMut2<T>,
    precision: Precision,
) -> Result<()> {
    precision.matmul_nt(input, layer.weight().view(), out.view_mut())?;
    layer.activation().apply_with_bias(out, layer.bias().view());
    Ok(())
}

/// `out = f(x·Wᵀ + b)` for a first layer stored column-major and a batch in sparse form.
fn forward_sparse<T: Float>(
    layer: &Dense<T>,
    x: &CsrMatrix<T>,
    mut out: ArrayViewMut2<T>,
) -> Result<()> {
    spmm(x, layer.weight().t(), out.view_mut())?;
    layer.activation().apply_with_bias(out, layer.bias().view());
    Ok(())
}

/// Refuses dropout on the output layer (it would randomise the predictions the loss sees).
fn check_output_dropout(p: f64) -> Result<()> {
    if p != 0.0 {
        let reason = format!("the output layer cannot have dropout, got p = {p}");
        return Err(CoreError::InvalidConfig {
            name: "dropout",
            reason,
        });
    }
    Ok(())
}

fn shape_error(op: &'static str, expected: (usize, usize), got: (usize, usize)) -> CoreError {
    CoreError::Tensor(TensorError::ShapeMismatch {
        op,
        expected: vec![expected.0, expected.1],
        got: vec![got.0, got.1],
    })
}

/// Activation-only check that a loss and an output activation fit together (fused losses need
/// an identity output). Returns a clear error otherwise.
///
/// ```
/// use nn_core::{network::check_output, Activation, Loss};
/// assert!(check_output(Activation::Identity, Loss::CrossEntropy).is_ok());
/// assert!(check_output(Activation::Softmax, Loss::CrossEntropy).is_err());
/// ```
pub fn check_output(output: Activation, loss: Loss) -> Result<()> {
    if loss.fused_activation().is_some() && output != Activation::Identity {
        let reason = format!(
            "{} takes logits: give the last layer an identity activation (the {} is applied inside the loss)",
            loss.name(),
            loss.fused_activation().map_or("", |a| a.name())
        );
        return Err(CoreError::InvalidConfig {
            name: "output activation",
            reason,
        });
    }
    Ok(())
}
