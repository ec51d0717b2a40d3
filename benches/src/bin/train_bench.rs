//! The nn side of `benches/compare/train.py`: times MLP training and prints one JSON line.
//!
//! ```text
//! train_bench mnist --threads 2 --epochs 3   # {"epoch_s": median seconds/epoch, "accuracy": test accuracy}
//! train_bench iris --threads 1 --steps 500   # {"step_us": median µs per full-batch step}
//! ```
//! `--dense` makes MNIST batches take the dense GEMM even though they are mostly zeros
//! (`Network::set_sparse_input(false)`), to compare with the sparse first-layer path.
//!
//! `--optimizer adam` trains with Adam (PyTorch's defaults: β = (0.9, 0.999), ε = 1e-8) at
//! lr 0.001 instead of plain SGD at lr 0.1 (`train.py`'s `nn-adam` rows, beside
//! `torch.optim.Adam` with the same settings).
//!
//! `--cpu-time` measures the process's CPU time instead of wall time: on a machine shared with
//! other work a one-thread run then still reads true (it counts only time spent running).
//!
//! Workloads and hyper-parameters match the script's peers: MNIST 784-256-128-10 ReLU, softmax
//! cross-entropy, plain SGD lr 0.1 (or Adam lr 0.001), batch 128, f32, shuffled; iris 4-16-3 ReLU,
//! full batch.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use nn_benches::workloads::{iris, mlp, mnist, one_hot};
use nn_core::Loss;
use nn_optim::{AdamConfig, AnyOptimizer, Optimizer, OptimizerConfig, SgdConfig, Trainer};

fn arg(args: &[String], name: &str, default: usize) -> usize {
    let pos = args.iter().position(|a| a == name);
    pos.and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Whether `--cpu-time` was given.
static CPU_TIME: AtomicBool = AtomicBool::new(false);

/// A point in time: wall clock, or the process's CPU clock under `--cpu-time`.
#[derive(Clone, Copy)]
enum Clock {
    Wall(Instant),
    Cpu(f64),
}

impl Clock {
    fn now() -> Self {
        if !CPU_TIME.load(Ordering::Relaxed) {
            return Clock::Wall(Instant::now());
        }
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `t` is a valid timespec to write; the clock id is a constant libc knows.
        unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
        Clock::Cpu(t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9)
    }

    fn seconds(self) -> f64 {
        match (self, Clock::now()) {
            (Clock::Wall(start), _) => start.elapsed().as_secs_f64(),
            (Clock::Cpu(start), Clock::Cpu(now)) => now - start,
            (Clock::Cpu(_), Clock::Wall(_)) => unreachable!("the clock kind never changes"),
        }
    }
}

/// The `--optimizer` choice (`sgd` or `adam`) and its learning rate.
fn optimizer(args: &[String]) -> (AnyOptimizer<f32>, f64) {
    let pos = args.iter().position(|a| a == "--optimizer");
    let (config, lr) = match pos.and_then(|i| args.get(i + 1)).map(String::as_str) {
        None | Some("sgd") => (OptimizerConfig::Sgd(SgdConfig::default()), 0.1),
        Some("adam") => (OptimizerConfig::Adam(AdamConfig::default()), 0.001),
        Some(other) => {
            eprintln!("train_bench: unknown --optimizer {other:?} (sgd or adam)");
            std::process::exit(2);
        }
    };
    (config.build().expect("valid defaults"), lr)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn run_mnist(epochs: usize, dense: bool, (mut opt, lr): (AnyOptimizer<f32>, f64)) -> String {
    let (x, y) = mnist("train");
    let (xt, yt) = mnist("t10k");
    let y = one_hot(&y, 10);
    let mut net = mlp(&[784, 256, 128, 10]);
    net.set_sparse_input(!dense);
    let mut trainer = Trainer::new(128, 0);
    let times = (0..epochs).map(|_| {
        let start = Clock::now();
        trainer
            .run_epoch(
                &mut net,
                &mut opt,
                Loss::CrossEntropy,
                x.view(),
                y.view(),
                lr,
            )
            .expect("epoch");
        start.seconds()
    });
    let epoch_s = median(times.collect());
    let pred = nn_tensor::argmax_rows(net.forward(xt.view()).expect("forward"));
    let accuracy = pred.iter().zip(&yt).filter(|(p, t)| p == t).count() as f64 / yt.len() as f64;
    format!("{{\"epoch_s\": {epoch_s}, \"accuracy\": {accuracy}}}")
}

fn run_iris(steps: usize, (mut opt, lr): (AnyOptimizer<f32>, f64)) -> String {
    let (x, labels) = iris();
    let y = one_hot(&labels, 3);
    let mut net = mlp(&[4, 16, 3]);
    let times = (0..steps).map(|_| {
        let start = Clock::now();
        net.forward(x.view()).expect("forward");
        net.backward_loss(x.view(), y.view(), Loss::CrossEntropy)
            .expect("backward");
        opt.step(&mut net, lr);
        start.seconds() * 1e6
    });
    format!("{{\"step_us\": {}}}", median(times.collect()))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    nn_tensor::set_num_threads(arg(&args, "--threads", 0));
    CPU_TIME.store(args.iter().any(|a| a == "--cpu-time"), Ordering::Relaxed);
    let line = match args.get(1).map(String::as_str) {
        Some("mnist") => run_mnist(
            arg(&args, "--epochs", 3),
            args.iter().any(|a| a == "--dense"),
            optimizer(&args),
        ),
        Some("iris") => run_iris(arg(&args, "--steps", 500), optimizer(&args)),
        _ => {
            eprintln!(
                "usage: train_bench mnist|iris [--threads N] [--epochs N] [--steps N] [--dense] [--cpu-time] [--optimizer sgd|adam]"
            );
            std::process::exit(2);
        }
    };
    println!("{line}");
}
