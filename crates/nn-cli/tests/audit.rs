//! The adversarial audit's end-to-end tests (issue #11, what a line of the bad-input corpus
//! `tests/data/bad/cases/audit.tsv` cannot say): a report that cannot be printed writes no
//! file, for every command that writes one; `--out` naming a symbolic link writes through it.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{collect, dataset, ok, root, Run};

/// Runs `nn ARGS` in the workspace root with standard output on `/dev/full`.
fn nn_to_full(args: &[&str]) -> Run {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full opens");
    let out = Command::new(env!("CARGO_BIN_EXE_nn"))
        .args(args)
        .current_dir(root())
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(full)
        .output()
        .expect("the nn binary runs");
    collect(out, &args)
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_report_that_cannot_be_printed_writes_no_file() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let (models, dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let model = models.path().join("m.json").to_string_lossy().into_owned();
    let params = models.path().join("p.json").to_string_lossy().into_owned();
    ok(&[
        "train", "--data", &iris, "--epochs", "1", "--quiet", "--out", &model,
    ]);
    ok(&[
        "preprocess",
        "fit",
        "--method",
        "standardize",
        "--data",
        &iris,
        "--out",
        &params,
    ]);
    let at = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let (out, plot) = (at("out"), at("plot.svg"));
    let commands: Vec<Vec<&str>> = vec![
        vec![
            "train", "--data", &iris, "--epochs", "1", "--quiet", "--out", &out,
        ],
        vec![
            "train", "--data", &iris, "--epochs", "1", "--quiet", "--out", &out, "--plot", &plot,
        ],
        vec![
            "cv", "--data", &iris, "--epochs", "1", "--folds", "2", "--out", &out,
        ],
        vec!["predict", "--model", &model, "--data", &iris, "--out", &out],
        vec![
            "preprocess",
            "fit",
            "--method",
            "standardize",
            "--data",
            &iris,
            "--out",
            &out,
        ],
        vec![
            "preprocess",
            "transform",
            "--params",
            &params,
            "--data",
            &iris,
            "--out",
            &out,
        ],
        vec!["export", "--model", &model, "--out", &out],
        vec!["explain", "--plot", &plot],
        vec!["explain", "--save-model", &out],
    ];
    for args in &commands {
        let run = nn_to_full(args);
        assert_eq!(run.code, 1, "nn {args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .starts_with("error: writing standard output: No space left on device"),
            "nn {args:?}: {}",
            run.stderr
        );
        // Before: the file was in place (and a temporary file never is).
        assert!(
            names(dir.path()).is_empty(),
            "nn {args:?} wrote {:?}",
            names(dir.path())
        );
    }
}

#[test]
fn an_output_naming_a_symbolic_link_is_written_through_it() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (link, target) = (dir.path().join("link.json"), dir.path().join("real.json"));
    // A link to a file that does not exist yet (relative, as `ln -s real.json link.json`).
    std::os::unix::fs::symlink("real.json", &link).unwrap();
    let shown = link.to_string_lossy();
    ok(&[
        "train", "--data", &iris, "--epochs", "1", "--quiet", "--out", &shown,
    ]);
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let first = std::fs::read(&target).unwrap();
    assert!(
        first.starts_with(b"{"),
        "the model file is in the link's target"
    );
    // An existing file replaced through an absolute link: the link stays, its target changes.
    let (csv, preds) = (dir.path().join("p.csv"), dir.path().join("preds.csv"));
    std::fs::write(&preds, "old\n").unwrap();
    std::os::unix::fs::symlink(&preds, &csv).unwrap();
    ok(&[
        "predict",
        "--model",
        &shown,
        "--data",
        &iris,
        "--out",
        &csv.to_string_lossy(),
    ]);
    assert!(std::fs::symlink_metadata(&csv)
        .unwrap()
        .file_type()
        .is_symlink());
    let predictions = std::fs::read_to_string(&preds).unwrap();
    assert_eq!(
        predictions.lines().count(),
        151,
        "a header and 150 predictions"
    );
    assert_eq!(
        std::fs::read(&target).unwrap(),
        first,
        "the model is unchanged"
    );
    assert_eq!(
        names(dir.path()),
        ["link.json", "p.csv", "preds.csv", "real.json"]
    );
}
