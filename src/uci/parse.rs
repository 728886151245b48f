//! The UCI parser: libuci's line reader and tokenizer (`file.c`), reproduced step by step.
//!
//! Pure: bytes in, a [`RawPackage`] (or the first error) out. It never panics and always
//! terminates: every loop either consumes input or stops.
//!
//! Why a step-by-step model rather than a grammar: libuci's tokenizer works in place on a
//! line buffer, and several of its behaviours only make sense in that light, yet real files
//! and `uci show` depend on them:
//! - an unquoted `;` that ends a bare word is overwritten by the word's terminating NUL, so
//!   the rest of the line is dropped (`option a b;option c d` sets only `a`), while after a
//!   quoted word the `;` separates statements (`option a 'b';option c d` sets both);
//! - the command word is split off at space or tab only, so `config` directly followed by
//!   the newline (or `\r`) is an invalid command;
//! - in lenient mode, `assert_eol` consumes one surplus argument and the rest of the line
//!   is parsed as a new statement;
//! - a NUL byte ends the buffer as `fgets`/`strlen` see it (the rest of that chunk is lost).
//!
//! Positions in errors (`line`, `byte`) are therefore libuci's own (see [`ParseError`]).
//!
//! Where homeport differs from libuci, on purpose: a file over [`MAX_FILE`] or with a line
//! over [`MAX_LINE`] is refused as a whole, in both modes ([`check_bounds`]); and the line
//! buffer's size is bookkeeping only (libuci doubles a real allocation each time a NUL
//! byte cuts a chunk short, so a few hundred bytes of `a\0\n` lines ask for gigabytes).
//! Within the bounds, what is parsed is exactly what libuci parses.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use super::error::{ParseError, ParseErrorKind};
use super::tree::{RawPackage, Reopen};

/// The largest file homeport reads: a home router's config is a few KiB.
pub const MAX_FILE: usize = 1 << 20;
/// The longest line homeport reads (its newline not counted).
pub const MAX_LINE: usize = 64 << 10;
/// The line buffer size at which the model stops doubling it: above twice the largest
/// file, `fgets` never splits a line any more, so libuci (whose buffer keeps doubling)
/// and this model split every line alike.
const BUFSZ_CAP: usize = 4 * MAX_FILE;

/// Refuses input over homeport's bounds: [`MAX_FILE`] bytes, or a line of more than
/// [`MAX_LINE`] bytes (the error names the first such line, 1-based).
pub(crate) fn check_bounds(input: &[u8]) -> Result<(), ParseError> {
    if input.len() > MAX_FILE {
        return Err(ParseError { kind: ParseErrorKind::FileTooLarge, line: 0, byte: 0 });
    }
    match input.split(|&b| b == b'\n').position(|l| l.len() > MAX_LINE) {
        Some(i) => Err(ParseError { kind: ParseErrorKind::LineTooLong, line: i + 1, byte: MAX_LINE }),
        None => Ok(()),
    }
}

/// How parse errors are handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Any error fails the whole file: libuci's default, used by LuCI, rpcd and `uci show`.
    Strict,
    /// The rest of the offending line is skipped and parsing goes on; surplus arguments are
    /// not an error and a named section re-opened with another type takes the new type.
    /// This is `uci -S`, which OpenWrt's init scripts use (`config_load`).
    Lenient,
}

/// Parses `input` as package `package`. In strict mode the first error is returned; in
/// lenient mode every error is collected and the package holds everything else.
pub(crate) fn parse_raw(input: &[u8], package: &str, mode: Mode) -> Result<(RawPackage, Vec<ParseError>), ParseError> {
    check_bounds(input)?;
    let mut p = Parser::new(input, package, mode);
    let mut errors = Vec::new();
    // libuci: `while (!feof(file)) { pos = 0; getln(0); if (buf[0]) parse_line(); }`
    while !p.stream.eof {
        p.pos = 0;
        p.stmt_line = p.line + 1;
        p.strict_only = false;
        let before = p.section;
        p.getln(0);
        if p.ch(0) == 0 {
            continue;
        }
        let result = p.parse_line();
        if result.is_err() || p.strict_only {
            // The section the bad line belongs to (or follows: a broken `config` line
            // leaves the next lines in it) and any section the line opened.
            for s in [before, p.section].into_iter().flatten() {
                p.tree.mark_suspect(s, p.line);
            }
        }
        if let Err(kind) = result {
            let err = ParseError { kind, line: p.line, byte: p.pos };
            match mode {
                Mode::Strict => return Err(err),
                Mode::Lenient => errors.push(err),
            }
        }
    }
    Ok((p.tree, errors))
}

