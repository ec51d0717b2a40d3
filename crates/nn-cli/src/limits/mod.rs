//! Resource limits, one place for every subcommand, so that no flag value or input file makes
//! `nn` abort on an allocation, overflow a count or run for hours:
//!
//! - [`bounds`]: the largest value of each count flag (`--epochs`, `--hidden`, `--steps`, …),
//!   checked while the flags are parsed, and bounds on the work a few commands do (the
//!   parameter count, the gradient check's products, whitening's columns);
//! - [`estimate`]: the bytes each large allocation will take, computed from the sizes before
//!   allocating;
//! - [`budget`]: the memory limit (`--max-memory`, default 8 GiB) every estimate is checked
//!   against, with the estimate and the flags that shrink it in the message.
//!
//! Every refusal is a usage error (exit code 2): a flag changes it.
//!
//! ```
//! use nn_cli::limits::{budget, estimate};
//! // A 100 000-column PCA needs 6·d²·8 bytes (about 447 GiB): refused under 8 GiB.
//! let bytes = estimate::whitening(100_000);
//! assert!(budget::check(bytes, "PCA whitening", "--preprocess standardize").is_err());
//! ```

pub mod bounds;
pub mod budget;
pub mod estimate;
