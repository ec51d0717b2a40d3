//! `nn train` under `mpirun` on this machine (feature `mpi`; run with `cargo xtask test --mpi`):
//! identical weights across runs and ranks, agreement with one process, process-count
//! independence with `--deterministic-reduce`, all of them with dropout and class weights
//! too, a killed rank ending the job, resume, and input files (`--data`, `--val`, `--test`,
//! `--init`) that differ between ranks being refused.
#![cfg(feature = "mpi")]

mod common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// `mpirun` as root, oversubscribing this machine's cores, without the shared-memory
/// single-copy mechanism (ptrace-based, refused in containers), ranks running `program`.
fn mpirun(np: usize, program: &[&str]) -> Command {
    let mut cmd = Command::new("mpirun");
    cmd.args(["--oversubscribe", "-np", &np.to_string()])
        .args(program)
        .current_dir(common::root())
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
        // Ranks waiting in a collective yield the core (they share 2 cores, often with more
        // ranks than cores): busy-polling ranks made the -np 4 run ~6× slower here.
        .env("OMPI_MCA_mpi_yield_when_idle", "1");
    cmd
}

/// `mpirun -np NP nn ARGS`, asserting success.
fn train(np: usize, args: &[&str]) -> Output {
    let nn = env!("CARGO_BIN_EXE_nn");
    let out = mpirun(np, &[&[nn][..], args].concat())
        .output()
        .expect("mpirun runs (apt-get install openmpi-bin)");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    assert!(
        out.status.success(),
        "mpirun -np {np} nn {args:?}: {}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

/// The model file's layers (weights, biases, activations).
fn layers(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("model written");
    serde_json::from_str::<Value>(&text).expect("model is JSON")["layers"].clone()
}

/// The model file's metrics.
fn metrics(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("model written");
    serde_json::from_str::<Value>(&text).expect("model is JSON")["metrics"].clone()
}

/// Every number in `v`, in document order.
fn numbers(v: &Value, out: &mut Vec<f64>) {
    match v {
        Value::Number(n) => out.push(n.as_f64().unwrap_or(f64::NAN)),
        Value::Array(a) => a.iter().for_each(|x| numbers(x, out)),
        Value::Object(o) => o.values().for_each(|x| numbers(x, out)),
        _ => {}
    }
}

/// Iris, 4 epochs of 8-row batches (120 training rows: 15 steps per epoch), one thread per
/// rank.
const IRIS: [&str; 9] = [
    "--threads",
    "1",
    "train",
    "--data",
    "datasets/iris.csv",
    "--epochs",
    "4",
    "--batch-size",
    "8",
];

/// Where `--epochs` is in [`IRIS`].
const EPOCHS_AT: usize = 6;

fn iris_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    [&IRIS[..], &["--out", out, "--quiet"], extra].concat()
}

/// Dropout on both hidden layers: each row's mask depends on its index in the run, whichever
/// rank computes it.
const DROPOUT: [&str; 2] = ["--dropout", "0.3,0.2"];

/// Class weights: each rank's slice counts by its weight, not its rows, in the batch's mean.
const CLASS_WEIGHTS: [&str; 2] = ["--class-weight", "setosa=4,virginica=0.5"];

#[test]
fn ranks_agree_reruns_repeat_and_one_process_matches() {
    for (np, flags) in [(2, &[][..]), (3, &[]), (2, &DROPOUT), (2, &CLASS_WEIGHTS)] {
        ranks_agree_and_match_one_process(np, flags);
    }
}

/// `-np NP` twice (the same bits) against the single process (within 1e-5, in f64).
fn ranks_agree_and_match_one_process(np: usize, flags: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let f64_ = [&["--dtype", "f64"][..], flags].concat();
    common::ok(&iris_args(&path("one.json"), &f64_));
    let mut single = Vec::new();
    numbers(&layers(Path::new(&path("one.json"))), &mut single);
    let (a, b) = (path("a.json"), path("b.json"));
    train(np, &iris_args(&a, &f64_));
    train(np, &iris_args(&b, &f64_));
    let share = &metrics(Path::new(&a))["all_reduce_share"];
    assert!(
        share.as_f64().is_some_and(|s| s > 0.0 && s < 1.0),
        "{share}"
    );
    assert!(metrics(Path::new(&path("one.json")))["all_reduce_share"].is_null());
    let (la, lb) = (layers(Path::new(&a)), layers(Path::new(&b)));
    assert_eq!(la, lb, "-np {np} {flags:?}: two runs differ");
    let mut parallel = Vec::new();
    numbers(&la, &mut parallel);
    assert_eq!(parallel.len(), single.len());
    let worst = parallel
        .iter()
        .zip(&single)
        .map(|(p, s)| (p - s).abs())
        .fold(0.0, f64::max);
    assert!(
        worst < 1e-5,
        "-np {np} {flags:?}: {worst:e} from the single-process run"
    );
}

#[test]
fn deterministic_reduce_gives_the_same_bits_for_any_process_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let exact = ["--deterministic-reduce", "8"];
    let with_dropout = [&exact[..], &DROPOUT].concat();
    let weighted = [&exact[..], &CLASS_WEIGHTS].concat();
    let mut references = Vec::new();
    let cases = [
        ("plain", &exact[..]),
        ("dropout", &with_dropout),
        ("weighted", &weighted),
    ];
    for (name, flags) in cases {
        common::ok(&iris_args(&path(&format!("{name}.json")), flags));
        let reference = layers(Path::new(&path(&format!("{name}.json"))));
        for np in [1, 2, 4] {
            let out = path(&format!("{name}{np}.json"));
            train(np, &iris_args(&out, flags));
            assert_eq!(layers(Path::new(&out)), reference, "{name}: -np {np}");
        }
        references.push(reference);
    }
    assert_ne!(references[0], references[1], "dropout changed nothing");
}

