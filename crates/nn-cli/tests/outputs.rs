//! Output paths and streams end to end, for what a line of the bad-input corpus cannot say
//! (issue #11, classes 1, 4 and 5): non-UTF-8 file names, a full or closed standard output, a
//! file-size limit (`ulimit -f`), the permission bits of written files, and resuming a
//! finished or copied checkpoint folder.

mod common;

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{collect, dataset, names_in, root, Run};
use serde_json::Value;

/// Runs `nn ARGS` (any OS strings) in the workspace root, its output streams to `streams`.
fn nn_with(args: &[&OsStr], (stdout, stderr): (Stdio, Stdio)) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_nn"))
        .args(args)
        .current_dir(root())
        .env_remove("RUST_BACKTRACE")
        .stdout(stdout)
        .stderr(stderr)
        .output()
        .expect("the nn binary runs");
    collect(out, &args)
}

/// Runs `sh -c SCRIPT nn ARGS…`: the script sets a limit, then `exec "$0" "$@"`.
fn nn_under(script: &str, args: &[&OsStr]) -> Run {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("{script}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_nn"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("sh runs");
    collect(out, &args)
}

fn nn(args: &[&OsStr]) -> Run {
    nn_with(args, (Stdio::piped(), Stdio::piped()))
}

/// `nn ARGS` given as text.
fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn refs(args: &[OsString]) -> Vec<&OsStr> {
    args.iter().map(OsString::as_os_str).collect()
}

fn ok(args: &[&OsStr]) -> Run {
    let run = nn(args);
    assert_eq!(run.code, 0, "nn {args:?}:\n{}", run.stderr);
    run
}

/// `dir/NAME` where NAME is raw bytes (Latin-1 `é` is 0xe9: not UTF-8).
fn latin1(dir: &Path, name: &[u8]) -> PathBuf {
    dir.join(OsStr::from_bytes(name))
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn layers(path: &Path) -> Value {
    let model: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    model["layers"].clone()
}

/// A small seeded iris run's flags, writing `out`.
fn train_flags(iris: &str, out: &Path, epochs: &str) -> Vec<OsString> {
    let mut args = os(&[
        "train", "--data", iris, "--hidden", "4", "--epochs", epochs, "--seed", "5", "--quiet",
        "--out",
    ]);
    args.push(out.into());
    args
}

#[test]
fn non_utf8_file_names_work_for_every_path_flag() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = latin1(dir.path(), b"caf\xe9.csv");
    std::fs::copy(&iris, &data).unwrap();
    let (model, plot, ck) = (
        latin1(dir.path(), b"m\xe9.json"),
        latin1(dir.path(), b"p\xe9.svg"),
        latin1(dir.path(), b"ck\xe9"),
    );
    let mut args = train_flags(&data.to_string_lossy(), &model, "2");
    args[2] = data.clone().into();
    args.extend([
        "--plot".into(),
        plot.clone().into(),
        "--checkpoint".into(),
        ck.clone().into(),
    ]);
    let run = ok(&refs(&args));
    // Messages show the name lossily (U+FFFD for the byte 0xe9).
    assert!(run.stdout.contains("model written to "), "{}", run.stdout);
    assert!(run.stdout.contains("m\u{fffd}.json"), "{}", run.stdout);
    assert!(plot.exists() && ck.join("checkpoint.json").exists());
    // The training record keeps the exact name, as its bytes, ending in c a f é . c s v.
    let saved: Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(
        saved["training"]["data"],
        serde_json::json!(data.as_os_str().as_bytes())
    );
    let bytes = saved["training"]["data"].as_array().unwrap();
    assert_eq!(
        bytes[bytes.len() - 8..],
        serde_json::json!([99, 97, 102, 233, 46, 99, 115, 118])
            .as_array()
            .unwrap()[..]
    );
    // --resume finds the data again under its non-UTF-8 name.
    let s = OsStr::new;
    ok(&[
        s("train"),
        s("--resume"),
        ck.as_os_str(),
        s("--epochs"),
        s("3"),
    ]);
    let (preds, params, scaled, tensors, picture) = (
        latin1(dir.path(), b"pr\xe9.csv"),
        latin1(dir.path(), b"pa\xe9.json"),
        latin1(dir.path(), b"sc\xe9.csv"),
        latin1(dir.path(), b"x\xe9.safetensors"),
        latin1(dir.path(), b"e\xe9.png"),
    );
    let m = model.as_os_str();
    let d = data.as_os_str();
    ok(&[
        s("predict"),
        s("--model"),
        m,
        s("--data"),
        d,
        s("--out"),
        preds.as_os_str(),
    ]);
    let fit = [s("preprocess"), s("fit"), s("--method"), s("standardize")];
    let fit_args = [s("--data"), d, s("--exclude"), s("species"), s("--out")];
    ok(&[&fit[..], &fit_args[..], &[params.as_os_str()]].concat());
    let transform = [
        s("preprocess"),
        s("transform"),
        s("--params"),
        params.as_os_str(),
    ];
    ok(&[
        &transform[..],
        &[s("--data"), d, s("--out"), scaled.as_os_str()],
    ]
    .concat());
    ok(&[
        s("export"),
        s("--model"),
        m,
        s("--out"),
        tensors.as_os_str(),
    ]);
    ok(&[s("explain"), s("--plot"), picture.as_os_str()]);
    for written in [&preds, &params, &scaled, &tensors, &picture] {
        assert!(written.exists(), "{}", written.display());
    }
}

/// Every subcommand that prints, with standard output on `/dev/full`: exit 1 and an error that
/// names standard output, never a panic; standard error on `/dev/full` changes no exit code.
#[test]
fn a_full_standard_output_is_an_error_naming_it() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    if !Path::new("/dev/full").exists() {
        eprintln!("skipping: no /dev/full on this machine");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    ok(&refs(&train_flags(&iris, &model, "1")));
    let (m, tmp) = (model.to_string_lossy(), dir.path().to_string_lossy());
    let commands: Vec<Vec<String>> = [
        format!("train --data {iris} --hidden 4 --epochs 1 --out {tmp}/t.json"),
        format!("cv --data {iris} --folds 2 --hidden 4 --epochs 1"),
        format!("evaluate --model {m} --data {iris}"),
        format!("predict --model {m} --data {iris}"),
        format!("preprocess fit --method standardize --data {iris} --exclude species --out {tmp}/p.json"),
        "explain".into(),
        "explain --format json".into(),
        "gradcheck".into(),
        "schedule --schedule cosine --epochs 5".into(),
        "descend --steps 3".into(),
        format!("lr-find --data {iris} --hidden 4 --steps 10"),
        format!("export --model {m} --out {tmp}/m.safetensors"),
        "--help".into(),
        "--version".into(),
        "predict --help".into(),
    ]
    .iter()
    .map(|c| c.split(' ').map(String::from).collect())
    .collect();
    for command in &commands {
        let args = os(&command.iter().map(String::as_str).collect::<Vec<_>>());
        let run = nn_with(&refs(&args), (dev_full(), Stdio::piped()));
        assert_eq!(run.code, 1, "nn {command:?}:\n{}", run.stderr);
        let first = run.stderr.lines().find(|l| l.starts_with("error:"));
        assert!(
            first
                .is_some_and(|l| l
                    .ends_with("writing standard output: No space left on device (os error 28)")),
            "nn {command:?}:\n{}",
            run.stderr
        );
    }
    // `nn train` failed at its first progress line: the model file was not written.
    assert!(!dir.path().join("t.json").exists());
    // A full standard error loses the message, never the exit code (a panic would be 101).
    let missing = dir.path().join("missing.json");
    let explain = os(&["explain", "--model", &missing.to_string_lossy()]);
    let run = nn_with(&refs(&explain), (Stdio::null(), dev_full()));
    assert_eq!(run.code, 1);
    let ck = dir.path().join("ck");
    let mut args = train_flags(&iris, &model, "1");
    args.extend(["--checkpoint".into(), ck.clone().into()]);
    ok(&refs(&args));
    let resume = os(&["train", "--resume", &ck.to_string_lossy()]);
    let run = nn_with(&refs(&resume), (Stdio::null(), dev_full()));
    assert_eq!(run.code, 0, "the note on a finished checkpoint");
}

fn dev_full() -> Stdio {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full");
    Stdio::from(full.expect("/dev/full opens"))
}

/// `nn predict … | head -1` and the like: the reader is gone before nn writes; nn stops
/// quietly with status 0.
#[test]
fn a_closed_pipe_ends_quietly_with_status_0() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    ok(&refs(&train_flags(&iris, &model, "1")));
    let m = model.to_string_lossy();
    for command in [
        format!("predict --model {m} --data {iris}"),
        "descend --steps 1000".into(),
        "explain".into(),
        "train --help".into(),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_nn"))
            .args(command.split(' '))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Closing the only read end makes every write of the child fail with EPIPE.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "nn {command}:\n{stderr}");
        assert_eq!(stderr, "", "nn {command}");
    }
}

