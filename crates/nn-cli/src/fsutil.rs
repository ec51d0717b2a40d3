//! Small helpers shared by the subcommands: atomic file writes and the error types `main` maps
//! to exit codes.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

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

/// A folder made for this run's output (`--checkpoint DIR`) by [`create_folder`]: dropped while
/// still empty (the run failed before its first checkpoint), it is removed again, so a failed
/// run leaves no empty folder behind. A folder that existed before is never removed.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("nn-doc-folder-{}", std::process::id()));
/// let folder = nn_cli::fsutil::create_folder(&dir)?;
/// assert!(dir.is_dir());
/// drop(folder);
/// assert!(!dir.exists());
/// # Ok::<(), anyhow::Error>(())
/// ```
#[must_use = "the folder is removed when this is dropped while it is empty"]
pub struct CreatedFolder(Option<PathBuf>);

/// Creates `dir` (and its missing parents) unless it exists; see [`CreatedFolder`].
pub fn create_folder(dir: &Path) -> Result<CreatedFolder> {
    if dir.is_dir() {
        return Ok(CreatedFolder(None));
    }
    pending().push(dir.to_path_buf());
    let created = CreatedFolder(Some(dir.to_path_buf()));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(created)
}

impl Drop for CreatedFolder {
    fn drop(&mut self) {
        if let Some(dir) = &self.0 {
            // Fails, keeping the folder, once a checkpoint is in it.
            let _ = std::fs::remove_dir(dir);
            forget(dir);
        }
    }
}

/// Writes `path` atomically: [`stage_bytes`] then [`Staged::commit`] (a temporary file in the
/// same directory, flushed to disk, then renamed over `path`), so an interrupted run never
/// leaves a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    stage_bytes(path, bytes)?.commit()
}

/// Temporary files and created folders not yet in place or filled: what [`remove_pending`]
/// removes when a signal ends the process.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(PoisonError::into_inner)
}

fn forget(path: &Path) {
    pending().retain(|p| p != path);
}

/// A temporary file another crate may be writing (a checkpoint's, [`nn_optim::checkpoint::temp_path`]):
/// while this lives, a signal ending the process removes it ([`remove_pending`]).
#[must_use = "the file is watched only while this lives"]
pub struct Watched(PathBuf);

/// Watches `tmp` until the returned guard is dropped; see [`Watched`].
pub fn watch(tmp: &Path) -> Watched {
    pending().push(tmp.to_path_buf());
    Watched(tmp.to_path_buf())
}

impl Drop for Watched {
    fn drop(&mut self) {
        forget(&self.0);
    }
}

/// Removes every staged temporary file and every still-empty folder this run created, for a
/// process about to exit on a signal (`crate::interrupt`): nothing half-written stays behind.
pub fn remove_pending() {
    for path in pending().drain(..).rev() {
        // A folder goes only when empty; a file only if it was not put in place yet.
        let _ = std::fs::remove_file(&path).or_else(|_| std::fs::remove_dir(&path));
    }
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
/// A symbolic link is written through, as `cp` and `sort -o` do: the file staged and replaced is
/// the link's target, and the link stays.
pub fn stage(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<Staged> {
    let context = || format!("writing {}", path.display());
    let path = &nn_optim::checkpoint::follow_links(path).with_context(context)?;
    if nn_optim::checkpoint::is_special_file(path) {
        write(path).with_context(context)?;
        let path = path.to_path_buf();
        return Ok(Staged {
            tmp: path.clone(),
            path,
        });
    }
    let staged = Staged {
        tmp: nn_optim::checkpoint::temp_path(path),
        path: path.to_path_buf(),
    };
    // Known before it exists: a signal at any moment finds it (`remove_pending`).
    pending().push(staged.tmp.clone());
    write(&staged.tmp).with_context(context)?;
    Ok(staged)
}

/// Stages `bytes` for `path` (flushed to disk), to be put in place by [`Staged::commit`] once
/// the rest of the run (printing its report) has succeeded.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("nn-doc-bytes-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let staged = nn_cli::fsutil::stage_bytes(&dir.join("a.csv"), b"x\n1\n")?;
/// staged.commit()?;
/// assert_eq!(std::fs::read(dir.join("a.csv"))?, b"x\n1\n");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), anyhow::Error>(())
/// ```
pub fn stage_bytes(path: &Path, bytes: &[u8]) -> Result<Staged> {
    stage(path, |tmp| {
        Ok(nn_optim::checkpoint::write_synced(tmp, bytes)?)
    })
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
            forget(&self.tmp);
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

    #[test]
    fn staged_and_watched_files_are_pending_until_put_in_place_or_dropped() {
        // Only looks at the registry: `remove_pending` would race the other tests' files.
        let dir = tempfile::tempdir().unwrap();
        let is_pending = |p: &Path| pending().iter().any(|q| q == p);
        let path = dir.path().join("a.json");
        let staged = stage_bytes(&path, b"a").unwrap();
        let tmp = nn_optim::checkpoint::temp_path(&path);
        assert!(is_pending(&tmp) && tmp.exists());
        staged.commit().unwrap();
        assert!(!is_pending(&tmp) && !tmp.exists());
        let watched = watch(&dir.path().join(".ck.tmp"));
        assert!(is_pending(&dir.path().join(".ck.tmp")));
        drop(watched);
        assert!(!is_pending(&dir.path().join(".ck.tmp")));
        let folder = create_folder(&dir.path().join("ck")).unwrap();
        assert!(is_pending(&dir.path().join("ck")));
        drop(folder);
        assert!(!is_pending(&dir.path().join("ck")) && !dir.path().join("ck").exists());
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
