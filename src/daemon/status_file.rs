//! `<state-dir>/status.json`: written atomically by the daemon, read by `homeport status`
//! and LuCI; and its rendering for people.
//!
//! [`render_text`] is pure; [`write`]/[`read`] are the file shell. Atomic: the document is
//! written to a temporary file in the same directory, synced, and renamed over the old one,
//! so a reader never sees half a document.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::json_fields::FromJson;
use crate::statefile;
use crate::status::{HostStatus, Status};

pub const FILE_NAME: &str = "status.json";

pub fn path(state_dir: &Path) -> PathBuf {
    state_dir.join(FILE_NAME)
}

/// Writes the status (mode 0644: `homeport status` and LuCI read it) through
/// [`statefile::write_atomic`]: a fresh temporary file, never one found in place.
pub fn write(state_dir: &Path, status: &Status) -> io::Result<()> {
    fs::create_dir_all(state_dir)?;
    let mut json = serde_json::to_vec_pretty(status).map_err(io::Error::other)?;
    json.push(b'\n');
    statefile::write_atomic(&path(state_dir), &json, 0o644)
}

pub fn read(state_dir: &Path) -> io::Result<Status> {
    let text = fs::read(path(state_dir))?;
    let bad = |e: String| io::Error::new(io::ErrorKind::InvalidData, e);
    let v: serde_json::Value = serde_json::from_slice(&text).map_err(|e| bad(e.to_string()))?;
    Status::from_json(&v).map_err(bad)
}

/// The status for a person: WAN first, then each host and forward, then warnings.
/// `now` (Unix seconds) turns timestamps into ages.
pub fn render_text(s: &Status, now: u64) -> String {
    let mut out = String::new();
    let age = |t: u64| ago(now.saturating_sub(t));
    let _ = writeln!(out, "homeport {} (pid {}), status written {}", s.version, s.pid, age(s.written_at));
    let w = &s.wan;
    let device = w.device.as_deref().unwrap_or("unknown device");
    let state = if w.up { "up" } else { "down" };
    let _ = writeln!(out, "WAN: interface {} on {device}, {state}", w.interface);
    let v4 = w.ipv4.map_or("none".to_string(), |a| a.to_string());
    let v6 = w.ipv6.map_or("none".to_string(), |a| a.to_string());
    let _ = writeln!(out, "  IPv4 {v4}, IPv6 {v6}");
    if let Some(seen) = w.ipv4_seen_outside {
        let _ = writeln!(out, "  seen from outside as {seen}");
    }
    if !s.hosts.is_empty() {
        let _ = writeln!(out, "\nDynamic DNS:");
    }
    out.push_str(&render_hosts(&s.hosts, now));
    if !s.forwards.is_empty() {
        let _ = writeln!(out, "\nForwards:");
    }
    for f in &s.forwards {
        let dest = f.dest_ip.as_deref().unwrap_or("router");
        let state =
            if f.active { "active".to_string() } else { format!("inactive: {}", f.reason.as_deref().unwrap_or("?")) };
        let traffic = match (f.packets, f.bytes) {
            (Some(p), Some(b)) => format!(", {p} packets, {b} bytes"),
            _ => String::new(),
        };
        let _ = writeln!(out, "  {}: {} {} -> {dest}:{} ({state}{traffic})", f.name, f.proto, f.src_dport, f.dest_port);
        for warn in &f.warnings {
            let _ = writeln!(out, "    warning: {warn}");
        }
        if !f.pinholes.is_empty() {
            let _ = writeln!(out, "    IPv6 pinholes open to {}", f.pinholes.join(", "));
        }
        if let Some(why) = &f.pinholes_reason {
            let _ = writeln!(out, "    no IPv6 pinhole: {why}");
        }
    }
    if !s.warnings.is_empty() {
        let _ = writeln!(out, "\nWarnings:");
        for warn in &s.warnings {
            let _ = writeln!(out, "  {}", warn.message);
        }
    }
    out
}

/// The Dynamic DNS part of the text: a few lines per host.
pub fn render_hosts(hosts: &[HostStatus], now: u64) -> String {
    let mut out = String::new();
    let age = |t: u64| ago(now.saturating_sub(t));
    for h in hosts {
        let names = if h.domains.is_empty() { h.section.clone() } else { h.domains.join(", ") };
        let _ = writeln!(out, "  {names} ({}, section {}): {}", h.service, h.section, h.state);
        let reg: Vec<String> = [h.registered_ipv4.map(|a| a.to_string()), h.registered_ipv6.map(|a| a.to_string())]
            .into_iter()
            .flatten()
            .collect();
        if !reg.is_empty() {
            let _ = writeln!(out, "    registered {}", reg.join(", "));
        }
        if let (Some(t), Some(r)) = (h.last_attempt, &h.last_result) {
            let _ = writeln!(out, "    last attempt {}: {r}", age(t));
        }
        if let Some(e) = &h.error {
            let _ = writeln!(out, "    error: {e}");
        }
        if let Some(next) = &h.next_action {
            let when = h.next_at.map(|t| format!(" {}", until(t.saturating_sub(now)))).unwrap_or_default();
            let _ = writeln!(out, "    next: {next}{when}");
        }
    }
    out
}

