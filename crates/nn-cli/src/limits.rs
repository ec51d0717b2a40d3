//! Documented resource limits: sizes a user can declare on the command line are checked before
//! anything is allocated, so a typo such as `--hidden 1000000000` is a clear usage error
//! instead of an allocation failure. (nn-data bounds what files declare: CSV columns and IDX
//! header dimensions.)

/// Largest hidden-layer width.
pub const MAX_WIDTH: usize = 65_536;
/// Largest number of weights and biases in one network.
pub const MAX_PARAMETERS: usize = 100_000_000;
/// Largest `--epochs`.
pub const MAX_EPOCHS: usize = 1_000_000;
/// Largest `--batch-size`.
pub const MAX_BATCH_SIZE: usize = 1_000_000;

/// `--hidden "64,32"`: positive widths, each at most [`MAX_WIDTH`] (a clap value parser).
pub fn parse_hidden(s: &str) -> Result<Vec<usize>, String> {
    let widths = crate::fsutil::parse_usize_list(s)?;
    match widths.iter().find(|&&w| w > MAX_WIDTH) {
        Some(w) => Err(format!(
            "width {w} exceeds the limit of {MAX_WIDTH} per layer"
        )),
        None => Ok(widths),
    }
}

/// `--epochs`: 1 to [`MAX_EPOCHS`] (a clap value parser).
pub fn parse_epochs(s: &str) -> Result<usize, String> {
    bounded(s, 1, MAX_EPOCHS)
}

/// `--batch-size`: 0 (the whole set) to [`MAX_BATCH_SIZE`] (a clap value parser).
pub fn parse_batch_size(s: &str) -> Result<usize, String> {
    bounded(s, 0, MAX_BATCH_SIZE)
}

fn bounded(s: &str, min: usize, max: usize) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("{s:?} is not an integer from {min} to {max}")),
    }
}

/// Checks a network's layer sizes (inputs first) against [`MAX_PARAMETERS`].
pub fn check_network(sizes: &[usize]) -> anyhow::Result<()> {
    let count = sizes.windows(2).try_fold(0usize, |acc, w| {
        w[0].checked_mul(w[1])
            .and_then(|n| n.checked_add(w[1]))
            .and_then(|n| n.checked_add(acc))
    });
    match count {
        Some(n) if n <= MAX_PARAMETERS => Ok(()),
        _ => Err(crate::fsutil::usage(format!(
            "a network of sizes {sizes:?} has more than {MAX_PARAMETERS} parameters (the limit)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_enforced() {
        assert_eq!(parse_hidden("64,32").unwrap(), vec![64, 32]);
        let err = parse_hidden("10,100000").unwrap_err();
        assert_eq!(err, "width 100000 exceeds the limit of 65536 per layer");
        assert_eq!(parse_epochs("5").unwrap(), 5);
        assert!(parse_epochs("0").is_err());
        assert!(parse_epochs("1000001").is_err());
        assert_eq!(parse_batch_size("0").unwrap(), 0);
        // 784·256 + 256 + 256·10 + 10 = 203 530 parameters
        assert!(check_network(&[784, 256, 10]).is_ok());
        let err = check_network(&[65_536, 65_536, 65_536]).unwrap_err();
        assert!(err.to_string().contains("more than 100000000"), "{err}");
        assert!(check_network(&[usize::MAX, 2]).is_err());
    }
}
