//! `homeport migrate`: ddns-scripts' `/etc/config/ddns` → homeport `config ddns` sections.
//!
//! Pure: a parsed `ddns` package in, the sections to add and a note for everything that
//! could not be carried over out. Option meanings follow ddns-scripts 2.8.4
//! (`dynamic_dns_updater.sh`, `dynamic_dns_functions.sh`; ../shared/reference/ddns.md §2.2).
//! Invariants: every emitted section is `config ddns '<name>'` with a valid UCI name; a
//! secret never appears in a note; a section is migrated enabled only when nothing that
//! affects its updates was lost (otherwise it is written disabled, with the reason).

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service;

use crate::config::Service;
use crate::diag::{Diagnostic, SectionRef, quote_value};
use crate::types::UciName;
use crate::uci::{Package, Section, UciOption, Value};

pub use service::map_service;

/// The result of a migration: the sections to add and what was not carried over.
#[derive(Clone, Debug, PartialEq)]
pub struct Migration {
    /// `config ddns` sections, in the order of the source sections.
    pub sections: Vec<Section>,
    /// Warnings naming the ddns-scripts section and option, never a secret value.
    pub notes: Vec<Diagnostic>,
}

/// ddns-scripts options whose value is or may hold a secret (a token inside an update
/// URL): never echoed in a note.
const SECRET_OPTIONS: &[&str] = &["password", "param_enc", "update_url"];

/// Options that only tune ddns-scripts' own machinery; dropping them changes nothing
/// about which name gets which address.
const HARMLESS: &[(&str, &str)] = &[
    ("use_syslog", "homeport always logs to syslog"),
    ("use_logfile", "homeport logs to syslog, not to files"),
    ("retry_max_count", "homeport backs off by itself and stops on fatal provider answers"),
    ("retry_count", "homeport backs off by itself and stops on fatal provider answers"),
    ("force_dnstcp", "homeport's lookups fall back to TCP by themselves"),
    ("is_glue", "not needed: homeport asks the name's servers directly"),
    ("user_agent", "homeport sends its own User-Agent"),
    ("use_api_check", "homeport knows how to read back each provider it supports"),
    ("ip_network", "homeport watches the WAN interface set in `config homeport 'main'`"),
    ("ip_interface", "homeport watches the WAN interface set in `config homeport 'main'`"),
    ("bind_network", "homeport sends updates from the WAN interface set in `config homeport 'main'`"),
    ("force_ipversion", "homeport picks the address family from `family`"),
    ("interface", "homeport acts on the WAN interface set in `config homeport 'main'`"),
];

/// Converts every `config service` section of a ddns-scripts package.
pub fn migrate(ddns: &Package) -> Migration {
    migrate_except(ddns, &[])
}

/// [`migrate`] from a lenient parse: a section whose options are not all as written is not
/// converted, with a note saying why. That is a section with a value that is not UTF-8
/// (the model holds U+FFFD there: a password would change), and a section next to a syntax
/// error (a broken `config` line leaves another section's options in it).
pub fn migrate_parsed(ddns: &crate::uci::Parsed) -> Migration {
    let mut skip: Vec<(usize, String)> = ddns
        .not_utf8
        .iter()
        .map(|(i, o)| (*i, format!("option {}: is not valid UTF-8: not migrated (no byte is changed)", quote_value(o))))
        .collect();
    skip.extend(
        ddns.suspect.iter().map(|(i, line)| (*i, format!("next to the syntax error at line {line}: not migrated"))),
    );
    migrate_except(&ddns.package, &skip)
}

