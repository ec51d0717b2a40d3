//! Times nn-data's preprocessing on MNIST train (60000×784) and the parsing of digits.csv, and
//! prints the best-of-`repeats` wall-clock seconds as JSON. Used by
//! `benches/compare/preprocess.py`, which runs the numpy/scikit-learn equivalents in the same
//! session. Run from the workspace root:
//!
//! ```text
//! cargo run --release -p nn-data --example preprocess_bench -- [repeats]
//! ```

use nn_data::{
    load_csv, load_mnist_dir, CsvOptions, MinMaxScaler, Result, StandardScaler, Transformer,
    Whitener, WhiteningMethod,
};
use std::time::Instant;

/// The fastest of `repeats` runs of `f`, in seconds.
fn best_of(repeats: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..repeats {
        let t = Instant::now();
        f()?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(best)
}

fn main() -> Result<()> {
    let repeats = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let x = load_mnist_dir("datasets/mnist")?.train.features;
    let standardize = best_of(repeats, || {
        std::hint::black_box(StandardScaler::default().fit_transform(x.view())?);
        Ok(())
    })?;
    let min_max = best_of(repeats, || {
        std::hint::black_box(MinMaxScaler::default().fit_transform(x.view())?);
        Ok(())
    })?;
    let mut zca = Whitener::new(WhiteningMethod::Zca);
    let zca_fit = best_of(repeats.min(2), || zca.fit(x.view()))?;
    let zca_transform = best_of(repeats.min(2), || {
        std::hint::black_box(zca.transform(x.view())?);
        Ok(())
    })?;
    let digits_csv = best_of(repeats, || {
        std::hint::black_box(load_csv("datasets/digits.csv", &CsvOptions::default())?);
        Ok(())
    })?;
    println!(
        "{{\"standardize_fit_transform\": {standardize:.4}, \"minmax_fit_transform\": {min_max:.4}, \
         \"zca_fit\": {zca_fit:.4}, \"zca_transform\": {zca_transform:.4}, \
         \"parse_digits_csv\": {digits_csv:.4}, \"threads\": {}}}",
        nn_tensor::num_threads()
    );
    Ok(())
}
