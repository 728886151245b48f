//! The daemon's status document, `<state-dir>/status.json`: what `homeport status` prints
//! and what LuCI's status page reads (through the rpcd plugin).
//!
//! Pure data. Timestamps are Unix seconds. Never holds a secret. The field names are a
//! contract with luci-app-homeport: add fields, never rename them.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

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
