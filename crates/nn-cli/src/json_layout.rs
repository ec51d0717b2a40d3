//! The model file's JSON layout: serde_json's pretty printing (two-space indent, one key per
//! line), except that an array of numbers stays on one line, so a weight matrix is one line per
//! row instead of one line per number (the MNIST model: 238 000 lines and 7.5 MB before).
//! Every reader sees the same JSON values; only the whitespace differs. `nn preprocess fit`
//! writes its parameter files the same way (a ZCA matrix of MNIST: 784 lines, not 614 656).

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::Formatter;

/// `value` as JSON text in the layout described in the module docs.
///
/// ```
/// let text = nn_cli::json_layout::to_string(&serde_json::json!({"w": [[1.5, -2], [3, 4]], "n": ["a"]}))?;
/// assert_eq!(text, "{\n  \"n\": [\n    \"a\"\n  ],\n  \"w\": [\n    [1.5, -2],\n    [3, 4]\n  ]\n}");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, NumbersInline::default());
    value.serialize(&mut ser)?;
    // serde_json writes UTF-8 only.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// How an open array is being laid out.
#[derive(Clone, Copy, PartialEq)]
enum Layout {
    /// No value yet.
    Empty,
    /// Numbers (and other scalars) on the array's own line.
    Inline,
    /// One value per line (the array holds a string, an array or an object).
    Lines,
}

/// The formatter behind [`to_string`].
#[derive(Default)]
struct NumbersInline {
    indent: usize,
    /// The open arrays, innermost last.
    arrays: Vec<Layout>,
    /// Set between an array's `begin_array_value` and its value: whether it is the first.
    pending: Option<bool>,
    /// Whether the innermost open object has a member yet.
    has_member: bool,
}

impl NumbersInline {
    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(b"\n")?;
        (0..self.indent).try_for_each(|_| w.write_all(b"  "))
    }

    /// Before a value that may sit on the array's line (a number, `true`, `null`).
    fn scalar<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        let Some(first) = self.pending.take() else {
            return Ok(());
        };
        match self.arrays.last_mut() {
            Some(layout @ Layout::Empty) => *layout = Layout::Inline,
            Some(Layout::Inline) if !first => w.write_all(b", ")?,
            Some(Layout::Lines) => self.next_line(w, first)?,
            _ => {}
        }
        Ok(())
    }

    /// Before a string, array or object: the array holding it is laid out one value per line.
    fn nested<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        let Some(first) = self.pending.take() else {
            return Ok(());
        };
        match self.arrays.last_mut() {
            Some(layout @ Layout::Empty) => {
                *layout = Layout::Lines;
                self.indent += 1;
                self.next_line(w, first)?;
            }
            Some(Layout::Inline) => w.write_all(b", ")?,
            Some(Layout::Lines) => self.next_line(w, first)?,
            None => {}
        }
        Ok(())
    }

    fn next_line<W: ?Sized + Write>(&self, w: &mut W, first: bool) -> io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        self.newline(w)
    }
}

/// Every scalar writer: lay out, then write as the compact formatter does.
macro_rules! scalars {
    ($($name:ident($t:ty)),* $(,)?) => {$(
        fn $name<W: ?Sized + Write>(&mut self, w: &mut W, value: $t) -> io::Result<()> {
            self.scalar(w)?;
            serde_json::ser::CompactFormatter.$name(w, value)
        }
    )*};
}

impl Formatter for NumbersInline {
    scalars!(
        write_bool(bool),
        write_i8(i8),
        write_i16(i16),
        write_i32(i32),
        write_i64(i64),
        write_i128(i128),
        write_u8(u8),
        write_u16(u16),
        write_u32(u32),
        write_u64(u64),
        write_u128(u128),
        write_f32(f32),
        write_f64(f64),
        write_number_str(&str),
    );

    fn write_null<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.scalar(w)?;
        w.write_all(b"null")
    }

    fn begin_string<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.nested(w)?;
        w.write_all(b"\"")
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.nested(w)?;
        self.arrays.push(Layout::Empty);
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        if self.arrays.pop() == Some(Layout::Lines) {
            self.indent -= 1;
            self.newline(w)?;
        }
        w.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, _w: &mut W, first: bool) -> io::Result<()> {
        self.pending = Some(first);
        Ok(())
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.nested(w)?;
        // An object's members are not array values: an array inside it starts afresh.
        self.arrays.push(Layout::Lines);
        self.indent += 1;
        self.has_member = false;
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.arrays.pop();
        self.indent -= 1;
        if self.has_member {
            self.newline(w)?;
        }
        self.has_member = true;
        w.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.next_line(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_member = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::to_string;
    use serde_json::{json, Value};

    #[test]
    fn nested_objects_arrays_and_empties_keep_their_values() {
        let value = json!({
            "format": "nn-model",
            "sizes": [784, 256, 10],
            "layers": [
                {"weight": [[0.1, -2.5e-7], [3.0, 4.0]], "bias": [], "activation": {"kind": "relu"}},
                {"weight": [[1.0]], "bias": [0.0], "names": ["a", "b"], "empty": {}}
            ],
            "mixed": [1, "x", null, true, [2]],
            "metrics": {"loss": 0.25}
        });
        let text = to_string(&value).unwrap();
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
        let lines: Vec<&str> = text.lines().collect();
        // serde_json orders an object's keys: "sizes" comes last, "empty" before "names".
        assert!(lines.contains(&r#"  "sizes": [784, 256, 10]"#), "{text}");
        assert!(lines.contains(&"        [0.1, -2.5e-7],"), "{text}");
        assert!(lines.contains(&r#"      "bias": [],"#), "{text}");
        assert!(lines.contains(&r#"      "empty": {},"#), "{text}");
        assert!(lines.contains(&r#"        "a","#), "{text}");
        assert!(
            lines.contains(&r#"  "mixed": [1, "x", null, true, [2]],"#),
            "{text}"
        );
        assert_eq!(lines.first(), Some(&"{"));
        assert_eq!(lines.last(), Some(&"}"));
    }
}
