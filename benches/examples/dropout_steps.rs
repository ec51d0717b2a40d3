//! CPU cost of dropout in the MNIST training step, for `perf stat -e task-clock` on a busy
//! machine (where criterion's wall-clock times are noise): `STEPS` steps of the 784-256-128-10
//! network on the first 128 training images (sparse path, one thread, plain SGD), through
//! `forward_train` with dropout `P` on both hidden layers. The per-step CPU time is the
//! task-clock difference between two step counts, divided by their difference.
//!
//! `cargo build --release -p nn-benches --example dropout_steps`, then
//! `perf stat -e task-clock target/release/examples/dropout_steps P STEPS`.

use ndarray::s;
use nn_benches::workloads::{mlp, mnist, one_hot};
use nn_core::{DropoutKey, Loss};
use nn_optim::{Optimizer, Sgd, SgdConfig};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: dropout_steps P STEPS";
    let p: f64 = args.get(1).and_then(|a| a.parse().ok()).expect(usage);
    let steps: usize = args.get(2).and_then(|a| a.parse().ok()).expect(usage);
    let (x, labels) = mnist("train");
    let (x, y) = (
        x.slice(s![..128, ..]).to_owned(),
        one_hot(&labels[..128], 10),
    );
    let mut net = mlp(&[784, 256, 128, 10]);
    net.set_dropout(&[p, p, 0.0]).expect("p in [0, 1)");
    let mut sgd = Sgd::new(SgdConfig::default()).expect("plain SGD");
    let key = DropoutKey::from_seed(0);
    nn_tensor::set_num_threads(1);
    for step in 0..steps {
        let first_row = 128 * step as u64;
        net.forward_train(x.view(), &key, first_row)
            .expect("forward");
        let loss = net.backward_loss(x.view(), y.view(), Loss::CrossEntropy);
        std::hint::black_box(loss.expect("backward"));
        sgd.step(&mut net, 0.1);
    }
}
