//! `config homeport 'main'`: where the WAN is and how the daemon behaves.
//!
//! Pure. Reads one section into [`MainSettings`]. A bad option costs that option only:
//! it is reported as a warning naming the section, the option and the value (an error
//! for the outside probe's options, read as a ddns section reads them), and its
//! default applies; the other options keep the values they were given (issue 12 item 4:
//! a debounce of `15m` must not drop the chosen log level, interface, device and zone).

use super::read::{Choices, Reader, Shown, choose};
use super::{LogLevel, MainSettings, Probe};
use crate::types::{IfName, Interval, UciName};

/// Longest useful debounce: beyond it every update after a reconnect is late.
pub const MAX_DEBOUNCE_SECS: u64 = 600;

pub const KNOWN: &[&str] = &[
    "enabled",
    "interface",
    "device",
    "zone",
    "debounce",
    "log_level",
    "probe_url",
    "use_https",
    "cacert",
    "authoritative",
];

/// The default of `interface` and `zone`.
pub const DEFAULT_WAN: &str = "wan";

impl Default for MainSettings {
    fn default() -> MainSettings {
        MainSettings {
            enabled: true,
            interface: default_name(DEFAULT_WAN),
            device: None,
            zone: default_name(DEFAULT_WAN),
            debounce: Interval::from_secs(2),
            log_level: LogLevel::Info,
            probe: None,
            authoritative: false,
        }
    }
}

fn default_name(s: &'static str) -> UciName {
    // Only called with literals that satisfy UciName's rules.
    UciName::parse(s).unwrap_or_else(|_| unreachable!("{s:?} is a valid UCI name"))
}

pub fn read(r: &mut Reader<'_>) -> MainSettings {
    let d = MainSettings::default();
    let enabled = contained(r, "enabled", super::read::parse_bool, if d.enabled { "1" } else { "0" });
    let interface = contained(r, "interface", UciName::parse, d.interface.as_str());
    let device = contained(r, "device", IfName::parse, "");
    let zone = contained(r, "zone", UciName::parse, d.zone.as_str());
    let debounce = contained(r, "debounce", parse_debounce, &d.debounce.to_string());
    let log_level = contained(r, "log_level", LogLevel::parse, d.log_level.name());
    // The probe's options are a ddns section's own (`use_https`, `cacert`, a URL), read by
    // the same code, so a bad value is an error there as here; it costs that option only.
    let authoritative = r.bool("authoritative", false);
    let use_https = r.opt_bool("use_https").unwrap_or(true);
    let cacert = r.parse("cacert", Shown::Value, super::ddns::parse_cacert);
    let probe = super::ddns::read_url(r, "probe_url", Shown::Value, use_https, false).and_then(|(url, _)| {
        // doctor appends `/port/<n>` to it (docs/doctor.md, "From outside").
        if url.contains('?') {
            r.error_option("probe_url", "has a query; give the service's base URL (https://host or https://host/path)");
            return None;
        }
        Some(Probe { url: url.trim_end_matches('/').to_string(), plain_http: !use_https, cacert })
    });
    MainSettings {
        enabled: enabled.unwrap_or(d.enabled),
        interface: interface.unwrap_or(d.interface),
        device,
        zone: zone.unwrap_or(d.zone),
        debounce: debounce.unwrap_or(d.debounce),
        log_level: log_level.unwrap_or(d.log_level),
        probe,
        authoritative,
    }
}

/// `debounce`: a duration of at most [`MAX_DEBOUNCE_SECS`].
pub fn parse_debounce(v: &str) -> Result<Interval, String> {
    let i = Interval::parse(v)?;
    if i.secs() > MAX_DEBOUNCE_SECS {
        return Err(format!("is longer than {}", Interval::from_secs(MAX_DEBOUNCE_SECS)));
    }
    Ok(i)
}

/// The option's value parsed with `parse`; a bad value (or a list of several) is a
/// warning that says which default applies instead (`default` empty: the option stays
/// unset), and gives `None`.
fn contained<T>(
    r: &mut Reader<'_>,
    name: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
    default: &str,
) -> Option<T> {
    let instead = if default.is_empty() { "; ignored".to_string() } else { format!("; using the default '{default}'") };
    let items = r.items(name);
    let (v, why) = match items.as_slice() {
        [] => return None,
        [one] => match parse(one) {
            Ok(t) => return Some(t),
            Err(why) => (*one, why),
        },
        [first, ..] => (*first, "takes one value, not a list".to_string()),
    };
    r.warn_at(name, v, Shown::Value, format!("{why}{instead}"));
    None
}

impl LogLevel {
    /// The canonical spelling (`info`).
    pub fn name(self) -> &'static str {
        LOG_LEVELS.iter().find(|(l, _, _)| *l == self).and_then(|(_, _, s)| s.first()).copied().unwrap_or("info")
    }

    /// A level name (`error`, `warning`, `notice`, `info`, `debug`, also `err`, `warn`)
    /// or a syslog priority number 0-7 (0-3 are all `error`).
    pub fn parse(s: &str) -> Result<LogLevel, String> {
        choose(LOG_LEVELS, s)
            .ok_or_else(|| "is not a log level (error, warning, notice, info, debug, or 0-7)".to_string())
    }
}

/// Every `log_level` spelling, canonical first, with the label LuCI shows; `homeport
/// schema` publishes this table as it is.
pub const LOG_LEVELS: Choices<LogLevel> = &[
    (LogLevel::Error, "Errors", &["error", "err", "0", "1", "2", "3", "emerg", "alert", "crit"]),
    (LogLevel::Warning, "Warnings", &["warning", "warn", "4"]),
    (LogLevel::Notice, "Notices", &["notice", "5"]),
    (LogLevel::Info, "Info", &["info", "6"]),
    (LogLevel::Debug, "Debug", &["debug", "7"]),
];
