//! Checkpoints: everything needed to continue a training run exactly where it stopped.
//!
//! A checkpoint holds the network, the optimizer (its kind and state: momentum buffers, Adam's
//! moments and step count, RMSprop's running means), the schedule (including
//! reduce-on-plateau's state), the trainer (epoch counter and the shuffling generator's state),
//! the per-epoch history, and free-form JSON for the caller's own configuration. Files are JSON,
//! written to a temporary file in the same folder, flushed to disk, then renamed over the
//! target: a process killed at any moment leaves either the old complete file or the new one.
//! Floats are written in shortest round-trip form, so a resumed run is bit-identical.
//!
//! **Versions.** Version 2 stores an [`AnyOptimizer`]. Version 1 (before Adam and RMSprop)
//! stored an [`Sgd`](crate::Sgd) directly; [`Checkpoint::load`] still reads it, as
//! `AnyOptimizer::Sgd`, and [`Checkpoint::save`] always writes version 2.

use std::io::Write;
use std::path::Path;

use nn_core::Network;
use nn_tensor::Float;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::{AnyOptimizer, EpochReport, OptimError, Result, Schedule, Trainer};

/// The value of the `format` field of every checkpoint file.
pub const CHECKPOINT_FORMAT: &str = "nn-checkpoint";
/// The checkpoint format version this build reads and writes.
pub const CHECKPOINT_VERSION: u32 = 2;
/// The oldest version [`Checkpoint::load`] reads (its SGD state becomes `AnyOptimizer::Sgd`).
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
    /// The network's parameters.
    pub network: Network<T>,
    /// The optimizer and its state.
    pub optimizer: AnyOptimizer<T>,
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
    /// Bundles a run's state (`optimizer`: an [`AnyOptimizer`] or any optimizer it wraps).
    pub fn new(
        network: Network<T>,
        optimizer: impl Into<AnyOptimizer<T>>,
        schedule: Schedule,
        trainer: Trainer,
        history: Vec<EpochReport>,
    ) -> Self {
        let (format, version) = (CHECKPOINT_FORMAT.to_string(), CHECKPOINT_VERSION);
        Checkpoint {
            format,
            version,
            network,
            optimizer: optimizer.into(),
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

    /// Reads a checkpoint, checking its format and version (1 or 2, see the module docs).
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| fail(path, e.to_string()))?;
        let header: Header = serde_json::from_slice(&bytes)
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
        if header.version == 1 {
            let v1 = serde_json::from_slice(&bytes).map_err(corrupt)?;
            return serde_json::from_value(upgrade_v1(v1)).map_err(corrupt);
        }
        serde_json::from_slice(&bytes).map_err(corrupt)
    }
}

/// A version-1 checkpoint as version 2: its optimizer (an SGD) wrapped as `{"sgd": ...}`.
fn upgrade_v1(mut v1: serde_json::Value) -> serde_json::Value {
    if let Some(fields) = v1.as_object_mut() {
        let sgd = fields.remove("optimizer").unwrap_or_default();
        fields.insert("optimizer".into(), serde_json::json!({ "sgd": sgd }));
        fields.insert("version".into(), CHECKPOINT_VERSION.into());
    }
    v1
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
