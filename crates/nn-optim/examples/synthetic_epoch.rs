use ndarray::Array2;
use nn_core::{Activation, Loss, Network};
use nn_optim::{Sgd, SgdConfig, Trainer};
fn main() {
    let threads: usize = std::env::args().nth(1).map_or(0, |s| s.parse().unwrap());
    nn_tensor::set_num_threads(threads);
    let n = 60_000;
    let x = Array2::from_shape_fn((n, 784), |(i, j)| ((i * 31 + j * 17) % 255) as f32 / 255.0);
    let y = Array2::from_shape_fn((n, 10), |(i, j)| if i % 10 == j { 1.0f32 } else { 0.0 });
    let mut net = Network::<f32>::mlp(
        &[784, 256, 128, 10],
        Activation::Relu,
        Activation::Identity,
        1,
    )
    .unwrap();
    let mut sgd = Sgd::new(SgdConfig::default()).unwrap();
    let mut trainer = Trainer::new(128, 1);
    for _ in 0..2 {
        let t = std::time::Instant::now();
        let r = trainer
            .run_epoch(
                &mut net,
                &mut sgd,
                Loss::CrossEntropy,
                x.view(),
                y.view(),
                0.1,
            )
            .unwrap();
        println!(
            "epoch {} loss {:.4} {:.3}s",
            r.epoch,
            r.train_loss,
            t.elapsed().as_secs_f64()
        );
    }
}
