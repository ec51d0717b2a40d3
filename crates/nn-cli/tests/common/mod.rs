//! Helpers for the end-to-end tests: run the real `nn` binary and read its output.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// What one run of `nn` produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `nn ARGS` in the workspace root.
pub fn nn(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_nn"))
        .args(args)
        .current_dir(root())
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the nn binary runs");
    collect(out, &args)
}

/// The outputs of a finished `nn` process (code −1 when a signal killed it), asserting that
/// it did not panic.
pub fn collect(out: std::process::Output, args: &dyn std::fmt::Debug) -> Run {
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "nn {args:?} panicked:\n{}",
        run.stderr
    );
    run
}

/// Runs `nn ARGS` and asserts success.
pub fn ok(args: &[&str]) -> String {
    let run = nn(args);
    assert_eq!(
        run.code, 0,
        "nn {args:?} failed:\n{}\n{}",
        run.stdout, run.stderr
    );
    run.stdout
}

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `datasets/NAME` if present (the data branch adds most of them).
pub fn dataset(name: &str) -> Option<String> {
    let path = root().join("datasets").join(name);
    if path.exists() {
        Some(path.to_string_lossy().into_owned())
    } else {
        eprintln!("skipping: datasets/{name} is not in this checkout");
        None
    }
}

/// The number after the last `= ` on the first line that starts with `prefix` (trimmed).
pub fn value(text: &str, prefix: &str) -> f64 {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{text}"));
    let tail = line.rsplit("= ").next().unwrap_or_default();
    tail.trim()
        .parse()
        .unwrap_or_else(|_| panic!("no number at the end of {line:?}"))
}

/// Asserts `|got − want| ≤ tol`.
pub fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (±{tol})"
    );
}

/// A temporary directory path as a string, plus its guard.
pub fn tempdir() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_string_lossy().into_owned();
    (dir, path)
}

/// Writes an IDX file: magic, dimensions, bytes.
pub fn idx(path: &str, magic: u32, dims: &[u32], data: &[u8]) {
    let mut bytes = magic.to_be_bytes().to_vec();
    dims.iter().for_each(|d| bytes.extend(d.to_be_bytes()));
    bytes.extend(data);
    std::fs::write(path, bytes).unwrap();
}

/// Writes an MNIST-style folder of 2×2 images into `dir`: `n_train` training and `n_test` test
/// images whose label 0 lights the left column (pixels 255) and label 1 the right one.
pub fn two_column_images(dir: &str, n_train: u32, n_test: u32) {
    for (prefix, n) in [("train", n_train), ("t10k", n_test)] {
        let labels: Vec<u8> = (0..n).map(|i| (i % 2) as u8).collect();
        let pixels: Vec<u8> = labels
            .iter()
            .flat_map(|&l| {
                if l == 0 {
                    [255, 0, 255, 0]
                } else {
                    [0, 255, 0, 255]
                }
            })
            .collect();
        idx(
            &format!("{dir}/{prefix}-images-idx3-ubyte"),
            2051,
            &[n, 2, 2],
            &pixels,
        );
        idx(
            &format!("{dir}/{prefix}-labels-idx1-ubyte"),
            2049,
            &[n],
            &labels,
        );
    }
}

/// The names in `dir`, sorted.
pub fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Starts `nn ARGS` in the workspace root (stdin empty, stdout to `stdout`, stderr piped).
pub fn spawn(args: &[&str], stdout: std::process::Stdio) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_nn"))
        .args(args)
        .current_dir(root())
        .env_remove("RUST_BACKTRACE")
        .stdin(std::process::Stdio::null())
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("nn starts")
}

/// Every subcommand of `nn`, as `nn --help` lists them (checked by `bad_cases.rs`
/// `every_subcommand_is_listed`).
pub const COMMANDS: &[&str] = &[
    "train",
    "cv",
    "evaluate",
    "predict",
    "preprocess",
    "explain",
    "gradcheck",
    "schedule",
    "descend",
    "lr-find",
    "export",
];
