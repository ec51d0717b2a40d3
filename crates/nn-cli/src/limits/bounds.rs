//! The largest value of each count flag, and bounds on the work some commands do. The flag
//! parsers in `args` enforce the constants; the `check_*` functions run once the sizes are
//! known (a network's input and output widths come from the data).
//!
//! CPU-time bounds (a flag can turn a tiny input into minutes of work; these cap it):
//! [`MAX_WORK`] for `nn gradcheck` and `nn explain --steps`, [`MAX_WHITEN_COLUMNS`] for
//! PCA/ZCA, and the flag bounds themselves: at most [`MAX_EPOCHS`] epochs (`train`, `cv`, whose
//! `--folds` and `--repeats` are at most 100 each), [`MAX_STEPS`] steps (`lr-find`, `descend`)
//! and [`MAX_EPOCHS`] printed rates (`schedule`). A run inside these bounds can still take
//! hours (a million epochs of a large network): the bounds stop typos and overflows, not
//! long runs asked for on purpose.

use crate::fsutil::usage;

/// Largest hidden-layer width (`--hidden`), and `nn gradcheck --inputs`/`--outputs`.
pub const MAX_WIDTH: usize = 65_536;
/// Largest number of weights and biases in one network.
pub const MAX_PARAMETERS: usize = 100_000_000;
/// Largest `--epochs`, `--warmup` and `nn explain --steps`.
pub const MAX_EPOCHS: usize = 1_000_000;
/// Largest `--batch-size` and `nn gradcheck --samples`.
pub const MAX_BATCH_SIZE: usize = 1_000_000;
/// Largest `nn descend --steps` and `nn lr-find --steps`.
pub const MAX_STEPS: usize = 1_000_000;
/// Largest `--threads`.
pub const MAX_THREADS: usize = 4096;
/// A CPU-time bound: the most multiply-adds `nn gradcheck` may do, about `P²·S` for `P`
/// parameters and `S` samples (two forward passes of `P·S` per parameter), and `nn explain
/// --steps N` on a network of `P` parameters, about `P·N`: seconds to a minute.
pub const MAX_WORK: u64 = 1_000_000_000;
/// A CPU-time bound: the most columns PCA/ZCA whitening may fit, whose eigendecomposition takes
/// about `d³` operations (4096 columns: under a minute).
pub const MAX_WHITEN_COLUMNS: usize = 4096;

/// The number of weights and biases of a network of layer `sizes` (inputs first), refused
/// (usage error) above [`MAX_PARAMETERS`].
///
/// ```
/// // 784·256 + 256 + 256·10 + 10 = 203 530
/// assert_eq!(nn_cli::limits::bounds::check_network(&[784, 256, 10])?, 203_530);
/// # Ok::<(), anyhow::Error>(())
/// ```
pub fn check_network(sizes: &[usize]) -> anyhow::Result<usize> {
    match parameters(sizes) {
        Some(n) if n <= MAX_PARAMETERS => Ok(n),
        _ => Err(usage(format!(
            "a network of sizes {sizes:?} has more than {MAX_PARAMETERS} parameters (the limit); \
             use smaller --hidden widths"
        ))),
    }
}

/// `Σ (a·b + b)` over consecutive sizes `a → b`; `None` on overflow.
fn parameters(sizes: &[usize]) -> Option<usize> {
    sizes.windows(2).try_fold(0usize, |acc, w| {
        w[0].checked_mul(w[1])?.checked_add(w[1])?.checked_add(acc)
    })
}

/// `nn gradcheck`'s work, `parameters² · samples`, refused above [`MAX_WORK`].
///
/// ```
/// // the default 3-5-4-3 network has 59 parameters: 59² · 4 = 13 924
/// assert!(nn_cli::limits::bounds::check_gradcheck(59, 4).is_ok());
/// assert!(nn_cli::limits::bounds::check_gradcheck(100_000, 1).is_err());
/// ```
pub fn check_gradcheck(parameters: usize, samples: usize) -> anyhow::Result<()> {
    let work = (parameters as u64)
        .saturating_mul(parameters as u64)
        .saturating_mul(samples as u64);
    if work <= MAX_WORK {
        return Ok(());
    }
    Err(usage(format!(
        "a gradient check of {parameters} parameters on {samples} samples needs \
         {parameters}² × {samples} = {work} multiply-adds, over the limit of {MAX_WORK} (a \
         CPU-time bound); use fewer --samples or a smaller network (--hidden, --inputs, \
         --outputs)"
    )))
}