fn ago(secs: u64) -> String {
    match secs {
        0..=1 => "just now".into(),
        2..=119 => format!("{secs} s ago"),
        120..=7199 => format!("{} min ago", secs / 60),
        _ => format!("{} h ago", secs / 3600),
    }
}

fn until(secs: u64) -> String {
    match secs {
        0 => "now".into(),
        1..=119 => format!("in {secs} s"),
        120..=7199 => format!("in {} min", secs / 60),
        _ => format!("in {} h", secs / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{ForwardStatus, HostStatus, WanStatus, Warning};

    fn sample() -> Status {
        Status {
            version: "0.1.0".into(),
            written_at: 1000,
            pid: 42,
            running: true,
            table_digests: vec!["0123456789abcdef".into()],
            wan: WanStatus {
                interface: "wan".into(),
                device: Some("pppoe-wan".into()),
                up: true,
                ipv4: Some("198.51.100.7".parse().unwrap()),
                ipv6: None,
                ipv4_seen_outside: None,
            },
            hosts: vec![HostStatus {
                section: "home".into(),
                domains: vec!["home.example.org".into()],
                service: "noip".into(),
                enabled: true,
                state: "ok".into(),
                registered_ipv4: Some("198.51.100.7".parse().unwrap()),
                last_attempt: Some(940),
                last_result: Some("updated (good)".into()),
                next_action: Some("check".into()),
                next_at: Some(1600),
                ..HostStatus::default()
            }],
            forwards: vec![ForwardStatus {
                section: "nas".into(),
                name: "nas".into(),
                active: false,
                reason: Some("disabled".into()),
                proto: "tcp".into(),
                src_dport: "8443".into(),
                dest_ip: Some("192.168.1.10".into()),
                dest_port: "443".into(),
                ..ForwardStatus::default()
            }],
            warnings: vec![Warning { code: "no_ipv6".into(), message: "the WAN has no IPv6 address".into() }],
        }
    }

    #[test]
    fn text_names_where_pinholes_are_open() {
        let mut s = sample();
        let f =
            ForwardStatus { pinholes: vec!["2001:db8:1::5".into(), "2001:db8:1::6".into()], ..s.forwards[0].clone() };
        let none = ForwardStatus { pinholes: vec![], pinholes_reason: Some("why".into()), ..f.clone() };
        s.forwards = vec![f, none];
        let text = render_text(&s, 1000);
        assert!(
            text.contains("(inactive: disabled)\n    IPv6 pinholes open to 2001:db8:1::5, 2001:db8:1::6\n"),
            "{text}"
        );
        assert!(text.contains("(inactive: disabled)\n    no IPv6 pinhole: why\n"), "{text}");
    }

    #[test]
    fn text_for_people() {
        let want = "\
homeport 0.1.0 (pid 42), status written just now
WAN: interface wan on pppoe-wan, up
  IPv4 198.51.100.7, IPv6 none

Dynamic DNS:
  home.example.org (noip, section home): ok
    registered 198.51.100.7
    last attempt 60 s ago: updated (good)
    next: check in 10 min

Forwards:
  nas: tcp 8443 -> 192.168.1.10:443 (inactive: disabled)

Warnings:
  the WAN has no IPv6 address
";
        assert_eq!(render_text(&sample(), 1000), want);
    }

    #[test]
    fn atomic_write_and_read_back() {
        let dir = std::env::temp_dir().join(format!("hp-status-{}", std::process::id()));
        write(&dir, &sample()).unwrap();
        assert_eq!(read(&dir).unwrap(), sample());
        let leftovers: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers, [FILE_NAME], "no temporary file left behind");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_planted_symlink_is_not_written_through() {
        let dir = std::env::temp_dir().join(format!("hp-status-link-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim");
        fs::write(&victim, "precious").unwrap();
        // The temporary name earlier versions used, planted as a link to another file.
        std::os::unix::fs::symlink(&victim, dir.join(format!(".{FILE_NAME}.{}", std::process::id()))).unwrap();
        write(&dir, &sample()).unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(read(&dir).unwrap(), sample());
        fs::remove_dir_all(&dir).unwrap();
    }
}
