//! MNIST-style folders: IDX files (optionally gzipped) named `train-images-idx3-ubyte`,
//! `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`.
//! Pixels are scaled to [0, 1] (divided by 255); labels become the strings `"0"`…`"9"`.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use ndarray::Array2;

use crate::dataset::Table;

/// Which pair of files to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `train-*`.
    Train,
    /// `t10k-*`.
    Test,
}

/// Loads one part of an MNIST folder as a table with features `px0…` and target `label`.
pub fn load_folder(dir: &Path, part: Part) -> Result<Table> {
    let prefix = if part == Part::Train { "train" } else { "t10k" };
    let images = find(dir, &format!("{prefix}-images"))?;
    let labels = find(dir, &format!("{prefix}-labels"))?;
    let (dims, pixels) = read_idx(&images, 2051)?;
    let (_, label_bytes) = read_idx(&labels, 2049)?;
    ensure!(
        dims.len() == 3,
        "{}: expected 3 dimensions, got {dims:?}",
        images.display()
    );
    let (n, size) = (dims[0], dims[1] * dims[2]);
    ensure!(
        label_bytes.len() == n,
        "{} has {} labels for {n} images",
        labels.display(),
        label_bytes.len()
    );
    let x = Array2::from_shape_vec(
        (n, size),
        pixels.iter().map(|&p| f64::from(p) / 255.0).collect(),
    )?;
    let features = (0..size).map(|i| format!("px{i}")).collect();
    let target = label_bytes.iter().map(|l| l.to_string()).collect();
    Ok(Table {
        features,
        x,
        target: Some(("label".into(), target)),
    })
}

fn find(dir: &Path, stem: &str) -> Result<PathBuf> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("reading folder {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(stem))
        {
            return Ok(path);
        }
    }
    bail!(
        "{} has no {stem}-* IDX file (is it an MNIST folder?)",
        dir.display()
    )
}

/// Reads an IDX file of unsigned bytes: returns its dimensions and data.
fn read_idx(path: &Path, magic: u32) -> Result<(Vec<usize>, Vec<u8>)> {
    let raw = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .with_context(|| format!("decompressing {}", path.display()))?;
        out
    } else {
        raw
    };
    parse_idx(&bytes, magic).with_context(|| format!("in {}", path.display()))
}

fn parse_idx(bytes: &[u8], magic: u32) -> Result<(Vec<usize>, Vec<u8>)> {
    let word = |i: usize| -> Result<u32> {
        let b = bytes
            .get(4 * i..4 * i + 4)
            .context("truncated IDX header")?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let found = word(0)?;
    ensure!(found == magic, "IDX magic number {found}, expected {magic}");
    let n_dims = (magic & 0xff) as usize;
    let dims = (1..=n_dims)
        .map(|i| word(i).map(|d| d as usize))
        .collect::<Result<Vec<_>>>()?;
    let data = &bytes[4 * (n_dims + 1)..];
    let want: usize = dims.iter().product();
    ensure!(
        data.len() == want,
        "IDX data has {} bytes, expected {want}",
        data.len()
    );
    Ok((dims, data.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_tiny_idx_file() {
        let mut bytes = 2049u32.to_be_bytes().to_vec();
        bytes.extend(3u32.to_be_bytes());
        bytes.extend([7, 1, 9]);
        assert_eq!(parse_idx(&bytes, 2049).unwrap(), (vec![3], vec![7, 1, 9]));
        assert!(parse_idx(&bytes[..9], 2049).is_err());
        assert!(parse_idx(&bytes, 2051).is_err());
    }
}
