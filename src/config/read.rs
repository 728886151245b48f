//! Reading one UCI section's options into typed values, collecting diagnostics.
//!
//! Pure. A [`Reader`] wraps one section: every typed getter reports a bad value as an
//! error naming the section, the option and the quoted value (never the value of a
//! secret), and marks the section as failed so the caller skips it. Options that no
//! getter asked for are reported as unknown by [`Reader::finish`].

use crate::diag::{Diagnostic, SectionRef, Severity, is_invisible};
use crate::uci::{Section, Value};

/// How an option's value may appear in diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// The value is quoted in messages.
    Value,
    /// A password, token or key: messages name the option only.
    Secret,
}

pub struct Reader<'a> {
    section: &'a Section,
    at: SectionRef,
    /// Names of the options some getter has consumed.
    used: Vec<&'a str>,
    diags: Vec<Diagnostic>,
    failed: bool,
}

impl<'a> Reader<'a> {
    pub fn new(section: &'a Section, at: SectionRef) -> Reader<'a> {
        Reader { section, at, used: Vec::new(), diags: Vec::new(), failed: false }
    }

    pub fn at(&self) -> &SectionRef {
        &self.at
    }

    /// Whether an error has been reported for this section.
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Whether the option is present (with a non-empty value); marks it as known.
    pub fn has(&mut self, name: &str) -> bool {
        self.raw(name).is_some_and(|v| v.items().iter().any(|i| !i.is_empty()))
    }

    fn raw(&mut self, name: &str) -> Option<&'a Value> {
        let opt = self.section.options.iter().find(|o| o.name == name)?;
        if !self.used.contains(&opt.name.as_str()) {
            self.used.push(opt.name.as_str());
        }
        Some(&opt.value)
    }

    /// The option's single value; `None` when absent or empty. A list of more than one
    /// item is an error: these options take one value.
    pub fn single(&mut self, name: &str, shown: Shown) -> Option<&'a str> {
        let items = self.items(name);
        match items.as_slice() {
            [] => None,
            [one] => Some(one),
            [first, ..] => {
                self.error_at(name, first, shown, "takes one value, not a list");
                None
            }
        }
    }

    /// The option's non-empty items as given: a single value is one item (not split).
    pub fn items(&mut self, name: &str) -> Vec<&'a str> {
        self.raw(name)
            .map_or_else(Vec::new, |v| v.items().iter().map(String::as_str).filter(|s| !s.is_empty()).collect())
    }

    /// The option's items: every item of a list as it stands, or an option's value split
    /// at white space (as firewall4 and the init scripts read a multi-value option).
    /// Empty items are dropped.
    pub fn words(&mut self, name: &str) -> Vec<&'a str> {
        match self.raw(name) {
            None => Vec::new(),
            Some(Value::Single(s)) => s.split_whitespace().collect(),
            Some(Value::List(l)) => l.iter().map(String::as_str).filter(|i| !i.is_empty()).collect(),
        }
    }

    /// Parses the single value with `parse`; a parse error is reported and gives `None`.
    pub fn parse<T>(&mut self, name: &str, shown: Shown, parse: impl FnOnce(&str) -> Result<T, String>) -> Option<T> {
        let v = self.single(name, shown)?;
        match parse(v) {
            Ok(t) => Some(t),
            Err(why) => {
                self.error_at(name, v, shown, why);
                None
            }
        }
    }

    /// Parses each of the option's [`words`](Reader::words) with `parse`: a bad item is
    /// reported as an error, a repeated one as a warning and dropped.
    pub fn parse_words<T: PartialEq>(&mut self, name: &str, parse: impl Fn(&str) -> Result<T, String>) -> Vec<T> {
        let mut out: Vec<T> = Vec::new();
        for word in self.words(name) {
            match parse(word) {
                Ok(t) if out.contains(&t) => self.warn_at(name, word, Shown::Value, "is listed twice"),
                Ok(t) => out.push(t),
                Err(why) => self.error_at(name, word, Shown::Value, why),
            }
        }
        out
    }

    /// A boolean in any of UCI's spellings; `default` when absent.
    pub fn bool(&mut self, name: &str, default: bool) -> bool {
        self.parse(name, Shown::Value, parse_bool).unwrap_or(default)
    }

    /// A boolean, `None` when absent (or invalid, which is reported).
    pub fn opt_bool(&mut self, name: &str) -> Option<bool> {
        self.parse(name, Shown::Value, parse_bool)
    }

    /// Reports an error about one value of an option; the section will be skipped.
    pub fn error_at(&mut self, option: &str, value: &str, shown: Shown, msg: impl Into<String>) {
        self.push(Severity::Error, Some(option), value, shown, msg.into());
    }

    /// Reports a warning about one value of an option.
    pub fn warn_at(&mut self, option: &str, value: &str, shown: Shown, msg: impl Into<String>) {
        self.push(Severity::Warning, Some(option), value, shown, msg.into());
    }

    /// Reports an error about an option as a whole (missing, conflicting), without a value.
    pub fn error_option(&mut self, option: &str, msg: impl Into<String>) {
        self.push(Severity::Error, Some(option), "", Shown::Secret, msg.into());
    }

    /// Reports a warning about an option as a whole, without a value.
    pub fn warn_option(&mut self, option: &str, msg: impl Into<String>) {
        self.push(Severity::Warning, Some(option), "", Shown::Secret, msg.into());
    }

    fn push(&mut self, severity: Severity, option: Option<&str>, value: &str, shown: Shown, message: String) {
        if severity == Severity::Error {
            self.failed = true;
        }
        self.diags.push(Diagnostic {
            severity,
            section: Some(self.at.clone()),
            option: option.map(str::to_string),
            value: (shown == Shown::Value).then(|| value.to_string()),
            message,
        });
    }

    /// Ends reading: reports every option no getter asked for as unknown (with `hint`
    /// giving a reason or a suggestion for a name), and returns the diagnostics in the
    /// order of the options they concern (section-wide ones first).
    pub fn finish(mut self, hint: impl Fn(&str) -> Option<String>) -> (bool, Vec<Diagnostic>) {
        let unknown: Vec<&str> =
            self.section.options.iter().map(|o| o.name.as_str()).filter(|n| !self.used.contains(n)).collect();
        for name in unknown {
            let msg = match hint(name) {
                Some(h) => format!("unknown option, ignored ({h})"),
                None => "unknown option, ignored".to_string(),
            };
            // The value of an unknown option is never shown: it may be a misspelt secret.
            self.push(Severity::Warning, Some(name), "", Shown::Secret, msg);
        }
        let section = self.section;
        let pos = |d: &Diagnostic| {
            d.option.as_ref().and_then(|o| section.options.iter().position(|x| &x.name == o)).map_or(0, |p| p + 1)
        };
        self.diags.sort_by_key(pos);
        (!self.failed, self.diags)
    }
}

