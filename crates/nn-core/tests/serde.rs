//! Networks serialise their parameters and activations (used by checkpoints) and validate
//! shapes when read back.

use nn_core::{Activation, Network};

#[test]
fn round_trip_keeps_every_bit() {
    let net = Network::<f32>::mlp(&[3, 5, 2], Activation::Tanh, Activation::Identity, 9).unwrap();
    let json = serde_json::to_string(&net).unwrap();
    let back: Network<f32> = serde_json::from_str(&json).unwrap();
    for (a, b) in net.layers().iter().zip(back.layers()) {
        assert_eq!(a.weight(), b.weight());
        assert_eq!(a.bias(), b.bias());
        assert_eq!(a.activation(), b.activation());
    }
}

#[test]
fn mismatched_shapes_are_rejected_when_reading() {
    // layer 0 has 2 outputs but layer 1 expects 3 inputs
    let json = r#"{"layers":[
        {"weight":{"v":1,"dim":[2,1],"data":[1.0,2.0]},"bias":{"v":1,"dim":[2],"data":[0.0,0.0]},"activation":{"kind":"relu"}},
        {"weight":{"v":1,"dim":[1,3],"data":[1.0,2.0,3.0]},"bias":{"v":1,"dim":[1],"data":[0.0]},"activation":{"kind":"identity"}}]}"#;
    let err = serde_json::from_str::<Network<f64>>(json)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("shape mismatch in network layer sizes"),
        "{err}"
    );
}
