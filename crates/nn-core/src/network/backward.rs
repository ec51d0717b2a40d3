//! [`Network`]'s backward passes: the loss's gradient (optionally per-sample weighted, or
//! scaled to a part's share of a larger batch), then backpropagation by the chain rule through
//! every layer, the sparse first layer's weight gradient included.

use ndarray::{ArrayView1, ArrayView2};
use nn_tensor::s;
use nn_tensor::sparse::spmm_transposed;
use nn_tensor::Float;

use super::sparse_input::FirstInput;
use super::{shape_error, Input, Network};
use crate::{sample_weight, CoreError, Loss, Result};

impl<T: Float> Network<T> {
    /// Backpropagation from the loss: after [`forward`](Self::forward) or
    /// [`forward_train`](Self::forward_train) on the same `x`, computes the loss against
    /// `target` and every parameter's gradient. Returns the loss value.
    pub fn backward_loss(
        &mut self,
        x: ArrayView2<T>,
        target: ArrayView2<T>,
        loss: Loss,
    ) -> Result<f64> {
        self.backward_from_loss(x, target, loss, None)
    }

    /// [`backward_loss`](Self::backward_loss) with one weight per sample: the objective is
    /// `Σ_i w_i·ℓ_i / Σ_i w_i`, `ℓ_i` the loss of sample `i` as [`Loss::value`] defines it (for
    /// cross-entropy with `w_i = c[y_i]`, PyTorch's `F.cross_entropy(.., weight=c)`; BCE and the
    /// rest in [`crate::sample_weight`]). Weights must be finite, `≥ 0`, with a positive sum.
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_core::{Activation, Dense, Loss, Network};
    /// let layer = Dense::from_parts(array![[1.0_f64]], array![0.0], Activation::Identity)?;
    /// let mut net = Network::new(vec![layer])?;
    /// let (x, t) = (array![[1.0], [2.0]], array![[0.0], [0.0]]);
    /// net.forward(x.view())?;
    /// // ℓ = ½o²: (1·½ + 3·2) / (1 + 3) = 1.625; ∂L/∂w = (1·1·1 + 3·2·2) / 4 = 3.25
    /// let value = net.backward_loss_weighted(x.view(), t.view(), Loss::HalfSse, array![1.0, 3.0].view())?;
    /// assert_eq!((value, net.layers()[0].grad_weight()[[0, 0]]), (1.625, 3.25));
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn backward_loss_weighted(
        &mut self,
        x: ArrayView2<T>,
        target: ArrayView2<T>,
        loss: Loss,
        weights: ArrayView1<T>,
    ) -> Result<f64> {
        self.backward_from_loss(x, target, loss, Some(weights))
    }

    /// Backpropagation of one part of a larger batch: [`backward_loss`](Self::backward_loss)
    /// (or, with `weights`, [`backward_loss_weighted`](Self::backward_loss_weighted)) with the
    /// loss gradient times `share`, the part's fraction of the batch (its rows, or its sample
    /// weight, over the batch's). The parts' gradients then add up to the whole batch's mean
    /// gradient, which is what a data-parallel all-reduce sums. Returns the part's own loss.
    /// A part with share 0 (its rows weigh nothing) gets zero gradients and returns 0.
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_core::{Dense, Activation, Loss, Network};
    /// let layer = Dense::from_parts(array![[1.0_f64]], array![0.0], Activation::Identity)?;
    /// let mut net = Network::new(vec![layer])?;
    /// let (x, t) = (array![[2.0]], array![[0.0]]);
    /// net.forward(x.view())?;
    /// // ℓ = ½o² = 2, ∂ℓ/∂w = o·x = 4; a quarter of the batch contributes 1.
    /// let value = net.backward_loss_share(x.view(), t.view(), Loss::HalfSse, None, 0.25)?;
    /// assert_eq!((value, net.layers()[0].grad_weight()[[0, 0]]), (2.0, 1.0));
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn backward_loss_share(
        &mut self,
        x: ArrayView2<T>,
        target: ArrayView2<T>,
        loss: Loss,
        weights: Option<ArrayView1<T>>,
        share: f64,
    ) -> Result<f64> {
        self.backward_loss_input(Input::Dense(x), target, loss, weights, Some(share))
    }

    fn backward_from_loss(
        &mut self,
        x: ArrayView2<T>,
        target: ArrayView2<T>,
        loss: Loss,
        weights: Option<ArrayView1<T>>,
    ) -> Result<f64> {
        self.backward_loss_input(Input::Dense(x), target, loss, weights, None)
    }

