//! Small helpers shared by the subcommands: atomic file writes and the error types `main` maps
//! to exit codes.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// A user mistake found after argument parsing (an unknown schedule, a wrong number of values):
/// `main` maps it to exit code 2, like clap's own usage errors.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Training stopped by Ctrl-C after saving its state: `main` maps it to exit code 130.
#[derive(Debug)]
pub struct Interrupted(pub String);

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Interrupted {}

/// Returns a [`UsageError`] as an `anyhow` error.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    UsageError(message.into()).into()
}

/// A temporary path in `path`'s directory, keeping its extension (image encoders pick the
/// format from it): `dir/.name.tmp-PID.ext`.
pub fn temp_path_for(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or("out".into(), |n| n.to_string_lossy());
    let ext = path
        .extension()
        .map_or(String::new(), |e| format!(".{}", e.to_string_lossy()));
    path.with_file_name(format!(".{name}.tmp-{}{ext}", std::process::id()))
}

/// Writes `path` atomically with nn-optim's [`nn_optim::checkpoint::write_atomic`] (the one
/// implementation): a temporary file in the same directory, flushed to disk, then renamed over
/// `path`, so an interrupted or killed run never leaves a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    nn_optim::checkpoint::write_atomic(path, bytes)
        .with_context(|| format!("writing {}", path.display()))
}

/// Whether `a` and `b` name the same file, e.g. an output that would overwrite an input:
/// for two existing files, the same device and inode (a hard link or a symbolic link is the
/// same file); otherwise the same canonical folder and name (two outputs not written yet).
///
/// ```
/// use std::path::Path;
/// use nn_cli::fsutil::same_file;
/// assert!(same_file(Path::new("Cargo.toml"), Path::new("./Cargo.toml")));
/// assert!(!same_file(Path::new("Cargo.toml"), Path::new("no-such-file")));
/// assert!(same_file(Path::new("new.svg"), Path::new("src/../new.svg")));
/// ```
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    if let (Ok(a), Ok(b)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        use std::os::unix::fs::MetadataExt;
        return (a.dev(), a.ino()) == (b.dev(), b.ino());
    }
    match (canonical_target(a), canonical_target(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// `path` made canonical, or (when it does not exist yet) its canonical folder joined with its
/// name.
fn canonical_target(path: &Path) -> Option<PathBuf> {
    if let Ok(canonical) = path.canonicalize() {
        return Some(canonical);
    }
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(folder.canonicalize().ok()?.join(path.file_name()?))
}

/// Runs `write` on a temporary path next to `path`, then renames it into place with the
/// replaced file's permission bits (removing the temporary file on failure).
pub fn with_temp(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    stage(path, write)?.commit()
}

/// A file written next to its destination and not yet in place: [`Staged::commit`] renames it
/// over the destination; dropped uncommitted (a later step failed), its temporary file is
/// removed, so a run that fails before its end replaces nothing.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("nn-doc-stage-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("a.txt");
/// let staged = nn_cli::fsutil::stage(&path, |tmp| Ok(std::fs::write(tmp, "a")?))?;
/// assert!(!path.exists());
/// staged.commit()?;
/// assert_eq!(std::fs::read_to_string(&path)?, "a");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), anyhow::Error>(())
/// ```
#[must_use = "a staged file is removed unless committed"]
pub struct Staged {
    /// Where `write` wrote (the destination itself for a device or pipe).
    tmp: PathBuf,
    /// The destination.
    path: PathBuf,
}

/// Runs `write` on a temporary path next to `path` (into `path` itself when it is a device or
/// a pipe, which cannot be replaced); the result is put in place by [`Staged::commit`].
pub fn stage(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<Staged> {
    let context = || format!("writing {}", path.display());
    if nn_optim::checkpoint::is_special_file(path) {
        write(path).with_context(context)?;
        let path = path.to_path_buf();
        return Ok(Staged {
            tmp: path.clone(),
            path,
        });
    }
    let staged = Staged {
        tmp: temp_path_for(path),
        path: path.to_path_buf(),
    };
    write(&staged.tmp).with_context(context)?;
    Ok(staged)
}

impl Staged {
    /// Renames the written file over its destination, keeping the replaced file's permission
    /// bits.
    pub fn commit(self) -> Result<()> {
        if self.tmp == self.path {
            return Ok(());
        }
        nn_optim::checkpoint::keep_permissions(&self.path, &self.tmp)
            .and_then(|()| std::fs::rename(&self.tmp, &self.path))
            .with_context(|| format!("writing {}", self.path.display()))
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.tmp != self.path {
            // Gone already after a commit; otherwise the unfinished run's file.
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_uncommitted_stage_leaves_nothing_and_a_failed_write_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.svg");
        let staged = stage(&path, |tmp| Ok(std::fs::write(tmp, "a")?)).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        drop(staged);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let failed = stage(&path, |tmp| {
            std::fs::write(tmp, "half")?;
            anyhow::bail!("disk full")
        });
        let err = format!("{:#}", failed.err().unwrap());
        assert!(
            err.starts_with("writing ") && err.ends_with("a.svg: disk full"),
            "{err}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_is_the_same_file_as_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let (data, link) = (dir.path().join("d.csv"), dir.path().join("l.csv"));
        std::fs::write(&data, "a\n").unwrap();
        std::os::unix::fs::symlink(&data, &link).unwrap();
        assert!(same_file(&link, &data));
        assert!(!same_file(&link, &dir.path().join("other.csv")));
    }
}
