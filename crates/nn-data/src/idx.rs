//! IDX files (the MNIST format), plain or gzip-compressed.
//!
//! Layout: a big-endian header — two zero bytes, a type byte (`0x08` = unsigned byte, the only
//! type supported), the number of dimensions `d`, then `d` big-endian `u32` sizes — followed by
//! the data. The header is validated and the expected data length checked against the file
//! (for gzip: the decompressed stream, read at most one byte past the expected length) before
//! anything of that size is allocated, so a header claiming 10¹² items is an error, not an
//! allocation.

use crate::dataset::{Dataset, Target};
use crate::gz_thread::GzThread;
use crate::{DataError, Result};
use ndarray::Array2;
use nn_tensor::Float;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// The IDX magic number of image files (`0x00000803`: unsigned bytes, 3 dimensions).
pub const IMAGES_MAGIC: u32 = 2051;
/// The IDX magic number of label files (`0x00000801`: unsigned bytes, 1 dimension).
pub const LABELS_MAGIC: u32 = 2049;
/// The largest file payload accepted (4 GiB), whatever the header claims.
const MAX_ITEMS: u64 = 1 << 32;

/// Reads an IDX file of unsigned bytes with the given magic number; returns the dimension
/// sizes and the raw bytes. Gzip is detected from the first two bytes (`1f 8b`).
///
/// # Errors
/// [`DataError::File`] for a wrong magic number, a header whose sizes do not match the data
/// length (too short or too long), or a corrupt gzip stream; [`DataError::Io`] if unreadable.
///
/// ```
/// let path = "../../datasets/mnist/t10k-labels-idx1-ubyte.gz";
/// let (dims, labels) = nn_data::read_idx(path, nn_data::LABELS_MAGIC)?;
/// assert_eq!((dims, &labels[..3]), (vec![10000], &[7u8, 2, 1][..]));
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn read_idx(path: impl AsRef<Path>, magic: u32) -> Result<(Vec<usize>, Vec<u8>)> {
    let mut data = Vec::new();
    let dims = stream_idx_file(path.as_ref(), magic, |bytes| data.extend_from_slice(bytes))?;
    Ok((dims, data))
}

/// Reads an IDX stream (already decompressed); `file` names it in errors.
///
/// ```
/// // A 1-D label file with 3 items: magic 2049, size 3, then the bytes 7, 0, 9.
/// let bytes = [0u8, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9];
/// let (dims, data) = nn_data::read_idx_stream(&bytes[..], "labels", nn_data::LABELS_MAGIC)?;
/// assert_eq!((dims, data), (vec![3], vec![7, 0, 9]));
/// let lying = [0u8, 0, 8, 1, 0, 0, 0, 9, 7];
/// assert!(nn_data::read_idx_stream(&lying[..], "x", 2049).is_err());
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn read_idx_stream(r: impl Read, file: &str, magic: u32) -> Result<(Vec<usize>, Vec<u8>)> {
    let mut data = Vec::new();
    let dims = stream_idx(BufReader::new(r), file, magic, |b| {
        data.extend_from_slice(b)
    })?;
    Ok((dims, data))
}

/// [`stream_idx`] on the file at `path`, inflated on a second thread when it is gzip
/// (detected from the first two bytes, `1f 8b`).
fn stream_idx_file(path: &Path, magic: u32, sink: impl FnMut(&[u8])) -> Result<Vec<usize>> {
    let name = path.display().to_string();
    let io = |source| DataError::Io {
        file: name.clone(),
        source,
    };
    let mut file = BufReader::new(std::fs::File::open(path).map_err(io)?);
    let mut head = [0u8; 2];
    let n = read_up_to(&mut file, &mut head).map_err(io)?;
    let chained = std::io::Cursor::new(head[..n].to_vec()).chain(file);
    if n == 2 && head == [0x1f, 0x8b] {
        stream_idx(GzThread::spawn(chained), &name, magic, sink)
    } else {
        stream_idx(chained, &name, magic, sink)
    }
}

/// Checks the header of the IDX stream `r` and hands its data to `sink` piece by piece, as
/// the reader holds it (no copy of the whole payload is made); returns the dimension sizes.
/// At most one byte past the length the header gives is read, and `sink` never gets more
/// than that length; a stream of any other length is an error (after `sink` has seen it).
fn stream_idx(
    mut r: impl BufRead,
    file: &str,
    magic: u32,
    mut sink: impl FnMut(&[u8]),
) -> Result<Vec<usize>> {
    let dims = read_header(&mut r, file, magic)?;
    let expected = match dims
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
    {
        Some(e) if e <= MAX_ITEMS => e,
        _ => {
            return Err(DataError::file(
                file,
                format!("IDX header claims {dims:?} items: too large"),
            ))
        }
    };
    let mut r = r.take(expected + 1);
    let mut total = 0u64;
    loop {
        let chunk = match r.fill_buf() {
            Ok([]) => break,
            Ok(chunk) => chunk,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(corrupt(file, e)),
        };
        let n = chunk.len();
        let room = (expected - total.min(expected)) as usize;
        sink(&chunk[..n.min(room)]);
        total += n as u64;
        r.consume(n);
    }
    if total != expected {
        let more = if total > expected { "more than " } else { "" };
        let has = total.min(expected);
        let msg = format!("IDX header {dims:?} needs {expected} data bytes, file has {more}{has}");
        return Err(DataError::file(file, msg));
    }
    Ok(dims)
}