/// Options whose value is a secret: `password`, `password_ipv6`, `key_secret`, and
/// `update_url`, which often embeds a token (docs/config.md, "Secrets are never printed").
pub const SECRET_OPTIONS: &[&str] = &["password", "password_ipv6", "key_secret", "update_url"];

/// Whether an option's value is hidden wherever homeport prints the file
/// (`check --show`): a secret option, or a likely misspelling of one (`pasword` holds
/// the password all the same).
pub fn is_secret_option(name: &str) -> bool {
    SECRET_OPTIONS.contains(&name) || did_you_mean(name, SECRET_OPTIONS).is_some()
}

/// UCI's boolean spellings (`get_bool` in OpenWrt's functions.sh, ubox's validator).
pub fn parse_bool(s: &str) -> Result<bool, String> {
    let l = s.to_ascii_lowercase();
    if TRUE.contains(&l.as_str()) {
        Ok(true)
    } else if FALSE.contains(&l.as_str()) {
        Ok(false)
    } else {
        Err("is not a boolean (1/0, yes/no, on/off, true/false, enabled/disabled)".to_string())
    }
}

/// A table of choices: each value with the label LuCI shows and its spellings, the
/// canonical one first (lower case). Parsers and `homeport schema` share these tables.
pub type Choices<T> = &'static [(T, &'static str, &'static [&'static str])];

/// The value `s` spells in `table`, any case.
pub fn choose<T: Copy>(table: Choices<T>, s: &str) -> Option<T> {
    let l = s.to_ascii_lowercase();
    table.iter().find(|(_, _, spellings)| spellings.contains(&l.as_str())).map(|(v, _, _)| *v)
}

/// The spellings of true and false (lower case), as `homeport schema` publishes them.
pub const TRUE: &[&str] = &["1", "yes", "on", "true", "enabled"];
pub const FALSE: &[&str] = &["0", "no", "off", "false", "disabled"];

