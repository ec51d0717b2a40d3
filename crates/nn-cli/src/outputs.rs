//! Every command's output paths, checked before any work (one mechanism for all commands): a
//! plot's extension is `.svg` or `.png`; a file output is not an existing folder and its folder
//! exists; no output names one of the command's inputs or another of its outputs (by inode
//! for existing files, by canonical folder and name otherwise). A failure is a usage error
//! (exit 2), so a typo never costs a training run nor replaces a file.
//!
//! ```ignore
//! Outputs::new()
//!     .input("--data", Some(&args.data))
//!     .file("--out", Some(&args.out))
//!     .plot("--plot", args.plot.as_deref())
//!     .check()?;
//! ```

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::fsutil::{same_file, usage};

/// What an output path must look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A file in an existing folder.
    File,
    /// A picture: a file named `.svg` or `.png`.
    Plot,
    /// A folder created when needed (`--checkpoint DIR`); the file written is inside it.
    Folder,
}

/// One output: its flag, the path given, the file actually written and its kind.
struct Output<'a> {
    flag: &'static str,
    given: &'a Path,
    written: PathBuf,
    kind: Kind,
}

/// A command's inputs and outputs, to check together.
#[derive(Default)]
pub struct Outputs<'a> {
    inputs: Vec<(&'static str, PathBuf)>,
    outputs: Vec<Output<'a>>,
    /// (output flag, input flag) pairs that may name the same file (`--checkpoint` continuing
    /// the `--resume` folder).
    allowed: Vec<(&'static str, &'static str)>,
}

impl<'a> Outputs<'a> {
    /// No paths yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// An input file (`None`, and standard input `-`, are skipped).
    pub fn input(mut self, flag: &'static str, path: Option<&Path>) -> Self {
        if let Some(path) = path.filter(|p| p.as_os_str() != "-") {
            self.inputs.push((flag, path.to_path_buf()));
        }
        self
    }

    /// A file output (a model, a CSV, parameters, safetensors).
    pub fn file(self, flag: &'static str, path: Option<&'a Path>) -> Self {
        self.output(flag, path, Kind::File, None)
    }

    /// A plot output: `.svg` or `.png`.
    pub fn plot(self, flag: &'static str, path: Option<&'a Path>) -> Self {
        self.output(flag, path, Kind::Plot, None)
    }

    /// A folder output in which the file `name` is written (`--checkpoint DIR`).
    pub fn folder(self, flag: &'static str, path: Option<&'a Path>, name: &str) -> Self {
        self.output(flag, path, Kind::Folder, Some(name))
    }

    /// Lets output `out_flag` name the file of input `in_flag`.
    pub fn allow(mut self, out_flag: &'static str, in_flag: &'static str) -> Self {
        self.allowed.push((out_flag, in_flag));
        self
    }

    fn output(
        mut self,
        flag: &'static str,
        path: Option<&'a Path>,
        kind: Kind,
        inner: Option<&str>,
    ) -> Self {
        if let Some(given) = path {
            let written = inner.map_or_else(|| given.to_path_buf(), |name| given.join(name));
            self.outputs.push(Output {
                flag,
                given,
                written,
                kind,
            });
        }
        self
    }

