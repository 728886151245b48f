//! `uci show <package>` output, byte for byte as libuci's CLI prints it (`cli.c`).
//!
//! Pure. Each section prints `pkg.sec=type`, then `pkg.sec.opt='value'` per option;
//! anonymous sections are `@type[N]` where N counts every section of that type before it,
//! named ones included (`uci_lookup_section_ref`); list items are each quoted and joined by
//! a space; `'` inside a value is written `'\''`. Types and names are printed unquoted.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::tree::{RawPackage, RawValue};

/// Appends `v` single-quoted, each `'` written as `'\''` (`uci_print_value`).
fn quote_into(out: &mut Vec<u8>, v: &[u8]) {
    out.push(b'\'');
    for &b in v {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
}

pub(crate) fn render(p: &RawPackage) -> Vec<u8> {
    render_masked(p, &|_| false)
}

/// [`render`], with the value of every option for which `masked(name)` holds printed as
/// `'***'` (each item of a list alike); all else byte for byte.
pub(crate) fn render_masked(p: &RawPackage, masked: &dyn Fn(&[u8]) -> bool) -> Vec<u8> {
    let mut out = Vec::new();
    // Sections seen so far per type. A package has a handful of types: a list searched
    // in order costs less flash than a HashMap instance of its own (hashing and table).
    let mut seen: Vec<(&[u8], usize)> = Vec::new();
    for s in &p.sections {
        let idx = match seen.iter_mut().find(|(ty, _)| *ty == s.ty.as_slice()) {
            Some((_, n)) => {
                *n += 1;
                *n - 1
            }
            None => {
                seen.push((s.ty.as_slice(), 1));
                0
            }
        };
        let mut sref = Vec::new();
        if s.anonymous {
            sref.push(b'@');
            sref.extend_from_slice(&s.ty);
            sref.extend_from_slice(format!("[{idx}]").as_bytes());
        } else {
            sref.extend_from_slice(&s.name);
        }
        let prefix = [p.name.as_bytes(), b".", &sref].concat();
        out.extend_from_slice(&prefix);
        out.push(b'=');
        out.extend_from_slice(&s.ty);
        out.push(b'\n');
        for o in &s.options {
            out.extend_from_slice(&prefix);
            out.push(b'.');
            out.extend_from_slice(&o.name);
            out.push(b'=');
            let hide = masked(&o.name);
            let shown = |v: &'_ [u8]| -> Vec<u8> { if hide { b"***".to_vec() } else { v.to_vec() } };
            match &o.value {
                RawValue::Single(v) => quote_into(&mut out, &shown(v)),
                RawValue::List(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            out.push(b' ');
                        }
                        quote_into(&mut out, &shown(item));
                    }
                }
            }
            out.push(b'\n');
        }
    }
    out
}