fn corrupt(file: &str, e: std::io::Error) -> DataError {
    DataError::file(file, format!("corrupt or unreadable data: {e}"))
}

/// Checks the magic number and reads the dimension sizes (their count is the magic's low byte).
fn read_header(r: &mut impl Read, file: &str, magic: u32) -> Result<Vec<usize>> {
    let mut word = [0u8; 4];
    let n = read_up_to(r, &mut word).map_err(|e| corrupt(file, e))?;
    let found = u32::from_be_bytes(word);
    if n < 4 || found != magic {
        let msg = format!("bad IDX magic number {found:#010x}, expected {magic:#010x}");
        return Err(DataError::file(file, msg));
    }
    let mut dims = Vec::new();
    for _ in 0..(magic & 0xff) {
        if read_up_to(r, &mut word).map_err(|e| corrupt(file, e))? < 4 {
            return Err(DataError::file(file, "truncated IDX header"));
        }
        dims.push(u32::from_be_bytes(word) as usize);
    }
    Ok(dims)
}

/// Fills `buf` as far as the stream allows; returns the byte count.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Reads an IDX image file into shape `(n_images, rows·cols)`, pixels scaled to `[0, 1]`.
///
/// # Errors
/// As [`read_idx`] with [`IMAGES_MAGIC`].
///
/// ```
/// let x = nn_data::read_idx_images("../../datasets/mnist/t10k-images-idx3-ubyte.gz")?;
/// assert_eq!(x.dim(), (10000, 784));
/// assert!(x.iter().all(|&p| (0.0..=1.0).contains(&p)));
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn read_idx_images(path: impl AsRef<Path>) -> Result<Array2<f64>> {
    read_idx_images_as(path)
}

/// [`read_idx_images`] in the float type `T`: each pixel `b` becomes `b / 255` computed in
/// `f64` and rounded once to `T`, straight from the bytes (for `f32`, no `f64` copy exists).
///
/// # Errors
/// As [`read_idx`] with [`IMAGES_MAGIC`].
///
/// ```
/// let path = "../../datasets/mnist/t10k-images-idx3-ubyte.gz";
/// let x = nn_data::read_idx_images_as::<f32>(path)?;
/// let wide = nn_data::read_idx_images(path)?;
/// assert_eq!(x.dim(), (10000, 784));
/// assert!(x.iter().zip(&wide).all(|(&a, &b)| a == b as f32));
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn read_idx_images_as<T: Float>(path: impl AsRef<Path>) -> Result<Array2<T>> {
    let table: Vec<T> = (0..=255u8)
        .map(|b| T::from_f64(f64::from(b) / 255.0))
        .collect();
    // Converted as the bytes arrive: no buffer of the raw bytes is made.
    let mut pixels = Vec::new();
    let to_pixels = |bytes: &[u8]| pixels.extend(bytes.iter().map(|&b| table[usize::from(b)]));
    let dims = stream_idx_file(path.as_ref(), IMAGES_MAGIC, to_pixels)?;
    let shape = (dims[0], dims[1] * dims[2]);
    Array2::from_shape_vec(shape, pixels).map_err(|e| DataError::file("idx", e.to_string()))
}

/// Reads an IDX label file: one class code per item.
///
/// # Errors
/// As [`read_idx`] with [`LABELS_MAGIC`].
///
/// ```
/// let y = nn_data::read_idx_labels("../../datasets/mnist/t10k-labels-idx1-ubyte.gz")?;
/// assert_eq!((y.len(), y[0]), (10000, 7));
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn read_idx_labels(path: impl AsRef<Path>) -> Result<Vec<usize>> {
    let (_, data) = read_idx(path, LABELS_MAGIC)?;
    Ok(data.into_iter().map(usize::from).collect())
}

/// MNIST-style train and test sets (features `f64` unless loaded by [`load_mnist_dir_as`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Mnist<T = f64> {
    /// The training set (features `(60000, 784)` for MNIST).
    pub train: Dataset<T>,
    /// The test set.
    pub test: Dataset<T>,
}

/// Loads an MNIST-style folder: four IDX files (optionally `.gz`) found by name — `train` or
/// `t10k`/`test` for the split, `images`/`idx3` or `labels`/`idx1` for the kind, e.g.
/// `train-images-idx3-ubyte.gz`. Labels become classes `"0"`, `"1"`, … up to the largest code.
///
/// # Errors
/// [`DataError::File`] if a file is missing or ambiguous, or image and label counts differ;
/// the errors of [`read_idx`].
///
/// ```no_run
/// let mnist = nn_data::load_mnist_dir("datasets/mnist")?; // from the workspace root
/// assert_eq!(mnist.train.features.dim(), (60000, 784));
/// assert_eq!(mnist.test.labels().unwrap().len(), 10);
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn load_mnist_dir(dir: impl AsRef<Path>) -> Result<Mnist> {
    load_mnist_dir_as(dir)
}