#[test]
fn resume_under_mpirun_matches_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let ck = path("ck");
    train(2, &iris_args(&path("full.json"), &[]));
    let half = path("half.json");
    let mut first = iris_args(&half, &["--checkpoint", &ck]);
    first[EPOCHS_AT] = "2";
    train(2, &first);
    train(
        2,
        &[
            "--threads",
            "1",
            "train",
            "--resume",
            &ck,
            "--epochs",
            "4",
            "--out",
            &path("resumed.json"),
            "--quiet",
        ],
    );
    assert_eq!(
        layers(Path::new(&path("resumed.json"))),
        layers(Path::new(&path("full.json")))
    );
}

/// Starts `mpirun -np 2` with each rank writing its process id to `DIR/rank<R>.pid` before
/// becoming `nn train ARGS`.
fn spawn_with_pids(dir: &Path, args: &[&str]) -> Child {
    let script = format!(
        "echo $$ > {}/rank$OMPI_COMM_WORLD_RANK.pid && exec \"$0\" --threads 1 train \"$@\"",
        dir.display()
    );
    let nn = env!("CARGO_BIN_EXE_nn");
    mpirun(2, &[&["sh", "-c", &script, nn][..], args].concat())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mpirun starts")
}

/// Waits until `path` exists (at most a minute; then ends `child` and fails).
fn wait_for(path: &Path, child: &mut Child) {
    let start = Instant::now();
    while !path.exists() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{path:?} never appeared");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_killed_rank_ends_the_job_and_the_checkpoint_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let ck = dir.path().join("ck");
    let ck_str = ck.to_string_lossy().into_owned();
    let out = dir.path().join("m.json").to_string_lossy().into_owned();
    let args = [
        "--data",
        "datasets/iris.csv",
        "--epochs",
        "1000000",
        "--batch-size",
        "8",
        "--checkpoint",
        &ck_str,
        "--checkpoint-every",
        "2",
        "--out",
        &out,
        "--quiet",
    ];
    let mut child = spawn_with_pids(dir.path(), &args);
    wait_for(&ck.join("checkpoint.json"), &mut child);
    let pid = std::fs::read_to_string(dir.path().join("rank1.pid")).unwrap();
    let killed = Command::new("kill")
        .args(["-9", pid.trim()])
        .status()
        .unwrap();
    assert!(killed.success());
    // The job must end by itself, non-zero, within seconds (no rank left waiting).
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("mpirun still running 60 s after a rank was killed");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success(), "mpirun exited 0 after a rank was killed");
    // The last checkpoint is complete, and the run continues from it.
    let saved: Value =
        serde_json::from_slice(&std::fs::read(ck.join("checkpoint.json")).unwrap()).unwrap();
    let done = saved["state"]["history"].as_array().unwrap().len();
    assert!(
        done >= 2 && done.is_multiple_of(2),
        "{done} epochs checkpointed"
    );
    let more = (done + 2).to_string();
    train(
        2,
        &[
            "--threads",
            "1",
            "train",
            "--resume",
            &ck_str,
            "--epochs",
            &more,
            "--out",
            &out,
            "--quiet",
        ],
    );
    assert!(Path::new(&out).exists());
}

