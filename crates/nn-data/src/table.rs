//! Reading a CSV file into raw cells: the header and every record with its 1-based line
//! number, refusing ragged rows, duplicate or too many columns, and invalid UTF-8 with the file,
//! line and column. Parsing the cells into numbers is `csv.rs`'s job.

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
                "line 1: no column named {name:?}; columns are {:?}",
                self.header
            );
            DataError::file(&self.file, msg)
        })
    }
}

pub(crate) fn read_table(mut reader: impl Read, file: &str) -> Result<Table> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|source| DataError::Io {
            file: file.to_string(),
            source,
        })?;
    check_width(&bytes, file)?;
    let mut rdr = csv::ReaderBuilder::new()
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

/// Refuses a first line with more than [`MAX_COLUMNS`] fields before parsing it (commas
/// inside quotes count too: an upper bound).
fn check_width(bytes: &[u8], file: &str) -> Result<()> {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let fields = 1 + first.iter().filter(|&&b| b == b',').count();
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
    let mut seen = std::collections::HashMap::new();
    for (j, name) in header.iter().enumerate() {
        if let Some(first) = seen.insert(name.as_str(), j) {
            let msg = format!("duplicate column name {name:?} (also column {})", first + 1);
            return Err(DataError::parse(file, 1, j + 1, msg));
        }
    }
    Ok(header)
}

/// 1-based line numbers from byte offsets, counted here because the csv crate's own
/// `Position::line` is off after blank lines and with CRLF endings (rust-csv #208, #395).
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
        self.newlines += bytes[from..start].iter().filter(|&&b| b == b'\n').count() as u64;
        self.offset = start;
        self.newlines + 1
    }
}
