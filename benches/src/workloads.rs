//! The training workloads of `train_bench`, the `train` criterion bench and
//! `benches/compare/train.py`: MNIST 784-256-128-10 and iris 4-16-3, ReLU, softmax
//! cross-entropy, f32, data read from `datasets/`.

use ndarray::{Array2, Axis};
use nn_core::{Activation, Network};

fn dataset(path: &str) -> String {
    format!("{}/../datasets/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// MNIST images (`part` is `train` or `t10k`) as f32 in [0, 1], one row per image, and labels.
///
/// # Panics
/// If the IDX files are missing or malformed (benchmarks read the repository's own copy).
pub fn mnist(part: &str) -> (Array2<f32>, Vec<usize>) {
    let images = dataset(&format!("mnist/{part}-images-idx3-ubyte.gz"));
    let labels = dataset(&format!("mnist/{part}-labels-idx1-ubyte.gz"));
    let (dims, pixels) = nn_data::read_idx(images, nn_data::IMAGES_MAGIC).expect("MNIST images");
    let (_, labels) = nn_data::read_idx(labels, nn_data::LABELS_MAGIC).expect("MNIST labels");
    let x = Array2::from_shape_vec(
        (dims[0], dims[1] * dims[2]),
        pixels.iter().map(|&p| f32::from(p) / 255.0).collect(),
    );
    let labels = labels.into_iter().map(usize::from).collect();
    (x.expect("IDX dimensions"), labels)
}

/// Iris features standardized (population standard deviation) and labels (species in sorted
/// order).
///
/// # Panics
/// If `datasets/iris.csv` is missing or malformed.
pub fn iris() -> (Array2<f32>, Vec<usize>) {
    let text = std::fs::read_to_string(dataset("iris.csv")).expect("iris.csv");
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let mut names: Vec<&str> = rows.iter().map(|r| r[4]).collect();
    names.sort_unstable();
    names.dedup();
    let x = Array2::from_shape_fn((rows.len(), 4), |(i, j)| {
        rows[i][j].parse::<f32>().expect("number")
    });
    let x = (&x - &x.mean_axis(Axis(0)).expect("rows")) / &x.std_axis(Axis(0), 0.0);
    let labels = rows
        .iter()
        .map(|r| names.iter().position(|n| *n == r[4]).expect("label"));
    (x, labels.collect())
}

/// One-hot rows for `labels` among `k` classes.
///
/// ```
/// let y = nn_benches::workloads::one_hot(&[2, 0], 3);
/// assert_eq!(y, ndarray::array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]);
/// ```
pub fn one_hot(labels: &[usize], k: usize) -> Array2<f32> {
    Array2::from_shape_fn((labels.len(), k), |(i, j)| {
        f32::from(u8::from(labels[i] == j))
    })
}

/// A seeded ReLU MLP with an identity output (logits for softmax cross-entropy).
///
/// ```
/// let net = nn_benches::workloads::mlp(&[4, 16, 3]);
/// assert_eq!(net.sizes(), vec![4, 16, 3]);
/// ```
pub fn mlp(sizes: &[usize]) -> Network<f32> {
    Network::mlp(sizes, Activation::Relu, Activation::Identity, 0).expect("valid sizes")
}
