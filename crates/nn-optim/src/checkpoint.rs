//! Checkpoints: everything needed to continue a training run exactly where it stopped.
//!
//! A checkpoint holds a [`TrainState`] — the network, the optimizer (its kind and state), the
//! schedule (including reduce-on-plateau's state), the trainer (epoch counter, the shuffling
//! generator's state, and the count of training rows that dropout's masks follow), the per-epoch
//! history, early stopping's state — and free-form JSON for
//! the caller's own configuration. Files are JSON, written to a temporary file in the same
//! folder, flushed to disk, then renamed over the target: a process killed at any moment leaves either the old complete file or the new one.
//! Floats are written in shortest round-trip form, so a resumed run is bit-identical.
//!
//! **Versions.** Version 2 stores the optimizer as an [`AnyOptimizer`](crate::AnyOptimizer)
//! (`{"sgd": …}`, `{"adam": …}`, `{"rmsprop": …}`). Version 1, from before Adam and RMSprop,
//! stored an SGD untagged, either inside `state` or, in files written before the epoch driver,
//! at the top level beside `network`, `schedule`, `trainer` and `history`. [`Checkpoint::load`]
//! reads both version-1 layouts as an SGD; [`Checkpoint::save`] always writes version 2.

use std::io::Write;
use std::path::{Path, PathBuf};

use nn_tensor::Float;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{OptimError, Result, TrainState};

/// The value of the `format` field of every checkpoint file.
pub const CHECKPOINT_FORMAT: &str = "nn-checkpoint";
/// The checkpoint format version this build writes.
pub const CHECKPOINT_VERSION: u32 = 2;
/// The oldest version [`Checkpoint::load`] reads (see the module docs).
pub const OLDEST_READABLE_VERSION: u32 = 1;

/// The complete state of a training run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(
    serialize = "T: Float + Serialize",
    deserialize = "T: Float + DeserializeOwned"
))]
pub struct Checkpoint<T> {
    /// Always [`CHECKPOINT_FORMAT`].
    pub format: String,
    /// [`CHECKPOINT_VERSION`] when written by this build.
    pub version: u32,
    /// The run's state: network, optimizer, schedule, trainer, history, early stopping.
    pub state: TrainState<T>,
    /// The caller's own settings (e.g. the command line), stored verbatim.
    pub extra: serde_json::Value,
}

impl<T: Float + Serialize + DeserializeOwned> Checkpoint<T> {
    /// Bundles a run's state (with no `extra`).
    pub fn new(state: TrainState<T>) -> Self {
        let (format, version) = (CHECKPOINT_FORMAT.to_string(), CHECKPOINT_VERSION);
        Checkpoint {
            format,
            version,
            state,
            extra: serde_json::Value::Null,
        }
    }

    /// Writes the checkpoint atomically (temporary file, fsync, rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec(self).map_err(|e| fail(path, e.to_string()))?;
        write_atomic(path, &json).map_err(|e| fail(path, e.to_string()))
    }

    /// Reads a checkpoint, checking its format and version (1 or 2, see the module docs).
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| fail(path, e.to_string()))?;
        Self::from_bytes(path, &bytes)
    }

    /// Parses a checkpoint already read from `path` (e.g. by another process, which sent the
    /// bytes), checking its format and version and that its state is consistent
    /// ([`TrainState::validate`]); `path` only names it in errors.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self> {
        let header: Header = serde_json::from_slice(bytes)
            .map_err(|e| fail(path, format!("not a checkpoint: {e}")))?;
        let known = OLDEST_READABLE_VERSION..=CHECKPOINT_VERSION;
        if header.format != CHECKPOINT_FORMAT || !known.contains(&header.version) {
            let reason = format!(
                "format {:?} version {} is not supported (expected {CHECKPOINT_FORMAT:?} version {OLDEST_READABLE_VERSION} to {CHECKPOINT_VERSION})",
                header.format, header.version
            );
            return Err(fail(path, reason));
        }
        let corrupt = |e: serde_json::Error| fail(path, format!("corrupt checkpoint: {e}"));
        let ck: Self = if header.version == 1 {
            let v1 = serde_json::from_slice(bytes).map_err(corrupt)?;
            serde_json::from_value(upgrade_v1(v1)).map_err(corrupt)?
        } else {
            serde_json::from_slice(bytes).map_err(corrupt)?
        };
        ck.state.validate().map_err(|e| fail(path, e.to_string()))?;
        Ok(ck)
    }
}

/// A version-1 checkpoint as version 2: the run's fields gathered into `state` (for the flat
/// layout) and its SGD tagged `{"sgd": …}`.
fn upgrade_v1(mut v1: Value) -> Value {
    let Some(fields) = v1.as_object_mut() else {
        return v1;
    };
    if !fields.contains_key("state") {
        let state: Map<String, Value> = ["network", "optimizer", "schedule", "trainer", "history"]
            .into_iter()
            .filter_map(|k| Some((k.to_string(), fields.remove(k)?)))
            .collect();
        fields.insert("state".into(), Value::Object(state));
    }
    if let Some(state) = fields.get_mut("state").and_then(Value::as_object_mut) {
        let sgd = state.remove("optimizer").unwrap_or_default();
        state.insert("optimizer".into(), serde_json::json!({ "sgd": sgd }));
    }
    fields.insert("version".into(), CHECKPOINT_VERSION.into());
    v1
}

