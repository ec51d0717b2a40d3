//! Gzip decompression on a second thread: [`GzThread`] is a `BufRead` whose bytes a helper thread
//! inflates ahead of the reader, in 1 MiB chunks, so that the caller's own work on the bytes
//! (parsing, converting to floats, touching fresh pages) overlaps the decompression instead of
//! following it.

use flate2::read::GzDecoder;
use std::io::{self, BufRead, Read};
use std::sync::mpsc::{sync_channel, Receiver};

/// Bytes per chunk handed from the inflating thread to the reader.
const CHUNK: usize = 1 << 20;

/// Chunks the inflating thread may run ahead of the reader.
const AHEAD: usize = 4;

/// The decompressed bytes of a gzip stream, inflated on a helper thread.
pub(crate) struct GzThread {
    chunks: Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    pos: usize,
    done: bool,
}

impl GzThread {
    /// Starts inflating `compressed` on a new thread. The thread stops at the end of the stream,
    /// at the first error (which the reader then returns), or when the reader is dropped.
    pub(crate) fn spawn(compressed: impl Read + Send + 'static) -> Self {
        let (send, chunks) = sync_channel(AHEAD);
        std::thread::spawn(move || {
            let mut decoder = GzDecoder::new(compressed);
            loop {
                let mut chunk = vec![0; CHUNK];
                let filled = fill(&mut decoder, &mut chunk);
                let last = !matches!(filled, Ok(n) if n == CHUNK);
                let sent = send.send(filled.map(|n| {
                    chunk.truncate(n);
                    chunk
                }));
                if last || sent.is_err() {
                    break;
                }
            }
        });
        GzThread {
            chunks,
            current: Vec::new(),
            pos: 0,
            done: false,
        }
    }
}

/// Fills `buf` as far as the stream allows; returns the byte count.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

impl BufRead for GzThread {
    /// The rest of the current chunk, waiting for the next one when it is used up: the
    /// inflated bytes are lent out where they lie, not copied.
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos == self.current.len() {
            if self.done {
                return Ok(&[]);
            }
            // A closed channel means the thread finished after its last (short) chunk.
            match self.chunks.recv() {
                Ok(Ok(chunk)) => {
                    self.done = chunk.len() < CHUNK;
                    (self.current, self.pos) = (chunk, 0);
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                Err(_) => self.done = true,
            }
        }
        Ok(&self.current[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.current.len());
    }
}

impl Read for GzThread {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let chunk = self.fill_buf()?;
        let n = buf.len().min(chunk.len());
        buf[..n].copy_from_slice(&chunk[..n]);
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn reads_back_every_byte_across_chunk_boundaries() {
        // Lengths around the chunk size, and empty.
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let mut out = Vec::new();
            GzThread::spawn(std::io::Cursor::new(gzip(&data)))
                .read_to_end(&mut out)
                .unwrap();
            assert!(out == data, "length {len}");
        }
    }

    #[test]
    fn lends_whole_chunks() {
        let data: Vec<u8> = (0..2 * CHUNK + 5).map(|i| (i % 253) as u8).collect();
        let mut r = GzThread::spawn(std::io::Cursor::new(gzip(&data)));
        let mut lens = Vec::new();
        let mut out = Vec::new();
        loop {
            let chunk = r.fill_buf().unwrap();
            if chunk.is_empty() {
                break;
            }
            let n = chunk.len().min(CHUNK - 3); // consume less than a chunk: the rest stays
            lens.push(chunk.len());
            out.extend_from_slice(&chunk[..n]);
            r.consume(n);
        }
        assert!(out == data);
        assert_eq!(lens, vec![CHUNK, 3, CHUNK, 3, 5]);
    }

    #[test]
    fn a_corrupt_stream_is_an_error() {
        let mut bytes = gzip(&[5u8; 1000]);
        let n = bytes.len();
        bytes[n / 2] ^= 0xff;
        bytes.truncate(n - 4);
        let mut out = Vec::new();
        let got = GzThread::spawn(std::io::Cursor::new(bytes)).read_to_end(&mut out);
        assert!(got.is_err());
    }
}
