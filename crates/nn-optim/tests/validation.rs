//! Chunked evaluation gives the numbers of one forward pass over all rows, up to the rounding
//! of the network's kernels, which may differ in the last bit for another row count.

use ndarray::Array2;
use nn_core::{Activation, Loss, Network};
use nn_optim::evaluate_chunks;
use nn_tensor::Float;

/// A seeded 12-16-`m` network and `n` rows of fixed inputs and targets for `loss`.
fn setup<T: Float>(loss: Loss, n: usize) -> (Network<T>, Array2<T>, Array2<T>) {
    let m = if loss == Loss::Bce { 1 } else { 3 };
    let net = Network::<T>::mlp(&[12, 16, m], Activation::Tanh, Activation::Identity, 7);
    let x = Array2::from_shape_fn((n, 12), |(i, j)| {
        T::from_f64((((i * 37 + j * 11) % 19) as f64 - 9.0) / 7.0)
    });
    let y = Array2::from_shape_fn((n, m), |(i, j)| match loss {
        Loss::CrossEntropy => T::from_f64(f64::from(i % m == j)),
        Loss::Bce => T::from_f64((i % 2) as f64),
        _ => T::from_f64(((i * 5 + j) % 7) as f64 / 3.0 - 1.0),
    });
    (net.unwrap(), x, y)
}

/// `tol` is a few units in the last place of `T` at the outputs' scale (about 1).
fn same_as_one_pass<T: Float>(tol: f64) {
    for loss in [Loss::CrossEntropy, Loss::Bce, Loss::Mse, Loss::HalfSse] {
        let (mut net, x, y) = setup::<T>(loss, 2500);
        let mut whole = net.forward(x.view()).unwrap().to_owned();
        let want_loss = loss.value(whole.view(), y.view()).unwrap();
        loss.link(whole.view_mut());
        for chunk in [1024, 600, 7, 1, 5000] {
            let what = format!("{loss:?}, chunks of {chunk}");
            let mut out = Array2::<T>::zeros(y.dim());
            let got = evaluate_chunks(&mut net, loss, x.view(), y.view(), chunk, |rows, o| {
                out.slice_mut(ndarray::s![rows, ..]).assign(&o)
            })
            .unwrap();
            assert!(
                (got - want_loss).abs() <= tol * want_loss,
                "{what}: {got} vs {want_loss}"
            );
            let worst = (&out - &whole)
                .iter()
                .fold(0.0_f64, |m, d| m.max(Float::to_f64(*d).abs()));
            assert!(worst <= tol, "{what}: outputs differ by {worst}");
            if chunk >= 2500 {
                // One chunk holding every row is the one-pass computation itself.
                assert_eq!(
                    (got.to_bits(), &out),
                    (want_loss.to_bits(), &whole),
                    "{what}"
                );
            }
        }
    }
}

#[test]
fn chunked_evaluation_matches_one_pass_f32() {
    same_as_one_pass::<f32>(8.0 * f64::from(f32::EPSILON));
}

#[test]
fn chunked_evaluation_matches_one_pass_f64() {
    same_as_one_pass::<f64>(8.0 * f64::EPSILON);
}
