//! Machine output on stdout: one JSON document in printable ASCII.
//!
//! Shell. Every character outside printable ASCII is written as a `\uXXXX` escape (RFC
//! 8259 §7; surrogate pairs beyond the BMP), so the document is valid UTF-8 whatever a
//! value held, and LuCI's rpcd plugin can check it byte by byte before passing it on
//! (issue 10 item 15: the plugin always emits valid JSON).

use std::io::{self, Write};

use serde::Serialize;

/// Writes `value` as indented JSON and a newline. (One layout only: each layout is another
/// copy of the serializer for every document type, and flash is tight.)
pub fn print(value: &impl Serialize) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::from)?;
    let mut out = io::stdout().lock();
    out.write_all(ascii(&text).as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// `json` with every non-ASCII character and DEL escaped. serde_json escapes control
/// characters itself and writes other characters only inside strings, where an escape
/// means the same character.
pub fn ascii(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() && c != '\x7f' {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_but_printable_ascii() {
        let v = serde_json::json!({ "k\u{e9}": "caf\u{e9} \u{1f600} \u{7f}\u{2028}\u{fffd}\n\"" });
        let text = ascii(&serde_json::to_string(&v).unwrap_or_default());
        assert!(text.bytes().all(|b| (0x20..0x7f).contains(&b)), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, v);
    }
}
