//! Checkpoints: everything needed to continue a training run exactly where it stopped.
//!
//! A checkpoint holds the network, the optimizer (momentum buffers), the schedule (including
//! reduce-on-plateau's state), the trainer (epoch counter and the shuffling generator's state),
//! the per-epoch history, and free-form JSON for the caller's own configuration. Files are JSON,
//! written to a temporary file in the same folder, flushed to disk, then renamed over the
//! target: a process killed at any moment leaves either the old complete file or the new one.
//! Floats are written in shortest round-trip form, so a resumed run is bit-identical.

use std::io::Write;
use std::path::Path;

use nn_core::Network;
use nn_tensor::Float;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::{EpochReport, OptimError, Result, Schedule, Sgd, Trainer};

/// The value of the `format` field of every checkpoint file.
pub const CHECKPOINT_FORMAT: &str = "nn-checkpoint";
/// The checkpoint format version this build reads and writes.
pub const CHECKPOINT_VERSION: u32 = 1;

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
    /// The network's parameters.
    pub network: Network<T>,
    /// The optimizer and its momentum buffers.
    pub optimizer: Sgd<T>,
    /// The learning-rate schedule and its state.
    pub schedule: Schedule,
    /// The epoch counter and the shuffling generator.
    pub trainer: Trainer,
    /// One report per finished epoch.
    pub history: Vec<EpochReport>,
    /// The caller's own settings (e.g. the command line), stored verbatim.
    pub extra: serde_json::Value,
}

impl<T: Float + Serialize + DeserializeOwned> Checkpoint<T> {
    /// Bundles a run's state.
    pub fn new(
        network: Network<T>,
        optimizer: Sgd<T>,
        schedule: Schedule,
        trainer: Trainer,
        history: Vec<EpochReport>,
    ) -> Self {
        let (format, version) = (CHECKPOINT_FORMAT.to_string(), CHECKPOINT_VERSION);
        Checkpoint {
            format,
            version,
            network,
            optimizer,
            schedule,
            trainer,
            history,
            extra: serde_json::Value::Null,
        }
    }

    /// Writes the checkpoint atomically (temporary file, fsync, rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec(self).map_err(|e| fail(path, e.to_string()))?;
        write_atomic(path, &json).map_err(|e| fail(path, e.to_string()))
    }

    /// Reads a checkpoint, checking its format and version.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| fail(path, e.to_string()))?;
        Self::from_bytes(path, &bytes)
    }

    /// Parses a checkpoint already read from `path` (e.g. by another process, which sent the
    /// bytes), checking its format and version; `path` only names it in errors.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self> {
        let header: Header = serde_json::from_slice(bytes)
            .map_err(|e| fail(path, format!("not a checkpoint: {e}")))?;
        if header.format != CHECKPOINT_FORMAT || header.version != CHECKPOINT_VERSION {
            let reason = format!(
                "format {:?} version {} is not supported (expected {CHECKPOINT_FORMAT:?} version {CHECKPOINT_VERSION})",
                header.format, header.version
            );
            return Err(fail(path, reason));
        }
        serde_json::from_slice(bytes).map_err(|e| fail(path, format!("corrupt checkpoint: {e}")))
    }
}

#[derive(Deserialize)]
struct Header {
    format: String,
    version: u32,
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed to disk,
/// then renamed over `path`.
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
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn fail(path: &Path, reason: String) -> OptimError {
    OptimError::Checkpoint {
        path: path.to_path_buf(),
        reason,
    }
}