/// [`migrate`], leaving out the sections listed (by index in `ddns.sections`) with a note
/// giving the reason.
fn migrate_except(ddns: &Package, skip: &[(usize, String)]) -> Migration {
    let mut notes = Vec::new();
    let globals = Globals::read(ddns, &mut notes);
    let mut hosts: Vec<Host> = Vec::new();
    let services = ddns.sections.iter().enumerate().filter(|(_, s)| s.ty == "service");
    for (index, (at, section)) in services.enumerate() {
        let sref = SectionRef { ty: "service".into(), index, name: section.name.clone() };
        let reasons: Vec<&String> = skip.iter().filter(|(i, _)| *i == at).map(|(_, r)| r).collect();
        if !reasons.is_empty() {
            for r in reasons {
                notes.push(Diagnostic::warning(r.clone()).in_section(&sref));
            }
            continue;
        }
        if let Some(host) = convert(section, &sref, &globals, &mut notes) {
            hosts.push(host);
        }
    }
    for (index, section) in ddns.sections.iter().enumerate() {
        if section.ty != "service" && section.ty != "ddns" {
            let sref = SectionRef { ty: section.ty.clone(), index, name: section.name.clone() };
            notes.push(Diagnostic::warning("not a ddns-scripts section type: skipped").in_section(&sref));
        }
    }
    let hosts = merge_families(hosts, &mut notes);
    Migration { sections: hosts.into_iter().map(Host::into_section).collect(), notes }
}

/// `config ddns 'global'`.
struct Globals {
    upd_privateip: bool,
}

impl Globals {
    fn read(ddns: &Package, notes: &mut Vec<Diagnostic>) -> Globals {
        let mut g = Globals { upd_privateip: false };
        for (index, section) in ddns.sections_of("ddns") {
            let sref = SectionRef { ty: "ddns".into(), index, name: section.name.clone() };
            for opt in &section.options {
                let value = first(&opt.value);
                match opt.name.as_str() {
                    "upd_privateip" => g.upd_privateip = is_true(value),
                    "use_curl" | "ddns_dateformat" | "ddns_rundir" | "ddns_logdir" | "ddns_loglines" | "url"
                    | "cacert" | "services_url" => {}
                    other => notes.push(
                        Diagnostic::warning("unknown global option: not carried over")
                            .at_option(other, value)
                            .in_section(&sref),
                    ),
                }
            }
        }
        g
    }
}

/// One host being built: the source section's name, the options in output order, and
/// whether something that matters was lost.
struct Host {
    source: SectionRef,
    name: String,
    family: Family,
    options: Vec<(String, Value)>,
    enabled: bool,
    hold: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    V4,
    V6,
    Both,
}

impl Family {
    fn word(self) -> &'static str {
        match self {
            Family::V4 => "ipv4",
            Family::V6 => "ipv6",
            Family::Both => "both",
        }
    }
}

impl Host {
    fn set(&mut self, name: &str, value: impl Into<String>) {
        self.options.push((name.to_string(), Value::Single(value.into())));
    }

    fn into_section(self) -> Section {
        let enabled = self.enabled && self.hold.is_none();
        let mut options = vec![UciOption { name: "enabled".into(), value: Value::Single(bool_word(enabled)), line: 0 }];
        let mut rest = self.options.into_iter();
        // `service` and `domain` lead, then family, then the rest in source order.
        for (name, value) in rest.by_ref().take(2) {
            options.push(UciOption { name, value, line: 0 });
        }
        options.push(UciOption { name: "family".into(), value: Value::Single(self.family.word().into()), line: 0 });
        options.extend(rest.map(|(name, value)| UciOption { name, value, line: 0 }));
        Section { ty: "ddns".into(), name: Some(self.name), options, line: 0 }
    }
}

fn bool_word(b: bool) -> String {
    if b { "1".into() } else { "0".into() }
}

fn first(v: &Value) -> &str {
    v.items().first().map(String::as_str).unwrap_or("")
}

fn is_true(v: &str) -> bool {
    matches!(v, "1" | "on" | "true" | "yes" | "enabled")
}

