//! The library part of `nn`: the files it writes and reads (the model file with its
//! preprocessing record) and the error types its exit codes come from, so that other programs
//! (the fuzz targets, a user's own Rust code) can load `nn` model files without the CLI.
//!
//! ```
//! use nn_cli::model_file::ModelFile;
//! let net = nn_core::textbook::network();
//! let model = ModelFile::from_network(&net, nn_core::Loss::HalfSse, nn_data::Task::Regress);
//! let text = serde_json::to_string(&model)?;
//! assert_eq!(ModelFile::parse(&text)?.network::<f64>()?.sizes(), vec![2, 2, 2]);
//! # Ok::<(), anyhow::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs)]

pub mod fsutil;
pub mod json_layout;
pub mod limits;
pub mod model_file;
pub mod preprocessing;
