//! The typed homeport configuration (`/etc/config/homeport`), as docs/config.md defines it.
//!
//! Pure. [`build`] turns a parsed UCI package into a [`Config`] plus diagnostics. Every
//! value in a `Config` has been validated at the edge: it holds only sections that were
//! usable; the ones that were not were reported and left out.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod build;
mod ddns;
mod forward;
mod main_section;
mod read;
pub mod schema;
mod service;
pub mod url;

pub use build::{Loaded, SECTION_TYPES, build, from_text, has_errors};
pub use ddns::{DEFAULT_CHECK, DEFAULT_FORCE, DEFAULT_RETRY};
pub use read::{SECRET_OPTIONS, is_secret_option};

use std::net::IpAddr;
use std::path::PathBuf;

use serde::Serialize;

use crate::diag::SectionRef;
use crate::types::{AddrMatch, HostPort, Hostname, IfName, Interval, PortRange, Secret, UciName};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Config {
    pub main: MainSettings,
    pub ddns: Vec<DdnsHost>,
    pub forwards: Vec<Forward>,
}

/// `config homeport 'main'`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MainSettings {
    pub enabled: bool,
    /// Logical OpenWrt interface whose L3 device is the WAN (default `wan`).
    pub interface: UciName,
    /// Explicit L3 device; overrides `interface`.
    pub device: Option<IfName>,
    /// Firewall zone of the WAN (default `wan`).
    pub zone: UciName,
    /// Wait after an address change before acting (default 2s).
    pub debounce: Interval,
    pub log_level: LogLevel,
    /// `probe_url` (with `use_https`, `cacert`): the outside probe `homeport doctor`
    /// asks, opt-in (docs/doctor.md, "From outside"); `None`: nothing is contacted.
    pub probe: Option<Probe>,
    /// `authoritative '1'`: doctor asks each name's authoritative servers too.
    pub authoritative: bool,
}

/// An echoip-style port checker (`GET <url>/port/<n>`, docs/doctor.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Probe {
    /// The service's base URL, without a trailing `/`: checked, `https://` unless
    /// `use_https '0'`.
    pub url: String,
    /// `use_https '0'`: a plain `http://` URL is allowed.
    pub plain_http: bool,
    /// A CA bundle to verify the service's certificate with, else the system's.
    pub cacert: Option<std::path::PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Error,
    Warning,
    Notice,
    Info,
    Debug,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AddrFamily {
    Ipv4,
    Ipv6,
    Both,
}

impl AddrFamily {
    pub fn wants_v4(self) -> bool {
        matches!(self, AddrFamily::Ipv4 | AddrFamily::Both)
    }

    pub fn wants_v6(self) -> bool {
        matches!(self, AddrFamily::Ipv6 | AddrFamily::Both)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IpSource {
    Interface,
    Web,
    /// The AAAA record is a LAN device's stable global IPv6 address (`ip_device`); the A
    /// record stays the WAN's.
    Device,
}

/// The provider protocol or preset a `ddns` section uses (`service`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// The dyndns2 protocol against `server`.
    Dyndns2,
    Noip,
    Dyn,
    Dynu,
    Desec,
    He,
    Duckdns,
    Freedns,
    Namecheap,
    Cloudflare,
    /// `update_url` template.
    Custom,
    /// RFC 2136 dynamic update with TSIG.
    Rfc2136,
}

/// TSIG algorithms (RFC 8945 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TsigAlgorithm {
    HmacSha1,
    HmacSha256,
    HmacSha512,
}

/// `config ddns '<name>'`: one update (one account, one or more names).
///
/// `Debug` and `Serialize` never show a secret: `password` and `key_secret` are
/// [`Secret`]s, and `update_url`, which may hold a token literally, is shown
/// [`url::redacted`].
#[derive(Clone, PartialEq, Serialize)]
pub struct DdnsHost {
    pub section: SectionRef,
    pub enabled: bool,
    pub service: Service,
    /// One or more names updated together.
    pub domains: Vec<Hostname>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub family: AddrFamily,
    pub ip_source: IpSource,
    /// `ip_device` (MAC or DHCP host name), for `ip_source 'device'`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_device: Option<crate::device::Device>,
    /// Address echo endpoint for `ip_source web` (https unless `use_https 0`).
    pub ip_url: Option<String>,
    /// Endpoint override, host[:port].
    pub server: Option<HostPort>,
    pub use_https: bool,
    /// CA bundle to verify against, instead of the default.
    pub cacert: Option<PathBuf>,
    /// Template with `[USERNAME] [PASSWORD] [DOMAIN] [IP] [IP6]` placeholders.
    #[serde(serialize_with = "url::serialize_redacted")]
    pub update_url: Option<String>,
    pub lookup_host: Option<Hostname>,
    pub dns_server: Option<HostPort>,
    pub check_interval: Interval,
    pub force_interval: Interval,
    pub retry_interval: Interval,
    /// Publish an address that is not globally reachable (private, CGNAT); off by default.
    pub allow_private: bool,
    /// RFC 2136: zone to update (default: the parent of the first domain).
    pub zone: Option<Hostname>,
    pub key_name: Option<Hostname>,
    pub key_algorithm: TsigAlgorithm,
    /// Base64 TSIG key.
    pub key_secret: Option<Secret>,
    /// Cloudflare: zone name or id (default: found from the domain).
    pub cloudflare_zone: Option<String>,
    /// FreeDNS with `family both`: the AAAA record's own update token (`password` is the
    /// A record's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_ipv6: Option<Secret>,
    /// `custom`: text the answer must contain to count as success (ddns-scripts' `answer`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
}

