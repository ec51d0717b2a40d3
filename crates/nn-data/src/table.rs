//! Reading a CSV file into raw cells: the header and every record with its 1-based line
//! number, refusing ragged rows, duplicate or too many columns, and invalid UTF-8 with the file,
//! line and column. Lines end at `\n`, `\r\n` or a lone `\r`. The delimiter is given or sniffed
//! from the header (see `delimiter.rs`). Parsing the cells into numbers is `csv.rs`'s job.

use std::io::Read;
use std::path::Path;

use crate::{DataError, Result, MAX_COLUMNS};

pub(crate) fn open(path: &Path) -> Result<(std::fs::File, String)> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        file: name.clone(),
        source,
    })?;
    Ok((file, name))
}

/// The raw cells: header names and data records with their 1-based line numbers.
pub(crate) struct Table {
    pub(crate) file: String,
    pub(crate) header: Vec<String>,
    pub(crate) rows: Vec<(u64, csv::StringRecord)>,
}

impl Table {
    pub(crate) fn column(&self, name: &str) -> Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            let msg = format!(
                "line 1: no column named {}; columns are {}",
                crate::quoted(name),
                crate::quoted_list(&self.header)
            );
            DataError::file(&self.file, msg)
        })
    }
}

/// Reads every record of `reader` (named `file` in errors), split at `delimiter` or, when
/// `None`, at the one sniffed from the header; refuses (before holding more) a file whose text
/// and cells would take more than `max_bytes` (see [`Held`]), standard input included.
pub(crate) fn read_table(
    reader: impl Read,
    file: &str,
    delimiter: Option<u8>,
    max_bytes: u64,
) -> Result<Table> {
    let bytes = crate::read_capped(reader, max_bytes).map_err(|source| DataError::Io {
        file: file.to_string(),
        source,
    })?;
    let mut held = Held::new(file, max_bytes);
    held.add(bytes.len() as u64, 0)?;
    let delimiter = delimiter.unwrap_or_else(|| crate::sniff_delimiter(&bytes));
    check_width(&bytes, file, delimiter)?;
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let mut records = rdr.records();
    let header = match records.next() {
        Some(rec) => check_header(&rec.map_err(|e| csv_failure(file, &bytes, e))?, file)?,
        None => return Err(DataError::file(file, "empty file: no header row")),
    };
    let (mut rows, mut lines) = (Vec::new(), LineCounter::default());
    for rec in records {
        let rec = rec.map_err(|e| csv_failure(file, &bytes, e))?;
        let line = lines.line_of(&bytes, rec.position().map_or(0, |p| p.byte()));
        if rec.len() != header.len() {
            let msg = format!(
                "expected {} fields as in the header, found {}",
                header.len(),
                rec.len()
            );
            let column = rec.len().min(header.len()) + 1;
            return Err(DataError::parse(file, line, column, msg));
        }
        held.add(Held::record(&rec), rows.len() + 1)?;
        rows.push((line, rec));
    }
    if rows.is_empty() {
        return Err(DataError::file(file, "header only, no data rows"));
    }
    Ok(Table {
        file: file.to_string(),
        header,
        rows,
    })
}

/// Refuses a first line with more than [`MAX_COLUMNS`] fields before parsing it (delimiters
/// inside quotes count too: an upper bound).
fn check_width(bytes: &[u8], file: &str, delimiter: u8) -> Result<()> {
    let first = bytes
        .split(|&b| b == b'\n' || b == b'\r')
        .next()
        .unwrap_or_default();
    let fields = 1 + first.iter().filter(|&&b| b == delimiter).count();
    too_wide(fields, file)
}

fn too_wide(fields: usize, file: &str) -> Result<()> {
    if fields <= MAX_COLUMNS {
        return Ok(());
    }
    let msg = format!("{fields} columns exceed the limit of {MAX_COLUMNS}");
    Err(DataError::parse(file, 1, MAX_COLUMNS + 1, msg))
}

/// The csv crate's own errors (invalid UTF-8) with the file name and our line numbers.
fn csv_failure(file: &str, bytes: &[u8], err: csv::Error) -> DataError {
    let line = |byte| LineCounter::default().line_of(bytes, byte);
    match err.kind() {
        csv::ErrorKind::Utf8 { pos, err } => {
            let line = pos.as_ref().map_or(0, |p| line(p.byte()));
            let msg = "invalid UTF-8: save the file as UTF-8 text".to_string();
            DataError::parse(file, line, err.field() + 1, msg)
        }
        _ => DataError::file(file, err.to_string()),
    }
}

/// The header's names: at most [`MAX_COLUMNS`], each name once.
fn check_header(rec: &csv::StringRecord, file: &str) -> Result<Vec<String>> {
    too_wide(rec.len(), file)?;
    let header: Vec<String> = rec.iter().map(str::to_string).collect();
    if let Some((first, j)) = crate::first_duplicate(&header) {
        let name = crate::quoted(&header[j]);
        let msg = format!("duplicate column name {name} (also column {})", first + 1);
        return Err(DataError::parse(file, 1, j + 1, msg));
    }
    Ok(header)
}