fn note(sref: &SectionRef, option: &str, value: &str, message: &str) -> Diagnostic {
    let d = Diagnostic::warning(message).in_section(sref);
    if SECRET_OPTIONS.contains(&option) {
        // Name the option, never its value.
        let mut d = d;
        d.option = Some(option.to_string());
        d
    } else {
        d.at_option(option, value)
    }
}

fn convert(section: &Section, sref: &SectionRef, globals: &Globals, notes: &mut Vec<Diagnostic>) -> Option<Host> {
    let get = |name: &str| section.option(name).map(first).filter(|v| !v.is_empty());

    let Some(name) = section.name.clone().filter(|n| UciName::parse(n).is_ok()) else {
        notes.push(Diagnostic::warning("anonymous section: not migrated (give it a name first)").in_section(sref));
        return None;
    };

    if let Some(script) = get("update_script") {
        notes.push(note(
            sref,
            "update_script",
            script,
            "cannot be carried over (a custom update script): section not migrated",
        ));
        return None;
    }

    let service_name = get("service_name");
    let update_url = get("update_url");
    let mapped = match (service_name, update_url) {
        (Some(s), _) => match map_service(s) {
            Some(m) => m,
            None => {
                notes.push(note(
                    sref,
                    "service_name",
                    s,
                    "has no built-in homeport provider: section not migrated (service 'custom' with its update URL may do)",
                ));
                return None;
            }
        },
        (None, Some(_)) => Service::Custom,
        (None, None) => {
            notes.push(
                Diagnostic::warning("neither service_name nor update_url: section not migrated").in_section(sref),
            );
            return None;
        }
    };

    let family = if get("use_ipv6").is_some_and(is_true) { Family::V6 } else { Family::V4 };
    let mut host = Host {
        source: sref.clone(),
        name,
        family,
        options: Vec::new(),
        enabled: get("enabled").is_some_and(is_true),
        hold: None,
    };
    host.set("service", mapped.name());

    // Domain: ddns-scripts' Cloudflare script writes `host@zone`; homeport wants the name.
    let mut domain = get("domain").map(str::to_string);
    if mapped == Service::Cloudflare {
        if let Some(d) = domain.clone().filter(|d| d.contains('@')) {
            let (label, zone) = d.split_once('@').unwrap_or(("", &d));
            domain = Some(if label.is_empty() { zone.to_string() } else { format!("{label}.{zone}") });
            host.options.push(("domain".into(), Value::List(vec![domain.clone().unwrap_or_default()])));
            let zone_id_given =
                get("param_opt").is_some_and(|p| p.split_whitespace().any(|kv| kv.starts_with("zone_id=")));
            if !zone_id_given {
                host.set("cloudflare_zone", zone);
            }
        } else if let Some(d) = &domain {
            host.options.push(("domain".into(), Value::List(vec![d.clone()])));
        }
    } else if mapped == Service::Namecheap {
        // Namecheap sends host=[USERNAME]&domain=[DOMAIN]: the name is username.domain,
        // and [DOMAIN] is the registered domain, which homeport's `zone` names.
        let label = get("username").unwrap_or("@");
        if let Some(d) = &domain {
            let full = if label == "@" { d.clone() } else { format!("{label}.{d}") };
            host.options.push(("domain".into(), Value::List(vec![full.clone()])));
            host.set("zone", d);
            domain = Some(full);
        }
    } else if let Some(d) = &domain {
        host.options.push(("domain".into(), Value::List(vec![d.clone()])));
    }
    if domain.is_none() {
        notes.push(Diagnostic::warning("no domain: section not migrated").in_section(sref));
        return None;
    }

    for opt in &section.options {
        let value = first(&opt.value);
        let name = opt.name.as_str();
        match name {
            "enabled" | "service_name" | "domain" | "use_ipv6" => {}
            "username" => match mapped {
                Service::Cloudflare => {
                    if value != "Bearer" {
                        notes.push(note(sref, name, value, "is a global API key login: homeport needs an API token (Zone.DNS edit) in 'password'; migrated disabled"));
                        host.hold = Some("needs an API token".into());
                    }
                }
                Service::Namecheap => {}
                Service::Rfc2136 => {
                    // nsupdate's `key [hmac:]name secret`: no prefix means HMAC-MD5.
                    match value.split_once(':') {
                        Some((alg, key)) if matches!(alg, "hmac-sha1" | "hmac-sha256" | "hmac-sha512") => {
                            host.set("key_name", key);
                            host.set("key_algorithm", alg);
                        }
                        _ => {
                            notes.push(note(sref, name, value, "names a key without a supported algorithm (nsupdate's default is HMAC-MD5; homeport takes hmac-sha1/256/512): set 'key_algorithm' and a matching key; migrated disabled"));
                            host.set("key_name", value.split_once(':').map_or(value, |(_, k)| k));
                            host.hold = Some("TSIG algorithm".into());
                        }
                    }
                }
                _ => host.set("username", value),
            },
            "password" => match mapped {
                Service::Rfc2136 => host.set("key_secret", value),
                _ => host.set("password", value),
            },
            "update_url" => match mapped {
                Service::Custom => {
                    let (mut url, lost) = custom_url(value, get("param_enc"), get("param_opt"));
                    // ddns-scripts fills [IP] with the section's own family; homeport
                    // names the IPv6 address [IP6].
                    if family == Family::V6 && url.contains("[IP]") {
                        url = url.replace("[IP]", "[IP6]");
                        notes.push(note(sref, name, value, "has [IP] written as [IP6]: this section publishes IPv6"));
                    }
                    if value.starts_with("http://") {
                        notes.push(note(
                            sref,
                            name,
                            value,
                            "is now sent over HTTPS (set use_https '0' only if the provider has none)",
                        ));
                    }
                    if lost {
                        notes.push(note(
                            sref,
                            name,
                            value,
                            "uses a placeholder homeport does not know: migrated disabled",
                        ));
                        host.hold = Some("update URL".into());
                    }
                    host.set("update_url", url);
                }
                _ => notes.push(note(sref, name, value, "is ignored: the built-in provider knows its own URL")),
            },
            "param_opt" if mapped == Service::Cloudflare => {
                // `zone_id=<id> [dns_record_id=<id>]`: the zone id is what homeport takes.
                for pair in value.split_whitespace() {
                    match pair.split_once('=') {
                        Some(("zone_id", id)) => host.set("cloudflare_zone", id),
                        _ => notes.push(note(sref, name, pair, "not carried over: homeport finds the record by name")),
                    }
                }
            }
            "param_enc" | "param_opt" => {
                if mapped != Service::Custom {
                    notes.push(note(
                        sref,
                        name,
                        value,
                        "not carried over: the built-in provider takes no extra parameter",
                    ));
                }
            }
            "lookup_host" => {
                if Some(value) != domain.as_deref() {
                    host.set("lookup_host", value);
                }
            }
            "ip_source" => match value {
                "network" | "interface" => {}
                "web" => host.set("ip_source", "web"),
                _ => {
                    notes.push(note(sref, name, value, "not carried over: homeport reads the WAN interface instead"));
                    host.hold = Some("address source".into());
                }
            },
            "ip_url" => {
                if get("ip_source") == Some("web") {
                    host.set("ip_url", upgrade_https(value));
                    if value.starts_with("http://") {
                        notes.push(note(sref, name, value, "is now fetched over HTTPS"));
                    }
                }
            }
            "ip_script" => {}
            "use_https" => {
                if !is_true(value) && mapped != Service::Rfc2136 {
                    notes.push(note(
                        sref,
                        name,
                        value,
                        "not carried over: homeport uses HTTPS (set use_https '0' only if the provider has none)",
                    ));
                }
            }
            "cacert" => match value {
                "IGNORE" => notes.push(note(sref, name, value, "is dropped: homeport always verifies certificates")),
                "/etc/ssl/certs" | "/etc/ssl/certs/" | "/etc/ssl/certs/ca-certificates.crt" => {}
                _ => host.set("cacert", value),
            },
            "dns_server" => match mapped {
                Service::Rfc2136 => host.set("server", value),
                _ => host.set("dns_server", value),
            },
            "check_interval" | "force_interval" | "retry_interval" => {
                let unit_opt = format!("{}_unit", name.trim_end_matches("_interval"));
                let unit = get(&unit_opt).unwrap_or(match name {
                    "check_interval" => "minutes",
                    "force_interval" => "hours",
                    _ => "seconds",
                });
                match interval(value, unit) {
                    Some(v) if name == "force_interval" && v == "0s" => {
                        notes.push(note(
                            sref,
                            name,
                            value,
                            "(run once) has no homeport equivalent: the daemon keeps the name up to date",
                        ));
                    }
                    Some(v) => host.set(name, v),
                    None => notes.push(note(sref, name, value, "is not a number: not carried over")),
                }
            }
            "check_unit" | "force_unit" | "retry_unit" => {}
            "proxy" => {
                notes.push(note(
                    sref,
                    name,
                    value,
                    "not carried over: homeport does not use an HTTP proxy; migrated disabled",
                ));
                host.hold = Some("proxy".into());
            }
            other => match HARMLESS.iter().find(|(n, _)| *n == other) {
                Some((_, why)) => {
                    // `interface`/`ip_network` naming the usual WAN are exactly what homeport does.
                    if !(matches!(other, "interface" | "ip_network" | "bind_network")
                        && matches!(value, "wan" | "wan6"))
                    {
                        notes.push(note(sref, other, value, &format!("not carried over: {why}")));
                    }
                }
                None => notes.push(note(sref, other, value, "unknown option: not carried over")),
            },
        }
    }

    if mapped == Service::Rfc2136 && get("dns_server").is_none() {
        notes.push(
            Diagnostic::warning("nsupdate without dns_server: set 'server' to the primary; migrated disabled")
                .in_section(sref),
        );
        host.hold = Some("server".into());
    }
    if globals.upd_privateip {
        host.set("allow_private", "1");
    }
    if let Some(reason) = &host.hold {
        if host.enabled {
            notes.push(
                Diagnostic::warning(format!("migrated disabled ({reason}): enable it once fixed")).in_section(sref),
            );
        }
    }
    Some(host)
}