impl DdnsHost {
    /// It publishes the WAN device's IPv6 address (an AAAA record not taken from a LAN
    /// device, `ip_source 'device'`): what the reachability warnings care about.
    pub fn wants_wan_v6(&self) -> bool {
        self.family.wants_v6() && self.ip_source != IpSource::Device
    }

    /// A host for `service` and `domains` in section `@ddns[0]` ('home'), every other
    /// option at the default an empty `config ddns` section gets: enabled, IPv4 from the
    /// interface, HTTPS, no credentials, the default intervals. For tests and tools that
    /// build hosts without UCI text; configuration goes through `config::build`.
    #[doc(hidden)]
    pub fn new_for(service: Service, domains: Vec<Hostname>) -> DdnsHost {
        DdnsHost {
            section: SectionRef { ty: "ddns".into(), index: 0, name: Some("home".into()) },
            enabled: true,
            service,
            domains,
            username: None,
            password: None,
            family: AddrFamily::Ipv4,
            ip_source: IpSource::Interface,
            ip_device: None,
            ip_url: None,
            server: None,
            use_https: true,
            cacert: None,
            update_url: None,
            lookup_host: None,
            dns_server: None,
            check_interval: DEFAULT_CHECK,
            force_interval: DEFAULT_FORCE,
            retry_interval: DEFAULT_RETRY,
            allow_private: false,
            zone: None,
            key_name: None,
            key_algorithm: TsigAlgorithm::HmacSha256,
            key_secret: None,
            password_ipv6: None,
            answer: None,
            cloudflare_zone: None,
        }
    }
}

impl std::fmt::Debug for DdnsHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DdnsHost")
            .field("section", &self.section)
            .field("enabled", &self.enabled)
            .field("service", &self.service)
            .field("domains", &self.domains)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("family", &self.family)
            .field("ip_source", &self.ip_source)
            .field("ip_url", &self.ip_url)
            .field("server", &self.server)
            .field("use_https", &self.use_https)
            .field("cacert", &self.cacert)
            .field("update_url", &self.update_url.as_deref().map(url::redacted))
            .field("lookup_host", &self.lookup_host)
            .field("dns_server", &self.dns_server)
            .field("check_interval", &self.check_interval)
            .field("force_interval", &self.force_interval)
            .field("retry_interval", &self.retry_interval)
            .field("allow_private", &self.allow_private)
            .field("zone", &self.zone)
            .field("key_name", &self.key_name)
            .field("key_algorithm", &self.key_algorithm)
            .field("key_secret", &self.key_secret)
            .field("cloudflare_zone", &self.cloudflare_zone)
            .field("password_ipv6", &self.password_ipv6)
            .field("answer", &self.answer)
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Tcp,
    Udp,
    Tcpudp,
}

impl Proto {
    /// `tcp`, `udp`, `tcpudp`: the option's value, as status.json and doctor write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Tcpudp => "tcpudp",
        }
    }

    pub fn has_tcp(self) -> bool {
        matches!(self, Proto::Tcp | Proto::Tcpudp)
    }

    pub fn has_udp(self) -> bool {
        matches!(self, Proto::Udp | Proto::Tcpudp)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ForwardFamily {
    Ipv4,
    Ipv6,
    Any,
}

/// `config forward '<name>'`, firewall4 `redirect`-shaped.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Forward {
    pub section: SectionRef,
    /// `name`, else the section name, else `@forward[N]`. Free text: goes to nft only
    /// through the comment quoting function.
    pub name: String,
    pub enabled: bool,
    pub proto: Proto,
    /// External port or range.
    pub src_dport: PortRange,
    /// Internal host; `None` means the router itself.
    pub dest_ip: Option<IpAddr>,
    /// `dest_mac`/`dest_host`: the device whose current IPv4 address is the target
    /// (`dest_ip` is then `None` until `device::resolve` fills it in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dest_device: Option<crate::device::Device>,
    /// Internal port or range; same width as `src_dport`.
    pub dest_port: PortRange,
    /// Allowed sources; empty means any. Negated entries exclude.
    pub src_ip: Vec<AddrMatch>,
    pub reflection: bool,
    pub family: ForwardFamily,
    pub comment: Option<String>,
}

#[cfg(test)]
mod tests;
