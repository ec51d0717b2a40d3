//! Choosing a CSV file's field delimiter: forced by the caller, implied by a `.tsv` name, or
//! sniffed from the header line among `,` `;` tab and `|` (the idea of Python's
//! `csv.Sniffer`, reduced to the header: the candidate that occurs most often outside quotes).

use std::path::Path;

/// The delimiters [`sniff_delimiter`] chooses among, in order of preference when counts tie.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The delimiter for a file at `path`: `forced` if given, tab for a `.tsv` name, else `None`
/// (sniff it from the header).
pub(crate) fn for_path(path: &Path, forced: Option<u8>) -> Option<u8> {
    let tsv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    forced.or(tsv.then_some(b'\t'))
}

/// The delimiter of a CSV whose text starts with `bytes`: the one of [`DELIMITERS`] found most
/// often outside double quotes on the first line (ending at `\n` or `\r`); ties go to the
/// earlier candidate and a line with none gives `,` (a one-column file).
///
/// ```
/// assert_eq!(nn_data::sniff_delimiter(b"a;b;c\n1;2;3\n"), b';');
/// assert_eq!(nn_data::sniff_delimiter(b"name\tnote\nx\ta,b\n"), b'\t');
/// assert_eq!(nn_data::sniff_delimiter(b"\"a;b\",c\n"), b',');
/// assert_eq!(nn_data::sniff_delimiter(b"y\n1\n"), b',');
/// ```
pub fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for &b in bytes {
        if !quoted && (b == b'\n' || b == b'\r') {
            break;
        }
        if b == b'"' {
            quoted = !quoted;
        } else if let (false, Some(k)) = (quoted, DELIMITERS.iter().position(|&d| d == b)) {
            counts[k] += 1;
        }
    }
    let best =
        (0..DELIMITERS.len()).fold(0, |best, k| if counts[k] > counts[best] { k } else { best });
    DELIMITERS[best]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_candidate_is_found_and_ties_prefer_comma() {
        for d in DELIMITERS {
            let line = [b'a', d, b'b', d, b'c', b'\n'];
            assert_eq!(sniff_delimiter(&line), d, "{:?}", char::from(d));
        }
        assert_eq!(sniff_delimiter(b"a;b,c\n"), b','); // one each: the earlier candidate
        assert_eq!(sniff_delimiter(b"a|b|c\r1|2|3\r"), b'|'); // CR-only line end
    }

    #[test]
    fn tsv_names_mean_tab_unless_forced() {
        assert_eq!(for_path(Path::new("x/data.TSV"), None), Some(b'\t'));
        assert_eq!(for_path(Path::new("data.tsv"), Some(b';')), Some(b';'));
        assert_eq!(for_path(Path::new("data.csv"), None), None);
    }
}
