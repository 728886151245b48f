//! `homeport schema --json`: every option of `/etc/config/homeport` with the rules the
//! parser applies to it, for LuCI's validators (issue 12 item 4: one definition of every
//! option).
//!
//! Pure. Built from the parser's own tables and constants (spellings of booleans, duration
//! units, enums, lengths, interval bounds, defaults), so the UI cannot drift from the
//! daemon: change a rule in src/config or src/types and the schema follows. The grammar of
//! each value type is docs/config.md's "Value types"; `tests/pkg/schema_validators.js`
//! runs LuCI's validators against `homeport check` on the same values.
//!
//! The binary prints [`JSON`], this schema rendered once into `schema.json` beside this
//! file, instead of carrying the builder and its serializer (flash is tight: they cost
//! about 5 KB of the gzip-compressed x86_64 binary, the text about 1 KB). The test
//! `schema_json_is_current` keeps the file equal to [`schema`]; `UPDATE_GOLDEN=1`
//! rewrites it.

use serde::Serialize;

use super::read::{self, Choices};
use super::{DEFAULT_CHECK, DEFAULT_FORCE, DEFAULT_RETRY, MainSettings, Service, ddns, forward, main_section};
use crate::types::{Hostname, IfName, Interval, UciName, duration};

/// Bumped when a field changes meaning; new fields may appear without a bump.
pub const VERSION: u32 = 1;

/// [`schema`] as `homeport schema --json` prints it (one line, printable ASCII).
pub const JSON: &str = include_str!("schema.json");

#[derive(Debug, Serialize)]
pub struct Schema {
    pub version: u32,
    pub bool: Bools,
    pub duration: Durations,
    /// Text and names refuse these characters besides the control characters (Unicode
    /// category Cc): inclusive code point ranges.
    pub invisible: &'static [(u32, u32)],
    pub sections: Vec<SectionSchema>,
}

#[derive(Debug, Serialize)]
pub struct Bools {
    #[serde(rename = "true")]
    pub yes: &'static [&'static str],
    #[serde(rename = "false")]
    pub no: &'static [&'static str],
}

#[derive(Debug, Serialize)]
pub struct Durations {
    /// Unit spellings (lower case, any case accepted) and their seconds.
    pub units: &'static [(&'static str, u64)],
    pub max_digits: usize,
    /// Longest duration, in seconds.
    pub max: u64,
}

#[derive(Debug, Serialize)]
pub struct SectionSchema {
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// What a bad option costs: `section` (the section is skipped) or `option` (that
    /// option's default applies, with a warning).
    pub bad_value_costs: &'static str,
    pub options: Vec<OptionSchema>,
}

/// The value types of docs/config.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Bool,
    Duration,
    /// UCI identifier `[A-Za-z0-9_]`, 1..=max bytes.
    Name,
    /// Linux device name, 1..=max bytes.
    Device,
    /// DNS name, at most `max` bytes, labels of 1..=63.
    Host,
    /// host[:port], IPv6 in brackets.
    Server,
    /// Printable text, no control or invisible characters, at most `max` bytes.
    Text,
    /// Like text, never shown back.
    Secret,
    Url,
    /// An absolute path.
    Path,
    Base64,
    Choice,
    /// A port or `a-b` (also `a:b`), 1-65535, a <= b.
    PortRange,
    /// One host address.
    Ip,
    /// An address or prefix, `!` to exclude.
    AddrMatch,
    /// An Ethernet address `aa:bb:cc:dd:ee:ff` (or with `-`), unicast.
    Mac,
    /// A DHCP host name ([`crate::device::HostName`]): 1..=max bytes of letters, digits,
    /// `-`, `_`, `.`, in any order (not a DNS name: `-nas` and `a..b` are accepted).
    DhcpName,
}

#[derive(Debug, Serialize)]
pub struct OptionSchema {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub kind: Kind,
    #[serde(skip_serializing_if = "is_false")]
    pub list: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Durations: seconds; below it the daemon raises the value to `min` with a warning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    /// Durations: seconds; text, names, hosts: bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    /// Durations: `0` is allowed and means never.
    #[serde(skip_serializing_if = "is_false")]
    pub zero_means_never: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// Port ranges: must be as wide as this option's value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_width_as: Option<&'static str>,
    /// Addresses: must be of the forward's family: `family` when set, else `dest_ip`'s.
    #[serde(skip_serializing_if = "is_false")]
    pub family_checked: bool,
}

#[derive(Debug, Serialize)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<&'static str>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn opt(name: &'static str, kind: Kind) -> OptionSchema {
    OptionSchema {
        name,
        kind,
        list: false,
        required: false,
        default: None,
        min: None,
        max: None,
        zero_means_never: false,
        choices: Vec::new(),
        same_width_as: None,
        family_checked: false,
    }
}

fn with_default(mut o: OptionSchema, d: impl ToString) -> OptionSchema {
    o.default = Some(d.to_string());
    o
}

fn with_max(mut o: OptionSchema, max: usize) -> OptionSchema {
    o.max = u64::try_from(max).ok();
    o
}