    /// Backpropagation from the loss for the batch of the last forward pass, dense or sparse
    /// (see [`forward_train_input`](Self::forward_train_input)): with `weights`, as
    /// [`backward_loss_weighted`](Self::backward_loss_weighted); with a `share`, as
    /// [`backward_loss_share`](Self::backward_loss_share); with neither, as
    /// [`backward_loss`](Self::backward_loss). `x` must be given in the form the forward pass
    /// got it.
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_core::network::Input;
    /// use nn_core::{Activation, DropoutKey, Loss, Network};
    /// use nn_tensor::sparse::CsrMatrix;
    /// let mut net = Network::<f64>::mlp(&[80, 3, 1], Activation::Tanh, Activation::Identity, 2)?;
    /// let mut x = ndarray::Array2::<f64>::zeros((2, 80));
    /// (x[[0, 3]], x[[1, 79]]) = (1.0, -2.0);
    /// let (csr, t) = (CsrMatrix::from_dense(x.view()), array![[1.0], [0.0]]);
    /// let key = DropoutKey::from_seed(0);
    /// net.forward_train_input(Input::Sparse(&csr), &key, 0)?;
    /// let sparse = net.backward_loss_input(Input::Sparse(&csr), t.view(), Loss::Mse, None, None)?;
    /// let g = net.layers()[0].grad_weight().to_owned();
    /// net.forward(x.view())?;
    /// assert_eq!(sparse, net.backward_loss(x.view(), t.view(), Loss::Mse)?);
    /// assert_eq!(g, net.layers()[0].grad_weight());
    /// assert!(net.backward_loss_input(Input::Sparse(&csr), t.view(), Loss::Mse, None, None).is_err());
    /// # Ok::<(), nn_core::CoreError>(())
    /// ```
    pub fn backward_loss_input(
        &mut self,
        x: Input<'_, T>,
        target: ArrayView2<T>,
        loss: Loss,
        weights: Option<ArrayView1<T>>,
        share: Option<f64>,
    ) -> Result<f64> {
        let n = self.check_backward(x)?;
        let last = self.layers.len() - 1;
        if share == Some(0.0) {
            // No weight in its batch (every row's class weight is 0): it adds nothing.
            self.grads[last].slice_mut(s![..n, ..]).fill(T::zero());
            self.backpropagate(x);
            return Ok(0.0);
        }
        let total = weights
            .map(|w| sample_weight::check_weights(w, n))
            .transpose()?;
        let out = self.acts[last].slice(s![..n, ..]);
        let mut grad = self.grads[last].slice_mut(s![..n, ..]);
        let mut value = loss.value_and_grad(out, target, grad.view_mut())?;
        if let (Some(w), Some(total)) = (weights, total) {
            value = sample_weight::reweight(loss, out, target, w, total, grad.view_mut())?;
        }
        if let Some(share) = share.map(T::from_f64) {
            grad.mapv_inplace(|g| g * share);
        }
        self.backpropagate(x);
        Ok(value)
    }

    /// Backpropagation from an explicit `∂L/∂out` (shape `(n_samples, n_out)`), after
    /// [`forward`](Self::forward) or [`forward_train`](Self::forward_train) on the same `x`.
    pub fn backward(&mut self, x: ArrayView2<T>, grad_out: ArrayView2<T>) -> Result<()> {
        let x = Input::Dense(x);
        let n = self.check_backward(x)?;
        let last = self.layers.len() - 1;
        let mut g = self.grads[last].slice_mut(s![..n, ..]);
        if g.dim() != grad_out.dim() {
            return Err(shape_error("backward grad_out", g.dim(), grad_out.dim()));
        }
        g.assign(&grad_out);
        self.backpropagate(x);
        Ok(())
    }

    /// The chain rule, last layer first; `grads[last]` holds `∂L/∂a` of the output.
    fn backpropagate(&mut self, x: Input<'_, T>) {
        let n = self.rows;
        for l in (0..self.layers.len()).rev() {
            let (lower, upper) = self.grads.split_at_mut(l);
            let mut dz = upper[0].slice_mut(s![..n, ..]);
            let layer = &mut self.layers[l];
            let (activation, column_major) = (layer.activation(), layer.is_column_major());
            let (gw, gb) = layer.grads_mut();
            let a = self.acts[l].slice(s![..n, ..]);
            // ∂L/∂a from ∂L/∂(a ⊙ m), then ∂L/∂z with the derivative at the undropped a.
            self.masks.backward(l, dz.view_mut());
            activation.backward_with_bias_grad(a, dz.view_mut(), gb.view_mut());
            let input = match l {
                0 => match self.sparse.first(x) {
                    (FirstInput::Csr(x), xt) => {
                        // ∂L/∂Wᵀ = xᵀ·δ, written through the column-major gradient's transpose.
                        xt.assign(x);
                        spmm_transposed(xt, dz.view(), gw.view_mut().reversed_axes())
                            .expect("shapes checked");
                        continue;
                    }
                    (FirstInput::Dense(x), _) => x,
                },
                _ => self.masks.feed(l - 1, &self.acts[l - 1], n),
            };
            if column_major {
                // ∂L/∂Wᵀ = xᵀ·δ, so that the product writes its output rows contiguously.
                let gwt = gw.view_mut().reversed_axes();
                self.precision
                    .matmul_tn(input, dz.view(), gwt)
                    .expect("shapes checked");
            } else {
                let (precision, gw) = (self.precision, gw.view_mut());
                precision
                    .matmul_tn(dz.view(), input, gw)
                    .expect("shapes checked");
            }
            if l > 0 {
                let dx = lower[l - 1].slice_mut(s![..n, ..]);
                let w = self.layers[l].weight().view();
                self.precision
                    .matmul(dz.view(), w, dx)
                    .expect("shapes checked");
            }
        }
    }

    fn check_backward(&self, x: Input<'_, T>) -> Result<usize> {
        self.check_input(x.dim())?;
        let given_sparse = matches!(x, Input::Sparse(_));
        if self.acts.is_empty()
            || x.nrows() != self.rows
            || given_sparse != self.sparse.path.given_sparse()
        {
            let reason = "backward needs a forward pass on the same batch first".to_string();
            return Err(CoreError::InvalidConfig {
                name: "backward",
                reason,
            });
        }
        Ok(self.rows)
    }
}
