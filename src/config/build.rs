//! From a parsed UCI package to the typed [`Config`] and its diagnostics.
//!
//! Pure. Sections are read in file order; each problem becomes a diagnostic naming the
//! section, the option and the value, in firewall4's manner. A section with an error is
//! skipped ("skipped due to invalid options") and the rest stands; in the main section a
//! bad option costs that option only (its default applies, with a warning). Checks that
//! span sections (names used twice, two sections updating the same DNS name) run as each
//! section is accepted.

use super::read::{Reader, did_you_mean};
use super::{Config, DdnsHost, Forward, MainSettings, ddns, forward, main_section};
use crate::diag::{Diagnostic, SectionRef, quote_value};
use crate::uci::{self, Package, ParseError, Section};

/// The section types homeport reads.
pub const SECTION_TYPES: &[&str] = &["homeport", "ddns", "forward"];

/// Reads `pkg` into a [`Config`]; the diagnostics are in file order.
pub fn build(pkg: &Package) -> (Config, Vec<Diagnostic>) {
    build_except(pkg, &[], &[])
}

/// [`build`], leaving out (with an error naming them) the sections next to a syntax error
/// and those with a value that is not UTF-8 (`uci::Parsed::suspect`, `not_utf8`).
fn build_except(pkg: &Package, suspect: &[(usize, usize)], not_utf8: &[(usize, String)]) -> (Config, Vec<Diagnostic>) {
    let mut b = Builder::default();
    for (i, section) in pkg.sections.iter().enumerate() {
        let at = b.section_ref(section);
        if !b.unique_name(section, &at) {
            continue;
        }
        // As for a main section with an invalid option: the defaults stand in for it.
        let instead = if section.ty == "homeport" { "; the defaults apply until it is fixed" } else { "" };
        if let Some((_, line)) = suspect.iter().find(|(s, _)| *s == i) {
            // A broken `config` line leaves the lines after it in the section before:
            // a forward would point where another one should (issue 10, item 7).
            let msg = format!(
                "not applied because of the syntax error at line {line} (a broken line can move \
                 options from one section into another){instead}"
            );
            b.diags.push(Diagnostic::error(msg).in_section(&at));
            continue;
        }
        let bad: Vec<&String> = not_utf8.iter().filter(|(s, _)| *s == i).map(|(_, o)| o).collect();
        for option in &bad {
            // The value is never shown: it may be a secret, and it is not text.
            let msg = format!("is not valid UTF-8; no byte is changed to guess, the section is not applied{instead}");
            b.diags.push(Diagnostic { option: Some(option.to_string()), ..Diagnostic::error(msg) }.in_section(&at));
        }
        if !bad.is_empty() {
            continue;
        }
        match section.ty.as_str() {
            "homeport" => b.main_section(section, at),
            "ddns" => b.ddns_section(section, at),
            "forward" => b.forward_section(section, at),
            other => {
                let msg = match type_hint(other) {
                    Some(h) => format!("unknown section type, ignored ({h})"),
                    None => "unknown section type, ignored".to_string(),
                };
                b.diags.push(Diagnostic::warning(msg).in_section(&at));
            }
        }
    }
    let config = Config { main: b.main.map(|(_, m)| m).unwrap_or_default(), ddns: b.ddns, forwards: b.forwards };
    (config, b.diags)
}

/// A configuration read from UCI text: the package as parsed, the typed config, and
/// every diagnostic (syntax errors first, then the config's own).
#[derive(Clone, Debug)]
pub struct Loaded {
    pub package: Package,
    pub config: Config,
    pub diagnostics: Vec<Diagnostic>,
    /// Every syntax error: those lenient reading skipped, and the one strict reading (uci,
    /// LuCI) stops at. A file with any is not one libuci accepts: a running daemon keeps
    /// its configuration rather than take this one (docs/config.md).
    pub syntax: Vec<ParseError>,
}

/// Parses `input` leniently, as OpenWrt's init scripts read a config (a syntax error
/// skips the rest of its line and is reported), and builds the config from it, leaving
/// out the sections next to a syntax error and those holding a value that is not UTF-8.
/// What a strict parse (uci, LuCI) would refuse is reported too. A file over the reader's
/// bounds gives no section at all.
pub fn from_text(input: impl AsRef<[u8]>, package_name: &str) -> Loaded {
    let input = input.as_ref();
    let parsed = match uci::parse_checked(input, package_name) {
        Ok(p) => p,
        Err(e) => {
            let package = Package { name: package_name.to_string(), sections: Vec::new() };
            let (config, _) = build(&package);
            return Loaded { package, config, diagnostics: vec![Diagnostic::error(e.to_string())], syntax: vec![e] };
        }
    };
    let mut syntax: Vec<(ParseError, String)> =
        parsed.errors.iter().map(|e| (*e, format!("{e}; the rest of that line is ignored"))).collect();
    // Lenient reading passes over some mistakes in silence (extra words on a line, a
    // name reused with another type) that make uci and LuCI refuse the whole file.
    if let Err(e) = uci::parse_strict(input, package_name) {
        if !parsed.errors.contains(&e) {
            syntax.push((e, format!("{e}; uci and LuCI refuse the file because of it")));
        }
    }
    syntax.sort_by_key(|(e, _)| (e.line, e.byte));
    let mut diagnostics: Vec<Diagnostic> = syntax.iter().map(|(_, m)| Diagnostic::error(m.clone())).collect();
    let (config, diags) = build_except(&parsed.package, &parsed.suspect, &parsed.not_utf8);
    diagnostics.extend(diags);
    Loaded { package: parsed.package, config, diagnostics, syntax: syntax.into_iter().map(|(e, _)| e).collect() }
}

