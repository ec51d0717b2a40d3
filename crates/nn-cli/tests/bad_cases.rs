//! The table-driven corpus of bad inputs, one `tests/data/bad/cases/*.tsv` file per class of
//! fault, run through the real `nn` binary for every subcommand.
//!
//! Each non-blank line that does not start with `#` is three tab-separated fields:
//!
//! ```text
//! EXIT <TAB> EXPECTED <TAB> ARGS
//! ```
//!
//! - `EXIT`: the exit code (1 data/run-time error, 2 usage error);
//! - `EXPECTED`: text the first `error: …` line of stderr must contain;
//! - `ARGS`: the `nn` arguments, split on spaces, with these placeholders replaced:
//!   `{bad}` the `tests/data/bad` folder, `{data}` the `datasets` folder, `{tmp}` an empty
//!   folder made for this case, `{model}` an iris model file (4 features, 3 classes) trained
//!   once for the whole corpus.
//!
//! Every case must also: never panic, finish within [`TIME_LIMIT`], write nothing (its `{tmp}`
//! folder stays empty), and leave every file under `tests/data/bad`, `datasets` and the shared
//! model unchanged. The test reports every failing case at once, and prints the number of
//! cases per subcommand (RELIABILITY.md quotes it).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use common::{ok, root, COMMANDS};

/// How long one case may run before it counts as a hang.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Every subcommand must have at least this many cases in the corpus.
const MIN_CASES_PER_COMMAND: usize = 3;

/// One line of a cases file.
struct Case {
    origin: String,
    exit: i32,
    expected: String,
    args: String,
}

fn parse_cases(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let mut cases = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            fields.len(),
            3,
            "{name}:{}: want EXIT<TAB>EXPECTED<TAB>ARGS, got {line:?}",
            i + 1
        );
        cases.push(Case {
            origin: format!("{name}:{}", i + 1),
            exit: fields[0].trim().parse().unwrap_or_else(|_| {
                panic!(
                    "{name}:{}: exit code {:?} is not a number",
                    i + 1,
                    fields[0]
                )
            }),
            expected: fields[1].to_string(),
            args: fields[2].trim().to_string(),
        });
    }
    cases
}

fn all_cases() -> Vec<Case> {
    let dir = root().join("tests/data/bad/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
        .collect();
    files.sort();
    files.iter().flat_map(|f| parse_cases(f)).collect()
}

/// Length and modification time of every file under `dirs`, to see that a case changed none.
fn snapshot(dirs: &[PathBuf]) -> BTreeMap<PathBuf, (u64, SystemTime)> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, (u64, SystemTime)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                walk(&path, out);
            } else {
                out.insert(path, (meta.len(), meta.modified().unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    for dir in dirs {
        walk(dir, &mut out);
    }
    out
}

/// Trains the shared iris model the cases call `{model}`.
fn shared_model(dir: &Path) -> String {
    let model = dir.join("iris.json").to_string_lossy().into_owned();
    let iris = root()
        .join("datasets/iris.csv")
        .to_string_lossy()
        .into_owned();
    ok(&[
        "train", "--data", &iris, "--epochs", "2", "--out", &model, "--quiet",
    ]);
    model
}

/// What running one case showed; `None` when it behaved as its line says.
fn run_case(case: &Case, model: &str, watched: &[PathBuf]) -> Option<String> {
    let tmp = tempfile::tempdir().unwrap();
    let args: Vec<String> = case
        .args
        .split(' ')
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.replace("{bad}", &root().join("tests/data/bad").to_string_lossy())
                .replace("{data}", &root().join("datasets").to_string_lossy())
                .replace("{tmp}", &tmp.path().to_string_lossy())
                .replace("{model}", model)
        })
        .collect();
    let before = snapshot(watched);
    let (code, stderr) = match run_with_limit(&args) {
        Ok(r) => r,
        Err(e) => return Some(e),
    };
    let mut problems = Vec::new();
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        problems.push("panicked".to_string());
    }
    if code != case.exit {
        problems.push(format!("exit {code}, want {}", case.exit));
    }
    let first_error = stderr.lines().find(|l| l.starts_with("error:"));
    match first_error {
        Some(line) if line.contains(&case.expected) => {}
        Some(line) => problems.push(format!(
            "first error line {line:?} lacks {:?}",
            case.expected
        )),
        None => problems.push(format!("no `error:` line (want {:?})", case.expected)),
    }
    let written: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().flatten().collect();
    if !written.is_empty() {
        problems.push(format!("wrote {} file(s) into {{tmp}}", written.len()));
    }
    if snapshot(watched) != before {
        problems.push("changed a file under tests/data/bad, datasets or the model".into());
    }
    match problems.is_empty() {
        true => None,
        false => Some(format!(
            "{}: nn {}\n    {}\n    stderr: {}",
            case.origin,
            case.args,
            problems.join("; "),
            stderr.trim()
        )),
    }
}

/// Runs `nn ARGS` (stdin empty, stdout discarded) and returns its exit code and stderr, or a
/// description of the hang.
fn run_with_limit(args: &[String]) -> Result<(i32, String), String> {
    let err = tempfile::tempfile().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_nn"))
        .args(args)
        .current_dir(root())
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err.try_clone().unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("nn {args:?} still ran after {TIME_LIMIT:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = err;
    use std::io::{Read, Seek};
    err.rewind().unwrap();
    let mut bytes = Vec::new();
    err.read_to_end(&mut bytes).unwrap();
    Ok((
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&bytes).into_owned(),
    ))
}

#[test]
fn every_bad_case_fails_cleanly_and_writes_nothing() {
    let shared = tempfile::tempdir().unwrap();
    let model = shared_model(shared.path());
    let watched = [
        root().join("tests/data/bad"),
        root().join("datasets"),
        shared.path().to_path_buf(),
    ];
    let cases = all_cases();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| run_case(case, &model, &watched))
        .collect();
    let mut per_command: BTreeMap<&str, usize> = COMMANDS.iter().map(|c| (*c, 0)).collect();
    for case in &cases {
        let command = case.args.split(' ').next().unwrap_or_default();
        *per_command.entry(command).or_default() += 1;
    }
    println!("bad-input cases per subcommand: {per_command:?}");
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    let thin: Vec<_> = per_command
        .iter()
        .filter(|(_, n)| **n < MIN_CASES_PER_COMMAND)
        .collect();
    assert!(
        thin.is_empty(),
        "subcommands with fewer than {MIN_CASES_PER_COMMAND} cases: {thin:?}"
    );
}

/// The corpus covers the subcommands `nn --help` lists, no fewer.
#[test]
fn every_subcommand_is_listed() {
    let help = ok(&["--help"]);
    let listed: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert_eq!(listed, COMMANDS, "update COMMANDS and add cases");
}
