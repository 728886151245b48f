//! `config homeport 'main'`: where the WAN is and how the daemon behaves.
//!
//! Pure. Reads one section into [`MainSettings`]; `None` when it had errors (the caller
//! then uses the defaults and says so).

use super::read::{Reader, Shown};
use super::{LogLevel, MainSettings};
use crate::types::{IfName, Interval, UciName};

/// Longest useful debounce: beyond it every update after a reconnect is late.
const MAX_DEBOUNCE_SECS: u64 = 600;

pub const KNOWN: &[&str] = &["enabled", "interface", "device", "zone", "debounce", "log_level"];

impl Default for MainSettings {
    fn default() -> MainSettings {
        MainSettings {
            enabled: true,
            interface: default_name("wan"),
            device: None,
            zone: default_name("wan"),
            debounce: Interval::from_secs(2),
            log_level: LogLevel::Info,
        }
    }
}

fn default_name(s: &'static str) -> UciName {
    // Only called with literals that satisfy UciName's rules.
    UciName::parse(s).unwrap_or_else(|_| unreachable!("{s:?} is a valid UCI name"))
}

pub fn read(r: &mut Reader<'_>) -> Option<MainSettings> {
    let d = MainSettings::default();
    let enabled = r.bool("enabled", d.enabled);
    let interface = r.parse("interface", Shown::Value, UciName::parse).unwrap_or(d.interface);
    let device = r.parse("device", Shown::Value, IfName::parse);
    let zone = r.parse("zone", Shown::Value, UciName::parse).unwrap_or(d.zone);
    let debounce = r
        .parse("debounce", Shown::Value, |v| {
            let i = Interval::parse(v)?;
            if i.secs() > MAX_DEBOUNCE_SECS {
                return Err(format!("is longer than {}", Interval::from_secs(MAX_DEBOUNCE_SECS)));
            }
            Ok(i)
        })
        .unwrap_or(d.debounce);
    let log_level = r.parse("log_level", Shown::Value, LogLevel::parse).unwrap_or(d.log_level);
    if r.failed() {
        return None;
    }
    Some(MainSettings { enabled, interface, device, zone, debounce, log_level })
}

impl LogLevel {
    /// A level name (`error`, `warning`, `notice`, `info`, `debug`, also `err`, `warn`)
    /// or a syslog priority number 0-7 (0-3 are all `error`).
    pub fn parse(s: &str) -> Result<LogLevel, String> {
        match s.to_ascii_lowercase().as_str() {
            "0" | "1" | "2" | "3" | "emerg" | "alert" | "crit" | "err" | "error" => Ok(LogLevel::Error),
            "4" | "warn" | "warning" => Ok(LogLevel::Warning),
            "5" | "notice" => Ok(LogLevel::Notice),
            "6" | "info" => Ok(LogLevel::Info),
            "7" | "debug" => Ok(LogLevel::Debug),
            _ => Err("is not a log level (error, warning, notice, info, debug, or 0-7)".to_string()),
        }
    }
}