/// Whether any diagnostic is an error (the config is then not fully usable).
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

fn type_hint(ty: &str) -> Option<String> {
    match ty {
        "service" => Some("ddns-scripts calls these 'service'; homeport's are 'ddns'".to_string()),
        "redirect" => Some("firewall4 calls these 'redirect'; homeport's are 'forward'".to_string()),
        _ => did_you_mean(ty, SECTION_TYPES).map(|k| format!("did you mean '{k}'?")),
    }
}

#[derive(Default)]
struct Builder<'p> {
    diags: Vec<Diagnostic>,
    /// `@type[N]` counters: sections of each type seen so far (named ones count too).
    counts: Vec<(&'p str, usize)>,
    names: Vec<(&'p str, SectionRef)>,
    main: Option<(SectionRef, MainSettings)>,
    main_seen: Option<SectionRef>,
    ddns: Vec<DdnsHost>,
    forwards: Vec<Forward>,
}

impl<'p> Builder<'p> {
    fn section_ref(&mut self, s: &'p Section) -> SectionRef {
        let index = match self.counts.iter_mut().find(|(t, _)| *t == s.ty) {
            Some((_, n)) => {
                *n += 1;
                *n - 1
            }
            None => {
                self.counts.push((&s.ty, 1));
                0
            }
        };
        SectionRef { ty: s.ty.clone(), index, name: s.name.clone() }
    }

    /// libuci merges repeated names while parsing; a package built otherwise may still
    /// repeat one, and then the later section is refused.
    fn unique_name(&mut self, s: &'p Section, at: &SectionRef) -> bool {
        let Some(name) = s.name.as_deref() else { return true };
        if let Some((_, first)) = self.names.iter().find(|(n, _)| *n == name) {
            let msg =
                format!("has the same name as section {first}; section names must be unique, this one is skipped");
            self.diags.push(Diagnostic::error(msg).in_section(at));
            return false;
        }
        self.names.push((name, at.clone()));
        true
    }

    fn main_section(&mut self, s: &Section, at: SectionRef) {
        if let Some(first) = &self.main_seen {
            let msg =
                format!("is a second 'homeport' section; only one is read (section {first}), this one is ignored");
            self.diags.push(Diagnostic::error(msg).in_section(&at));
            return;
        }
        self.main_seen = Some(at.clone());
        let mut r = Reader::new(s, at.clone());
        let main = main_section::read(&mut r);
        let (_, diags) = r.finish(|o| did_you_mean(o, main_section::KNOWN).map(|k| format!("did you mean '{k}'?")));
        self.diags.extend(diags);
        self.main = Some((at, main));
    }

    fn ddns_section(&mut self, s: &Section, at: SectionRef) {
        let mut r = Reader::new(s, at.clone());
        let host = ddns::read(&mut r);
        if let Some(h) = &host {
            self.check_ddns_overlap(&mut r, h);
        }
        let (ok, diags) = r.finish(ddns::hint);
        self.diags.extend(diags);
        match host {
            Some(h) if ok => self.ddns.push(h),
            _ => self.skipped(&at),
        }
    }

    /// Two enabled sections publishing the same name and family would overwrite each
    /// other at every change (and look like abuse to the provider).
    fn check_ddns_overlap(&self, r: &mut Reader<'_>, h: &DdnsHost) {
        if !h.enabled {
            return;
        }
        for other in self.ddns.iter().filter(|o| o.enabled) {
            let fam = match (
                h.family.wants_v4() && other.family.wants_v4(),
                h.family.wants_v6() && other.family.wants_v6(),
            ) {
                (true, true) => "IPv4 and IPv6",
                (true, false) => "IPv4",
                (false, true) => "IPv6",
                (false, false) => continue,
            };
            for d in h.domains.iter().filter(|d| other.domains.contains(d)) {
                r.error_at(
                    "domain",
                    d.as_str(),
                    super::read::Shown::Value,
                    format!(
                        "is also updated by section {} for {fam}; the two would overwrite each other",
                        other.section
                    ),
                );
            }
        }
    }

    fn forward_section(&mut self, s: &Section, at: SectionRef) {
        let mut r = Reader::new(s, at.clone());
        let default_name = s.name.clone().unwrap_or_else(|| at.to_string());
        let fwd = forward::read(&mut r, default_name);
        let (ok, diags) = r.finish(forward::hint);
        self.diags.extend(diags);
        match fwd {
            Some(f) if ok => {
                if let Some(first) = self.forwards.iter().find(|o| o.name == f.name) {
                    let msg = format!(
                        "has the same name {} as section {}; logs and status will not tell them apart",
                        quote_value(&f.name),
                        first.section
                    );
                    self.diags.push(Diagnostic::warning(msg).in_section(&at));
                }
                self.forwards.push(f);
            }
            _ => self.skipped(&at),
        }
    }

    fn skipped(&mut self, at: &SectionRef) {
        self.diags.push(Diagnostic::warning("skipped due to invalid options").in_section(at));
    }
}
