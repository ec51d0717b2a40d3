//! The adversarial audit's end-to-end tests (issue #11, what a line of the bad-input corpus
//! `tests/data/bad/cases/audit.tsv` cannot say): a report that cannot be printed writes no
//! file, for every command that writes one; `--out` naming a symbolic link writes through it;
//! SIGTERM, SIGINT and SIGHUP leave no temporary file, and SIGTERM stops training like Ctrl-C.

mod common;

use std::io::{BufRead, BufReader};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{collect, dataset, names_in, ok, root, spawn, Run};

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

/// Asserts that the run of `nn ARGS` left nothing in `dir`.
fn assert_empty(dir: &Path, args: &[&str]) {
    let left = names_in(dir);
    assert!(left.is_empty(), "nn {args:?} left {left:?}");
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
        vec![
            "schedule",
            "--schedule",
            "cosine",
            "--epochs",
            "5",
            "--plot",
            &plot,
        ],
        vec!["descend", "--plot", &plot],
        vec!["lr-find", "--data", &iris, "--plot", &plot],
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
        assert_empty(dir.path(), args);
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
        names_in(dir.path()),
        ["link.json", "p.csv", "preds.csv", "real.json"]
    );
}

/// Sends `signal` to `child` and waits for what it printed and its exit code.
fn stop(child: Child, signal: libc::c_int, args: &[&str]) -> Run {
    let pid = libc::pid_t::try_from(child.id()).expect("pid fits");
    // SAFETY: sending a signal to our own child process by its id; no memory is involved.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill({signal}) failed");
    collect(child.wait_with_output().unwrap(), &args)
}

/// A pipe whose buffer holds one page (4096 bytes): a child writing more blocks until it is
/// read. Returns (read end, write end).
fn small_pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: pipe(2) writes two new descriptors into the array, which we own from here on.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe failed");
    // SAFETY: both descriptors are fresh and owned by nobody else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: fcntl(2) on a descriptor we own; the size is a plain integer.
    let size = unsafe { libc::fcntl(write.as_raw_fd(), libc::F_SETPIPE_SZ, 4096) };
    assert_eq!(size, 4096, "F_SETPIPE_SZ failed");
    (read, write)
}

#[test]
fn a_signal_while_outputs_are_staged_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let (plot, loss) = (at("step.svg"), at("loss.svg"));
    // The report (about 4.7 kB) does not fit the pipe: nn blocks printing it, after drawing
    // both pictures into temporary files and before putting them in place.
    let args = [
        "explain",
        "--steps",
        "2000",
        "--plot",
        &plot,
        "--plot-loss",
        &loss,
    ];
    for signal in [libc::SIGTERM, libc::SIGINT, libc::SIGHUP] {
        let (read, write) = small_pipe();
        let child = spawn(&args, Stdio::from(write));
        let start = Instant::now();
        while names_in(dir.path()).len() < 2 {
            assert!(start.elapsed() < Duration::from_secs(60), "no staged files");
            std::thread::sleep(Duration::from_millis(20));
        }
        let staged = names_in(dir.path());
        assert!(staged.iter().all(|n| n.contains(".tmp-")), "{staged:?}");
        let run = stop(child, signal, &args);
        drop(read);
        assert_eq!(run.code, 130, "signal {signal}: {}", run.stderr);
        // Before: killed by the signal, with both temporary files left behind.
        assert_empty(dir.path(), &args);
    }
}

#[test]
fn sigterm_stops_training_like_ctrl_c() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let (out, ck) = (at("m.json"), at("ck"));
    let args = [
        "train",
        "--data",
        &iris,
        "--batch-size",
        "1",
        "--epochs",
        "100000",
        "--out",
        &out,
        "--checkpoint",
        &ck,
    ];
    let mut child = spawn(&args, Stdio::piped());
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let data = lines.next().expect("the data line").unwrap();
    assert!(data.starts_with("data "), "{data}");
    let first = lines.next().expect("an epoch line").unwrap();
    assert!(first.starts_with("epoch    1"), "{first}");
    std::thread::spawn(move || lines.for_each(drop));
    let run = stop(child, libc::SIGTERM, &args);
    // Before: killed by SIGTERM mid-epoch, with no word of where the run stood.
    assert_eq!(run.code, 130, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("interrupted: Ctrl-C in epoch "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("continue with: nn train --resume"),
        "{}",
        run.stderr
    );
    let saved = std::fs::read(Path::new(&ck).join("checkpoint.json")).unwrap();
    let saved: serde_json::Value = serde_json::from_slice(&saved).unwrap();
    assert_eq!(saved["format"], "nn-checkpoint");
    assert_eq!(names_in(Path::new(&ck)), ["checkpoint.json"]);
}

#[test]
fn ctrl_c_during_cv_reports_no_fold_and_writes_nothing() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("folds.csv").to_string_lossy().into_owned();
    let args = [
        "cv",
        "--data",
        &iris,
        "--folds",
        "3",
        "--batch-size",
        "1",
        "--epochs",
        "100000",
        "--out",
        &out,
    ];
    let child = spawn(&args, Stdio::piped());
    std::thread::sleep(Duration::from_millis(500));
    let run = stop(child, libc::SIGINT, &args);
    // Before: the interrupted fold and every later one (stopped at their first batch) were
    // reported as real figures, their mean printed and written, exit 0.
    assert_eq!(run.code, 130, "{}", run.stderr);
    assert!(!run.stdout.contains("fold"), "{}", run.stdout);
    assert_empty(dir.path(), &args);
}

#[test]
fn a_closed_pipe_still_writes_the_model() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.json");
    let shown = out.to_string_lossy();
    let args = ["train", "--data", &iris, "--epochs", "30", "--out", &shown];
    // `nn train … | head -1`: the reader leaves after the first epoch line.
    let mut child = spawn(&args, Stdio::piped());
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let data = lines.next().expect("the data line").unwrap();
    assert!(data.starts_with("data "), "{data}");
    let first = lines.next().expect("an epoch line").unwrap();
    assert!(first.starts_with("epoch    1"), "{first}");
    drop(lines);
    let run = collect(child.wait_with_output().unwrap(), &args);
    // Before: training stopped at the next line, no model file, and still exit 0.
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let model: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(model["metrics"]["epochs"], 30.0);
}

#[test]
fn concurrent_runs_writing_one_file_leave_one_complete_file() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json").to_string_lossy().into_owned();
    ok(&[
        "train", "--data", &iris, "--epochs", "1", "--quiet", "--out", &model,
    ]);
    let out = dir.path().join("p.csv").to_string_lossy().into_owned();
    let args = ["predict", "--model", &model, "--data", &iris, "--out", &out];
    let children: Vec<_> = (0..4).map(|_| spawn(&args, Stdio::null())).collect();
    for child in children {
        let run = collect(child.wait_with_output().unwrap(), &args);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    // Each run renames its own temporary file into place: the last one wins, whole.
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.lines().count(), 151, "a header and 150 predictions");
    assert_eq!(names_in(dir.path()), ["m.json", "p.csv"]);
}
