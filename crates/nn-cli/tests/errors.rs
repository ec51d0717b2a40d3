//! Bad input gives a clear message naming the file (and line/column), exit code 1 for data
//! errors and 2 for usage errors, and never a panic (checked in `common::nn`).
mod common;
use common::{nn, tempdir};

fn fails(args: &[&str], code: i32, needles: &[&str]) {
    let run = nn(args);
    assert_eq!(run.code, code, "nn {args:?}: {}", run.stderr);
    assert!(
        run.stderr.starts_with("error: ") || code == 2,
        "{}",
        run.stderr
    );
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "nn {args:?}: {needle:?} not in:\n{}",
            run.stderr
        );
    }
    assert!(!run.stderr.contains("stack backtrace"), "{}", run.stderr);
}

fn csv(dir: &str, name: &str, text: &str) -> String {
    let path = format!("{dir}/{name}");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn missing_file() {
    fails(
        &["train", "--data", "no/such.csv"],
        1,
        &["reading no/such.csv", "No such file"],
    );
    fails(
        &[
            "evaluate",
            "--model",
            "no/model.json",
            "--data",
            "datasets/iris.csv",
        ],
        1,
        &["reading model file no/model.json"],
    );
}

#[test]
fn ragged_csv() {
    let (_d, dir) = tempdir();
    let path = csv(&dir, "ragged.csv", "a,b,y\n1,2,x\n3,4,5,y\n");
    fails(
        &["train", "--data", &path],
        1,
        &[
            "ragged.csv",
            ":3:4: expected 3 fields as in the header, found 4",
        ],
    );
}

#[test]
fn text_in_a_numeric_column() {
    // Training one-hot encodes a text column; a model trained where `b` held numbers refuses
    // text there, naming the cell.
    let (_d, dir) = tempdir();
    let train = csv(&dir, "train.csv", "a,b,y\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n");
    let model = format!("{dir}/m.json");
    let flags = [
        "--epochs",
        "1",
        "--test-split",
        "0.5",
        "--quiet",
        "--out",
        &model,
    ];
    common::ok(&[&["train", "--data", &train][..], &flags].concat());
    let path = csv(&dir, "text.csv", "a,b,y\n1,2,x\n3,oops,y\n");
    fails(
        &["predict", "--model", &model, "--data", &path],
        1,
        &[
            "text.csv",
            "text.csv:3:2: non-numeric value \"oops\" in column \"b\"",
        ],
    );
}

#[test]
fn missing_values_follow_the_policy() {
    let (_d, dir) = tempdir();
    let path = csv(&dir, "gaps.csv", "a,y\n1,x\n,y\n");
    fails(
        &["train", "--data", &path],
        1,
        &[
            "gaps.csv",
            "gaps.csv:3:1: missing value \"\" in column \"a\"",
        ],
    );
}

#[test]
fn unknown_target_column() {
    fails(
        &["train", "--data", "datasets/iris.csv", "--target", "colour"],
        1,
        &["datasets/iris.csv", "no column named \"colour\"", "species"],
    );
}

#[test]
fn corrupt_model_json() {
    let (_d, dir) = tempdir();
    let path = csv(
        &dir,
        "bad.json",
        "{\"format\": \"nn-model\", \"version\": 1,",
    );
    fails(
        &["evaluate", "--model", &path, "--data", "datasets/iris.csv"],
        1,
        &["invalid model file", "bad.json", "line 1 column"],
    );
    let other = csv(&dir, "other.json", "{\"format\": \"something\"}");
    fails(
        &["explain", "--model", &other],
        1,
        &["other.json", "\"format\" is \"something\""],
    );
    let shapes = csv(&dir, "shapes.json", &bad_shapes());
    fails(
        &["explain", "--model", &shapes],
        1,
        &[
            "shapes.json",
            "layer 1",
            "weight row 0 has 1 values, expected in_features = 2",
        ],
    );
}

fn bad_shapes() -> String {
    let (_d, dir) = tempdir();
    let path = format!("{dir}/net.json");
    common::ok(&["explain", "--save-model", &path]);
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["layers"][1]["weight"][0] = serde_json::json!([0.25]);
    v.to_string()
}

#[test]
fn unknown_schedule_is_a_usage_error() {
    fails(
        &["schedule", "--schedule", "zigzag:3"],
        2,
        &["unknown schedule \"zigzag\"", "step:STEP_SIZE:GAMMA"],
    );
    fails(
        &[
            "train",
            "--data",
            "datasets/iris.csv",
            "--schedule",
            "step:x:0.5",
        ],
        2,
        &["invalid schedule"],
    );
}

#[test]
fn bad_flag_values_are_usage_errors() {
    fails(
        &["train", "--data", "datasets/iris.csv", "--lr", "fast"],
        2,
        &["--lr", "not a positive number"],
    );
    fails(
        &[
            "train",
            "--data",
            "datasets/iris.csv",
            "--activation",
            "swish",
        ],
        2,
        &["swish"],
    );
    fails(
        &["train", "--data", "datasets/iris.csv", "--hidden", "64,0"],
        2,
        &["not a positive integer"],
    );
    fails(
        &["explain", "--input", "0.1,abc"],
        2,
        &["\"abc\" is not a finite number"],
    );
    fails(
        &["descend", "--start", "1,2,3"],
        2,
        &["--start needs two values"],
    );
    fails(&["plot-everything"], 2, &["unrecognized subcommand"]);
}

#[test]
fn unknown_plot_extension() {
    fails(
        &["descend", "--plot", "path.pdf"],
        2,
        &["--plot path.pdf: a plot is written as SVG or PNG; name it .svg or .png"],
    );
}

/// A missing input file is one line naming the file, with the system's reason once (issue #11:
/// it was printed twice).
#[test]
fn a_missing_file_is_one_line_naming_it() {
    let (_keep, dir) = tempdir();
    let missing = format!("{dir}/missing.csv");
    let model = format!("{dir}/missing.json");
    let iris = common::root().join("datasets/iris.csv");
    let iris = iris.to_string_lossy().into_owned();
    let commands: [&[&str]; 7] = [
        &["evaluate", "--model", &model, "--data", &iris],
        &["predict", "--model", &model, "--data", &iris],
        &["explain", "--model", &model],
        &[
            "export",
            "--model",
            &model,
            "--out",
            &format!("{dir}/m.safetensors"),
        ],
        &[
            "train",
            "--data",
            &missing,
            "--out",
            &format!("{dir}/m.json"),
        ],
        &["lr-find", "--data", &missing],
        &[
            "preprocess",
            "transform",
            "--params",
            &model,
            "--data",
            &iris,
            "--out",
            &format!("{dir}/o.csv"),
        ],
    ];
    for args in commands {
        let run = nn(args);
        assert_eq!(run.code, 1, "nn {args:?}: {}", run.stderr);
        let name = if args.contains(&model.as_str()) {
            "missing.json"
        } else {
            "missing.csv"
        };
        assert_eq!(run.stderr.lines().count(), 1, "nn {args:?}: {}", run.stderr);
        assert!(run.stderr.contains(name), "nn {args:?}: {}", run.stderr);
        assert_eq!(
            run.stderr.matches("No such file or directory").count(),
            1,
            "{}",
            run.stderr
        );
    }
}

/// `nn ARGS` in the workspace root with the environment variable `variable` set to `value`.
fn nn_with_env(args: &[&str], variable: &str, value: &str) -> common::Run {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nn"))
        .args(args)
        .current_dir(common::root())
        .env(variable, value)
        .output()
        .expect("the nn binary runs");
    common::collect(out, &args)
}

/// `nn args` with the launcher variable `variable=value` exits 2 with `want` in its error.
fn assert_refused(args: &[&str], (variable, value): (&str, &str), want: &str) {
    let run = nn_with_env(args, variable, value);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(want), "{}", run.stderr);
}

