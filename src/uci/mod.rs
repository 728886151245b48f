//! UCI: OpenWrt's configuration file format, read and written as libuci does.
//!
//! Pure apart from [`load`]'s file reading. The grammar and its corner cases are libuci's
//! (../shared/reference/openwrt.md §1); `tests/uci_conformance.rs` pins them against
//! outputs recorded from the real `uci` tool.
//!
//! Input is bytes: UCI files need not be UTF-8. Names and types are ASCII by the grammar;
//! values that are not UTF-8 are kept as bytes while parsing, so [`show_bytes`] reproduces
//! `uci show` exactly, and become U+FFFD in the [`Package`] model. [`parse_checked`] says
//! which options those are, so that no consumer acts on a changed byte unknowingly.
//!
//! Files over [`MAX_FILE`] bytes or with a line over [`MAX_LINE`] bytes are refused: the one
//! place where homeport parses differently from libuci (docs/config.md).
//!
//! - [`parse`] with [`Mode::Strict`] fails on the first error, as LuCI, rpcd and `uci show`
//!   load a file; [`Mode::Lenient`] skips the rest of a bad line and goes on, as init
//!   scripts (`uci -S`) do.
//! - [`write`] produces what `uci commit` writes; [`show`] what `uci show <pkg>` prints.

mod error;
mod load;
pub mod model;
mod parse;
mod show;
mod tree;
mod write;

pub use error::{ParseError, ParseErrorKind};
pub use load::{ConfigDirs, LoadError, Loaded, load, load_in, package_name, read_bounded, resolve};
pub use model::{Package, Section, UciOption, Value};
pub use parse::{MAX_FILE, MAX_LINE, Mode};

/// A lenient parse with what a consumer needs to know besides the package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub package: Package,
    /// The errors skipped over, in file order.
    pub errors: Vec<ParseError>,
    /// Sections next to a syntax error, by index in `package.sections`, with the error's
    /// line: the section a bad line was in or follows (a broken `config` line leaves the
    /// lines after it in the section before), and any section the line opened. Mistakes
    /// that only strict mode refuses (a surplus word, a type conflict) count too.
    pub suspect: Vec<(usize, usize)>,
    /// Options whose value (or a list item) is not UTF-8, by section index and name: in
    /// `package` their bytes became U+FFFD.
    pub not_utf8: Vec<(usize, String)>,
}

/// Lenient parse of `input` as package `package`, failing only when the input is over
/// [`MAX_FILE`] or [`MAX_LINE`].
pub fn parse_checked(input: impl AsRef<[u8]>, package: &str) -> Result<Parsed, ParseError> {
    let (raw, errors) = parse::parse_raw(input.as_ref(), package, Mode::Lenient)?;
    Ok(Parsed { package: raw.to_model(), errors, suspect: raw.suspect.clone(), not_utf8: raw.not_utf8() })
}

/// Refuses input over homeport's bounds ([`MAX_FILE`], [`MAX_LINE`]), as every parse does.
pub fn check_bounds(input: impl AsRef<[u8]>) -> Result<(), ParseError> {
    parse::check_bounds(input.as_ref())
}

/// Parses `input` as the package named `package` (the file's base name; not validated,
/// so test files such as `case.uci` work). Strict mode returns the first error; lenient
/// mode returns `Ok` with the package and every error skipped over.
pub fn parse(input: impl AsRef<[u8]>, package: &str, mode: Mode) -> Result<(Package, Vec<ParseError>), ParseError> {
    parse::parse_raw(input.as_ref(), package, mode).map(|(raw, errors)| (raw.to_model(), errors))
}

/// [`parse`] in strict mode.
pub fn parse_strict(input: impl AsRef<[u8]>, package: &str) -> Result<Package, ParseError> {
    parse(input, package, Mode::Strict).map(|(p, _)| p)
}

/// [`parse`] in lenient mode: never fails. Input over [`MAX_FILE`] or [`MAX_LINE`] gives
/// an empty package and that one error.
pub fn parse_lenient(input: impl AsRef<[u8]>, package: &str) -> (Package, Vec<ParseError>) {
    match parse::parse_raw(input.as_ref(), package, Mode::Lenient) {
        Ok((raw, errors)) => (raw.to_model(), errors),
        Err(e) => (Package { name: package.to_string(), sections: Vec::new() }, vec![e]),
    }
}

/// The package in `uci show <package>` form.
pub fn show(p: &Package) -> String {
    String::from_utf8_lossy(&show::render(&tree::RawPackage::from_model(p))).into_owned()
}

/// `uci show <package>` for a file's bytes, byte for byte what libuci prints even where
/// values are not UTF-8. [`Mode::Strict`] is how `uci show` itself parses (the error is what
/// it reports); [`Mode::Lenient`] is `uci -S show`, which also returns the skipped errors.
pub fn show_bytes(
    input: impl AsRef<[u8]>,
    package: &str,
    mode: Mode,
) -> Result<(Vec<u8>, Vec<ParseError>), ParseError> {
    parse::parse_raw(input.as_ref(), package, mode).map(|(raw, errors)| (show::render(&raw), errors))
}

/// [`show_bytes`] with the value of each option whose name `masked` holds printed as
/// `'***'`: `homeport check --show` hides secrets this way unless asked not to.
pub fn show_bytes_masked(
    input: impl AsRef<[u8]>,
    package: &str,
    mode: Mode,
    masked: &dyn Fn(&str) -> bool,
) -> Result<(Vec<u8>, Vec<ParseError>), ParseError> {
    let by_name = |name: &[u8]| std::str::from_utf8(name).is_ok_and(masked);
    parse::parse_raw(input.as_ref(), package, mode).map(|(raw, errors)| (show::render_masked(&raw, &by_name), errors))
}

/// The file `uci commit` would write after `sections` are added to the package held in
/// `input` (parsed strictly, as `uci` loads a file before changing it). The sections
/// already there keep their bytes, including values that are not UTF-8, as with libuci.
pub fn write_adding(input: impl AsRef<[u8]>, package: &str, sections: &[Section]) -> Result<Vec<u8>, ParseError> {
    let (mut raw, _) = parse::parse_raw(input.as_ref(), package, Mode::Strict)?;
    raw.append_model(sections);
    Ok(write::render(&raw))
}

/// The file `uci commit` would write for the package.
pub fn write(p: &Package) -> String {
    String::from_utf8_lossy(&write::render(&tree::RawPackage::from_model(p))).into_owned()
}
