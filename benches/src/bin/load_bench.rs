//! Times loading the MNIST training and test sets (`nn_data::load_mnist_dir_as::<f32>`, which
//! reads `.gz` or uncompressed IDX files) and prints one JSON line with the median seconds.
//!
//! ```text
//! load_bench datasets/mnist --reps 5   # {"load_s": 0.31, "reps": 5}
//! ```

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: load_bench DIR [--reps N]");
        return ExitCode::from(2);
    };
    let reps = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1)?.parse::<usize>().ok())
        .unwrap_or(5)
        .max(1);
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let start = Instant::now();
        if let Err(e) = nn_data::load_mnist_dir_as::<f32>(dir) {
            eprintln!("load_bench: {e}");
            return ExitCode::from(1);
        }
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!("{{\"load_s\": {:.4}, \"reps\": {reps}}}", times[reps / 2]);
    ExitCode::SUCCESS
}
