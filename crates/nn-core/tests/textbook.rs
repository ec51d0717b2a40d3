//! The textbook's worked example (section 2.2): a 2-2-2 sigmoid network, half-SSE loss,
//! learning rate 1, one step of gradient descent. Every number the chapter prints is asserted
//! to 1e-9 in f64. The six updated weights the chapter does not print (w2, w3, w4, w6, w7, w8)
//! come from `tests/textbook_reference.py`, which applies the same chain rule in plain Python:
//!   ∂E/∂l_o1 = (out_o1 − t1)·out_o1(1 − out_o1),  ∂E/∂w6 = ∂E/∂l_o1 · out_h2
//!   ∂E/∂l_h1 = (∂E/∂l_o1·w5 + ∂E/∂l_o2·w7)·out_h1(1 − out_h1),  ∂E/∂w2 = ∂E/∂l_h1 · i2
//! with the output weights taken from before the step.

use ndarray::{array, Array2};
use nn_core::{trace::trace, Loss, Network};

fn textbook_net() -> Network<f64> {
    nn_core::textbook::network()
}

fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() < 1e-9,
        "{what}: got {got:.12}, want {want:.9}"
    );
}

#[test]
fn forward_pass_matches_the_chapter() {
    let mut net = textbook_net();
    let x = array![[0.10, 0.20]];
    let t = trace(
        &net,
        x.view(),
        array![[0.85, 0.30]].view(),
        Loss::HalfSse,
        1.0,
    )
    .unwrap();
    let (h, o) = (&t.layers[0], &t.layers[1]);
    close(h.linear[[0, 0]], 0.385, "l_h1");
    close(h.linear[[0, 1]], 0.400, "l_h2");
    close(h.out[[0, 0]], 0.595078474, "out_h1");
    close(h.out[[0, 1]], 0.598687660, "out_h2");
    close(o.linear[[0, 0]], 0.8583102995, "l_o1");
    close(o.linear[[0, 1]], 0.9179986062, "l_o2");
    close(o.out[[0, 0]], 0.702307507, "out_o1");
    close(o.out[[0, 1]], 0.714634132, "out_o2");
    close(t.losses[[0, 0]], 0.010906536, "E_o1");
    close(t.losses[[0, 1]], 0.085960731, "E_o2");
    close(t.total, 0.096867268, "E_total");
    let out = net.forward(x.view()).unwrap();
    assert_eq!(out, o.out, "Network::forward agrees with the trace");
}

#[test]
fn backward_pass_matches_the_chapter() {
    let net = textbook_net();
    let t = trace(
        &net,
        array![[0.10, 0.20]].view(),
        array![[0.85, 0.30]].view(),
        Loss::HalfSse,
        1.0,
    )
    .unwrap();
    let (h, o) = (&t.layers[0], &t.layers[1]);
    close(o.d_out[[0, 0]], -0.147692493, "∂E/∂out_o1");
    close(o.d_out_d_linear[[0, 0]], 0.209071672, "∂out_o1/∂l_o1");
    close(o.grad_weight[[0, 0]], -0.018375021, "∂E/∂w5");
    close(o.d_linear[[0, 0]], -0.030878316, "∂E/∂l_o1");
    // ∂E_o1/∂out_h1 = ∂E/∂l_o1 · w5, ∂E_o2/∂out_h1 = ∂E/∂l_o2 · w7
    close(
        o.d_linear[[0, 0]] * o.weight[[0, 0]],
        -0.007719579,
        "∂E_o1/∂out_h1",
    );
    close(
        o.d_linear[[0, 1]] * o.weight[[1, 0]],
        0.025367174,
        "∂E_o2/∂out_h1",
    );
    close(h.d_out[[0, 0]], 0.017647595, "∂E/∂out_h1");
    close(h.d_out_d_linear[[0, 0]], 0.240960084, "∂out_h1/∂l_h1");
    close(h.grad_weight[[0, 0]], 0.000425237, "∂E/∂w1");
}

#[test]
fn all_eight_updated_weights() {
    let net = textbook_net();
    let t = trace(
        &net,
        array![[0.10, 0.20]].view(),
        array![[0.85, 0.30]].view(),
        Loss::HalfSse,
        1.0,
    )
    .unwrap();
    // w1, w2 | w3, w4 (into h1 | h2), then w5, w6 | w7, w8 (into o1 | o2).
    let hidden: Array2<f64> = array![
        [0.049574763409, 0.149149526818],
        [0.099447028176, 0.198894056352]
    ];
    let output: Array2<f64> = array![
        [0.268375021542, 0.368486467138],
        [0.249681802892, 0.349376620041]
    ];
    for (got, want) in t.layers[0].new_weight.iter().zip(hidden.iter()) {
        close(*got, *want, "hidden weight");
    }
    for (got, want) in t.layers[1].new_weight.iter().zip(output.iter()) {
        close(*got, *want, "output weight");
    }
    close(t.layers[1].new_weight[[0, 0]], 0.268375021, "w5⁺ (chapter)");
    close(t.layers[0].new_weight[[0, 0]], 0.049574763, "w1⁺ (chapter)");
}

#[test]
fn network_backward_gives_the_same_gradients_as_the_trace() {
    let mut net = textbook_net();
    let (x, y) = (array![[0.10, 0.20]], array![[0.85, 0.30]]);
    net.forward(x.view()).unwrap();
    let e = net
        .backward_loss(x.view(), y.view(), Loss::HalfSse)
        .unwrap();
    close(e, 0.096867268, "E_total");
    close(
        net.layers()[1].grad_weight()[[0, 0]],
        -0.018375021,
        "∂E/∂w5",
    );
    close(net.layers()[0].grad_weight()[[0, 0]], 0.000425237, "∂E/∂w1");
    // ∂E/∂b of the output layer = Σ ∂E/∂l_o = 0.053678929702 (reference script)
    close(
        net.layers()[1].grad_bias().sum(),
        0.053678929702,
        "∂E/∂b_out",
    );
}