/// A ddns-scripts interval and unit as a homeport duration (`10m`, `72h`, `60s`).
fn interval(value: &str, unit: &str) -> Option<String> {
    let n: u64 = value.trim().parse().ok()?;
    let suffix = match unit {
        "seconds" => "s",
        "minutes" => "m",
        "hours" => "h",
        "days" => "d",
        _ => return None,
    };
    if n == 0 {
        return Some("0s".into());
    }
    Some(format!("{n}{suffix}"))
}

fn upgrade_https(url: &str) -> String {
    match url.strip_prefix("http://") {
        Some(rest) => format!("https://{rest}"),
        None => url.to_string(),
    }
}

/// A ddns-scripts update URL as a homeport template. `[PARAMENC]` (URL-encoded by
/// ddns-scripts) and `[PARAMOPT]` (verbatim) are substituted now; the URL moves to HTTPS.
/// Returns the URL and whether a placeholder remains that homeport does not know.
fn custom_url(url: &str, param_enc: Option<&str>, param_opt: Option<&str>) -> (String, bool) {
    let mut out = upgrade_https(url);
    if let Some(enc) = param_enc {
        out = out.replace("[PARAMENC]", &percent_encode(enc));
    }
    if let Some(opt) = param_opt {
        out = out.replace("[PARAMOPT]", opt);
    }
    let known = ["[USERNAME]", "[PASSWORD]", "[DOMAIN]", "[IP]", "[IP6]"];
    let mut rest = out.as_str();
    let mut unknown = false;
    while let Some(start) = rest.find('[') {
        let tail = rest.get(start..).unwrap_or("");
        match tail.find(']') {
            Some(end) => {
                let tag = tail.get(..=end).unwrap_or("");
                if tag.len() > 2
                    && tag.chars().skip(1).take(tag.len() - 2).all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                    && !known.contains(&tag)
                {
                    unknown = true;
                }
                rest = tail.get(end + 1..).unwrap_or("");
            }
            None => break,
        }
    }
    (out, unknown)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// ddns-scripts needs one section per address family; homeport updates A and AAAA in
/// one. Two sections that differ only in family become one `family 'both'` section.
fn merge_families(hosts: Vec<Host>, notes: &mut Vec<Diagnostic>) -> Vec<Host> {
    let mut out: Vec<Host> = Vec::new();
    for host in hosts {
        let twin = out.iter_mut().find(|h| {
            h.family != host.family
                && h.family != Family::Both
                && h.options == host.options
                && h.enabled == host.enabled
                && h.hold == host.hold
        });
        match twin {
            Some(t) => {
                notes.push(
                    Diagnostic::warning(format!(
                        "merged into '{}' (family both): homeport updates A and AAAA together",
                        t.name
                    ))
                    .in_section(&host.source),
                );
                t.family = Family::Both;
            }
            None => out.push(host),
        }
    }
    out
}

/// Sections to add to an existing homeport package: a name already taken is skipped with
/// a note, so running `homeport migrate` twice adds nothing the second time.
pub fn add_to(target: &mut Package, migration: Migration) -> Vec<Diagnostic> {
    let mut notes = migration.notes;
    for section in migration.sections {
        let name = section.name.clone().unwrap_or_default();
        if target.section(&name).is_some() {
            notes.push(Diagnostic::warning(format!(
                "section {} is already in the homeport config: left as it is, not migrated again",
                quote_value(&name)
            )));
            continue;
        }
        target.sections.push(section);
    }
    notes
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    type Spec<'a> = (&'a str, Option<&'a str>, &'a [(&'a str, &'a str)]);

    fn package(sections: &[Spec]) -> Package {
        Package {
            name: "ddns".into(),
            sections: sections
                .iter()
                .map(|(ty, name, opts)| Section {
                    ty: ty.to_string(),
                    name: name.map(str::to_string),
                    options: opts
                        .iter()
                        .map(|(n, v)| UciOption { name: n.to_string(), value: Value::Single(v.to_string()), line: 0 })
                        .collect(),
                    line: 0,
                })
                .collect(),
        }
    }

    fn opts(s: &Section) -> Vec<(String, String)> {
        s.options.iter().map(|o| (o.name.clone(), o.value.items().join(" "))).collect()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn dyndns_section_becomes_dyn_host() {
        let m = migrate(&package(&[(
            "service",
            Some("home"),
            &[
                ("enabled", "1"),
                ("service_name", "dyndns.org"),
                ("domain", "home.example.org"),
                ("lookup_host", "home.example.org"),
                ("username", "alice"),
                ("password", "s3cret"),
                ("interface", "wan"),
                ("ip_source", "network"),
                ("ip_network", "wan"),
                ("check_interval", "5"),
                ("check_unit", "minutes"),
            ],
        )]));
        assert_eq!(m.sections.len(), 1);
        let s = &m.sections[0];
        assert_eq!((s.ty.as_str(), s.name.as_deref()), ("ddns", Some("home")));
        assert_eq!(
            opts(s),
            pairs(&[
                ("enabled", "1"),
                ("service", "dyn"),
                ("domain", "home.example.org"),
                ("family", "ipv4"),
                ("username", "alice"),
                ("password", "s3cret"),
                ("check_interval", "5m"),
            ])
        );
        assert!(m.notes.is_empty(), "{:?}", m.notes);
    }

    #[test]
    fn secrets_never_appear_in_notes() {
        let m = migrate(&package(&[(
            "service",
            Some("x"),
            &[("service_name", "duckdns.org"), ("domain", "x"), ("password", "tok3n"), ("param_enc", "enc0ded")],
        )]));
        let text: Vec<String> = m.notes.iter().map(|d| d.to_string()).collect();
        assert!(text.iter().any(|t| t.contains("param_enc")), "{text:?}");
        assert!(text.iter().all(|t| !t.contains("tok3n") && !t.contains("enc0ded")), "{text:?}");
    }

    #[test]
    fn v4_and_v6_twins_merge() {
        let common: &[(&str, &str)] =
            &[("enabled", "1"), ("service_name", "duckdns.org"), ("domain", "me"), ("password", "t")];
        let mut v6: Vec<(&str, &str)> = common.to_vec();
        v6.push(("use_ipv6", "1"));
        v6.push(("ip_network", "wan6"));
        let m = migrate(&package(&[("service", Some("me4"), common), ("service", Some("me6"), &v6)]));
        assert_eq!(m.sections.len(), 1);
        assert!(opts(&m.sections[0]).contains(&("family".into(), "both".into())));
        assert_eq!(m.notes.len(), 1, "{:?}", m.notes);
        assert!(m.notes[0].to_string().contains("merged into 'me4'"));
    }

    #[test]
    fn lossy_sections_are_written_disabled() {
        let m = migrate(&package(&[(
            "service",
            Some("p"),
            &[("enabled", "1"), ("service_name", "he.net"), ("domain", "p.example.net"), ("proxy", "10.0.0.1:3128")],
        )]));
        assert_eq!(opts(&m.sections[0])[0], ("enabled".into(), "0".into()));
        assert!(m.notes.iter().any(|d| d.to_string().contains("migrated disabled (proxy)")));
    }

    #[test]
    fn unsupported_sections_are_skipped_with_a_reason() {
        let m = migrate(&package(&[
            ("service", Some("r53"), &[("service_name", "route53-v1"), ("domain", "a.example")]),
            ("service", Some("s"), &[("update_script", "/usr/lib/ddns/mine.sh"), ("domain", "b.example")]),
            ("service", None, &[("service_name", "dyndns.org"), ("domain", "c.example")]),
        ]));
        assert!(m.sections.is_empty());
        assert_eq!(m.notes.len(), 3, "{:?}", m.notes);
    }

    #[test]
    fn custom_url_placeholders() {
        assert_eq!(
            custom_url("http://u.example/?h=[DOMAIN]&k=[PARAMENC]&x=[PARAMOPT]", Some("a b&c"), Some("z")),
            ("https://u.example/?h=[DOMAIN]&k=a%20b%26c&x=z".into(), false)
        );
        assert!(custom_url("https://u.example/?[SOMETHING]", None, None).1);
        // Brackets in IPv6 literals are not placeholders.
        assert!(!custom_url("https://[2001:db8::1]/u?ip=[IP]", None, None).1);
    }

    #[test]
    fn intervals() {
        assert_eq!(interval("72", "hours").as_deref(), Some("72h"));
        assert_eq!(interval("0", "hours").as_deref(), Some("0s"));
        assert_eq!(interval("x", "hours"), None);
        assert_eq!(interval("5", "fortnights"), None);
    }

    #[test]
    fn add_to_skips_names_already_present() {
        let mig =
            migrate(&package(&[("service", Some("home"), &[("service_name", "he.net"), ("domain", "h.example")])]));
        let mut target = package(&[("ddns", Some("home"), &[("service", "noip")])]);
        let notes = add_to(&mut target, mig);
        assert_eq!(target.sections.len(), 1);
        assert!(notes.iter().any(|d| d.to_string().contains("'home' is already")));
    }
}