/// `ulimit -f`: nn survives SIGXFSZ, the write fails with EFBIG and the error names the file;
/// no temporary file is left, an existing file is kept, and the run's other output (the
/// curves plot) is not written either.
#[test]
fn a_file_size_limit_is_an_error_naming_the_file() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    std::fs::write(&big, "previous").unwrap();
    // 256·256 weights make a model file of about 1.5 MB, over the limit of 100 blocks of 512
    // bytes; the curves (an SVG of a few kB) are drawn first and never put in place.
    let mut args = train_flags(&iris, &big, "1");
    args[4] = "256,256".into();
    args.extend(["--plot".into(), dir.path().join("curves.svg").into()]);
    let run = nn_under("ulimit -f 100", &refs(&args));
    assert_eq!(run.code, 1, "killed by a signal?\n{}", run.stderr);
    assert!(
        run.stderr
            .contains("big.json: File too large (os error 27)"),
        "{}",
        run.stderr
    );
    let picture = dir.path().join("step.png");
    let explain = os(&["explain", "--plot", &picture.to_string_lossy()]);
    let run = nn_under("ulimit -f 1", &refs(&explain));
    assert_eq!(run.code, 1, "killed by a signal?\n{}", run.stderr);
    assert!(
        run.stderr.contains("step.png") && run.stderr.contains("File too large"),
        "{}",
        run.stderr
    );
    // The other way round: the model file (4.5 kB) fits in 16 blocks, the PNG curves (12 kB)
    // do not; the plot fails before the model file is replaced.
    let mut args = train_flags(&iris, &big, "1");
    args.extend(["--plot".into(), dir.path().join("curves.png").into()]);
    let run = nn_under("ulimit -f 16", &refs(&args));
    assert_eq!(run.code, 1, "killed by a signal?\n{}", run.stderr);
    assert!(run.stderr.contains("curves.png"), "{}", run.stderr);
    assert_eq!(names_in(dir.path()), ["big.json"]);
    assert_eq!(std::fs::read_to_string(&big).unwrap(), "previous");
}

