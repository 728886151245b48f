//! The daemon's status document, `<state-dir>/status.json`: what `homeport status` prints
//! and what LuCI's status page reads (through the rpcd plugin).
//!
//! Pure data. Timestamps are Unix seconds. Never holds a secret. The field names are a
//! contract with luci-app-homeport: add fields, never rename them.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::json_fields::{Fields, FromJson};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub version: String,
    /// When the daemon wrote this document.
    pub written_at: u64,
    pub pid: u32,
    /// Whether the daemon runs: its pid is alive and the live forward table carries one
    /// of `table_digests`. Decided by `homeport status` when it reads the document (the
    /// file holds `true`, as its writer was running then); when false, every forward
    /// is inactive with reason `homeport is not running`.
    #[serde(default)]
    pub running: bool,
    /// The digests the live `table inet homeport` may carry: the one the daemon last
    /// applied and, while an apply runs, the one being applied. Empty when it has applied
    /// none (dry run, or every apply failed so far): then the pid alone decides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub table_digests: Vec<String>,
    pub wan: WanStatus,
    pub hosts: Vec<HostStatus>,
    pub forwards: Vec<ForwardStatus>,
    pub warnings: Vec<Warning>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WanStatus {
    /// The logical interface (`wan`).
    pub interface: String,
    /// The L3 device in use (`pppoe-wan`), if known.
    pub device: Option<String>,
    pub up: bool,
    pub ipv4: Option<Ipv4Addr>,
    pub ipv6: Option<Ipv6Addr>,
    /// The IPv4 address an outside echo service saw, when one was asked.
    pub ipv4_seen_outside: Option<Ipv4Addr>,
}

/// One `config ddns` section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HostStatus {
    pub section: String,
    pub domains: Vec<String>,
    pub service: String,
    pub enabled: bool,
    /// `ok` (registered == wanted), `pending` (update due), `backoff` (transient failure,
    /// will retry), `stopped` (fatal: waits for a config change), `disabled`, `blocked`
    /// (no publishable address: see warnings).
    pub state: String,
    /// Addresses this host should publish now.
    pub wanted_ipv4: Option<Ipv4Addr>,
    pub wanted_ipv6: Option<Ipv6Addr>,
    /// Addresses the provider is known to hold.
    pub registered_ipv4: Option<Ipv4Addr>,
    pub registered_ipv6: Option<Ipv6Addr>,
    pub last_attempt: Option<u64>,
    /// Provider outcome in words (`updated (good)`, `unchanged (nochg)`, `badauth`...).
    pub last_result: Option<String>,
    pub last_success: Option<u64>,
    /// What happens next and when (`check`, `retry`, `force update`).
    pub next_action: Option<String>,
    pub next_at: Option<u64>,
    pub error: Option<String>,
}

/// One `config forward` section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ForwardStatus {
    pub section: String,
    pub name: String,
    pub active: bool,
    /// Why it is not active (disabled, invalid, no WAN), when it is not.
    pub reason: Option<String>,
    pub proto: String,
    pub src_dport: String,
    pub dest_ip: Option<String>,
    pub dest_port: String,
    pub packets: Option<u64>,
    pub bytes: Option<u64>,
    /// Safety lint for this forward, in words.
    pub warnings: Vec<String>,
    /// A device forward's IPv6 side (`family ipv6`/`any`): the device addresses its
    /// pinholes in table inet fw4 are open to now; absent when none (or no such side).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pinholes: Vec<String>,
    /// Why such a side has no pinhole open (no stable global address, the sets missing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinholes_reason: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    /// Stable code: `cgnat`, `private_wan`, `double_nat`, `no_ipv6`, `lint`, `config`,
    /// `apply` (the forwards shown are the table in force while another is applied),
    /// `reload` (a changed file was refused; the running configuration is kept)...
    pub code: String,
    /// Plain words for a person.
    pub message: String,
}

// How `homeport status` reads the document back: field by field from a parsed `Value`
// (json_fields: the derived `Deserialize` would be another 23 KB of parser on mipsel).
// Same field names and rules as the derive; `running` and `table_digests` default.

impl FromJson for Status {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = Fields::of(v, "the status")?;
        Ok(Status {
            version: f.req("version")?,
            written_at: f.req("written_at")?,
            pid: f.req("pid")?,
            running: f.or_default("running")?,
            table_digests: f.or_default("table_digests")?,
            wan: f.req("wan")?,
            hosts: f.req("hosts")?,
            forwards: f.req("forwards")?,
            warnings: f.req("warnings")?,
        })
    }
}

impl FromJson for WanStatus {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = Fields::of(v, "wan")?;
        Ok(WanStatus {
            interface: f.req("interface")?,
            device: f.opt("device")?,
            up: f.req("up")?,
            ipv4: f.opt("ipv4")?,
            ipv6: f.opt("ipv6")?,
            ipv4_seen_outside: f.opt("ipv4_seen_outside")?,
        })
    }
}

impl FromJson for HostStatus {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = Fields::of(v, "a host")?;
        Ok(HostStatus {
            section: f.req("section")?,
            domains: f.req("domains")?,
            service: f.req("service")?,
            enabled: f.req("enabled")?,
            state: f.req("state")?,
            wanted_ipv4: f.opt("wanted_ipv4")?,
            wanted_ipv6: f.opt("wanted_ipv6")?,
            registered_ipv4: f.opt("registered_ipv4")?,
            registered_ipv6: f.opt("registered_ipv6")?,
            last_attempt: f.opt("last_attempt")?,
            last_result: f.opt("last_result")?,
            last_success: f.opt("last_success")?,
            next_action: f.opt("next_action")?,
            next_at: f.opt("next_at")?,
            error: f.opt("error")?,
        })
    }
}

