//! `Network::set_precision(Precision::Bf16)`: the three products per layer take bf16 operands.
//!
//! Hand derivations: values that are exact in bf16 (8 significant bits) give the same bits in
//! both precisions when every sum is exact too; `1 + 2⁻⁸` is a tie between the bf16 neighbours
//! 1 and `1 + 2⁻⁷` and rounds to the even one, 1.

use ndarray::array;
use nn_core::{Activation, Dense, Loss, Network};
use nn_tensor::matmul::Precision;

/// One identity layer `2 → 1` with weight `w` and bias 0.
fn net(w: [f32; 2], precision: Precision) -> Network<f32> {
    let layer = Dense::from_parts(array![[w[0], w[1]]], array![0.0], Activation::Identity).unwrap();
    let mut net = Network::new(vec![layer]).unwrap();
    net.set_precision(precision).unwrap();
    net
}

#[test]
fn exact_bf16_values_give_the_same_forward_and_gradients() {
    // x·wᵀ = 1.5·2 + (−0.25)·3 = 2.25; half-SSE against 1: ∂E/∂o = 1.25, ∂E/∂w = 1.25·x.
    let x = array![[1.5_f32, -0.25]];
    for precision in [Precision::Native, Precision::Bf16] {
        let mut n = net([2.0, 3.0], precision);
        assert_eq!(n.forward(x.view()).unwrap()[[0, 0]], 2.25, "{precision:?}");
        n.backward_loss(x.view(), array![[1.0]].view(), Loss::HalfSse)
            .unwrap();
        let gw = n.layers()[0].grad_weight().to_owned();
        assert_eq!(gw, array![[1.875, -0.3125]], "{precision:?}");
    }
}

#[test]
fn bf16_rounds_the_operands_of_the_forward_product() {
    // w = 1 + 2⁻⁸ rounds to 1 in bf16: x·wᵀ with x = [4, 0] is 4 in bf16, 4 + 2⁻⁶ in f32.
    let x = array![[4.0_f32, 0.0]];
    let w = [1.0 + 1.0 / 256.0, 0.5];
    let native = net(w, Precision::Native).forward(x.view()).unwrap()[[0, 0]];
    let bf16 = net(w, Precision::Bf16).forward(x.view()).unwrap()[[0, 0]];
    assert_eq!((native, bf16), (4.0 + 1.0 / 64.0, 4.0));
}
