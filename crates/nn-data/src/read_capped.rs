//! Reading a whole input into memory without ever holding (or reserving) more than a limit:
//! a file's listed size says nothing for standard input, pipes and devices (`/dev/zero` lists
//! 0 bytes and never ends), and `read_to_end` doubles its buffer, so a limit checked after the
//! read could still reserve twice the limit.

use std::io::{ErrorKind, Read};

/// Reads `reader` to its end, or until it has read `limit + 1` bytes; the buffer never
/// reserves more than `limit + 1` bytes. A result longer than `limit` means the input is larger
/// than the limit (the caller refuses it).
///
/// ```
/// let all = nn_data::read_capped(&b"0123456789"[..], 100).unwrap();
/// assert_eq!(all, b"0123456789");
/// // An endless input stops one byte past the limit.
/// let zeros = nn_data::read_capped(std::io::repeat(0), 1000).unwrap();
/// assert_eq!(zeros.len(), 1001);
/// assert!(zeros.capacity() <= 1001);
/// ```
pub fn read_capped(mut reader: impl Read, limit: u64) -> std::io::Result<Vec<u8>> {
    let cap = usize::try_from(limit.saturating_add(1)).unwrap_or(usize::MAX);
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    while bytes.len() < cap {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n.min(cap - bytes.len()),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if bytes.len() + n > bytes.capacity() {
            // Double, as `Vec` would, but never past the cap.
            let want = (bytes.capacity().saturating_mul(2))
                .max(bytes.len() + n)
                .min(cap);
            bytes.reserve_exact(want - bytes.len());
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most 7 bytes per call, to cross chunk and growth boundaries.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(7).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn reads_everything_under_the_limit_and_one_byte_past_it() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(read_capped(Trickle(&data), 200_000).unwrap(), data);
        assert_eq!(read_capped(Trickle(&data), 1_000_000).unwrap(), data);
        let cut = read_capped(Trickle(&data), 150_000).unwrap();
        assert_eq!(cut.len(), 150_001);
        assert_eq!(cut[..], data[..150_001]);
        assert!(cut.capacity() <= 150_001, "{}", cut.capacity());
        assert!(read_capped(&b""[..], 0).unwrap().is_empty());
    }
}