/// New files get `0666 & !umask`; a replaced file keeps its permission bits (model files
/// through the atomic write, plots through the temporary-file path).
#[test]
fn written_files_follow_the_umask_and_replaced_ones_keep_their_mode() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (model, plot) = (dir.path().join("m.json"), dir.path().join("c.png"));
    let mut args = train_flags(&iris, &model, "1");
    args.extend(["--plot".into(), plot.clone().into()]);
    let run = nn_under("umask 027", &refs(&args));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!((mode(&model), mode(&plot)), (0o640, 0o640));
    std::fs::set_permissions(&model, std::fs::Permissions::from_mode(0o604)).unwrap();
    std::fs::set_permissions(&plot, std::fs::Permissions::from_mode(0o600)).unwrap();
    let run = nn_under("umask 022", &refs(&args));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!((mode(&model), mode(&plot)), (0o604, 0o600));
}

/// A run stopped between its final checkpoint and its model file: `--resume` writes the
/// final model (the same weights as the straight run's) and says so on stderr.
#[test]
fn resuming_a_finished_checkpoint_writes_the_final_model() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (straight, ck) = (dir.path().join("a.json"), dir.path().join("ck"));
    let mut args = train_flags(&iris, &straight, "2");
    args.extend(["--checkpoint".into(), ck.clone().into()]);
    ok(&refs(&args));
    let checkpoint = std::fs::read(ck.join("checkpoint.json")).unwrap();
    let resumed = dir.path().join("b.json");
    let ck_arg = ck.to_string_lossy();
    let run = ok(&refs(&os(&[
        "train",
        "--resume",
        &ck_arg,
        "--out",
        &resumed.to_string_lossy(),
    ])));
    assert!(
        run.stderr
            .contains("the checkpoint has finished all 2 epochs; writing its final model to"),
        "{}",
        run.stderr
    );
    assert_eq!(layers(&resumed), layers(&straight));
    assert_eq!(
        std::fs::read(ck.join("checkpoint.json")).unwrap(),
        checkpoint
    );
}

/// `--resume COPY` of a copied checkpoint folder checkpoints into COPY; the original folder is
/// left as it was.
#[test]
fn resuming_a_copied_folder_writes_into_the_copy() {
    let Some(iris) = dataset("iris.csv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (original, copy) = (dir.path().join("ck"), dir.path().join("copy"));
    let mut args = train_flags(&iris, &dir.path().join("a.json"), "2");
    args.extend(["--checkpoint".into(), original.clone().into()]);
    ok(&refs(&args));
    std::fs::create_dir(&copy).unwrap();
    let file = "checkpoint.json";
    std::fs::copy(original.join(file), copy.join(file)).unwrap();
    let before = std::fs::read(original.join(file)).unwrap();
    ok(&refs(&os(&[
        "train",
        "--resume",
        &copy.to_string_lossy(),
        "--epochs",
        "3",
    ])));
    assert_eq!(std::fs::read(original.join(file)).unwrap(), before);
    let saved: Value = serde_json::from_slice(&std::fs::read(copy.join(file)).unwrap()).unwrap();
    assert_eq!(saved["state"]["history"].as_array().unwrap().len(), 3);
}