#[derive(Deserialize)]
struct Header {
    format: String,
    version: u32,
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed to disk,
/// then renamed over `path`. A replaced file keeps its permission bits; a new one gets the
/// usual `0666 & !umask`. On any error (a full disk, a file-size limit) the temporary file is
/// removed and `path` is left as it was. The temporary file's name is [`temp_path`]'s, known
/// in advance, so a caller can remove it if a signal ends the process mid-write.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("nn-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// nn_optim::checkpoint::write_atomic(&dir.join("a.txt"), b"hello")?;
/// assert_eq!(std::fs::read(dir.join("a.txt"))?, b"hello");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let path = &follow_links(path)?;
    if is_special_file(path) {
        // A device or pipe (`--out /dev/null`, `/dev/stdout`, a FIFO): write into it. Renaming
        // a file over it would replace the device node itself.
        return std::fs::write(path, bytes);
    }
    let tmp = temp_path(path);
    let written = write_synced(&tmp, bytes)
        .and_then(|()| keep_permissions(path, &tmp))
        .and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// The temporary file [`write_atomic`] writes before renaming it over `path`: in the same
/// folder, `.NAME.tmp-PID.EXT` (hidden, this process's, keeping the extension that image
/// encoders pick the format from).
///
/// ```
/// use std::path::Path;
/// let tmp = nn_optim::checkpoint::temp_path(Path::new("runs/model.json"));
/// let pid = std::process::id();
/// assert_eq!(tmp, Path::new(&format!("runs/.model.json.tmp-{pid}.json")));
/// ```
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or("out".into(), |n| n.to_string_lossy());
    let ext = path
        .extension()
        .map_or(String::new(), |e| format!(".{}", e.to_string_lossy()));
    path.with_file_name(format!(".{name}.tmp-{}{ext}", std::process::id()))
}

/// Writes `bytes` to `path` (created with `0666 & !umask`, or truncated) and flushes it to
/// disk; a device (`/dev/null`), which cannot be flushed, is only written.
///
/// ```
/// let path = std::env::temp_dir().join(format!("nn-doc-synced-{}", std::process::id()));
/// nn_optim::checkpoint::write_synced(&path, b"a")?;
/// assert_eq!(std::fs::read(&path)?, b"a");
/// nn_optim::checkpoint::write_synced(std::path::Path::new("/dev/null"), b"a")?;
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    if file.metadata()?.is_file() {
        file.sync_all()?;
    }
    Ok(())
}

/// The file a write to `path` should replace: `path` itself, or the file its symbolic link
/// (or chain of links) names, existing or not, so that a link is written through as `cp` and
/// `sort -o` do instead of being replaced by a regular file. A link to a device or pipe
/// (`/dev/stdout`) is returned as it is, to be written into. More than 40 links in a row is
/// an error (a loop).
///
/// ```
/// # #[cfg(unix)] {
/// let dir = std::env::temp_dir().join(format!("nn-doc-link-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// std::os::unix::fs::symlink("target.json", dir.join("link.json"))?;
/// let target = nn_optim::checkpoint::follow_links(&dir.join("link.json"))?;
/// assert_eq!(target, dir.join("target.json"));
/// # std::fs::remove_dir_all(&dir)?;
/// # }
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn follow_links(path: &Path) -> std::io::Result<PathBuf> {
    if is_special_file(path) {
        // `/dev/stdout` links to `/proc/self/fd/1`, whose "target" (`pipe:[…]`) is no path.
        return Ok(path.to_path_buf());
    }
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&path)?;
                path = match path.parent() {
                    Some(folder) => folder.join(target),
                    None => target,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// Gives `tmp` the permission bits of the existing file `path` (nothing when `path` does not
/// exist), so that renaming `tmp` over `path` keeps its mode.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("nn-doc-perm-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let (old, tmp) = (dir.join("old"), dir.join("tmp"));
/// std::fs::write(&old, "a")?;
/// std::fs::write(&tmp, "b")?;
/// let mut ro = std::fs::metadata(&old)?.permissions();
/// ro.set_readonly(true);
/// std::fs::set_permissions(&old, ro)?;
/// nn_optim::checkpoint::keep_permissions(&old, &tmp)?;
/// assert!(std::fs::metadata(&tmp)?.permissions().readonly());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn keep_permissions(path: &Path, tmp: &Path) -> std::io::Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => std::fs::set_permissions(tmp, meta.permissions()),
        _ => Ok(()),
    }
}

/// Whether `path` exists and is neither a regular file nor a folder (a device, a pipe, a
/// socket): something to write into, never to replace.
///
/// ```
/// use std::path::Path;
/// assert!(nn_optim::checkpoint::is_special_file(Path::new("/dev/null")));
/// assert!(!nn_optim::checkpoint::is_special_file(Path::new("Cargo.toml")));
/// ```
pub fn is_special_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

fn fail(path: &Path, reason: String) -> OptimError {
    OptimError::Checkpoint {
        path: path.to_path_buf(),
        reason,
    }
}