/// The input as `fgets` reads it.
struct Stream<'a> {
    data: &'a [u8],
    at: usize,
    eof: bool,
}

impl<'a> Stream<'a> {
    /// `fgets` with a buffer of `size` bytes: at most `size - 1` bytes, up to and including
    /// a newline; `None` at end of input.
    fn fgets(&mut self, size: usize) -> Option<&'a [u8]> {
        let rest = self.data.get(self.at..).unwrap_or_default();
        if rest.is_empty() {
            self.eof = true;
            return None;
        }
        let room = size.saturating_sub(1).max(1);
        let window = rest.get(..room.min(rest.len())).unwrap_or_default();
        let len = match window.iter().position(|&b| b == b'\n') {
            Some(i) => i + 1,
            None => {
                if rest.len() < room {
                    self.eof = true;
                }
                window.len()
            }
        };
        let chunk = rest.get(..len).unwrap_or_default();
        self.at += len;
        Some(chunk)
    }
}

/// C's `isspace` in the "C" locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// What a name argument must look like (`uci_validate_str`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    None,
    /// Section and option names: `[A-Za-z0-9_]+`.
    Name,
    /// Package names: `[A-Za-z0-9_-]+`.
    Package,
}

fn valid_name(s: &[u8], package: bool) -> bool {
    !s.is_empty() && s.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_' || (package && c == b'-'))
}

/// Section types: printable ASCII without space.
fn valid_type(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&c| (33..=126).contains(&c))
}

type Step<T> = Result<T, ParseErrorKind>;

struct Parser<'a> {
    stream: Stream<'a>,
    mode: Mode,
    /// libuci's line buffer; bytes past the filled part read as NUL.
    buf: Vec<u8>,
    /// libuci's `bufsz`, which decides where `fgets` splits long lines.
    bufsz: usize,
    buf_filled: usize,
    pos: usize,
    /// Newline-terminated lines read so far (libuci's `pctx->line`).
    line: usize,
    /// The physical line where the current buffer started, recorded in the model.
    stmt_line: usize,
    tree: RawPackage,
    /// The section that `option`/`list` statements go to.
    section: Option<usize>,
    /// Lenient mode: the current line has a mistake that strict mode refuses.
    strict_only: bool,
}

