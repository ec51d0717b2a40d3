//! Paths in the flags saved with a run (the model file's `training` record, the checkpoint):
//! a UTF-8 path is a JSON string, any other (a Latin-1 file name such as `caf\xe9.csv`) is the
//! array of its bytes, so that every path the operating system accepts is saved and read back
//! exactly (serde's own `PathBuf` support fails on non-UTF-8 names).
//!
//! ```ignore
//! #[serde(with = "os_path")] pub out: PathBuf,
//! #[serde(with = "os_path::option", default)] pub plot: Option<PathBuf>,
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A path as saved: text, or the raw bytes of a non-UTF-8 name.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Saved {
    Text(String),
    Bytes(Vec<u8>),
}

/// Saves `path` as a string, or as its bytes when it is not UTF-8.
pub fn serialize<S: Serializer>(path: &Path, s: S) -> Result<S::Ok, S::Error> {
    match path.to_str() {
        Some(text) => Saved::Text(text.to_owned()),
        None => Saved::Bytes(bytes_of(path)),
    }
    .serialize(s)
}

/// Reads a path saved by [`serialize`].
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
    Ok(match Saved::deserialize(d)? {
        Saved::Text(text) => PathBuf::from(text),
        Saved::Bytes(bytes) => path_of(bytes),
    })
}

#[cfg(unix)]
fn bytes_of(path: &Path) -> Vec<u8> {
    std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec()
}

#[cfg(unix)]
fn path_of(bytes: Vec<u8>) -> PathBuf {
    let name: std::ffi::OsString = std::os::unix::ffi::OsStringExt::from_vec(bytes);
    name.into()
}

#[cfg(not(unix))]
fn bytes_of(path: &Path) -> Vec<u8> {
    path.to_string_lossy().into_owned().into_bytes()
}

#[cfg(not(unix))]
fn path_of(bytes: Vec<u8>) -> PathBuf {
    String::from_utf8_lossy(&bytes).into_owned().into()
}

/// The same for an optional path (`null` when absent).
pub mod option {
    use std::path::PathBuf;

    use serde::{Deserialize, Deserializer, Serializer};

    /// Saves `Some(path)` as [`super::serialize`] does, `None` as `null`.
    pub fn serialize<S: Serializer>(path: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
        match path {
            Some(p) => super::serialize(p, s),
            None => s.serialize_none(),
        }
    }

    /// Reads an optional path saved by [`serialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super")] PathBuf);
        Ok(Option::<Wrapped>::deserialize(d)?.map(|w| w.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Paths {
        #[serde(with = "super")]
        out: PathBuf,
        #[serde(with = "super::option", default)]
        plot: Option<PathBuf>,
    }

    #[test]
    fn utf8_paths_are_strings_and_others_are_bytes() {
        let utf8 = Paths {
            out: "runs/model.json".into(),
            plot: None,
        };
        let text = serde_json::to_string(&utf8).unwrap();
        assert_eq!(text, r#"{"out":"runs/model.json","plot":null}"#);
        assert_eq!(serde_json::from_str::<Paths>(&text).unwrap(), utf8);
        assert_eq!(
            serde_json::from_str::<Paths>(r#"{"out":"m.json"}"#).unwrap(),
            Paths {
                out: "m.json".into(),
                plot: None
            }
        );
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_names_round_trip() {
        // "café.svg" in Latin-1: é is the single byte 0xe9 (233), not valid UTF-8.
        let latin1 = path_of(b"caf\xe9.svg".to_vec());
        let paths = Paths {
            out: "m.json".into(),
            plot: Some(latin1),
        };
        let text = serde_json::to_string(&paths).unwrap();
        assert_eq!(
            text,
            r#"{"out":"m.json","plot":[99,97,102,233,46,115,118,103]}"#
        );
        assert_eq!(serde_json::from_str::<Paths>(&text).unwrap(), paths);
    }
}
