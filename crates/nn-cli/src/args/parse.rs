//! Value parsers for flags, and the limits they enforce (`nn_cli::limits::bounds`): sizes a
//! user can declare on the command line are checked before anything is allocated, so a typo
//! such as `--hidden 1000000000` is a clear usage error instead of an allocation failure.

use nn_cli::limits::bounds::{MAX_BATCH_SIZE, MAX_EPOCHS, MAX_STEPS, MAX_THREADS, MAX_WIDTH};

/// `--delimiter`: `,` `;` `|`, `tab` (or `\t`, or a tab character), or another single
/// ASCII character other than a quote or a line end.
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && !matches!(s, "\"" | "\n" | "\r") => {
            Ok(s.as_bytes()[0])
        }
        _ => Err(format!(
            "{s:?} is not a delimiter: give one character such as , ; | or the word tab"
        )),
    }
}

/// Parses `"0.1,0.2"` into finite numbers.
pub fn parse_f64_list(s: &str) -> Result<Vec<f64>, String> {
    s.split(',')
        .map(|v| match v.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => Err(format!("{:?} is not a finite number", v.trim())),
        })
        .collect()
}

/// Parses `"64,32"` into positive integers; an empty string means none.
pub fn parse_usize_list(s: &str) -> Result<Vec<usize>, String> {
    if s.trim().is_empty() {
        return Ok(Vec::new());
    }
    s.split(',')
        .map(|v| match v.trim().parse::<usize>() {
            Ok(0) | Err(_) => Err(format!("{v:?} is not a positive integer")),
            Ok(n) => Ok(n),
        })
        .collect()
}

/// A finite number > 0 (learning rates, thresholds).
pub fn parse_positive(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err(format!("{s:?} is not a positive number")),
    }
}

/// A fraction strictly between 0 and 1.
pub fn parse_fraction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v < 1.0 => Ok(v),
        _ => Err(format!("{s:?} is not a number strictly between 0 and 1")),
    }
}

/// A finite number ≥ 0.
pub fn parse_non_negative(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v >= 0.0 && v.is_finite() => Ok(v),
        _ => Err(format!("{s:?} is not a finite number ≥ 0")),
    }
}

/// A validation fraction: 0 (no validation) or strictly between 0 and 1.
pub fn parse_val_split(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v == 0.0 || (v > 0.0 && v < 1.0) => Ok(v),
        _ => Err(format!(
            "{s:?} is not 0 or a number strictly between 0 and 1"
        )),
    }
}

/// `--hidden "64,32"`: positive widths, each at most [`MAX_WIDTH`].
pub fn parse_hidden(s: &str) -> Result<Vec<usize>, String> {
    let widths = parse_usize_list(s)?;
    match widths.iter().find(|&&w| w > MAX_WIDTH) {
        Some(w) => Err(format!(
            "width {w} exceeds the limit of {MAX_WIDTH} per layer"
        )),
        None => Ok(widths),
    }
}

/// `--epochs`: 1 to [`MAX_EPOCHS`].
pub fn parse_epochs(s: &str) -> Result<usize, String> {
    bounded(s, 1, MAX_EPOCHS)
}

/// `--batch-size`: 0 (the whole set) to [`MAX_BATCH_SIZE`].
pub fn parse_batch_size(s: &str) -> Result<usize, String> {
    bounded(s, 0, MAX_BATCH_SIZE)
}

/// `--warmup`: 0 to [`MAX_EPOCHS`].
pub fn parse_warmup(s: &str) -> Result<usize, String> {
    bounded(s, 0, MAX_EPOCHS)
}

/// `--steps` of `nn descend` and `nn lr-find`: 1 to [`MAX_STEPS`].
pub fn parse_steps(s: &str) -> Result<usize, String> {
    bounded(s, 1, MAX_STEPS)
}

/// `nn gradcheck --inputs`/`--outputs`: 1 to [`MAX_WIDTH`].
pub fn parse_width(s: &str) -> Result<usize, String> {
    bounded(s, 1, MAX_WIDTH)
}

/// `nn gradcheck --samples`: 1 to [`MAX_BATCH_SIZE`].
pub fn parse_samples(s: &str) -> Result<usize, String> {
    bounded(s, 1, MAX_BATCH_SIZE)
}

/// `--threads`: 1 to [`MAX_THREADS`].
pub fn parse_threads(s: &str) -> Result<usize, String> {
    bounded(s, 1, MAX_THREADS)
}

fn bounded(s: &str, min: usize, max: usize) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not an integer from {min} to {max}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_and_reject() {
        assert_eq!(parse_f64_list("0.1, 0.2").unwrap(), vec![0.1, 0.2]);
        assert!(parse_f64_list("0.1,x").unwrap_err().contains("\"x\""));
        assert_eq!(parse_usize_list("64,32").unwrap(), vec![64, 32]);
        assert!(parse_usize_list("64,0").is_err());
        assert_eq!(parse_usize_list("").unwrap(), Vec::<usize>::new());
        assert!(parse_positive("0").is_err() && parse_positive("1e-3") == Ok(1e-3));
        assert!(parse_fraction("1").is_err() && parse_fraction("0.25") == Ok(0.25));
        assert!(parse_val_split("0") == Ok(0.0) && parse_val_split("1").is_err());
        assert!(parse_non_negative("-0.1").is_err() && parse_non_negative("0") == Ok(0.0));
    }

    #[test]
    fn sizes_are_bounded() {
        assert_eq!(parse_hidden("64,32").unwrap(), vec![64, 32]);
        let err = parse_hidden("10,100000").unwrap_err();
        assert_eq!(err, "width 100000 exceeds the limit of 65536 per layer");
        assert_eq!(parse_epochs("5").unwrap(), 5);
        assert!(parse_epochs("0").is_err());
        assert!(parse_epochs("1000001").is_err());
        assert_eq!(parse_batch_size("0").unwrap(), 0);
        assert_eq!(parse_warmup("0"), Ok(0));
        let huge = "18446744073709551615";
        assert_eq!(
            parse_warmup(huge).unwrap_err(),
            "\"18446744073709551615\" is not an integer from 0 to 1000000"
        );
        assert!(parse_steps("0").is_err() && parse_steps("1000000") == Ok(1_000_000));
        assert!(parse_width("65537").is_err() && parse_samples("1000001").is_err());
        assert!(parse_threads("0").is_err() && parse_threads("4097").is_err());
    }
}