impl FromJson for ForwardStatus {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = Fields::of(v, "a forward")?;
        Ok(ForwardStatus {
            section: f.req("section")?,
            name: f.req("name")?,
            active: f.req("active")?,
            reason: f.opt("reason")?,
            proto: f.req("proto")?,
            src_dport: f.req("src_dport")?,
            dest_ip: f.opt("dest_ip")?,
            dest_port: f.req("dest_port")?,
            packets: f.opt("packets")?,
            bytes: f.opt("bytes")?,
            warnings: f.req("warnings")?,
            pinholes: f.or_default("pinholes")?,
            pinholes_reason: f.opt("pinholes_reason")?,
        })
    }
}

impl FromJson for Warning {
    fn from_json(v: &Value) -> Result<Self, String> {
        let f = Fields::of(v, "a warning")?;
        Ok(Warning { code: f.req("code")?, message: f.req("message")? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Status {
        Status {
            version: "1.2.3".into(),
            written_at: 1_700_000_000,
            pid: 4242,
            running: true,
            table_digests: vec!["0123456789abcdef".into()],
            wan: WanStatus {
                interface: "wan".into(),
                device: Some("pppoe-wan".into()),
                up: true,
                ipv4: Some(Ipv4Addr::new(198, 51, 100, 7)),
                ipv6: Some("2001:db8::7".parse().unwrap()),
                ipv4_seen_outside: Some(Ipv4Addr::new(203, 0, 113, 9)),
            },
            hosts: vec![HostStatus {
                section: "home".into(),
                domains: vec!["a.example.org".into(), "b.example.org".into()],
                service: "dyndns2".into(),
                enabled: true,
                state: "ok".into(),
                wanted_ipv4: Some(Ipv4Addr::new(198, 51, 100, 7)),
                wanted_ipv6: Some("2001:db8::7".parse().unwrap()),
                registered_ipv4: Some(Ipv4Addr::new(198, 51, 100, 6)),
                registered_ipv6: Some("2001:db8::6".parse().unwrap()),
                last_attempt: Some(1),
                last_result: Some("updated (good)".into()),
                last_success: Some(2),
                next_action: Some("check".into()),
                next_at: Some(u64::MAX),
                error: Some("caf\u{e9} \"quoted\"".into()),
            }],
            forwards: vec![ForwardStatus {
                section: "@forward[0]".into(),
                name: "web".into(),
                active: false,
                reason: Some("disabled".into()),
                proto: "tcp".into(),
                src_dport: "8080-8081".into(),
                dest_ip: Some("192.168.1.10".into()),
                dest_port: "80-81".into(),
                packets: Some(3),
                bytes: Some(4),
                warnings: vec!["w".into()],
                pinholes: vec!["2001:db8:1::5".into()],
                pinholes_reason: Some("r".into()),
            }],
            warnings: vec![Warning { code: "cgnat".into(), message: "m".into() }],
        }
    }

    fn both(json: &str) -> (Result<Status, String>, Result<Status, String>) {
        let by_hand =
            serde_json::from_str::<Value>(json).map_err(|e| e.to_string()).and_then(|v| Status::from_json(&v));
        let derived = serde_json::from_str::<Status>(json).map_err(|e| e.to_string());
        (by_hand, derived)
    }

    #[test]
    fn the_reader_reads_what_the_writer_wrote() {
        for s in [full(), Status::default(), Status { hosts: vec![HostStatus::default()], ..Status::default() }] {
            let json = serde_json::to_string_pretty(&s).unwrap();
            let (by_hand, derived) = both(&json);
            assert_eq!(by_hand, Ok(s.clone()));
            assert_eq!(derived, Ok(s));
        }
    }

    #[test]
    fn the_reader_accepts_and_refuses_what_the_derived_one_does() {
        let good = serde_json::to_value(full()).unwrap();
        let mut cases: Vec<Value> = Vec::new();
        // Each field in turn: absent, null, of another type; and an unknown field added.
        let paths: [&[&str]; 5] = [&[], &["wan"], &["hosts", "0"], &["forwards", "0"], &["warnings", "0"]];
        for path in paths {
            let keys: Vec<String> =
                good.pointer(&pointer(path)).unwrap().as_object().unwrap().keys().cloned().collect();
            for key in keys {
                for change in
                    [None, Some(Value::Null), Some(Value::from(-1)), Some(Value::from("x")), Some(Value::from(1.5))]
                {
                    let mut v = good.clone();
                    let obj = v.pointer_mut(&pointer(path)).unwrap().as_object_mut().unwrap();
                    match change {
                        None => obj.remove(&key),
                        Some(c) => obj.insert(key.clone(), c),
                    };
                    cases.push(v);
                }
            }
            let mut v = good.clone();
            v.pointer_mut(&pointer(path)).unwrap().as_object_mut().unwrap().insert("new_field".into(), Value::from(1));
            cases.push(v);
        }
        cases.extend([Value::from(1), Value::Null, serde_json::json!({})]);
        for case in cases {
            let (by_hand, derived) = both(&case.to_string());
            assert_eq!(by_hand.is_ok(), derived.is_ok(), "{case}: {by_hand:?} / {derived:?}");
            if let (Ok(a), Ok(b)) = (by_hand, derived) {
                assert_eq!(a, b, "{case}");
            }
        }
    }

    fn pointer(path: &[&str]) -> String {
        path.iter().map(|p| format!("/{p}")).collect()
    }
}
