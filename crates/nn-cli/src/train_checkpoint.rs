//! `nn train --checkpoint DIR` and `--resume DIR`: nn-optim's `Checkpoint` (network,
//! momentum buffers, schedule state, trainer epoch and RNG, per-epoch reports) saved atomically
//! as `DIR/checkpoint.json`, with what the CLI needs to rebuild the run in its `extra` field:
//! the flags, the divergence reference loss and a fingerprint of the data
//! file (the data is reloaded and preprocessed again, deterministically, from the same flags).

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use serde::{Deserialize, Serialize};

use crate::args::TrainArgs;
use crate::fsutil::usage;

/// The checkpoint file inside the checkpoint folder.
pub const FILE_NAME: &str = "checkpoint.json";

/// Flags that may differ on `--resume` (everything else must come from the checkpoint).
const OVERRIDABLE: &[&str] = &[
    "epochs",
    "out",
    "plot",
    "quiet",
    "checkpoint",
    "checkpoint_every",
    "resume",
];

/// The CLI's part of a checkpoint (its `extra` field).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Extra {
    /// The flags of the run.
    pub args: TrainArgs,
    /// The untrained network's training loss (the divergence bound is a multiple of it).
    pub initial_loss: f64,
    /// Size and FNV-1a hash of the `--data` file (`None` for a folder).
    pub data: Option<(u64, u64)>,
}

