//! [`quoted`]: a value as messages show it, cut short when long, so a 50 MB bad cell does not
//! fill the terminal.

/// The most characters of a value a message shows.
pub const MAX_SHOWN_CHARS: usize = 80;

/// `value` in double quotes (Rust `{:?}` escaping); a value longer than [`MAX_SHOWN_CHARS`]
/// characters is cut there and followed by an ellipsis and its full length.
///
/// ```
/// assert_eq!(nn_data::quoted("1,5"), "\"1,5\"");
/// let long = "x".repeat(5000);
/// assert_eq!(nn_data::quoted(&long), format!("\"{}\"… (5000 characters)", "x".repeat(80)));
/// ```
pub fn quoted(value: &str) -> String {
    let mut chars = value.char_indices();
    match chars.nth(MAX_SHOWN_CHARS) {
        None => format!("{value:?}"),
        Some((cut, _)) => {
            let total = value.chars().count();
            format!("{:?}… ({total} characters)", &value[..cut])
        }
    }
}

/// A list of values as messages show it: `["a", "b"]`, each value cut as by [`quoted`], and
/// at most [`MAX_SHOWN_ITEMS`] of them followed by how many more there are.
///
/// ```
/// let names: Vec<String> = (0..30).map(|i| i.to_string()).collect();
/// assert_eq!(nn_data::quoted_list(&names[..2]), r#"["0", "1"]"#);
/// assert!(nn_data::quoted_list(&names).ends_with(r#""19", … 10 more]"#));
/// ```
pub fn quoted_list<S: AsRef<str>>(values: &[S]) -> String {
    let shown: Vec<String> = values
        .iter()
        .take(MAX_SHOWN_ITEMS)
        .map(|v| quoted(v.as_ref()))
        .collect();
    let more = values.len().saturating_sub(MAX_SHOWN_ITEMS);
    match more {
        0 => format!("[{}]", shown.join(", ")),
        _ => format!("[{}, … {more} more]", shown.join(", ")),
    }
}

/// The most items of a list a message shows.
pub const MAX_SHOWN_ITEMS: usize = 20;
