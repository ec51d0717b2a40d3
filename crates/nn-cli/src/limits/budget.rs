//! The memory limit (`nn --max-memory SIZE`, default 8 GiB): every large allocation's
//! [`estimate`](super::estimate) is checked against it before allocating, and a refusal names
//! the estimate, the limit and the flags that shrink the allocation.
//!
//! The limit is one per process, set once by `main` from the global flag (as
//! `nn_tensor::set_num_threads` is), so that every command and nn-data's loaders see it.

use std::sync::atomic::{AtomicU64, Ordering};

use bytesize::ByteSize;

use crate::fsutil::usage;

/// The default limit: 8 GiB (nn-data's default `max_bytes`).
pub const DEFAULT_MAX_MEMORY: u64 = nn_data::DEFAULT_MAX_BYTES;

static MAX_MEMORY: AtomicU64 = AtomicU64::new(DEFAULT_MAX_MEMORY);

/// Sets the limit (bytes) for the rest of the process.
///
/// ```
/// nn_cli::limits::budget::set_max_memory(1 << 30);
/// assert_eq!(nn_cli::limits::budget::max_memory(), 1 << 30);
/// ```
pub fn set_max_memory(bytes: u64) {
    MAX_MEMORY.store(bytes, Ordering::Relaxed);
}

/// The limit in bytes.
///
/// ```
/// assert!(nn_cli::limits::budget::max_memory() > 0);
/// ```
pub fn max_memory() -> u64 {
    MAX_MEMORY.load(Ordering::Relaxed)
}

/// `--max-memory`: a positive size such as `8GiB`, `512MiB`, `2G` (SI) or a byte count.
///
/// ```
/// use nn_cli::limits::budget::parse_size;
/// assert_eq!(parse_size("8GiB"), Ok(8 << 30));
/// assert_eq!(parse_size("2G"), Ok(2_000_000_000));
/// assert!(parse_size("0").is_err() && parse_size("lots").is_err());
/// ```
pub fn parse_size(s: &str) -> Result<u64, String> {
    match s.trim().parse::<ByteSize>() {
        Ok(size) if size.as_u64() > 0 => Ok(size.as_u64()),
        _ => Err(format!(
            "{s:?} is not a positive size (such as 8GiB, 512MiB or a byte count)"
        )),
    }
}

/// Refuses (usage error) an allocation of `bytes` for `what` above the limit; `hint` names
/// the flags that shrink it.
///
/// ```
/// let err = nn_cli::limits::budget::check(u64::MAX, "the test", "--smaller").unwrap_err();
/// assert!(err.to_string().starts_with("the test would need about 16.0 EiB"));
/// ```
pub fn check(bytes: u64, what: &str, hint: &str) -> anyhow::Result<()> {
    let limit = max_memory();
    if bytes <= limit {
        return Ok(());
    }
    Err(usage(format!(
        "{what} would need about {}, over the memory limit of {} (--max-memory); {hint}",
        ByteSize(bytes),
        ByteSize(limit)
    )))
}

/// Model and parameter files this small are read whatever `--max-memory` says: they are
/// side files next to the data, and a limit small enough to refuse them is only ever a test's.
pub const SIDE_FILE_FLOOR: u64 = 64 << 20;

/// Reads all of a data file (`reader`, called `name` in messages), refusing one larger than
/// the limit before holding more of it than the limit: standard input, pipes and devices list
/// no size (`/dev/zero` never ends), so a check of the listed size alone is not enough.
///
/// ```
/// use nn_cli::limits::budget::read_whole;
/// assert_eq!(read_whole(&b"a,b\n1,2\n"[..], "t.csv").unwrap().len(), 8);
/// nn_cli::limits::budget::set_max_memory(1 << 20);
/// let err = read_whole(std::io::repeat(0), "/dev/zero").unwrap_err();
/// assert!(err.to_string().starts_with("/dev/zero is larger than the memory limit of 1.0 MiB"));
/// ```
pub fn read_whole(reader: impl std::io::Read, name: &str) -> anyhow::Result<Vec<u8>> {
    read_up_to(reader, name, max_memory())
}

