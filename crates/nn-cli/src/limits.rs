//! Resource limits checked at run time, once the sizes are known (a network's input and output
//! widths come from the data). The limits on flags themselves are checked while parsing them
//! (see `args`). nn-data bounds what files declare: CSV columns and IDX header dimensions.

use crate::args::MAX_PARAMETERS;

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
    fn parameter_count_is_bounded() {
        // 784·256 + 256 + 256·10 + 10 = 203 530 parameters
        assert!(check_network(&[784, 256, 10]).is_ok());
        let err = check_network(&[65_536, 65_536, 65_536]).unwrap_err();
        assert!(err.to_string().contains("more than 100000000"), "{err}");
        assert!(check_network(&[usize::MAX, 2]).is_err());
    }
}
