//! Project tasks: `cargo xtask train`, `cargo xtask test`.
fn main() {}