/// [`read_whole`] for a model or parameter file: the limit is never below
/// [`SIDE_FILE_FLOOR`].
///
/// ```
/// use nn_cli::limits::budget::{read_side_file, SIDE_FILE_FLOOR};
/// nn_cli::limits::budget::set_max_memory(1024);
/// assert_eq!(read_side_file(&[b' '; 4096][..], "m.json").unwrap().len(), 4096);
/// let err = read_side_file(std::io::repeat(0), "/dev/zero").unwrap_err();
/// assert!(err.to_string().contains("larger than the memory limit of 64.0 MiB"));
/// ```
pub fn read_side_file(reader: impl std::io::Read, name: &str) -> anyhow::Result<Vec<u8>> {
    read_up_to(reader, name, max_memory().max(SIDE_FILE_FLOOR))
}

fn read_up_to(reader: impl std::io::Read, name: &str, limit: u64) -> anyhow::Result<Vec<u8>> {
    use anyhow::Context;
    let bytes = nn_data::read_capped(reader, limit).with_context(|| format!("reading {name}"))?;
    if bytes.len() as u64 > limit {
        return Err(usage(format!(
            "{name} is larger than the memory limit of {} (--max-memory); give a smaller \
             file, or raise --max-memory if the machine has the memory",
            ByteSize(limit)
        )));
    }
    Ok(bytes)
}

/// nn-data's error as the CLI reports it: a feature matrix over the limit
/// ([`nn_data::DataError::TooLarge`]) or a file whose text and cells are
/// ([`nn_data::DataError::TableTooLarge`]) becomes a usage error with the estimate and the
/// flags that shrink it; every other error is passed on.
///
/// ```
/// let err = nn_data::DataError::TooLarge {
///     file: "t.csv".into(), rows: 2, columns: 1, element: 8, bytes: 16, limit: 8,
/// };
/// let err = nn_cli::limits::budget::data_error(err).to_string();
/// assert!(err.starts_with("t.csv: the feature matrix (2 rows × 1 columns × 8 bytes) needs"));
/// ```
pub fn data_error(err: nn_data::DataError) -> anyhow::Error {
    if let nn_data::DataError::TableTooLarge { .. } = &err {
        return usage(format!(
            "{err} (--max-memory); give a smaller file, or raise --max-memory if the machine \
             has the memory"
        ));
    }
    let nn_data::DataError::TooLarge {
        file,
        rows,
        columns,
        element,
        bytes,
        limit,
    } = &err
    else {
        return err.into();
    };
    usage(format!(
        "{file}: the feature matrix ({rows} rows × {columns} columns × {element} bytes) needs \
         about {}, over the memory limit of {} (--max-memory); leave columns out (--exclude, \
         --features) or one-hot fewer categories (--max-categories)",
        ByteSize(*bytes),
        ByteSize(*limit)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_iec_and_si_units() {
        assert_eq!(parse_size("8GiB"), Ok(8_589_934_592));
        assert_eq!(parse_size("1 KiB"), Ok(1024));
        assert_eq!(parse_size("1.5MiB"), Ok(1_572_864));
        assert_eq!(parse_size("3k"), Ok(3000));
        assert_eq!(parse_size("123"), Ok(123));
        assert!(parse_size("-1").is_err() && parse_size("8 parsecs").is_err());
    }

    #[test]
    fn the_message_names_estimate_limit_and_flags() {
        // The default limit 8 GiB = 8 589 934 592 bytes; 8 589 934 593 is one byte over.
        assert!(check(8_589_934_592, "x", "--y").is_ok());
        let err = check(8_589_934_593, "the one-hot targets", "--target").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the one-hot targets would need about 8.0 GiB, over the memory limit of 8.0 GiB \
             (--max-memory); --target"
        );
    }
}