impl<'a> Parser<'a> {
    fn new(input: &'a [u8], package: &str, mode: Mode) -> Parser<'a> {
        Parser {
            stream: Stream { data: input, at: 0, eof: false },
            mode,
            buf: vec![0; 32],
            bufsz: 32,
            buf_filled: 0,
            pos: 0,
            line: 0,
            stmt_line: 1,
            tree: RawPackage::new(package),
            section: None,
            strict_only: false,
        }
    }

    fn ch(&self, i: usize) -> u8 {
        self.buf.get(i).copied().unwrap_or(0)
    }

    fn cur(&self) -> u8 {
        self.ch(self.pos)
    }

    fn set(&mut self, i: usize, c: u8) {
        if i >= self.buf.len() {
            self.buf.resize(i + 1, 0);
        }
        if let Some(slot) = self.buf.get_mut(i) {
            *slot = c;
        }
    }

    /// `strlen` of the NUL-terminated string starting at `i`.
    fn cstr_len(&self, i: usize) -> usize {
        let tail = self.buf.get(i..).unwrap_or_default();
        tail.iter().position(|&b| b == 0).unwrap_or(tail.len())
    }

    /// The NUL-terminated string starting at `i`.
    fn cstr(&self, i: usize) -> Vec<u8> {
        self.buf.get(i..i + self.cstr_len(i)).unwrap_or_default().to_vec()
    }

    /// libuci doubles its buffer here; the model only doubles the number (capped at
    /// [`BUFSZ_CAP`]), since `buf` grows as bytes are written into it.
    fn grow(&mut self) {
        self.bufsz = self.bufsz.saturating_mul(2).min(BUFSZ_CAP);
    }

    /// `uci_getln`: reads the next line into the buffer at `offset`, growing the buffer
    /// until the newline (or the end of input) is in.
    fn getln(&mut self, offset: usize) {
        if offset >= self.bufsz.saturating_sub(1) {
            self.grow();
        }
        let mut ofs = offset;
        loop {
            self.set(ofs, 0);
            let Some(chunk) = self.stream.fgets(self.bufsz.saturating_sub(ofs)) else { return };
            let end = ofs + chunk.len();
            if self.buf.len() <= end {
                self.buf.resize(end + 1, 0);
            }
            if let Some(dest) = self.buf.get_mut(ofs..end) {
                dest.copy_from_slice(chunk);
            }
            self.set(end, 0);
            // `strlen`: a NUL byte in the input cuts the chunk short.
            let len = chunk.iter().position(|&b| b == 0).unwrap_or(chunk.len());
            if len == 0 {
                return;
            }
            ofs += len;
            self.buf_filled = ofs;
            if self.ch(ofs - 1) == b'\n' {
                self.line += 1;
                return;
            }
            self.grow();
        }
    }

    fn skip_whitespace(&mut self) {
        while self.cur() != 0 && is_space(self.cur()) {
            self.pos += 1;
        }
    }

    fn addc(&mut self, target: &mut usize) {
        let c = self.cur();
        self.set(*target, c);
        *target += 1;
        self.pos += 1;
    }

    /// `parse_backslash`: steps over the backslash. At the end of the line (backslash
    /// before newline, `\r\n` at the end of the buffer, or nothing), fetches the next line
    /// in its place and returns false; otherwise the next character is taken literally.
    fn backslash(&mut self) -> bool {
        self.pos += 1;
        let c = self.cur();
        if c == 0 || c == b'\n' || (c == b'\r' && self.ch(self.pos + 1) == b'\n' && self.ch(self.pos + 2) == 0) {
            self.getln(self.pos);
            return false;
        }
        true
    }

    fn double_quote(&mut self, target: &mut usize) -> Step<()> {
        self.pos += 1;
        loop {
            match self.cur() {
                b'"' => {
                    self.pos += 1;
                    return Ok(());
                }
                0 => {
                    self.getln(self.pos);
                    if self.cur() == 0 {
                        return Err(ParseErrorKind::UnterminatedDoubleQuote);
                    }
                }
                b'\\' => {
                    if self.backslash() {
                        self.addc(target);
                    }
                }
                _ => self.addc(target),
            }
        }
    }

    fn single_quote(&mut self, target: &mut usize) -> Step<()> {
        self.pos += 1;
        loop {
            match self.cur() {
                b'\'' => {
                    self.pos += 1;
                    return Ok(());
                }
                0 => {
                    self.getln(self.pos);
                    if self.cur() == 0 {
                        return Err(ParseErrorKind::UnterminatedSingleQuote);
                    }
                }
                _ => self.addc(target),
            }
        }
    }

    /// `parse_str`: one argument, its pieces concatenated, unescaped in place at `target`.
    fn parse_str(&mut self, target: &mut usize) -> Step<()> {
        let mut next = true;
        loop {
            match self.cur() {
                b'\'' => self.single_quote(target)?,
                b'"' => self.double_quote(target)?,
                b'#' => {
                    self.set(self.pos, 0);
                    break;
                }
                0 => break,
                b';' => {
                    next = false;
                    break;
                }
                b'\\' => {
                    if self.backslash() {
                        self.addc(target);
                    }
                }
                _ => self.addc(target),
            }
            if self.cur() == 0 || is_space(self.cur()) {
                break;
            }
        }
        if self.cur() != 0 && next {
            self.pos += 1;
        }
        self.set(*target, 0);
        Ok(())
    }

    /// `next_arg`: the next argument, empty when there is none.
    fn next_arg(&mut self, required: bool, check: Check) -> Step<Vec<u8>> {
        self.skip_whitespace();
        let val = self.pos;
        if self.cur() == b';' {
            self.set(self.pos, 0);
            self.pos += 1;
        } else {
            let mut target = val;
            self.parse_str(&mut target)?;
        }
        let arg = self.cstr(val);
        if arg.is_empty() {
            if required {
                return Err(ParseErrorKind::InsufficientArguments);
            }
            return Ok(arg);
        }
        let ok = match check {
            Check::None => true,
            Check::Name => valid_name(&arg, false),
            Check::Package => valid_name(&arg, true),
        };
        if !ok {
            return Err(ParseErrorKind::InvalidName);
        }
        Ok(arg)
    }

    /// `assert_eol`: consumes one more argument, which strict mode refuses.
    fn assert_eol(&mut self) -> Step<()> {
        self.skip_whitespace();
        let extra = self.next_arg(false, Check::None)?;
        if !extra.is_empty() {
            if self.mode == Mode::Strict {
                return Err(ParseErrorKind::TooManyArguments);
            }
            self.strict_only = true;
        }
        Ok(())
    }

    /// `strtok(cur, " \t")`: the command word, NUL-terminated in place.
    fn command_word(&mut self) -> Option<Vec<u8>> {
        let mut i = self.pos;
        while matches!(self.ch(i), b' ' | b'\t') {
            i += 1;
        }
        if self.ch(i) == 0 {
            return None;
        }
        let start = i;
        while !matches!(self.ch(i), 0 | b' ' | b'\t') {
            i += 1;
        }
        if self.ch(i) != 0 {
            self.set(i, 0);
        }
        Some(self.cstr(start))
    }

    /// Steps over the command word (`uci_increase_pos(strlen(cur) + 1)`).
    fn skip_command(&mut self, missing: ParseErrorKind) -> Step<()> {
        let add = self.cstr_len(self.pos) + 1;
        if self.pos + add > self.buf_filled {
            return Err(missing);
        }
        self.pos += add;
        Ok(())
    }

    /// `uci_parse_line`: the statements of one line, separated by `;`.
    fn parse_line(&mut self) -> Step<()> {
        self.skip_whitespace();
        loop {
            let Some(word) = self.command_word() else { return Ok(()) };
            let (first, rest) = match word.split_first() {
                Some((&f, r)) => (f, r),
                None => return Ok(()),
            };
            let is = |long: &[u8]| rest.is_empty() || rest == long;
            match first {
                b'#' => return Ok(()),
                b'p' if is(b"ackage") => self.package_stmt()?,
                b'c' if is(b"onfig") => self.config_stmt()?,
                b'o' if is(b"ption") => self.option_stmt(false)?,
                b'l' if is(b"ist") => self.option_stmt(true)?,
                _ => return Err(ParseErrorKind::InvalidCommand),
            }
        }
    }

    /// `package <name>`: checked, then ignored, as when libuci loads one file.
    fn package_stmt(&mut self) -> Step<()> {
        self.skip_command(ParseErrorKind::PackageWithoutName)?;
        self.next_arg(true, Check::Package)?;
        self.assert_eol()
    }

    fn config_stmt(&mut self) -> Step<()> {
        self.skip_command(ParseErrorKind::ConfigWithoutName)?;
        let ty = self.next_arg(true, Check::None)?;
        if !valid_type(&ty) {
            return Err(ParseErrorKind::InvalidType);
        }
        let name = self.next_arg(false, Check::Name)?;
        self.assert_eol()?;
        let line = self.stmt_line;
        if name.is_empty() {
            self.section = Some(self.tree.add_anonymous(&ty, line));
            return Ok(());
        }
        if let Some(idx) = self.tree.find(&name)
            && matches!(self.tree.reopen_check(idx, &ty), Reopen::TypeDiffers)
        {
            if self.mode == Mode::Strict {
                return Err(ParseErrorKind::SectionTypeConflict);
            }
            self.strict_only = true;
        }
        self.section = Some(self.tree.open_named(&ty, &name, line));
        Ok(())
    }

    fn option_stmt(&mut self, list: bool) -> Step<()> {
        let Some(section) = self.section else { return Err(ParseErrorKind::OptionBeforeSection) };
        self.skip_command(ParseErrorKind::OptionWithoutName)?;
        let name = self.next_arg(true, Check::Name)?;
        let value = self.next_arg(false, Check::None)?;
        self.assert_eol()?;
        let line = self.stmt_line;
        if list {
            self.tree.add_list(section, &name, &value, line);
        } else {
            self.tree.set_option(section, &name, &value, line);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::expect_used)]
mod tests {
    use super::*;

    fn show(input: &[u8], mode: Mode) -> Result<String, ParseError> {
        parse_raw(input, "t", mode).map(|(p, _)| String::from_utf8_lossy(&crate::uci::show::render(&p)).into_owned())
    }

    #[test]
    fn fgets_stops_after_newline_or_size() {
        let mut s = Stream { data: b"abc\ndefgh", at: 0, eof: false };
        assert_eq!(s.fgets(32), Some(b"abc\n".as_slice()));
        assert_eq!(s.fgets(3), Some(b"de".as_slice()));
        assert!(!s.eof);
        assert_eq!(s.fgets(32), Some(b"fgh".as_slice()));
        assert!(s.eof);
        assert_eq!(s.fgets(32), None);
    }

    #[test]
    fn nul_byte_loses_the_rest_of_its_chunk() {
        // `strlen` stops at the NUL, and the newline after it is lost with the chunk, so
        // the next line is appended to this one (observed with libuci).
        let got = show(b"config t\n\toption a x\0y\n\toption b c\n", Mode::Lenient);
        assert_eq!(got, Ok("t.@t[0]=t\nt.@t[0].a='x'\n".to_string()));
    }

    #[test]
    fn semicolon_after_bare_word_ends_the_line() {
        let got = show(b"config t\n\toption a b;option c d\n\toption e 'f';option g h\n", Mode::Strict);
        assert_eq!(got, Ok("t.@t[0]=t\nt.@t[0].a='b'\nt.@t[0].e='f'\nt.@t[0].g='h'\n".to_string()));
    }

    #[test]
    fn command_word_splits_at_space_and_tab_only() {
        let err = parse_raw(b"config\r\n", "t", Mode::Strict).err();
        assert_eq!(err, Some(ParseError { kind: ParseErrorKind::InvalidCommand, line: 1, byte: 0 }));
        assert!(parse_raw(b"config\tt\r\n", "t", Mode::Strict).is_ok());
    }

    #[test]
    fn nul_bytes_do_not_double_memory_per_line() {
        // Each `a\0\n` line doubles libuci's buffer; 2,000 of them would ask for 2^2000
        // bytes. The model's buffer holds only what was read (the joined `aaa…`).
        let input = b"a\0\n".repeat(2000);
        let mut p = Parser::new(&input, "t", Mode::Lenient);
        p.getln(0);
        assert_eq!(p.cstr(0), vec![b'a'; 2000]);
        assert!(p.buf.len() <= 2 * input.len(), "buffer of {} bytes", p.buf.len());
        let (_, errors) = parse_raw(&input, "t", Mode::Lenient).expect("within bounds");
        assert_eq!(errors.len(), 1, "one joined line, one invalid command");
    }

    #[test]
    fn bounds_refuse_big_files_and_long_lines_in_both_modes() {
        let long = [b"config t\n\toption a '".as_slice(), &vec![b'x'; MAX_LINE], b"'\n"].concat();
        for mode in [Mode::Strict, Mode::Lenient] {
            let err = parse_raw(&long, "t", mode).err().map(|e| (e.kind, e.line));
            assert_eq!(err, Some((ParseErrorKind::LineTooLong, 2)));
            let big = b"# comment\n".repeat(MAX_FILE / 10 + 1);
            let err = parse_raw(&big, "t", mode).err().map(|e| e.kind);
            assert_eq!(err, Some(ParseErrorKind::FileTooLarge));
        }
        // Exactly at the bounds is fine.
        let at = [b"#".as_slice(), &vec![b'x'; MAX_LINE - 1], b"\n"].concat();
        assert!(parse_raw(&at, "t", Mode::Strict).is_ok());
    }

    #[test]
    fn sections_next_to_a_syntax_error_are_suspect() {
        let input = b"config forward nas\n\toption dest_ip '10.0.0.2'\n\
            confg forward cam\n\toption dest_ip '10.0.0.3'\n\
            config forward ok\n\toption dest_ip '10.0.0.4'\n\
            config forward web extra\n\
            config forward tv\n\toption a 'b' 'c'\n\
            config ddns ok\n";
        let (p, errors) = parse_raw(input, "t", Mode::Lenient).expect("lenient");
        assert_eq!(errors.len(), 1);
        let names = |v: &[(usize, usize)]| -> Vec<(String, usize)> {
            v.iter().map(|&(i, l)| (String::from_utf8_lossy(&p.sections[i].name).into_owned(), l)).collect()
        };
        // `nas` holds cam's dest_ip (the broken `config` line 3 left it open); the surplus
        // word on line 7 marks `ok`, which the line follows, and `web`, which it opens;
        // `tv` has a third word on line 9; the type change of `ok` on line 10 (strict mode
        // refuses it) marks no section not already marked.
        assert_eq!(
            names(&p.suspect),
            [("nas".to_string(), 3), ("ok".to_string(), 7), ("web".to_string(), 7), ("tv".to_string(), 9)]
        );
    }

    #[test]
    fn lenient_surplus_argument_starts_a_new_statement() {
        let got = show(b"config t n extra option x y\n", Mode::Lenient);
        assert_eq!(got, Ok("t.n=t\nt.n.x='y'\n".to_string()));
    }
}