/// `DIR/checkpoint.json`.
pub fn file(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

/// Without `--resume`, `args` unchanged; with it, the checkpoint's flags plus the overridable
/// flags given on this command line (any other explicit flag is a usage error). The run
/// checkpoints into the folder it was resumed from (a copied folder stays independent of the
/// original), unless `--checkpoint` is given again. A checkpoint that has finished all its
/// epochs (a run stopped between its last checkpoint and its model file) trains no further
/// and only writes the final model, with a note on stderr.
pub fn resolve(args: TrainArgs) -> Result<TrainArgs> {
    let Some(dir) = args.resume.clone() else {
        return Ok(args);
    };
    let (extra, done) = read_extra(&dir)?;
    let mut merged = extra.args.clone();
    merged.checkpoint = Some(dir.clone());
    for flag in &args.explicit {
        override_flag(&mut merged, &args, flag, &dir)?;
    }
    merged.resume = Some(dir.clone());
    let shown = dir.display();
    if merged.run.epochs < done {
        let msg = format!(
            "{shown}: the checkpoint has already finished {done} of --epochs {}; pass --epochs {done} or more",
            merged.run.epochs
        );
        return Err(usage(msg));
    }
    if merged.run.epochs == done {
        crate::stdout::errln!(
            "note: {shown}: the checkpoint has finished all {done} epochs; writing its final model to {}",
            merged.out.display()
        );
    }
    check_data(&merged, &extra)?;
    Ok(merged)
}

fn override_flag(merged: &mut TrainArgs, args: &TrainArgs, flag: &str, dir: &Path) -> Result<()> {
    match flag {
        "epochs" => merged.run.epochs = args.run.epochs,
        "out" => merged.out = args.out.clone(),
        "plot" => merged.plot = args.plot.clone(),
        "quiet" => merged.quiet = args.quiet,
        "checkpoint" => merged.checkpoint = args.checkpoint.clone(),
        "checkpoint_every" => merged.checkpoint_every = args.checkpoint_every,
        _ if OVERRIDABLE.contains(&flag) => {}
        _ => {
            let name = flag.replace('_', "-");
            let msg = format!(
                "--{name} cannot change on --resume: the run continues with the flags saved in {}",
                file(dir).display()
            );
            return Err(usage(msg));
        }
    }
    Ok(())
}

/// Reads the `extra` part of `DIR/checkpoint.json` (checking the format and version) and the
/// number of finished epochs.
pub fn read_extra(dir: &Path) -> Result<(Extra, usize)> {
    let path = file(dir);
    let text = crate::cluster::read_file(&path)?;
    let value: serde_json::Value = serde_json::from_slice(&text)
        .with_context(|| format!("{}: not a checkpoint", path.display()))?;
    let (format, version) = (&value["format"], &value["version"]);
    use nn_optim::checkpoint::{CHECKPOINT_FORMAT, CHECKPOINT_VERSION, OLDEST_READABLE_VERSION};
    let readable = version
        .as_u64()
        .is_some_and(|v| (OLDEST_READABLE_VERSION.into()..=CHECKPOINT_VERSION.into()).contains(&v));
    if format != CHECKPOINT_FORMAT || !readable {
        bail!(
            "{}: format {format} version {version} is not an nn checkpoint this build reads",
            path.display()
        );
    }
    let done = value["state"]["history"].as_array().map_or(0, Vec::len);
    let extra: Extra = serde_json::from_value(value["extra"].clone()).with_context(|| {
        format!(
            "{}: the checkpoint has no nn train settings",
            path.display()
        )
    })?;
    if let Err((flag, reason)) = extra.args.check_saved() {
        bail!(
            "{}: the saved --{flag} is invalid: {reason}",
            path.display()
        );
    }
    ensure!(
        extra.initial_loss.is_finite() && extra.initial_loss >= 0.0,
        "{}: the saved initial loss {} is not a finite number ≥ 0",
        path.display(),
        extra.initial_loss
    );
    Ok((extra, done))
}

/// The data file must be the one the checkpoint was trained on.
fn check_data(args: &TrainArgs, extra: &Extra) -> Result<()> {
    let path = args
        .data
        .data
        .as_deref()
        .context("the checkpoint names no --data")?;
    let now = fingerprint(path)?;
    ensure!(
        now == extra.data,
        "{} changed since the checkpoint was written (size and hash differ); resume needs the same data",
        path.display()
    );
    Ok(())
}

/// What every rank of a data-parallel run must agree on: an input file's size and hash (its
/// name may differ), or each file's name, size and hash for a folder (MNIST), in name order.
pub fn data_identity(path: &Path) -> Result<Vec<u8>> {
    let mut files = vec![path.to_path_buf()];
    let folder = path.is_dir();
    if folder {
        let entries =
            std::fs::read_dir(path).with_context(|| format!("reading {}", path.display()))?;
        files = entries
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<_>>()?;
        files.sort();
    }
    let mut identity = Vec::new();
    for file in files.iter().filter(|f| f.is_file()) {
        let (size, hash) = fingerprint(file)?.unwrap_or_default();
        let name = match folder {
            true => file.file_name().unwrap_or_default().to_string_lossy(),
            false => "".into(),
        };
        identity.extend(format!("{name} {size} {hash:016x}\n").bytes());
    }
    Ok(identity)
}

/// Size and 64-bit FNV-1a hash of a file; `None` for a folder (MNIST).
pub fn fingerprint(path: &Path) -> Result<Option<(u64, u64)>> {
    if path.is_dir() {
        return Ok(None);
    }
    let context = || format!("reading {}", path.display());
    // Streamed: the data file may be as large as the memory limit.
    let mut file = std::fs::File::open(path).with_context(context)?;
    let mut fnv = Fnv1a {
        size: 0,
        hash: 0xcbf2_9ce4_8422_2325,
    };
    std::io::copy(&mut file, &mut fnv).with_context(context)?;
    Ok(Some((fnv.size, fnv.hash)))
}

/// A writer that counts and FNV-1a-hashes the bytes written into it.
struct Fnv1a {
    size: u64,
    hash: u64,
}

impl std::io::Write for Fnv1a {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.size += bytes.len() as u64;
        self.hash = bytes.iter().fold(self.hash, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_of_known_strings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (the reference test vector).
        std::fs::write(&path, "a").unwrap();
        assert_eq!(
            fingerprint(&path).unwrap(),
            Some((1, 0xaf63_dc4c_8601_ec8c))
        );
        assert_eq!(fingerprint(dir.path()).unwrap(), None);
    }
}