/// `nn explain --steps`' work, `parameters · steps`, refused above [`MAX_WORK`].
///
/// ```
/// // the textbook's 2-2-2 network has 12 parameters: 12 · 1 000 000 steps
/// assert!(nn_cli::limits::bounds::check_steps(12, 1_000_000).is_ok());
/// assert!(nn_cli::limits::bounds::check_steps(100_000, 1_000_000).is_err());
/// ```
pub fn check_steps(parameters: usize, steps: usize) -> anyhow::Result<()> {
    let work = (parameters as u64).saturating_mul(steps as u64);
    if work <= MAX_WORK {
        return Ok(());
    }
    Err(usage(format!(
        "--steps {steps} on a network of {parameters} parameters needs about {work} \
         multiply-adds, over the limit of {MAX_WORK} (a CPU-time bound); use fewer --steps"
    )))
}

/// PCA/ZCA whitening of `columns` feature columns, refused above [`MAX_WHITEN_COLUMNS`] or when
/// its [`estimate`](super::estimate::whitening) is over the memory
/// [`budget`](super::budget).
///
/// ```
/// assert!(nn_cli::limits::bounds::check_whitening(784).is_ok());
/// assert!(nn_cli::limits::bounds::check_whitening(100_000).is_err());
/// ```
pub fn check_whitening(columns: usize) -> anyhow::Result<()> {
    if columns <= MAX_WHITEN_COLUMNS {
        let what = format!("PCA/ZCA whitening of {columns} columns");
        let hint = "standardize instead (--preprocess or --method standardize), or use fewer \
                    columns (--exclude, --max-categories)";
        return super::budget::check(super::estimate::whitening(columns), &what, hint);
    }
    Err(usage(format!(
        "PCA/ZCA whitening of {columns} columns is over the limit of {MAX_WHITEN_COLUMNS} \
         columns (its eigendecomposition takes about d³ operations, a CPU-time bound); \
         standardize instead (--preprocess or --method standardize), or use fewer columns \
         (--exclude, --max-categories)"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_count_is_bounded() {
        // 784·256 + 256 + 256·10 + 10 = 203 530 parameters
        assert_eq!(check_network(&[784, 256, 10]).unwrap(), 203_530);
        // 65 536·65 536 + 65 536 = 4 295 032 832 > 10⁸ for the first pair alone
        let err = check_network(&[65_536, 65_536, 65_536]).unwrap_err();
        assert!(err.to_string().contains("more than 100000000"), "{err}");
        assert!(check_network(&[usize::MAX, 2]).is_err());
        // exactly at the limit: 99 999 999·1 + 1 = 10⁸
        assert_eq!(check_network(&[99_999_999, 1]).unwrap(), MAX_PARAMETERS);
    }

    #[test]
    fn gradcheck_work_is_bounded() {
        // 31 622² · 1 = 999 950 884 ≤ 10⁹; 31 623² = 1 000 014 129 > 10⁹
        assert!(check_gradcheck(31_622, 1).is_ok());
        let err = check_gradcheck(31_623, 1).unwrap_err().to_string();
        assert!(
            err.contains("31623² × 1 = 1000014129 multiply-adds"),
            "{err}"
        );
        assert!(check_gradcheck(usize::MAX, usize::MAX).is_err());
        // 1000 · 1 000 000 = 10⁹ is at the limit; one more step is over
        assert!(check_steps(1000, 1_000_000).is_ok());
        let err = check_steps(1000, 1_000_001).unwrap_err().to_string();
        assert!(
            err.contains("needs about 1000001000 multiply-adds"),
            "{err}"
        );
    }

    #[test]
    fn whitening_columns_are_bounded() {
        assert!(check_whitening(4096).is_ok());
        let err = check_whitening(4097).unwrap_err().to_string();
        assert!(
            err.starts_with("PCA/ZCA whitening of 4097 columns"),
            "{err}"
        );
    }
}