fn flag(name: &'static str, default: bool) -> OptionSchema {
    with_default(opt(name, Kind::Bool), u8::from(default))
}

fn required(mut o: OptionSchema) -> OptionSchema {
    o.required = true;
    o
}

fn list(mut o: OptionSchema) -> OptionSchema {
    o.list = true;
    o
}

fn choices<T: Copy + PartialEq>(name: &'static str, table: Choices<T>, default: Option<T>) -> OptionSchema {
    let mut o = opt(name, Kind::Choice);
    for (v, label, spellings) in table {
        let (value, aliases) = spellings.split_first().map_or(("", &[][..]), |(f, rest)| (*f, rest));
        if default == Some(*v) {
            o.default = Some(value.to_string());
        }
        o.choices.push(Choice { value, label, aliases: aliases.to_vec() });
    }
    o
}

fn interval(name: &'static str, default: Interval, min: u64, zero_means_never: bool) -> OptionSchema {
    let mut o = with_default(opt(name, Kind::Duration), default);
    o.min = Some(min);
    o.zero_means_never = zero_means_never;
    o
}

/// The schema of every section type and option homeport reads.
pub fn schema() -> Schema {
    let m = MainSettings::default();
    let mut debounce = with_default(opt("debounce", Kind::Duration), m.debounce);
    debounce.max = Some(main_section::MAX_DEBOUNCE_SECS);
    let main = SectionSchema {
        ty: "homeport",
        bad_value_costs: "option",
        options: vec![
            flag("enabled", m.enabled),
            with_max(with_default(opt("interface", Kind::Name), &m.interface), UciName::MAX_LEN),
            with_max(opt("device", Kind::Device), IfName::MAX_LEN),
            with_max(with_default(opt("zone", Kind::Name), &m.zone), UciName::MAX_LEN),
            debounce,
            choices("log_level", main_section::LOG_LEVELS, Some(m.log_level)),
            opt("probe_url", Kind::Url),
            flag("use_https", true),
            with_max(opt("cacert", Kind::Path), ddns::MAX_PATH),
            flag("authoritative", m.authoritative),
        ],
    };

    let mut service = opt("service", Kind::Choice);
    for s in Service::short_names().into_iter().filter_map(|n| Service::parse(n).ok()) {
        let aliases = s.spellings().skip(1).collect();
        service.choices.push(Choice { value: s.name(), label: s.label(), aliases });
    }
    service.required = true;
    let host = |name| with_max(opt(name, Kind::Host), Hostname::MAX_LEN);
    let ddns = SectionSchema {
        ty: "ddns",
        bad_value_costs: "section",
        options: vec![
            flag("enabled", true),
            service,
            required(list(host("domain"))),
            with_max(opt("username", Kind::Text), ddns::MAX_USERNAME),
            with_max(opt("password", Kind::Secret), ddns::MAX_SECRET),
            choices("family", ddns::FAMILIES, Some(super::AddrFamily::Ipv4)),
            choices("ip_source", ddns::IP_SOURCES, Some(super::IpSource::Interface)),
            with_max(opt("ip_device", Kind::Text), crate::device::HostName::MAX_LEN),
            opt("ip_url", Kind::Url),
            opt("server", Kind::Server),
            flag("use_https", true),
            with_max(opt("cacert", Kind::Path), ddns::MAX_PATH),
            opt("update_url", Kind::Url),
            host("lookup_host"),
            opt("dns_server", Kind::Server),
            interval("check_interval", DEFAULT_CHECK, ddns::MIN_CHECK, false),
            interval("force_interval", DEFAULT_FORCE, ddns::MIN_FORCE, true),
            interval("retry_interval", DEFAULT_RETRY, ddns::MIN_RETRY, false),
            flag("allow_private", false),
            host("zone"),
            host("key_name"),
            choices("key_algorithm", ddns::TSIG_ALGORITHMS, Some(super::TsigAlgorithm::HmacSha256)),
            opt("key_secret", Kind::Base64),
            host("cloudflare_zone"),
            with_max(opt("password_ipv6", Kind::Secret), ddns::MAX_SECRET),
            with_max(opt("answer", Kind::Text), ddns::MAX_USERNAME),
        ],
    };

    let mut dest_port = opt("dest_port", Kind::PortRange);
    dest_port.same_width_as = Some("src_dport");
    let mut dest_ip = opt("dest_ip", Kind::Ip);
    dest_ip.family_checked = true;
    let mut src_ip = list(opt("src_ip", Kind::AddrMatch));
    src_ip.family_checked = true;
    let fwd = SectionSchema {
        ty: "forward",
        bad_value_costs: "section",
        options: vec![
            with_max(opt("name", Kind::Text), forward::MAX_TEXT),
            flag("enabled", true),
            list(choices("proto", forward::PROTOS, Some(super::Proto::Tcpudp))),
            required(opt("src_dport", Kind::PortRange)),
            dest_ip,
            opt("dest_mac", Kind::Mac),
            with_max(opt("dest_host", Kind::DhcpName), crate::device::HostName::MAX_LEN),
            dest_port,
            src_ip,
            flag("reflection", true),
            // Unset: IPv4, or the family of dest_ip/src_ip (firewall4's rule).
            choices("family", forward::FAMILIES, None),
            with_max(opt("comment", Kind::Text), forward::MAX_TEXT),
        ],
    };

    Schema {
        version: VERSION,
        bool: Bools { yes: read::TRUE, no: read::FALSE },
        duration: Durations { units: duration::UNITS, max_digits: duration::MAX_DIGITS, max: duration::MAX_SECS },
        invisible: crate::diag::INVISIBLE,
        sections: vec![main, ddns, fwd],
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::config::from_text;

    fn section(s: &Schema, ty: &str) -> Vec<&'static str> {
        s.sections.iter().find(|x| x.ty == ty).unwrap().options.iter().map(|o| o.name).collect()
    }

    #[test]
    fn options_are_the_ones_the_parser_reads() {
        let s = schema();
        assert_eq!(section(&s, "homeport"), main_section::KNOWN);
        assert_eq!(section(&s, "forward"), forward::KNOWN);
        // ddns: the ddns-scripts aliases (service_name, use_ipv6, *_unit...) are read but
        // never written by LuCI.
        let known: Vec<&str> = ddns::KNOWN.iter().copied().take_while(|k| *k != "service_name").collect();
        assert_eq!(section(&s, "ddns"), known);
        assert_eq!(s.sections.iter().map(|x| x.ty).collect::<Vec<_>>(), super::super::SECTION_TYPES);
    }

    /// Every value and alias the schema offers is accepted by the parser, and every
    /// default is what an empty section gets.
    #[test]
    fn choices_and_defaults_parse() {
        let s = schema();
        for sec in &s.sections {
            for o in &sec.options {
                for c in &o.choices {
                    for v in std::iter::once(c.value).chain(c.aliases.iter().copied()) {
                        let text = match sec.ty {
                            "homeport" => format!("config homeport 'main'\n\toption {} '{v}'\n", o.name),
                            "forward" => {
                                format!("config forward 'f'\n\toption src_dport '80'\n\toption {} '{v}'\n", o.name)
                            }
                            _ => format!(
                                "config ddns 'd'\n\toption service 'rfc2136'\n\toption domain 'a.example.org'\n\
                                 \toption server 'ns.example.org'\n\toption key_name 'k'\n\
                                 \toption key_secret 'c2VjcmV0'\n\toption {} '{v}'\n",
                                o.name
                            ),
                        };
                        let l = from_text(&text, "homeport");
                        let bad: Vec<String> = l
                            .diagnostics
                            .iter()
                            .filter(|d| d.option.as_deref() == Some(o.name))
                            .map(|d| d.to_string())
                            .collect();
                        // Namecheap refuses IPv6 and the TSIG options need rfc2136: the
                        // value itself parsed if no diagnostic quotes it.
                        assert!(
                            bad.iter().all(|d| !d.contains(&format!("'{v}' is"))),
                            "{}.{}={v}: {bad:?}",
                            sec.ty,
                            o.name
                        );
                    }
                }
            }
        }
        let main = &s.sections[0].options;
        let d = |n: &str| main.iter().find(|o| o.name == n).unwrap().default.clone();
        assert_eq!(d("debounce").as_deref(), Some("2s"));
        assert_eq!(d("log_level").as_deref(), Some("info"));
        assert_eq!(d("interface").as_deref(), Some("wan"));
    }

    #[test]
    fn duration_units_are_the_parsers() {
        let s = schema();
        for (unit, secs) in s.duration.units {
            assert_eq!(Interval::parse(&format!("3{unit}")).unwrap().secs(), 3 * secs, "{unit}");
            assert_eq!(Interval::parse(&format!("3 {}", unit.to_uppercase())).unwrap().secs(), 3 * secs, "{unit}");
        }
        assert!(Interval::parse(&"9".repeat(s.duration.max_digits + 1)).is_err());
        assert!(Interval::parse(&format!("{}", s.duration.max)).is_ok());
        assert!(Interval::parse(&format!("{}", s.duration.max + 1)).is_err());
        let debounce = s.sections[0].options.iter().find(|o| o.name == "debounce").unwrap();
        assert!(main_section::parse_debounce(&debounce.max.unwrap().to_string()).is_ok());
        assert!(main_section::parse_debounce(&(debounce.max.unwrap() + 1).to_string()).is_err());
    }

    /// [`schema`] as `homeport schema --json` prints it (`cli::json::print`'s form).
    fn render() -> String {
        crate::cli::json::ascii(&serde_json::to_string(&schema()).unwrap()) + "\n"
    }

    #[test]
    fn schema_json_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/config/schema.json");
        if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
            std::fs::write(&path, render()).unwrap();
            return;
        }
        assert!(JSON == render(), "src/config/schema.json is stale: run UPDATE_GOLDEN=1 cargo test --lib schema_json");
    }

    #[test]
    fn bools_are_the_parsers() {
        let s = schema();
        for t in s.bool.yes {
            assert_eq!(read::parse_bool(&t.to_uppercase()), Ok(true));
        }
        for f in s.bool.no {
            assert_eq!(read::parse_bool(f), Ok(false));
        }
    }
}
