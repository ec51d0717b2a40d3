//! Kill safety and Ctrl-C, with real `nn train` child processes: SIGKILL at seeded random
//! moments never leaves a partial model file or checkpoint; SIGINT finishes the batch, saves,
//! and exits 130, and resuming then matches an uninterrupted run bit for bit.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{dataset, ok};
use serde_json::Value;

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_nn"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nn starts")
}

fn sigint(child: &Child) {
    let pid = libc::pid_t::try_from(child.id()).expect("pid fits");
    // SAFETY: sending a signal to our own child process by its id; no memory is involved.
    let rc = unsafe { libc::kill(pid, libc::SIGINT) };
    assert_eq!(rc, 0, "kill(SIGINT) failed");
}

/// Parses a whole JSON file; panics (failing the test) on a partial or corrupt one.
fn complete_json(path: &Path, format: &str) -> Value {
    let bytes = std::fs::read(path).unwrap();
    let v: Value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{} is partial or corrupt ({e})", path.display()));
    assert_eq!(v["format"], format, "{}", path.display());
    v
}

/// A tiny seeded xorshift generator for the kill delays.
fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn sigkill_at_random_moments_leaves_only_complete_files() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (out, ck) = (dir.path().join("model.json"), dir.path().join("ck"));
    let (out_s, ck_s) = (out.to_string_lossy(), ck.to_string_lossy());
    let args = [
        "train",
        "--data",
        &iris,
        "--hidden",
        "16",
        "--epochs",
        "40",
        "--quiet",
        "--out",
        &out_s,
        "--checkpoint",
        &ck_s,
    ];
    // One complete run first: the "previous" files, and how long a run takes here, so the
    // kill delays (uniform in 0..1.2 × that) land mid-run on fast and slow machines alike.
    let start = Instant::now();
    ok(&args);
    let span = (start.elapsed().as_millis() as u64 * 6 / 5).max(20);
    let (mut seed, mut mid_run) = (0x5eed_u64, 0);
    for _ in 0..15 {
        let mut child = spawn(&args);
        std::thread::sleep(Duration::from_millis(xorshift(&mut seed) % span));
        mid_run += usize::from(child.try_wait().unwrap().is_none());
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if out.exists() {
            let model = complete_json(&out, "nn-model");
            assert_eq!(model["layers"].as_array().unwrap().len(), 2);
        }
        if ck.join("checkpoint.json").exists() {
            complete_json(&ck.join("checkpoint.json"), "nn-checkpoint");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "kill loop took too long"
        );
    }
    assert!(mid_run >= 5, "only {mid_run} of 15 kills landed mid-run");
    // What is left is usable: the checkpoint resumes and the model
    // file evaluates.
    ok(&[
        "train", "--resume", &ck_s, "--epochs", "41", "--out", &out_s, "--quiet",
    ]);
    let report = ok(&["evaluate", "--model", &out_s, "--data", &iris]);
    assert!(report.contains("accuracy"), "{report}");
}

/// Starts `nn train` with per-epoch lines and waits for the first one.
fn start_and_wait_for_epoch_1(args: &[&str]) -> Child {
    let mut child = spawn(args);
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let data = lines.next().expect("the data line").unwrap();
    assert!(data.starts_with("data "), "{data}");
    let first = lines.next().expect("an epoch line").unwrap();
    assert!(first.starts_with("epoch    1"), "{first}");
    std::thread::spawn(move || lines.for_each(drop));
    child
}

fn finish(child: Child) -> (i32, String) {
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn sigint_saves_a_checkpoint_exits_130_and_resumes_bit_identically() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let (straight, resumed, ck) = (path("straight.json"), path("resumed.json"), path("ck"));
    let common = [
        "train",
        "--data",
        &iris,
        "--hidden",
        "32",
        "--batch-size",
        "1",
        "--epochs",
        "150",
        "--seed",
        "9",
    ];
    let child = start_and_wait_for_epoch_1(
        &[&common[..], &["--out", &resumed, "--checkpoint", &ck]].concat(),
    );
    sigint(&child);
    let (code, stderr) = finish(child);
    assert_eq!(code, 130, "{stderr}");
    assert!(stderr.contains("interrupted: Ctrl-C in epoch"), "{stderr}");
    assert!(
        stderr.contains("continue with: nn train --resume"),
        "{stderr}"
    );
    assert!(
        !Path::new(&resumed).exists(),
        "with --checkpoint only the checkpoint is saved"
    );
    let saved = complete_json(&Path::new(&ck).join("checkpoint.json"), "nn-checkpoint");
    let done = saved["state"]["history"].as_array().unwrap().len();
    assert!((1..150).contains(&done), "{done} epochs checkpointed");
    ok(&["train", "--resume", &ck, "--quiet"]);
    ok(&[&common[..], &["--out", &straight, "--quiet"]].concat());
    let layers = |p: &str| complete_json(Path::new(p), "nn-model")["layers"].clone();
    assert_eq!(layers(&straight), layers(&resumed));
}

#[test]
fn sigint_without_checkpoint_writes_the_model_so_far() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model.json").to_string_lossy().into_owned();
    let child = start_and_wait_for_epoch_1(&[
        "train",
        "--data",
        &iris,
        "--batch-size",
        "1",
        "--epochs",
        "150",
        "--out",
        &out,
    ]);
    sigint(&child);
    let (code, stderr) = finish(child);
    assert_eq!(code, 130, "{stderr}");
    assert!(
        stderr.contains("model trained so far written to"),
        "{stderr}"
    );
    let report = ok(&["evaluate", "--model", &out, "--data", &iris]);
    assert!(report.contains("accuracy"), "{report}");
}