/// Free text that is shown to people (names, comments, user names): no control or
/// invisible characters, at most `max` bytes.
pub fn parse_text(s: &str, max: usize) -> Result<String, String> {
    if s.chars().any(|c| c.is_control() || is_invisible(c)) {
        return Err("contains control or invisible characters".to_string());
    }
    if s.len() > max {
        return Err(format!("is longer than {max} bytes"));
    }
    Ok(s.to_string())
}

/// The known name closest to `name` when it is a plausible misspelling (edit distance at
/// most 2, and less than half the name).
pub fn did_you_mean<'k>(name: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, k)| *d <= 2 && *d * 2 < k.len().max(name.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(usize::MAX).saturating_add(usize::from(ca != *cb));
            let del = prev.get(j + 1).copied().unwrap_or(usize::MAX).saturating_add(1);
            let ins = cur.get(j).copied().unwrap_or(usize::MAX).saturating_add(1);
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::uci::UciOption;

    fn section(opts: &[(&str, Value)]) -> Section {
        Section {
            ty: "forward".into(),
            name: Some("t".into()),
            options: opts.iter().map(|(n, v)| UciOption { name: n.to_string(), value: v.clone(), line: 1 }).collect(),
            line: 1,
        }
    }

    fn at() -> SectionRef {
        SectionRef { ty: "forward".into(), index: 0, name: Some("t".into()) }
    }

    #[test]
    fn booleans() {
        for t in ["1", "yes", "on", "true", "enabled", "YES", "True"] {
            assert_eq!(parse_bool(t), Ok(true), "{t}");
        }
        for f in ["0", "no", "off", "false", "disabled", "Off"] {
            assert_eq!(parse_bool(f), Ok(false), "{f}");
        }
        for bad in ["", "2", "y", "nein", "1 "] {
            assert!(parse_bool(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn lists_in_single_options_are_errors() {
        let s = section(&[("proto", Value::List(vec!["tcp".into(), "udp".into()])), ("x", Value::Single("1".into()))]);
        let mut r = Reader::new(&s, at());
        assert_eq!(r.single("proto", Shown::Value), None);
        let (ok, diags) = r.finish(|_| None);
        assert!(!ok);
        let text: Vec<String> = diags.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "error: section @forward[0] ('t'): option 'proto': 'tcp' takes one value, not a list",
                "warning: section @forward[0] ('t'): option 'x': unknown option, ignored",
            ]
        );
    }

    #[test]
    fn secrets_are_not_shown() {
        let s = section(&[("password", Value::Single("hunter2\n".into())), ("pasword", Value::Single("x".into()))]);
        let mut r = Reader::new(&s, at());
        assert_eq!(r.parse("password", Shown::Secret, |v| parse_text(v, 100)), None);
        let (_, diags) = r.finish(|_| None);
        for d in &diags {
            assert!(d.value.is_none());
            assert!(!d.to_string().contains("hunter2"));
        }
    }

    #[test]
    fn one_list_item_is_a_single_value_and_words_split() {
        let s = section(&[
            ("a", Value::List(vec!["v".into()])),
            ("b", Value::List(vec!["1 2".into(), "".into(), "3".into()])),
            ("c", Value::Single(" 1  2 ".into())),
        ]);
        let mut r = Reader::new(&s, at());
        assert_eq!(r.single("a", Shown::Value), Some("v"));
        assert_eq!(r.words("b"), ["1 2", "3"], "list items stand as they are");
        assert_eq!(r.words("c"), ["1", "2"], "an option's value splits at white space");
        assert!(r.finish(|_| None).1.is_empty());
    }

    #[test]
    fn suggestions() {
        let known = ["dest_port", "dest_ip", "src_dport", "reflection"];
        assert_eq!(did_you_mean("dest_prot", &known), Some("dest_port"));
        assert_eq!(did_you_mean("reflexion", &known), Some("reflection"));
        assert_eq!(did_you_mean("foo", &known), None);
        assert_eq!(did_you_mean("ip", &["id"]), None);
    }

    #[test]
    fn secret_options_and_their_misspellings() {
        for name in ["password", "key_secret", "update_url", "pasword", "passwd", "key_secrte", "updateurl"] {
            assert!(is_secret_option(name), "{name}");
        }
        for name in ["username", "key_name", "domain", "server", "ip_url", "dest_port"] {
            assert!(!is_secret_option(name), "{name}");
        }
    }

    #[test]
    fn text() {
        assert!(parse_text("RDP to PC", 10).is_ok());
        assert!(parse_text("a\nb", 10).is_err());
        assert!(parse_text("a\u{202e}b", 10).is_err());
        assert!(parse_text("abcdefghijk", 10).is_err());
    }
}