/// Iris as `NAME.csv` in `dir`, and a copy without its last row as `NAME-short.csv`.
fn iris_and_shorter(dir: &Path, name: &str) {
    let iris = std::fs::read_to_string(common::root().join("datasets/iris.csv")).unwrap();
    std::fs::write(dir.join(format!("{name}.csv")), &iris).unwrap();
    let lines: Vec<&str> = iris.lines().collect();
    let shorter = lines[..lines.len() - 1].join("\n") + "\n";
    std::fs::write(dir.join(format!("{name}-short.csv")), shorter).unwrap();
}

/// `mpirun -np 2 sh -c SCRIPT nn` in `dir`: `SCRIPT` runs `nn` as `"$0"` and may use the
/// rank, `$OMPI_COMM_WORLD_RANK`, to give each rank other flags.
fn per_rank(dir: &Path, script: &str) -> Output {
    let nn = env!("CARGO_BIN_EXE_nn");
    mpirun(2, &["sh", "-c", script, nn])
        .current_dir(dir)
        .output()
        .unwrap()
}

/// Each input flag, given another file on rank 1 (or on rank 1 only), is refused on every
/// rank before any work, naming the flag and rank 0's file; files with other names but the
/// same bytes are accepted.
#[test]
fn input_files_that_differ_between_ranks_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    iris_and_shorter(dir.path(), "iris");
    let base = "--threads 1 train --epochs 1 --quiet";
    let model = |seed: &str, out: &str| {
        let args = [
            "--data", "iris.csv", "--epochs", "1", "--seed", seed, "--out", out,
        ];
        let out = Command::new(env!("CARGO_BIN_EXE_nn"))
            .args(["train"].iter().chain(&args))
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    model("1", "init.json");
    model("2", "init-other.json");
    // Rank 0 reads FILE, rank 1 FILE's other version (`-short`, `-other`), or nothing.
    let on_rank_1 = |flag: &str, file: &str, other: &str| {
        format!(
            "if [ $OMPI_COMM_WORLD_RANK = 0 ]; then f={file}; else f={other}; fi; \
             exec \"$0\" {base} --data iris.csv {flag} $f"
        )
    };
    let cases = [
        ("--data", "iris.csv", "iris-short.csv"),
        ("--val", "iris.csv", "iris-short.csv"),
        ("--test", "iris.csv", "iris-short.csv"),
        ("--init", "init.json", "init-other.json"),
    ];
    for (flag, file, other) in cases {
        let out = per_rank(dir.path(), &on_rank_1(flag, file, other));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{flag}");
        let want = format!("{flag} {file} differs between the processes");
        assert!(stderr.contains(&want), "{flag}: {stderr}");
        assert!(
            !dir.path().join("model.json").exists(),
            "{flag}: model written"
        );
    }
    // --val on rank 1 only.
    let script = format!(
        "if [ $OMPI_COMM_WORLD_RANK = 1 ]; then set -- --val iris.csv; fi; \
         exec \"$0\" {base} --data iris.csv \"$@\""
    );
    let out = per_rank(dir.path(), &script);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("--val (not given) differs between the processes"),
        "{stderr}"
    );
    assert!(!dir.path().join("model.json").exists());
    // The same bytes under another name are the same input.
    std::fs::copy(dir.path().join("iris.csv"), dir.path().join("copy.csv")).unwrap();
    let out = per_rank(dir.path(), &on_rank_1("--val", "iris.csv", "copy.csv"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("model.json").exists());
}