    /// Checks every output's shape, then every pair; the first problem is a usage error.
    pub fn check(&self) -> Result<()> {
        for out in &self.outputs {
            check_shape(out)?;
        }
        for (i, out) in self.outputs.iter().enumerate() {
            for (in_flag, input) in &self.inputs {
                if !self.allowed.contains(&(out.flag, in_flag)) && collide(&out.written, input) {
                    return Err(usage(format!(
                        "{} {} is the {in_flag} file: it would be overwritten; choose another name",
                        out.flag,
                        out.written.display()
                    )));
                }
            }
            for other in &self.outputs[..i] {
                if collide(&out.written, &other.written) {
                    return Err(usage(format!(
                        "{} {} is also the {} file: one would overwrite the other; choose another name",
                        out.flag,
                        out.written.display(),
                        other.flag
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Whether an output would replace `b`: the same file, unless it is a device or pipe (two
/// outputs into `/dev/null` are fine).
fn collide(a: &Path, b: &Path) -> bool {
    same_file(a, b) && !nn_optim::checkpoint::is_special_file(a)
}

/// The output's extension, folder and kind of file.
fn check_shape(out: &Output<'_>) -> Result<()> {
    let (flag, shown) = (out.flag, out.given.display());
    if out.kind == Kind::Plot && !is_plot_name(out.given) {
        return Err(usage(format!(
            "{flag} {shown}: a plot is written as SVG or PNG; name it .svg or .png"
        )));
    }
    if out.kind == Kind::Folder {
        if out.given.exists() && !out.given.is_dir() {
            return Err(usage(format!("{flag} {shown} is a file, not a folder")));
        }
        let folder = match out.given.is_dir() {
            true => out.given,
            false => parent(out.given),
        };
        return check_writable(out, folder);
    }
    let ends_in_separator = out.given.as_os_str().to_string_lossy().ends_with('/');
    if out.given.is_dir() || ends_in_separator {
        return Err(usage(format!(
            "{flag} {shown} is a folder: give a file name"
        )));
    }
    let folder = parent(out.given);
    if !folder.is_dir() {
        return Err(usage(format!(
            "{flag} {shown}: the folder {} does not exist",
            folder.display()
        )));
    }
    if nn_optim::checkpoint::is_special_file(out.given) {
        return Ok(());
    }
    // A symbolic link is written through: the file lands in its target's folder.
    match nn_optim::checkpoint::follow_links(out.given) {
        Ok(target) => check_writable(out, parent(&target)),
        Err(_) => check_writable(out, folder),
    }
}

/// `path`'s folder (`.` for a bare name).
fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Whether a file can be created in `folder` (a read-only file system or folder fails only
/// after the work otherwise): a probe file is created there and removed at once.
fn check_writable(out: &Output<'_>, folder: &Path) -> Result<()> {
    if !folder.is_dir() {
        // A missing folder for --checkpoint's parent, or a link into one: found when writing.
        return Ok(());
    }
    let probe = folder.join(format!(".nn-probe-{}", std::process::id()));
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe);
    match created {
        Ok(_) => Ok(std::fs::remove_file(&probe)?),
        Err(e) => Err(usage(format!(
            "{} {}: cannot write into the folder {}: {e}",
            out.flag,
            out.given.display(),
            folder.display()
        ))),
    }
}

/// Whether `path` ends in `.svg` or `.png` (any case), the formats `crate::plot` writes.
pub fn is_plot_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("svg") || e.eq_ignore_ascii_case("png"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(outputs: &Outputs<'_>) -> String {
        format!("{:#}", outputs.check().unwrap_err())
    }

    #[test]
    fn plot_extensions_and_folders_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let gif = dir.path().join("x.gif");
        let err = message(&Outputs::new().plot("--plot", Some(&gif)));
        assert!(err.ends_with("x.gif: a plot is written as SVG or PNG; name it .svg or .png"));
        let png = dir.path().join("x.PNG");
        assert!(Outputs::new().plot("--plot", Some(&png)).check().is_ok());
        let missing = dir.path().join("no/m.json");
        let err = message(&Outputs::new().file("--out", Some(&missing)));
        assert!(err.ends_with("/no does not exist"), "{err}");
        let err = message(&Outputs::new().file("--out", Some(dir.path())));
        assert!(err.ends_with("is a folder: give a file name"), "{err}");
        let new_folder = PathBuf::from(format!("{}/new/", dir.path().display()));
        let err = message(&Outputs::new().plot("--plot", Some(&new_folder.join("a.svg/"))));
        assert!(
            err.ends_with("a.svg/ is a folder: give a file name"),
            "{err}"
        );
    }

    #[test]
    fn outputs_may_not_name_inputs_or_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("d.csv");
        std::fs::write(&data, "a\n1\n").unwrap();
        // A hard link is the same file under another name: found by inode.
        let link = dir.path().join("link.csv");
        std::fs::hard_link(&data, &link).unwrap();
        let err = message(
            &Outputs::new()
                .input("--data", Some(&data))
                .file("--out", Some(&link)),
        );
        assert!(err.ends_with(
            "link.csv is the --data file: it would be overwritten; choose another name"
        ));
        // Two outputs not written yet, spelled differently.
        let (a, b) = (dir.path().join("a.svg"), dir.path().join("./a.svg"));
        let err = message(
            &Outputs::new()
                .file("--out", Some(&a))
                .plot("--plot", Some(&b)),
        );
        assert!(err.contains("is also the --out file"), "{err}");
        // A checkpoint folder's file against --out.
        let ck = dir.path().join("ck");
        let inside = ck.join("checkpoint.json");
        std::fs::create_dir(&ck).unwrap();
        let outputs = Outputs::new().file("--out", Some(&inside)).folder(
            "--checkpoint",
            Some(&ck),
            "checkpoint.json",
        );
        assert!(message(&outputs).contains("--checkpoint"));
        // Allowed pairs and devices pass.
        let outputs = Outputs::new()
            .input("--resume", Some(&inside))
            .folder("--checkpoint", Some(&ck), "checkpoint.json")
            .allow("--checkpoint", "--resume");
        assert!(outputs.check().is_ok());
        let null = Path::new("/dev/null");
        let outputs = Outputs::new()
            .file("--out", Some(null))
            .file("--save", Some(null));
        assert!(outputs.check().is_ok());
    }
}
