//! Placeholder: layers, activations, losses (foundation issue).
#![warn(missing_docs)]

mod error;
pub use error::{CoreError, Result};
