//! Parse errors, positioned and worded exactly as libuci reports them.
//!
//! Pure data. `line` and `byte` follow libuci's own counting (see [`ParseError`]) so that
//! `homeport check` points at the same place as `uci show` does for the same file.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::fmt;

use serde::Serialize;

/// What went wrong; each kind carries libuci's reason text (`file.c`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParseErrorKind {
    /// The first word of a statement is not `config`, `option`, `list`, `package` (or c/o/l/p).
    InvalidCommand,
    /// Strict mode only: a statement has more arguments than it takes.
    TooManyArguments,
    /// A required argument (section type, option name, package name) is missing.
    InsufficientArguments,
    /// A section, option or package name has a character outside `[A-Za-z0-9_]` (`-` too for packages).
    InvalidName,
    /// A section type has a character outside printable ASCII 33..126.
    InvalidType,
    /// `option` or `list` before the first `config`.
    OptionBeforeSection,
    UnterminatedDoubleQuote,
    UnterminatedSingleQuote,
    /// Strict mode only: a named section re-opened with another type.
    SectionTypeConflict,
    /// `config` is the last thing in the file, not even followed by a newline.
    ConfigWithoutName,
    /// `option`/`list` is the last thing in the file, not even followed by a newline.
    OptionWithoutName,
    /// `package` is the last thing in the file, not even followed by a newline.
    PackageWithoutName,
    /// homeport's bound, not libuci's: the file is larger than [`MAX_FILE`](super::MAX_FILE).
    FileTooLarge,
    /// homeport's bound, not libuci's: a line is longer than [`MAX_LINE`](super::MAX_LINE).
    LineTooLong,
}

impl ParseErrorKind {
    /// libuci's wording, as it appears between the parentheses of `Parse error (…)`.
    pub fn reason(self) -> &'static str {
        match self {
            ParseErrorKind::InvalidCommand => "invalid command",
            ParseErrorKind::TooManyArguments => "too many arguments",
            ParseErrorKind::InsufficientArguments => "insufficient arguments",
            ParseErrorKind::InvalidName => "invalid character in name field",
            ParseErrorKind::InvalidType => "invalid character in type field",
            ParseErrorKind::OptionBeforeSection => "option/list command found before the first section",
            ParseErrorKind::UnterminatedDoubleQuote => "EOF with unterminated \"",
            ParseErrorKind::UnterminatedSingleQuote => "EOF with unterminated '",
            ParseErrorKind::SectionTypeConflict => "section of different type overwrites prior section with same name",
            ParseErrorKind::ConfigWithoutName => "config without name",
            ParseErrorKind::OptionWithoutName => "option without name",
            ParseErrorKind::PackageWithoutName => "package without name",
            ParseErrorKind::FileTooLarge => "file larger than 1 MiB",
            ParseErrorKind::LineTooLong => "line longer than 64 KiB",
        }
    }
}

/// A syntax error with libuci's position.
///
/// - `line` is libuci's line counter at the moment of the error: the number of
///   newline-terminated lines read so far. For a statement that spans lines (an open quote,
///   a trailing backslash) it is the line being read when the error struck; for a last line
///   without a final newline it is one less than the line's number, as `uci show` says too.
/// - `byte` is the offset from the start of the statement's first line (continuation lines
///   count on from there), at the point where the parser stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub line: usize,
    pub byte: usize,
}

impl fmt::Display for ParseError {
    /// `Parse error (too many arguments) at line 3, byte 13`, as libuci prints it. The two
    /// bounds libuci does not have say so in words of their own.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ParseErrorKind::FileTooLarge => {
                write!(f, "the file is larger than 1 MiB ({} bytes); homeport does not read it", super::MAX_FILE)
            }
            ParseErrorKind::LineTooLong => write!(
                f,
                "line {} is longer than 64 KiB ({} bytes); homeport does not read the file",
                self.line,
                super::MAX_LINE
            ),
            _ => write!(f, "Parse error ({}) at line {}, byte {}", self.kind.reason(), self.line, self.byte),
        }
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_matches_libuci() {
        let e = ParseError { kind: ParseErrorKind::TooManyArguments, line: 2, byte: 12 };
        assert_eq!(e.to_string(), "Parse error (too many arguments) at line 2, byte 12");
        let e = ParseError { kind: ParseErrorKind::UnterminatedDoubleQuote, line: 3, byte: 23 };
        assert_eq!(e.to_string(), "Parse error (EOF with unterminated \") at line 3, byte 23");
    }

    #[test]
    fn bounds_say_what_they_are() {
        let e = ParseError { kind: ParseErrorKind::LineTooLong, line: 7, byte: 0 };
        assert_eq!(e.to_string(), "line 7 is longer than 64 KiB (65536 bytes); homeport does not read the file");
        let e = ParseError { kind: ParseErrorKind::FileTooLarge, line: 0, byte: 0 };
        assert_eq!(e.to_string(), "the file is larger than 1 MiB (1048576 bytes); homeport does not read it");
    }
}