/// 1-based line numbers from byte offsets, counted here because the csv crate's own
/// `Position::line` is off after blank lines and with CRLF endings (rust-csv #208, #395). A
/// line ends at `\n`, or at a `\r` not followed by `\n` (old Mac files).
#[derive(Default)]
struct LineCounter {
    offset: usize,
    newlines: u64,
}

impl LineCounter {
    /// The line on which the record at byte `start` begins (offsets must not decrease); the
    /// csv crate may point at the line ending before it, which is skipped.
    fn line_of(&mut self, bytes: &[u8], start: u64) -> u64 {
        let mut start = usize::try_from(start)
            .unwrap_or(bytes.len())
            .min(bytes.len());
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let from = self.offset.min(start);
        self.newlines += line_ends(&bytes[from..start], bytes.get(start).copied());
        self.offset = start;
        self.newlines + 1
    }
}

/// The line ends in `bytes` (followed by the byte `next`): each `\n`, and each `\r` that is
/// not the first half of `\r\n`.
fn line_ends(bytes: &[u8], next: Option<u8>) -> u64 {
    let after = |i: usize| bytes.get(i + 1).copied().or(next);
    let ends = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && after(i) != Some(b'\n')));
    ends.count() as u64
}

/// The memory a table holds, counted as it is read: the file's text, and for each record its
/// cells' bytes, one `usize` bound per cell and about 96 bytes of record and row overhead.
struct Held<'a> {
    file: &'a str,
    bytes: u64,
    limit: u64,
}

impl<'a> Held<'a> {
    fn new(file: &'a str, limit: u64) -> Self {
        Held {
            file,
            bytes: 0,
            limit,
        }
    }

    /// The bytes one record holds.
    fn record(rec: &csv::StringRecord) -> u64 {
        (rec.as_slice().len() as u64)
            .saturating_add(8 * rec.len() as u64)
            .saturating_add(96)
    }

    /// Adds `bytes`; refuses when the total (after `rows` rows) passes the limit.
    fn add(&mut self, bytes: u64, rows: usize) -> Result<()> {
        self.bytes = self.bytes.saturating_add(bytes);
        if self.bytes <= self.limit {
            return Ok(());
        }
        Err(DataError::TableTooLarge {
            file: self.file.to_string(),
            rows,
            bytes: self.bytes,
            limit: self.limit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<u64> {
        let t = read_table(text.as_bytes(), "t.csv", None, u64::MAX).unwrap();
        t.rows.iter().map(|(line, _)| *line).collect()
    }

    #[test]
    fn line_numbers_with_lf_crlf_and_cr_only_ends() {
        // Header on line 1; a blank line 3; records on lines 2, 4 and 5.
        assert_eq!(lines("a,b\n1,2\n\n3,4\n5,6\n"), [2, 4, 5]);
        assert_eq!(lines("a,b\r\n1,2\r\n\r\n3,4\r\n5,6\r\n"), [2, 4, 5]);
        assert_eq!(lines("a,b\r1,2\r\r3,4\r5,6"), [2, 4, 5]);
        // A quoted cell spanning two lines: the next record starts on line 4.
        assert_eq!(lines("a,b\r\n\"x\r\ny\",2\r\n3,4\r\n"), [2, 4]);
    }

    #[test]
    fn ragged_row_on_a_crlf_file_names_its_line() {
        let err = read_table("a,b\r\n1,2\r\n3\r\n".as_bytes(), "t.csv", None, u64::MAX);
        let want = "t.csv:3:2: expected 2 fields as in the header, found 1";
        assert_eq!(err.err().map(|e| e.to_string()).as_deref(), Some(want));
    }

    #[test]
    fn a_table_over_max_bytes_is_refused_while_reading() {
        // "a,b\n1,2\n3,4\n" is 12 bytes of text; each record holds its cells' bytes ("12":
        // 2), two bounds (2·8 = 16) and 96 of overhead: 114 bytes. 12 + 2·114 = 240.
        let text = "a,b\n1,2\n3,4\n";
        assert_eq!(
            read_table(text.as_bytes(), "t.csv", None, 240)
                .unwrap()
                .rows
                .len(),
            2
        );
        let err = read_table(text.as_bytes(), "t.csv", None, 239)
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "t.csv: reading it holds about 240 bytes after 2 rows (its text and cells), over \
             the limit of 239 bytes"
        );
        // A file longer than the limit is not even read whole: 11 bytes (limit + 1) are.
        let err = read_table(text.as_bytes(), "t.csv", None, 10)
            .err()
            .unwrap();
        assert!(err
            .to_string()
            .starts_with("t.csv: reading it holds about 11 bytes after 0 rows"));
    }
}
