//! The file format `uci commit` writes (`uci_export_package` in `file.c`).
//!
//! Pure. A blank line before each `config <type>[ '<name>']` line (no name for anonymous
//! sections), then a tab and `option <name> '<value>'` or one `list <name> '<item>'` line
//! per item; a final blank line. Every `'` is written `'\''`; libuci applies this to the
//! unquoted type too, so a type containing `'` does not survive its own round trip, in
//! libuci as here.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::tree::{RawPackage, RawValue};

/// `uci_escape`: every `'` becomes `'\''`.
fn escape_into(out: &mut Vec<u8>, s: &[u8]) {
    for &b in s {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
}

pub(crate) fn render(p: &RawPackage) -> Vec<u8> {
    let mut out = Vec::new();
    for s in &p.sections {
        out.extend_from_slice(b"\nconfig ");
        escape_into(&mut out, &s.ty);
        if !s.anonymous {
            out.extend_from_slice(b" '");
            escape_into(&mut out, &s.name);
            out.push(b'\'');
        }
        out.push(b'\n');
        for o in &s.options {
            let mut line = |keyword: &[u8], v: &[u8]| {
                out.extend_from_slice(keyword);
                escape_into(&mut out, &o.name);
                out.extend_from_slice(b" '");
                escape_into(&mut out, v);
                out.extend_from_slice(b"'\n");
            };
            match &o.value {
                RawValue::Single(v) => line(b"\toption ", v),
                RawValue::List(items) => items.iter().for_each(|i| line(b"\tlist ", i)),
            }
        }
    }
    out.push(b'\n');
    out
}