/// `nn cv` under `mpirun -np 2`: every fold trains data-parallel and only rank 0 prints and
/// writes, so the output is the single process's (each fold once, the same figures to the
/// printed digits; f64) and the per-fold file agrees with it to rounding.
#[test]
fn cv_trains_each_fold_data_parallel_and_prints_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    fn cv(out: &str) -> Vec<&str> {
        let flags = [
            "--data",
            "datasets/iris.csv",
            "--folds",
            "3",
            "--epochs",
            "4",
        ];
        let tail = ["--dtype", "f64", "--batch-size", "8", "--out", out];
        [&["--threads", "1", "cv"][..], &flags, &tail].concat()
    }
    let (one, two) = (path("one.csv"), path("two.csv"));
    let single = common::ok(&cv(&one));
    let parallel = String::from_utf8_lossy(&train(2, &cv(&two)).stdout).into_owned();
    let lines = |s: &str| s.replace(&one, "OUT").replace(&two, "OUT");
    // The data-parallel run adds its all-reduce line (the folds' batches were shared out).
    let (all_reduce, kept): (Vec<&str>, Vec<&str>) = parallel
        .lines()
        .partition(|l| l.starts_with("all-reduce: "));
    assert_eq!(all_reduce.len(), 1, "{parallel}");
    assert!(all_reduce[0].ends_with("of rank 0's training time (2 processes)"));
    assert_eq!(lines(&kept.join("\n")), lines(single.trim_end()));
    assert_eq!(parallel.matches("fold 1:").count(), 1, "{parallel}");
    let numbers = |p: &str| -> Vec<f64> {
        let text = std::fs::read_to_string(p).expect("per-fold file written");
        text.lines()
            .skip(1)
            .flat_map(|l| {
                l.split(',')
                    .map(|v| v.parse::<f64>().unwrap())
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let (a, b) = (numbers(&one), numbers(&two));
    assert_eq!(a.len(), 18);
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() < 1e-9, "{x} vs {y}");
    }
}

/// The commands with no data-parallel form refuse to run as several processes.
#[test]
fn commands_without_a_data_parallel_form_refuse_mpirun() {
    let out = mpirun(
        2,
        &[
            env!("CARGO_BIN_EXE_nn"),
            "schedule",
            "--schedule",
            "step:2:0.5",
        ],
    )
    .output()
    .expect("mpirun runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nn schedule runs on one process, but a launcher started it as one of 2"),
        "{stderr}"
    );
}

/// `srun -n 2` without a process-management interface (no `--mpi=pmix`): each task would
/// start MPI as a job of one and train alone on all the data. The MPI-enabled `nn` sees the
/// step's task count and refuses before any work.
#[test]
fn a_launcher_whose_tasks_mpi_does_not_join_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.json");
    let run = Command::new(env!("CARGO_BIN_EXE_nn"))
        .args([
            "train",
            "--data",
            "datasets/iris.csv",
            "--epochs",
            "1",
            "--out",
        ])
        .arg(&out)
        .env("SLURM_STEP_NUM_TASKS", "2")
        .current_dir(common::root())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("one of 2 processes (SLURM_STEP_NUM_TASKS=2), but its MPI job holds 1"),
        "{stderr}"
    );
    assert!(!out.exists());
}