/// An `nn` built without the `mpi` feature, started by a launcher as one of several processes
/// (`OMPI_COMM_WORLD_SIZE`, `PMI_SIZE`, srun's `SLURM_STEP_NUM_TASKS`), refuses to train alone
/// on all the data in every process (each would write the same model file) and says how to build
/// the MPI-enabled one.
#[cfg(not(feature = "mpi"))]
#[test]
fn a_launcher_without_the_mpi_feature_is_refused_before_any_work() {
    let (_d, dir) = tempdir();
    let out = format!("{dir}/m.json");
    let launchers = [
        ("OMPI_COMM_WORLD_SIZE", "4"),
        ("PMI_SIZE", "2"),
        ("SLURM_STEP_NUM_TASKS", "3"),
    ];
    for (variable, size) in launchers {
        let args = ["train", "--data", "datasets/iris.csv", "--out", &out];
        let want = format!("one of {size} processes ({variable}={size}); build it with `cargo build --release -p nn-cli --features mpi`");
        assert_refused(&args, (variable, size), &want);
        assert!(!std::path::Path::new(&out).exists());
    }
    // One process is an ordinary run.
    let args = [
        "train",
        "--data",
        "datasets/iris.csv",
        "--epochs",
        "1",
        "--out",
        &out,
    ];
    let run = nn_with_env(&args, "OMPI_COMM_WORLD_SIZE", "1");
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// The commands with no data-parallel form (all but train and cv) refuse to run as one of
/// several launched processes, in any build: each copy would do the whole work and write the
/// same files. One process is an ordinary run.
#[test]
fn commands_without_a_data_parallel_form_refuse_several_processes() {
    let (_d, dir) = tempdir();
    let out = format!("{dir}/p.csv");
    let predict = [
        "predict",
        "--model",
        "no-such-model.json", // refused before any file is read
        "--data",
        "datasets/iris.csv",
        "--out",
        &out,
    ];
    let want = "nn predict runs on one process, but a launcher started it as one of 3 processes \
                (PMI_SIZE=3); run it without mpirun/srun";
    assert_refused(&predict, ("PMI_SIZE", "3"), want);
    assert!(!std::path::Path::new(&out).exists());
    let schedule = ["schedule", "--schedule", "step:2:0.5", "--epochs", "3"];
    let want = "nn schedule runs on one process";
    assert_refused(&schedule, ("OMPI_COMM_WORLD_SIZE", "2"), want);
    assert_eq!(nn_with_env(&schedule, "OMPI_COMM_WORLD_SIZE", "1").code, 0);
    // srun's tasks of one job step.
    let want = "one of 4 processes (SLURM_STEP_NUM_TASKS=4)";
    assert_refused(&schedule, ("SLURM_STEP_NUM_TASKS", "4"), want);
    assert_eq!(nn_with_env(&schedule, "SLURM_STEP_NUM_TASKS", "1").code, 0);
}
