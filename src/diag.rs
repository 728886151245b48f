//! Diagnostics: what is wrong with the configuration, said where and what.
//!
//! Pure. A diagnostic names the section (`@forward[2] ('rdp')`), the option and the
//! offending value; values are quoted through [`quote_value`] so that no input can forge a
//! line of its own in the output (control characters are escaped).

use std::fmt;

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A section as firewall4 names it in messages: its type, its index among sections of
/// that type (named ones count too, as in `@type[N]`), and its name when it has one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct SectionRef {
    #[serde(rename = "type")]
    pub ty: String,
    pub index: usize,
    pub name: Option<String>,
}

impl fmt::Display for SectionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}[{}]", self.ty, self.index)?;
        if let Some(n) = &self.name {
            write!(f, " ({})", quote_value(n))?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub section: Option<SectionRef>,
    pub option: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, section: None, option: None, value: None, message: message.into() }
    }

    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(message) }
    }

    pub fn in_section(mut self, s: &SectionRef) -> Diagnostic {
        self.section = Some(s.clone());
        self
    }

    pub fn at_option(mut self, option: &str, value: &str) -> Diagnostic {
        self.option = Some(option.to_string());
        self.value = Some(value.to_string());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl Diagnostic {
    /// The diagnostic without its `error:`/`warning:` prefix, for a logger that prints the
    /// level itself.
    pub fn body(&self) -> DiagnosticBody<'_> {
        DiagnosticBody(self)
    }
}

/// See [`Diagnostic::body`].
pub struct DiagnosticBody<'a>(&'a Diagnostic);

impl fmt::Display for DiagnosticBody<'_> {
    /// `section @forward[2] ('rdp'): option 'dest_port': '70000' is not a port (1-65535)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        if let Some(s) = &d.section {
            write!(f, "section {s}: ")?;
        }
        if let Some(o) = &d.option {
            write!(f, "option {}: ", quote_value(o))?;
        }
        if let Some(v) = &d.value {
            write!(f, "{} ", quote_value(v))?;
        }
        f.write_str(&d.message)
    }
}

impl fmt::Display for Diagnostic {
    /// `error: section @forward[2] ('rdp'): option 'dest_port': '70000' is not a port (1-65535)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}: {}", self.body())
    }
}

/// Single-quotes a value for a message, escaping `\`, `'` and every control or
/// non-printing character, so that a value can never end the line or the quote early.
pub fn quote_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('\'');
    for c in v.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || is_invisible(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Characters that render as nothing, reorder text or break a line without being control
/// characters: soft hyphen, zero-width marks, bidi controls, the Unicode line and
/// paragraph separators. Text carrying them could make a message (or a listed nft rule,
/// see `nft::quote`) read differently from what it is.
pub fn is_invisible(c: char) -> bool {
    let c = c as u32;
    INVISIBLE.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c))
}

/// The ranges [`is_invisible`] refuses, inclusive (`homeport schema` publishes them).
pub const INVISIBLE: &[(u32, u32)] =
    &[(0x00ad, 0x00ad), (0x200b, 0x200f), (0x2028, 0x202e), (0x2060, 0x2064), (0x2066, 0x2069), (0xfeff, 0xfeff)];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_firewall4() {
        let s = SectionRef { ty: "forward".into(), index: 2, name: Some("rdp".into()) };
        let d = Diagnostic::error("is not a port (1-65535)").in_section(&s).at_option("dest_port", "70000");
        assert_eq!(
            d.to_string(),
            "error: section @forward[2] ('rdp'): option 'dest_port': '70000' is not a port (1-65535)"
        );
        let anon = SectionRef { ty: "ddns".into(), index: 0, name: None };
        assert_eq!(
            Diagnostic::warning("unknown option").in_section(&anon).to_string(),
            "warning: section @ddns[0]: unknown option"
        );
    }

    #[test]
    fn quoting_cannot_break_lines() {
        assert_eq!(quote_value("a'b\\c\nd\u{202e}"), "'a\\'b\\\\c\\nd\\u{202e}'");
        // Line and paragraph separators end a line in some viewers; a soft hyphen hides.
        assert_eq!(quote_value("a\u{2028}b\u{2029}c\u{ad}"), "'a\\u{2028}b\\u{2029}c\\u{ad}'");
    }
}
