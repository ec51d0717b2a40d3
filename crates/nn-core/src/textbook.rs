//! The textbook chapter's worked example (section 2.2): a 2-2-2 sigmoid network with inputs
//! 0.10, 0.20, targets 0.85, 0.30, half-SSE loss and learning rate 1. `nn explain` starts from
//! it, and the tests of every crate that reproduce the chapter's numbers build it from here.
//!
//! Weights are `(n_out, n_in)`: row `j` holds the weights into neuron `j`, numbered like the
//! book: w1, w2 into h1; w3, w4 into h2; w5, w6 into o1; w7, w8 into o2.

use ndarray::array;

use crate::{Activation, Dense, Network};

/// The sample's inputs `i1, i2`.
pub const INPUT: [f64; 2] = [0.10, 0.20];
/// The sample's targets `t_o1, t_o2`.
pub const TARGET: [f64; 2] = [0.85, 0.30];
/// The learning rate η of the chapter's step.
pub const LEARNING_RATE: f64 = 1.0;

/// The chapter's 2-2-2 sigmoid network before the step.
///
/// ```
/// let net = nn_core::textbook::network();
/// assert_eq!(net.sizes(), vec![2, 2, 2]);
/// assert_eq!(net.layers()[1].weight()[[0, 0]], 0.25); // w5
/// ```
pub fn network() -> Network<f64> {
    let layer = |w, b| Dense::from_parts(w, b, Activation::Sigmoid).expect("2×2 weights, 2 biases");
    let hidden = layer(array![[0.05, 0.15], [0.10, 0.20]], array![0.35, 0.35]);
    let output = layer(array![[0.25, 0.35], [0.30, 0.40]], array![0.50, 0.50]);
    Network::new(vec![hidden, output]).expect("the layers chain")
}
