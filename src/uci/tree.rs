//! The package as libuci holds it while parsing: byte values, generated section names,
//! and the update rules of `uci_set` / `uci_add_list` / `uci_add_section` (`list.c`).
//!
//! Pure. Values stay raw bytes here so that `uci show` output can be reproduced byte for
//! byte even for files that are not UTF-8; [`RawPackage::to_model`] makes the public
//! [`Package`] from it.
//!
//! Invariants: `name` of every section is unique among named sections; an anonymous
//! section carries its generated `cfgNNHHHH` name (libuci's `uci_fixup_section`), which a
//! later `config <type> cfgNNHHHH` statement can address, as in libuci.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::model::{Package, Section, UciOption, Value};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RawPackage {
    pub name: String,
    pub sections: Vec<RawSection>,
    /// libuci's `n_section`: sections created so far, named ones included.
    n_section: u64,
    /// Lenient parsing: sections next to a syntax error, with the error's line; each
    /// section once, at its first error.
    pub suspect: Vec<(usize, usize)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawSection {
    pub ty: Vec<u8>,
    /// The real name, or the generated one for an anonymous section.
    pub name: Vec<u8>,
    pub anonymous: bool,
    pub options: Vec<RawOption>,
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawOption {
    pub name: Vec<u8>,
    pub value: RawValue,
    pub line: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RawValue {
    Single(Vec<u8>),
    List(Vec<Vec<u8>>),
}

/// libuci's `djbhash` over the section type; `char` is signed on the x86 and MIPS builds
/// of libuci, so bytes are sign-extended. (Types are printable ASCII, where it makes no
/// difference.)
fn djbhash(hash: u32, bytes: &[u8]) -> u32 {
    let h = bytes.iter().fold(hash, |h, &b| (h << 5).wrapping_add(h).wrapping_add(i32::from(b as i8) as u32));
    h & 0x7FFF_FFFF
}

/// Outcome of re-opening a named section with a different type.
pub(crate) enum Reopen {
    Same,
    TypeDiffers,
}

impl RawPackage {
    pub fn new(name: &str) -> RawPackage {
        RawPackage { name: name.to_string(), sections: Vec::new(), n_section: 0, suspect: Vec::new() }
    }

    /// Records that section `idx` is next to the syntax error at `line`.
    pub fn mark_suspect(&mut self, idx: usize, line: usize) {
        if !self.suspect.iter().any(|&(s, _)| s == idx) {
            self.suspect.push((idx, line));
        }
    }

    /// Options (by section index and name) with a value or list item that is not UTF-8.
    pub fn not_utf8(&self) -> Vec<(usize, String)> {
        let bad = |v: &[u8]| std::str::from_utf8(v).is_err();
        let mut out = Vec::new();
        for (i, s) in self.sections.iter().enumerate() {
            for o in &s.options {
                let hit = match &o.value {
                    RawValue::Single(v) => bad(v),
                    RawValue::List(items) => items.iter().any(|v| bad(v)),
                };
                if hit {
                    out.push((i, String::from_utf8_lossy(&o.name).into_owned()));
                }
            }
        }
        out
    }

    /// `config <type>` without a name: a new anonymous section, returned by index.
    pub fn add_anonymous(&mut self, ty: &[u8], line: usize) -> usize {
        self.n_section += 1;
        let hash = djbhash(5381, ty) % (1 << 16);
        let name = format!("cfg{:02x}{:04x}", self.n_section, hash).into_bytes();
        self.sections.push(RawSection { ty: ty.to_vec(), name, anonymous: true, options: Vec::new(), line });
        self.sections.len() - 1
    }

    /// Index of the section called `name` (generated names of anonymous sections count).
    pub fn find(&self, name: &[u8]) -> Option<usize> {
        self.sections.iter().position(|s| s.name == name)
    }

    /// Whether re-opening section `idx` with type `ty` would change its type.
    pub fn reopen_check(&self, idx: usize, ty: &[u8]) -> Reopen {
        match self.sections.get(idx) {
            Some(s) if s.ty != ty => Reopen::TypeDiffers,
            _ => Reopen::Same,
        }
    }

    /// `config <type> <name>`: open (or re-open) the named section, returned by index.
    /// Re-opening with another type changes the type (lenient mode; strict mode has already
    /// refused); when the new type has another length libuci reallocates the section, which
    /// makes it a named one even if it was anonymous.
    pub fn open_named(&mut self, ty: &[u8], name: &[u8], line: usize) -> usize {
        match self.find(name) {
            Some(idx) => {
                if let Some(s) = self.sections.get_mut(idx)
                    && s.ty != ty
                {
                    if s.ty.len() != ty.len() {
                        s.anonymous = false;
                    }
                    s.ty = ty.to_vec();
                }
                idx
            }
            None => {
                self.n_section += 1;
                let s =
                    RawSection { ty: ty.to_vec(), name: name.to_vec(), anonymous: false, options: Vec::new(), line };
                self.sections.push(s);
                self.sections.len() - 1
            }
        }
    }

    /// `option <name> <value>` in section `idx`. An empty value does nothing (libuci's
    /// `uci_set` returns early); an existing option or list of that name is replaced where
    /// it stands.
    pub fn set_option(&mut self, idx: usize, name: &[u8], value: &[u8], line: usize) {
        if value.is_empty() {
            return;
        }
        let Some(s) = self.sections.get_mut(idx) else { return };
        match s.options.iter_mut().find(|o| o.name == name) {
            Some(o) => {
                if o.value != RawValue::Single(value.to_vec()) {
                    o.value = RawValue::Single(value.to_vec());
                    o.line = line;
                }
            }
            None => s.options.push(RawOption { name: name.to_vec(), value: RawValue::Single(value.to_vec()), line }),
        }
    }

    /// `list <name> <item>` in section `idx`: appends, turning an existing option of that
    /// name into a list whose first item is the old value. Empty items are kept.
    pub fn add_list(&mut self, idx: usize, name: &[u8], item: &[u8], line: usize) {
        let Some(s) = self.sections.get_mut(idx) else { return };
        match s.options.iter_mut().find(|o| o.name == name) {
            Some(o) => {
                match &mut o.value {
                    RawValue::List(items) => items.push(item.to_vec()),
                    RawValue::Single(old) => {
                        let old = std::mem::take(old);
                        o.value = RawValue::List(vec![old, item.to_vec()]);
                    }
                }
                o.line = line;
            }
            None => s.options.push(RawOption { name: name.to_vec(), value: RawValue::List(vec![item.to_vec()]), line }),
        }
    }

    /// The public model; bytes that are not UTF-8 become U+FFFD.
    pub fn to_model(&self) -> Package {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        Package {
            name: self.name.clone(),
            sections: self
                .sections
                .iter()
                .map(|s| Section {
                    ty: text(&s.ty),
                    name: if s.anonymous { None } else { Some(text(&s.name)) },
                    options: s
                        .options
                        .iter()
                        .map(|o| UciOption {
                            name: text(&o.name),
                            value: match &o.value {
                                RawValue::Single(v) => Value::Single(text(v)),
                                RawValue::List(items) => Value::List(items.iter().map(|i| text(i)).collect()),
                            },
                            line: o.line,
                        })
                        .collect(),
                    line: s.line,
                })
                .collect(),
        }
    }

    /// Appends model sections (their values are text, hence their bytes are exact).
    pub fn append_model(&mut self, sections: &[Section]) {
        self.sections.extend(sections.iter().map(raw_section));
    }

    /// The raw form of a model package, for rendering it; anonymous sections get no
    /// generated name (rendering never prints one).
    pub fn from_model(p: &Package) -> RawPackage {
        RawPackage {
            name: p.name.clone(),
            sections: p.sections.iter().map(raw_section).collect(),
            n_section: 0,
            suspect: Vec::new(),
        }
    }
}

fn raw_section(s: &Section) -> RawSection {
    RawSection {
        ty: s.ty.as_bytes().to_vec(),
        name: s.name.as_deref().unwrap_or_default().as_bytes().to_vec(),
        anonymous: s.name.is_none(),
        options: s
            .options
            .iter()
            .map(|o| RawOption {
                name: o.name.as_bytes().to_vec(),
                value: match &o.value {
                    Value::Single(v) => RawValue::Single(v.as_bytes().to_vec()),
                    Value::List(items) => RawValue::List(items.iter().map(|i| i.as_bytes().to_vec()).collect()),
                },
                line: o.line,
            })
            .collect(),
        line: s.line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_follow_libuci() {
        // Values observed with `uci -X show` on libuci: two anonymous `foo` sections
        // after one named section (`cfg027389`, `cfg037389`).
        let mut p = RawPackage::new("t");
        p.open_named(b"foo", b"bar", 1);
        let a = p.add_anonymous(b"foo", 2);
        let b = p.add_anonymous(b"foo", 3);
        let names: Vec<_> = [a, b].iter().filter_map(|&i| p.sections.get(i)).map(|s| s.name.clone()).collect();
        assert_eq!(names, vec![b"cfg027389".to_vec(), b"cfg037389".to_vec()]);
    }
}
