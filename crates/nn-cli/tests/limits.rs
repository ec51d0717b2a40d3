//! Inputs too large for memory, generated at run time (a few MB each, never committed): each is
//! refused under the default `--max-memory` of 8 GiB with the estimate and the flags to change,
//! before the large allocation — these runs stay within a few MB of memory. The small cases
//! (`--max-memory` lowered, count flags) are in `tests/data/bad/cases/limits.tsv`.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::{nn, tempdir};

/// Writes `header` and `rows` generated rows (`row(i)`) to `dir/name`; returns the path.
fn write_csv(
    dir: &str,
    name: &str,
    header: &str,
    rows: usize,
    row: impl Fn(usize) -> String,
) -> String {
    let mut text = format!("{header}\n");
    for i in 0..rows {
        writeln!(text, "{}", row(i)).unwrap();
    }
    let path = format!("{dir}/{name}");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `nn args`, expecting exit code 2 and a first error line containing `expected`, and
/// that `out` was not written.
fn refused(args: &[&str], expected: &str, out: &str) {
    let run = nn(args);
    assert_eq!(run.code, 2, "nn {args:?}:\n{}", run.stderr);
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(first.contains(expected), "nn {args:?}: {first}");
    assert!(!Path::new(out).exists(), "nn {args:?} wrote {out}");
}

#[test]
fn pca_on_100_000_columns_is_refused_before_the_covariance() {
    // 99 999 numeric columns and a target: the covariance alone would be 99 999² · 8 bytes
    // (80 GB); the column bound (4096) refuses it before the fit.
    let (_keep, dir) = tempdir();
    let header: Vec<String> = (0..99_999).map(|j| format!("c{j}")).collect();
    let header = format!("{},y", header.join(","));
    let data = write_csv(&dir, "wide.csv", &header, 10, |i| {
        format!("{}{}.5", "1,".repeat(99_999), i)
    });
    let out = format!("{dir}/p.json");
    let expected = "PCA/ZCA whitening of 99999 columns is over the limit of 4096 columns";
    let fit = [
        "preprocess",
        "fit",
        "--method",
        "pca-whiten",
        "--data",
        &data,
    ];
    refused(
        &[&fit[..], &["--exclude", "y", "--out", &out]].concat(),
        expected,
        &out,
    );
    let train = [
        "train",
        "--data",
        &data,
        "--preprocess",
        "zca-whiten",
        "--out",
        &out,
    ];
    refused(&train, "PCA/ZCA whitening of 99999 columns", &out);
}

#[test]
fn an_id_column_as_target_is_refused_before_its_one_hot_matrix() {
    // 30 000 distinct text values, read twice (--data and --test): one-hot targets
    // 60 000 · 30 000 · 4 = 7.2e9 bytes, and the scored part in f64 30 000 · 30 000 · 16 =
    // 1.44e10 bytes: 2.16e10 bytes = 20.1 GiB > 8 GiB.
    let (_keep, dir) = tempdir();
    let data = write_csv(&dir, "ids.csv", "x1,x2,id", 30_000, |i| {
        format!("{}.25,{}.5,id{i}", i % 7, i % 11)
    });
    let out = format!("{dir}/m.json");
    let args = [
        "train",
        "--data",
        &data,
        "--test",
        &data,
        "--val-split",
        "0",
        "--out",
        &out,
    ];
    refused(
        &args,
        "the targets of 60000 rows × 30000 classes of \"id\" would need about 20.1 GiB, over \
         the memory limit of 8.0 GiB (--max-memory); is the target an id or free text?",
        &out,
    );
}

#[test]
fn one_hot_width_explosion_is_refused_before_the_feature_matrix() {
    // 22 text columns of 10 000 distinct values each under --max-categories 10000: 220 000
    // indicator columns × 10 000 rows × 4 bytes (f32) = 8.8e9 bytes = 8.2 GiB > 8 GiB.
    let (_keep, dir) = tempdir();
    let header: Vec<String> = (0..22).map(|j| format!("t{j}")).collect();
    let header = format!("{},y", header.join(","));
    let data = write_csv(&dir, "text.csv", &header, 10_000, |i| {
        let cells: Vec<String> = (0..22).map(|j| format!("v{}", (i + j) % 10_000)).collect();
        format!("{},{}.5", cells.join(","), i % 3)
    });
    let out = format!("{dir}/m.json");
    let args = [
        "train",
        "--data",
        &data,
        "--max-categories",
        "10000",
        "--out",
        &out,
    ];
    refused(
        &args,
        "text.csv: the feature matrix (10000 rows × 220000 columns × 4 bytes) needs about \
         8.2 GiB, over the memory limit of 8.0 GiB (--max-memory); leave columns out \
         (--exclude, --features) or one-hot fewer categories (--max-categories)",
        &out,
    );
}
