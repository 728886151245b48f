//! netifd's answer: `ubus call network.interface.<name> status` (openwrt.md §3.1).
//!
//! [`parse_status`] is pure; [`query`] runs the `ubus` binary with arguments (never a
//! shell) and a timeout of its own (`-t`), and reads its JSON.

use std::io;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::types::{IfName, UciName};

/// Seconds `ubus` may wait for netifd (its own `-t` option).
const UBUS_TIMEOUT_SECS: &str = "5";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetifdStatus {
    pub up: bool,
    /// The device carrying the interface's addresses; netifd sends it only while up.
    pub l3_device: Option<IfName>,
    /// The underlying (L2) device, for the record.
    pub device: Option<String>,
    pub proto: Option<String>,
}

/// Reads the fields homeport needs; ignores the rest. A `l3_device` that is not a valid
/// device name is treated as absent (netifd never sends one).
pub fn parse_status(json: &str) -> Result<NetifdStatus, String> {
    // from_slice, as the other JSON readers: one copy of serde_json's reader in the binary.
    let v: Value = serde_json::from_slice(json.as_bytes()).map_err(|e| format!("netifd status is not JSON: {e}"))?;
    let obj = v.as_object().ok_or("netifd status is not a JSON object")?;
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(String::from);
    Ok(NetifdStatus {
        up: obj.get("up").and_then(Value::as_bool).unwrap_or(false),
        l3_device: obj.get("l3_device").and_then(Value::as_str).and_then(|s| IfName::parse(s).ok()),
        device: text("device"),
        proto: text("proto"),
    })
}

/// What asking netifd came to.
#[derive(Debug)]
pub enum Answer {
    Status(NetifdStatus),
    /// netifd has no such interface (`ubus` exit status 4, "Not found").
    UnknownInterface,
    /// No `ubus` binary here (not OpenWrt, or a test): use the config file instead.
    NoUbus,
}

/// Runs `<ubus> -t 5 call network.interface.<interface> status`.
pub fn query(ubus: &Path, interface: &UciName) -> io::Result<Answer> {
    let object = format!("network.interface.{interface}");
    let out = match Command::new(ubus)
        .args(["-t", UBUS_TIMEOUT_SECS, "call", &object, "status"])
        .stdin(Stdio::null())
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Answer::NoUbus),
        Err(e) => return Err(e),
    };
    if out.status.code() == Some(UBUS_STATUS_NOT_FOUND) {
        return Ok(Answer::UnknownInterface);
    }
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(io::Error::other(format!("ubus call {object} status failed: {}", err.trim())));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    parse_status(&text).map(Answer::Status).map_err(io::Error::other)
}

/// ubus's UBUS_STATUS_NOT_FOUND, which the CLI returns as its exit status.
const UBUS_STATUS_NOT_FOUND: i32 = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pppoe_up() {
        // The shape netifd_dump_status emits (openwrt.md §3.1), trimmed.
        let json = r#"{ "up": true, "pending": false, "available": true, "autostart": true,
            "dynamic": false, "uptime": 1234, "l3_device": "pppoe-wan", "proto": "pppoe",
            "device": "wan", "ipv4-address": [ { "address": "100.64.1.2", "mask": 32,
            "ptpaddress": "100.64.0.1" } ], "data": {} }"#;
        let s = parse_status(json).unwrap();
        assert!(s.up);
        assert_eq!(s.l3_device.as_ref().map(IfName::as_str), Some("pppoe-wan"));
        assert_eq!((s.device.as_deref(), s.proto.as_deref()), (Some("wan"), Some("pppoe")));
    }

    #[test]
    fn down_has_no_l3_device() {
        let s = parse_status(r#"{"up": false, "pending": true, "proto": "pppoe", "device": "wan"}"#).unwrap();
        assert!(!s.up);
        assert_eq!(s.l3_device, None);
    }

    #[test]
    fn junk() {
        assert!(parse_status("Command failed: Not found").is_err());
        assert!(parse_status("[1,2]").is_err());
        let s = parse_status(r#"{"up": "yes", "l3_device": "bad/name"}"#).unwrap();
        assert_eq!((s.up, s.l3_device), (false, None));
    }
}