/// [`load_mnist_dir`] with the pixels in the float type `T` (see [`read_idx_images_as`]).
///
/// # Errors
/// As [`load_mnist_dir`].
///
/// ```no_run
/// let mnist = nn_data::load_mnist_dir_as::<f32>("datasets/mnist")?; // 188 MB of f32 pixels
/// assert_eq!(mnist.train.features.dim(), (60000, 784));
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn load_mnist_dir_as<T: Float>(dir: impl AsRef<Path>) -> Result<Mnist<T>> {
    let dir = dir.as_ref();
    let find = |split: &str, kind: &str| find_idx_file(dir, split, kind);
    let (train_x, train_y) = (
        read_idx_images_as(find("train", "images")?)?,
        find("train", "labels")?,
    );
    let (test_x, test_y) = (
        read_idx_images_as(find("test", "images")?)?,
        find("test", "labels")?,
    );
    let (train_y, test_y) = (read_idx_labels(&train_y)?, read_idx_labels(&test_y)?);
    let labels = class_names(&train_y, &test_y);
    Ok(Mnist {
        train: labelled(dir, train_x, train_y, &labels)?,
        test: labelled(dir, test_x, test_y, &labels)?,
    })
}

/// Only the test part of an MNIST-style folder, as `load_mnist_dir_as::<T>(dir)?.test` but
/// without reading the training images (the training labels are read for the class list, so
/// the labels are the same).
///
/// # Errors
/// As [`load_mnist_dir`].
///
/// ```
/// let test = nn_data::load_mnist_test_as::<f32>("../../datasets/mnist")?;
/// assert_eq!((test.features.dim(), test.labels().unwrap().len()), ((10000, 784), 10));
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn load_mnist_test_as<T: Float>(dir: impl AsRef<Path>) -> Result<Dataset<T>> {
    let dir = dir.as_ref();
    let find = |split: &str, kind: &str| find_idx_file(dir, split, kind);
    let (train_y, test_y) = (find("train", "labels")?, find("test", "labels")?);
    let test_x = read_idx_images_as(find("test", "images")?)?;
    let (train_y, test_y) = (read_idx_labels(&train_y)?, read_idx_labels(&test_y)?);
    let labels = class_names(&train_y, &test_y);
    labelled(dir, test_x, test_y, &labels)
}

/// Classes `"0"`, `"1"`, … up to the largest code in either label list.
fn class_names(train_y: &[usize], test_y: &[usize]) -> Vec<String> {
    let n_classes = train_y.iter().chain(test_y).max().map_or(0, |m| m + 1);
    (0..n_classes).map(|c| c.to_string()).collect()
}

/// Images `x` with their label codes `y` as a dataset (features `px0`, `px1`, …).
fn labelled<T: Float>(
    dir: &Path,
    x: Array2<T>,
    y: Vec<usize>,
    labels: &[String],
) -> Result<Dataset<T>> {
    if x.nrows() != y.len() {
        let msg = format!("{} images but {} labels", x.nrows(), y.len());
        return Err(DataError::file(&dir.display().to_string(), msg));
    }
    let mut d = Dataset::unlabelled(x);
    d.feature_names = (0..d.n_features()).map(|j| format!("px{j}")).collect();
    d.target_name = Some("digit".into());
    d.target = Target::Classes {
        indices: y,
        labels: labels.to_vec(),
    };
    Ok(d)
}

/// The single file in `dir` whose name matches `split` (`"train"`/`"test"`) and `kind`.
fn find_idx_file(dir: &Path, split: &str, kind: &str) -> Result<std::path::PathBuf> {
    let dir_name = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|source| DataError::Io {
        file: dir_name.clone(),
        source,
    })?;
    let mut hits: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| name_matches(p, split, kind))
        .collect();
    match hits.len() {
        1 => Ok(hits.remove(0)),
        0 => Err(DataError::file(
            &dir_name,
            format!("no {split} {kind} IDX file found"),
        )),
        _ => Err(DataError::file(
            &dir_name,
            format!("several {split} {kind} files: {hits:?}"),
        )),
    }
}

/// Whether the file name (lower-cased) names the split and the kind.
fn name_matches(path: &Path, split: &str, kind: &str) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let split_words: &[&str] = if split == "train" {
        &["train"]
    } else {
        &["t10k", "test"]
    };
    let kind_words: &[&str] = if kind == "images" {
        &["images", "idx3"]
    } else {
        &["labels", "idx1"]
    };
    split_words.iter().any(|w| name.contains(w)) && kind_words.iter().any(|w| name.contains(w))
}
