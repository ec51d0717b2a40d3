//! The `nn` command-line tool.
fn main() {}
