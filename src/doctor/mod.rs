//! `homeport doctor`: why the router cannot be reached from outside, one finding per
//! check, each one plain sentence saying what was found and what to do (issue 15).
//!
//! Pure. [`diagnose`] takes the configuration and the [`Facts`] the shell gathered (WAN
//! addresses, the daemon's status document, resolver answers, the live table listing,
//! the neighbour table, the leases and neighbours of the devices forwards follow, TCP
//! connect results, firewall4's includes, miniupnpd's chain) and
//! returns [`Finding`]s; [`probes`] says which connects the shell should try. Nothing here
//! touches the system, so every sentence is tested with captured inputs
//! (tests/golden/doctor/).

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::addr::reach::{self, Observation};
use crate::addr::{V4Class, classify_v4};
use crate::config::{Config, DdnsHost, Forward, ForwardFamily};
use crate::device::resolve::Devices;
use crate::diag::{Diagnostic, SectionRef, quote_value};
use crate::dns::DnsError;
use crate::dns::authority::Answer;
use crate::nft::counters;
use crate::status::{HostStatus, Status};

pub mod outside;
#[cfg(test)]
mod tests;

/// How long the shell waits for a TCP connect, and the figure the sentences quote.
pub const CONNECT_TIMEOUT_SECS: u64 = 2;

/// What the shell found on this machine. `Err` holds why a fact could not be gathered:
/// the checks depending on it say so instead of guessing.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// The WAN device and its chosen addresses (`addr::choose_v4`/`choose_v6`).
    pub wan: Option<Result<Wan, String>>,
    /// `status.json` of the running daemon, when there is one.
    pub status: Option<Status>,
    /// Per domain of an enabled ddns section: the system resolver's A and AAAA answers.
    pub names: Vec<(String, Result<Vec<IpAddr>, String>)>,
    /// `nft list table inet homeport`: `Ok(None)` when there is no such table.
    pub live: Option<Result<Option<String>, String>>,
    /// The IPv4 neighbour table (`/proc/net/arp`), `None` when unreadable.
    pub neighbours: Option<Vec<Neighbour>>,
    /// The outcome of each of [`probes`]' connects.
    pub connects: Vec<(SocketAddr, Connect)>,
    /// firewall4's include check (`compose::missing_includes`); `None`: no firewall4 here.
    pub fw4_missing: Option<Vec<Diagnostic>>,
    /// `nft list chain inet fw4 upnp_prerouting` (miniupnpd's DNAT rules), when present.
    pub upnp: Option<String>,
    /// `nft list set inet fw4 homeport_pinholes6` (`Ok(None)`: no such set), gathered
    /// when a forward has an IPv6 device side.
    pub pinholes: Option<Result<Option<String>, String>>,
    /// The configuration's diagnostics, then the forward lint (`compose::check`).
    pub diagnostics: Vec<Diagnostic>,
    /// Leases and neighbours, for forwards to a device (`compose::context`'s).
    pub devices: Devices,
    /// The outside probe's answers, when `probe_url` is set (and not `--offline`).
    pub outside: Option<Probed>,
    /// What the domains' authoritative servers answer, where asked (docs/doctor.md).
    pub authoritative: Vec<Authoritative>,
}

/// A domain's authoritative servers' answers, A and/or AAAA (`dns::authority`).
#[derive(Clone, Debug)]
pub struct Authoritative {
    pub domain: String,
    pub answers: Result<Vec<Answer>, DnsError>,
}

/// What the outside probe ([`outside`]) said, per external port asked.
#[derive(Clone, Debug, Default)]
pub struct Probed {
    /// The probe's host, as the sentences name it.
    pub host: String,
    pub answers: Vec<(u16, Result<outside::Outside, String>)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wan {
    pub device: String,
    pub v4: Option<Ipv4Addr>,
    pub v6: Option<Ipv6Addr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Neighbour {
    pub addr: Ipv4Addr,
    /// The kernel has the device's link-layer address (ATF_COM): it answered ARP.
    pub complete: bool,
}

/// A TCP connect from the router to a forward's target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connect {
    Open,
    Refused,
    /// No answer within [`CONNECT_TIMEOUT_SECS`].
    NoAnswer,
    /// The kernel found no way to the address (no ARP answer, no route).
    Unreachable,
    Failed(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Ok,
    /// Not checkable, or not in use: neither fine nor a problem.
    Note,
    Problem,
}

impl Level {
    pub fn word(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Note => "note",
            Level::Problem => "problem",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    /// `WAN`, `firewall4`, a domain, `forward 'name'`.
    pub subject: String,
    pub text: String,
}

/// Whether the user asked about this section (no names: everything).
fn wanted(only: &[String], section: &SectionRef, other: &[&str]) -> bool {
    only.is_empty() || only.iter().any(|n| section.name.as_deref() == Some(n) || other.contains(&n.as_str()))
}

fn host_wanted(only: &[String], h: &DdnsHost) -> bool {
    only.is_empty()
        || only.iter().any(|n| h.section.name.as_deref() == Some(n) || h.domains.iter().any(|d| d.as_str() == n))
}

fn forward_wanted(only: &[String], f: &Forward) -> bool {
    wanted(only, &f.section, &[f.name.as_str()])
}

/// Where the service of a forward should answer: `dest_ip`, the address the device it
/// follows has now (`device::resolve`, the address the table points at), or this router.
/// `None`: the device is not on the network.
fn target(f: &Forward, devices: &Devices) -> Option<SocketAddr> {
    let ip = match &f.dest_device {
        Some(d) => IpAddr::V4(devices.ipv4(d)?),
        None => f.dest_ip.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
    };
    Some(SocketAddr::new(ip, f.dest_port.start().get()))
}

/// The connects the shell should try: each enabled, selected TCP forward's target.
pub fn probes(cfg: &Config, devices: &Devices, only: &[String]) -> Vec<SocketAddr> {
    let mut out: Vec<SocketAddr> = Vec::new();
    for f in cfg.forwards.iter().filter(|f| f.enabled && f.proto.has_tcp() && forward_wanted(only, f)) {
        if let Some(a) = target(f, devices).filter(|a| !out.contains(a)) {
            out.push(a);
        }
    }
    out
}

/// The IPv4 neighbours in `/proc/net/arp` (`IP address  HW type  Flags  HW address  Mask
/// Device`, flags in hex; 0x2 is ATF_COM, linux/if_arp.h). Unparsable lines are skipped.
pub fn parse_arp(text: &str) -> Vec<Neighbour> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split_ascii_whitespace();
            let addr = fields.next()?.parse().ok()?;
            // The flags' last hex digit holds ATF_COM.
            let flag = char::from(*fields.nth(1)?.as_bytes().last()?).to_digit(16)?;
            Some(Neighbour { addr, complete: flag & 0x2 != 0 })
        })
        .collect()
}

/// `(tcp, port)` of each DNAT rule miniupnpd put in `upnp_prerouting` (`… tcp dport 8080
/// … dnat …`, fw4.md "miniupnpd"). Rules printed as raw payloads are not recognised.
pub fn upnp_ports(listing: &str) -> Vec<(bool, u16)> {
    let mut out = Vec::new();
    for line in listing.lines().filter(|l| l.contains("dnat")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        for w in words.windows(3) {
            if let [p @ ("tcp" | "udp"), "dport", port] = w
                && let Ok(port) = port.parse()
            {
                out.push((*p == "tcp", port));
            }
        }
    }
    out
}

struct Out(Vec<Finding>);

impl Out {
    fn push(&mut self, level: Level, subject: &str, text: String) {
        self.0.push(Finding { level, subject: subject.to_string(), text });
    }
}

/// Every check, in order: configuration, WAN, firewall4, each DDNS name, each forward.
/// `only` selects ddns and forward sections by section name, domain or forward name.
pub fn diagnose(cfg: &Config, facts: &Facts, only: &[String]) -> Vec<Finding> {
    let mut out = Out(Vec::new());
    if !cfg.main.enabled {
        let text = "homeport is disabled (option enabled '0' in the main section): no name is updated and no port forwarded; set it to '1' and start homeport";
        out.push(Level::Problem, "homeport", text.into());
    }
    for d in facts.diagnostics.iter().filter(|d| d.section.is_none()) {
        if d.is_error() {
            out.push(Level::Problem, "configuration", d.message.clone());
        } else {
            // A fact that could not be gathered (e.g. the neighbour table): the checks
            // that need it would otherwise speak as if it were empty.
            out.push(Level::Note, "doctor", d.message.clone());
        }
    }
    wan(cfg, facts, &mut out);
    if let Some(missing) = &facts.fw4_missing {
        for d in missing {
            out.push(Level::Problem, "firewall4", d.message.clone());
        }
        if missing.is_empty() {
            let zone = &cfg.main.zone;
            out.push(
                Level::Ok,
                "firewall4",
                format!("the include files that accept forwarded connections from zone '{zone}' are in place"),
            );
        }
    }
    for n in only {
        let one = [n.clone()];
        if !cfg.ddns.iter().any(|h| host_wanted(&one, h)) && !cfg.forwards.iter().any(|f| forward_wanted(&one, f)) {
            let text = "no ddns section, domain or forward has this name: see homeport status for the names".into();
            out.push(Level::Problem, &quote_value(n), text);
        }
    }
    for h in cfg.ddns.iter().filter(|h| host_wanted(only, h)) {
        host(h, facts, &mut out);
    }
    for f in cfg.forwards.iter().filter(|f| forward_wanted(only, f)) {
        forward(f, facts, &mut out);
    }
    out.0
}

fn wan(cfg: &Config, facts: &Facts, out: &mut Out) {
    let w = match &facts.wan {
        None => return,
        Some(Err(e)) => {
            let iface = &cfg.main.interface;
            let text = format!(
                "the WAN device is not known ({e}): check that interface '{iface}' is up (ifstatus {iface}), or name the device with option device in the main section"
            );
            return out.push(Level::Problem, "WAN", text);
        }
        Some(Ok(w)) => w,
    };
    let subject = format!("WAN {}", w.device);
    let hosts = cfg.ddns.iter().filter(|h| h.enabled);
    let obs = Observation {
        wan_v4: w.v4,
        wan_v6: w.v6,
        outside_v4: facts.status.as_ref().and_then(|s| s.wan.ipv4_seen_outside),
        wants_v4: hosts.clone().any(|h| h.family.wants_v4()),
        wants_v6: hosts.clone().any(|h| h.wants_wan_v6()),
    };
    let warnings = reach::warnings(&obs);
    for warning in &warnings {
        out.push(Level::Problem, &subject, warning.message.clone());
    }
    if let Some(a) = w.v4.filter(|a| classify_v4(*a) == V4Class::Public)
        && warnings.iter().all(|w| w.code != "double_nat")
    {
        out.push(Level::Ok, &subject, format!("the IPv4 address {a} is public: the internet can reach this router"));
    }
    if let Some(a) = w.v6 {
        out.push(
            Level::Ok,
            &subject,
            format!("the IPv6 address {a} is global: the internet can reach it where the ISP routes IPv6"),
        );
    }
    if w.v4.is_none() && w.v6.is_none() && warnings.is_empty() {
        out.push(
            Level::Problem,
            &subject,
            "the WAN device has no address: nothing can reach this router; check the WAN connection".into(),
        );
    }
}

fn section_name(s: &SectionRef) -> String {
    s.name.clone().unwrap_or_else(|| format!("@{}[{}]", s.ty, s.index))
}

fn host(h: &DdnsHost, facts: &Facts, out: &mut Out) {
    let name = section_name(&h.section);
    let subject = format!("ddns {}", quote_value(&name));
    if !h.enabled {
        return out.push(Level::Note, &subject, "is disabled (option enabled '0'): its names are not updated".into());
    }
    for d in facts.diagnostics.iter().filter(|d| d.section.as_ref() == Some(&h.section) && d.is_error()) {
        out.push(Level::Problem, &subject, d.message.clone());
    }
    let status = facts.status.as_ref();
    let st = status.and_then(|s| s.hosts.iter().find(|x| x.section == name));
    match st {
        None => out.push(
            Level::Note,
            &subject,
            "homeport's status has nothing on it: homeport is not running (start it: /etc/init.d/homeport start), so the last update is unknown".into(),
        ),
        Some(st) => updater(st, &subject, out),
    }
    // What to compare the answers with: what the daemon wants published, else the WAN's.
    let wan = facts.wan.as_ref().and_then(|w| w.as_ref().ok());
    // A WAN address that is not public is no address to publish (see the WAN findings).
    let public4 = wan.and_then(|w| w.v4).filter(|a| classify_v4(*a) == V4Class::Public);
    let want4 = st.and_then(|s| s.wanted_ipv4).or(public4).filter(|_| h.family.wants_v4());
    let want6 = st.and_then(|s| s.wanted_ipv6).or(wan.and_then(|w| w.v6)).filter(|_| h.family.wants_v6());
    let registered = |a: IpAddr| {
        st.is_some_and(|s| s.registered_ipv4.map(IpAddr::V4) == Some(a) || s.registered_ipv6.map(IpAddr::V6) == Some(a))
    };
    for domain in &h.domains {
        let Some((_, answer)) = facts.names.iter().find(|(n, _)| n == domain.as_str()) else { continue };
        let found = match answer {
            Ok(found) => found,
            Err(e) => {
                let text = format!(
                    "the system resolver gives no address for it ({e}): the name is not registered yet, or the resolver is down"
                );
                out.push(Level::Problem, domain.as_str(), text);
                continue;
            }
        };
        for (want, v6) in [(want4.map(IpAddr::V4), false), (want6.map(IpAddr::V6), true)] {
            if v6 && !h.family.wants_v6() || !v6 && !h.family.wants_v4() {
                continue;
            }
            let (rtype, fam) = if v6 { ("AAAA", "IPv6") } else { ("A", "IPv4") };
            let same: Vec<String> = found.iter().filter(|a| a.is_ipv6() == v6).map(|a| a.to_string()).collect();
            let (level, text) = match want {
                Some(a) if found.contains(&a) => {
                    (Level::Ok, format!("resolves to {a}, this router's address ({rtype})"))
                }
                None if same.is_empty() => (
                    Level::Note,
                    format!("has no {rtype} record, and this router has no public {fam} address to publish"),
                ),
                None => (
                    Level::Note,
                    format!(
                        "resolves to {}, but this router has no public {fam} address to compare with",
                        same.join(", ")
                    ),
                ),
                Some(a) if same.is_empty() => (
                    Level::Problem,
                    format!(
                        "has no {rtype} record, but this router's address is {a}: the update has not reached the provider; see the last result, or run homeport update"
                    ),
                ),
                Some(a) if registered(a) => (
                    Level::Problem,
                    format!(
                        "resolves to {}, but the provider already has {a}: resolvers keep the old answer until its time to live runs out; wait a few minutes",
                        same.join(", ")
                    ),
                ),
                Some(a) => (
                    Level::Problem,
                    format!(
                        "resolves to {}, but this router's address is {a}: the record is old; homeport updates it at the next check, or run homeport update now",
                        same.join(", ")
                    ),
                ),
            };
            out.push(level, domain.as_str(), text);
            if let Some(auth) = facts.authoritative.iter().find(|x| x.domain == domain.as_str()) {
                let of_family = |a: &[IpAddr]| a.iter().copied().filter(|a| a.is_ipv6() == v6).collect::<Vec<_>>();
                authoritative(domain.as_str(), rtype, auth, &of_family(found), want, of_family, out);
            }
        }
    }
}

/// What each authoritative server answers, against the resolver's answer (a difference
/// is a cache still holding the old record: RFC 1035 §3.2.1's TTL) and against the
/// address to publish (a difference there is the provider's own record being old).
fn authoritative(
    domain: &str,
    rtype: &str,
    auth: &Authoritative,
    resolved: &[IpAddr],
    want: Option<IpAddr>,
    of_family: impl Fn(&[IpAddr]) -> Vec<IpAddr>,
    out: &mut Out,
) {
    let answers = match &auth.answers {
        Ok(a) => a,
        Err(e) => {
            let text =
                format!("its authoritative servers could not be asked ({e}): only the resolver's answer is known");
            return out.push(Level::Note, domain, text);
        }
    };
    let list = |a: &[IpAddr]| {
        if a.is_empty() {
            "nothing".to_string()
        } else {
            a.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
        }
    };
    for a in answers {
        let got = match &a.addrs {
            Ok(got) => &of_family(got),
            Err(e) => {
                out.push(Level::Note, domain, format!("the authoritative server {} gave no answer ({e})", a.server));
                continue;
            }
        };
        let same_as_resolver = got.len() == resolved.len() && got.iter().all(|x| resolved.contains(x));
        let (level, tail) = match want {
            Some(w) if !got.contains(&w) => (
                Level::Problem,
                format!(
                    "not this router's address {w}: the record there is old (or this server has not caught up with the zone yet); see the last result, or run homeport update"
                ),
            ),
            _ if !same_as_resolver => (
                Level::Note,
                format!(
                    "while the system resolver still gives {}: a cache keeps the old answer until its time to live runs out; wait, nothing to change",
                    list(resolved)
                ),
            ),
            _ => (Level::Ok, "the same as the system resolver".to_string()),
        };
        out.push(level, domain, format!("the authoritative server {} has {} ({rtype}), {tail}", a.server, list(got)));
    }
}

/// A device forward's IPv6 side: the live allow set holds an element for each of the
/// device's stable addresses, protocol and `dest_port`, as `nft::fw4::pinholes` writes
/// them (docs/forwarding.md "IPv6 pinholes to a device").
fn pinholes(f: &Forward, facts: &Facts, subject: &str, out: &mut Out) {
    let Some(d) = crate::nft::fw4::pinhole_device(f) else { return };
    let Some(listing) = &facts.pinholes else { return };
    let who = facts.devices.describe(d);
    let addrs = facts.devices.ipv6(d);
    let port = f.dest_port.to_string();
    let (level, text) = match listing {
        _ if addrs.is_empty() => (
            Level::Note,
            format!(
                "{who} has no stable global IPv6 address: no IPv6 pinhole is open to it (give it a DHCPv6 address or EUI-64 SLAAC, docs/config.md)"
            ),
        ),
        Err(e) => (Level::Note, format!("firewall4's pinhole set could not be read ({e})")),
        Ok(None) => (
            Level::Problem,
            format!(
                "its IPv6 pinholes to {who} are not open: table inet fw4 has no set homeport_pinholes6; run service firewall reload (it declares the set from homeport's include, and homeport then fills it)"
            ),
        ),
        Ok(Some(l)) => {
            let (mut missing, mut all) = (String::new(), String::new());
            for a in &addrs {
                let _ = write!(all, "{}{a}", if all.is_empty() { "" } else { ", " });
                for (p, on) in [("tcp", f.proto.has_tcp()), ("udp", f.proto.has_udp())] {
                    if on && !has_element(l, &format!(" . {a} . {p} . {port}")) {
                        let _ = write!(missing, "{}{a} {p}", if missing.is_empty() { "" } else { ", " });
                    }
                }
            }
            if missing.is_empty() {
                (Level::Ok, format!("its IPv6 pinholes are open to {all} (port {port})"))
            } else {
                (
                    Level::Problem,
                    format!(
                        "table inet fw4's set homeport_pinholes6 has no pinhole to {missing} port {port}: reload homeport (/etc/init.d/homeport reload) or run homeport apply"
                    ),
                )
            }
        }
    };
    out.push(level, subject, text);
}

/// `key` in an `nft list set` listing as a whole element key (a port `443` is not `4430`).
fn has_element(listing: &str, key: &str) -> bool {
    listing
        .match_indices(key)
        .any(|(i, _)| !listing[i + key.len()..].starts_with(|c: char| c.is_ascii_digit() || c == '-'))
}

/// The daemon's last word on a host (status.json `state`, docs/status.md).
fn updater(st: &HostStatus, subject: &str, out: &mut Out) {
    let result = st.last_result.as_deref().unwrap_or("none yet");
    let error = st.error.as_deref().unwrap_or(result);
    let (level, text) = match st.state.as_str() {
        // daemon::ddns_driver: a dry run records "dry run" and contacts no provider.
        _ if st.last_result.as_deref() == Some("dry run") => {
            (Level::Note, "the status is a dry run's: nothing was sent to the provider".to_string())
        }
        "ok" => (Level::Ok, format!("the provider has this router's address (last result: {result})")),
        "pending" => (Level::Note, "an update is due and about to be sent".to_string()),
        "backoff" => (Level::Problem, format!("the last update failed ({error}); homeport retries by itself")),
        "stopped" => (
            Level::Problem,
            format!(
                "updates are stopped: {error}; correct the section (account, token, domain) and reload homeport (/etc/init.d/homeport reload)"
            ),
        ),
        "blocked" => (Level::Problem, format!("there is no address it may publish ({error}); see the WAN findings")),
        other => (Level::Note, format!("state {other} (last result: {result})")),
    };
    out.push(level, subject, text);
}

fn forward(f: &Forward, facts: &Facts, out: &mut Out) {
    let subject = format!("forward {}", quote_value(&f.name));
    if !f.enabled {
        return out.push(Level::Note, &subject, "is disabled (option enabled '0')".into());
    }
    let mine: Vec<&Diagnostic> = facts.diagnostics.iter().filter(|d| d.section.as_ref() == Some(&f.section)).collect();
    for d in mine.iter().filter(|d| d.is_error()) {
        out.push(Level::Problem, &subject, format!("{}; this forward is left out of the table", d.message));
    }
    pinholes(f, facts, &subject, out);
    if f.dest_device.is_some() && f.family == ForwardFamily::Ipv6 {
        // No IPv4 side (device::resolve::targets): nothing in our table to look for.
        return lint_findings(f, &mine, facts, &subject, out);
    }
    let proto = f.proto.as_str();
    let who = f.dest_device.as_ref().map(|d| facts.devices.describe(d));
    let Some(to) = target(f, &facts.devices) else {
        // A device that is not on the network: the lint's warning (compose::check, among
        // `mine`) is the problem; the table holds no translation, nothing can be connected.
        let who = who.unwrap_or_default();
        let text = format!("follows {who}, which is not on the network: the forward is inactive, not tested");
        out.push(Level::Note, &subject, text);
        return lint_findings(f, &mine, facts, &subject, out);
    };
    if let Some(who) = &who {
        out.push(Level::Ok, &subject, format!("follows {who}, now at {}", to.ip()));
    }
    match &facts.live {
        None => {}
        Some(Err(e)) => out.push(Level::Note, &subject, format!("the live table could not be read ({e})")),
        Some(Ok(None)) => out.push(
            Level::Problem,
            &subject,
            "is not applied: there is no table inet homeport; start homeport (/etc/init.d/homeport start)".into(),
        ),
        Some(Ok(Some(listing))) => {
            if counters::for_forward(&counters::parse(listing), proto, &f.src_dport.to_string()).is_some() {
                out.push(Level::Ok, &subject, format!("is applied: {proto} port {} is in the live table", f.src_dport));
            } else {
                out.push(
                    Level::Problem,
                    &subject,
                    format!("is not in the live table ({proto} port {}): reload homeport (/etc/init.d/homeport reload), and see homeport status for why", f.src_dport),
                );
            }
        }
    }
    let connect = facts.connects.iter().find(|(a, _)| *a == to).map(|(_, c)| c);
    // The device's address: dest_ip, or where the device it follows is now.
    let dest = Some(to.ip()).filter(|_| f.dest_ip.is_some() || who.is_some());
    if let Some(IpAddr::V4(ip)) = dest
        && let Some(neigh) = &facts.neighbours
        && !matches!(connect, Some(Connect::Open | Connect::Refused))
    {
        if neigh.iter().any(|n| n.addr == ip && n.complete) {
            out.push(Level::Ok, &subject, format!("the device {ip} is on the LAN (neighbour table)"));
        } else {
            let why = if who.is_some() {
                "it is off, or has left the network"
            } else {
                "it is off, or its address changed; give it a static DHCP lease and set dest_ip to it"
            };
            out.push(
                Level::Problem,
                &subject,
                format!("no device answers at {ip} (not in the neighbour table): {why}"),
            );
        }
    }
    if f.proto.has_tcp() {
        let t = CONNECT_TIMEOUT_SECS;
        let (level, text) = match connect {
            None => (Level::Note, format!("the service at {to} was not tested")),
            Some(Connect::Open) => (Level::Ok, format!("a service answers on {to} (TCP)")),
            Some(Connect::Refused) => (
                Level::Problem,
                format!(
                    "nothing listens on {to}: the connection was refused; start the service, or set dest_port to the port it listens on"
                ),
            ),
            Some(Connect::NoAnswer) => (
                Level::Problem,
                format!("no answer from {to} within {t} s: the device is off, or its own firewall drops connections"),
            ),
            Some(Connect::Unreachable) => {
                (Level::Problem, format!("{to} is unreachable from the router: no device has that address"))
            }
            Some(Connect::Failed(e)) => (Level::Note, format!("the service at {to} could not be tested ({e})")),
        };
        out.push(level, &subject, text);
    }
    if f.proto.has_udp() {
        let text = format!(
            "UDP port {} cannot be tested from here (a silent service and a missing one look the same): test from outside",
            f.dest_port
        );
        out.push(Level::Note, &subject, text);
    }
    if let Some(probed) = &facts.outside {
        from_outside(f, probed, connect, facts, &subject, out);
    }
    lint_findings(f, &mine, facts, &subject, out);
    if dest.is_some() {
        if f.reflection {
            out.push(Level::Ok, &subject, "reflection is on: the public name works from inside the LAN too".into());
        } else {
            out.push(
                Level::Note,
                &subject,
                "reflection is off: from inside the LAN the public name does not reach the device; test from outside (mobile data), or set option reflection '1'".into(),
            );
        }
    }
}

/// The outside probe's answer for the forward's external port (TCP only: echoip tests
/// nothing else), with the likeliest cause when it did not get in.
fn from_outside(f: &Forward, probed: &Probed, connect: Option<&Connect>, facts: &Facts, subject: &str, out: &mut Out) {
    let (port, probe) = (outside::port(f), &probed.host);
    if !f.proto.has_tcp() {
        let text = format!("the outside probe {probe} tests TCP only: UDP port {port} is not checkable from outside");
        return out.push(Level::Note, subject, text);
    }
    let Some((_, answer)) = probed.answers.iter().find(|(p, _)| *p == port) else { return };
    let o = match answer {
        Ok(o) => o,
        Err(e) => {
            let text = format!(
                "the outside probe {probe} gave no answer for port {port} ({e}): whether the internet reaches it is not known"
            );
            return out.push(Level::Note, subject, text);
        }
    };
    let at = SocketAddr::new(o.ip, o.port);
    if o.reachable {
        return out.push(Level::Ok, subject, format!("reachable from the internet: {probe} connected to {at}"));
    }
    let wan = facts.wan.as_ref().and_then(|w| w.as_ref().ok());
    let wan_addr =
        if o.ip.is_ipv4() { wan.and_then(|w| w.v4).map(IpAddr::V4) } else { wan.and_then(|w| w.v6).map(IpAddr::V6) };
    let cause = if connect.is_some_and(|c| *c != Connect::Open) {
        "the service does not answer on the LAN either (see above)".to_string()
    } else if let Some(w) = wan_addr.filter(|w| *w != o.ip) {
        format!(
            "the internet sees this router as {}, not as its WAN address {w}: a router or the ISP's NAT in front of it (double NAT, CGNAT) does not pass the port on",
            o.ip
        )
    } else {
        format!(
            "the ISP blocks incoming connections to port {port}, or a firewall in front of the router drops them; ask the ISP, or try another src_dport"
        )
    };
    out.push(
        Level::Problem,
        subject,
        format!("not reachable from outside: {probe} could not connect to {at}; likely cause: {cause}"),
    );
}

/// The forward's lint warnings, and a UPnP mapping on its ports.
fn lint_findings(f: &Forward, mine: &[&Diagnostic], facts: &Facts, subject: &str, out: &mut Out) {
    for d in mine.iter().filter(|d| !d.is_error()) {
        out.push(Level::Problem, subject, d.message.clone());
    }
    if let Some(listing) = &facts.upnp {
        let taken = upnp_ports(listing).into_iter().filter(|(tcp, port)| {
            let p = crate::types::Port::new(*port);
            (if *tcp { f.proto.has_tcp() } else { f.proto.has_udp() }) && p.is_some_and(|p| f.src_dport.contains(p))
        });
        for (tcp, port) in taken {
            let p = if tcp { "tcp" } else { "udp" };
            out.push(
                Level::Problem,
                subject,
                format!("a UPnP mapping (miniupnpd) also takes {p} port {port}: only one of them gets the connections; remove the mapping, or choose another src_dport"),
            );
        }
    }
}

/// The findings for a person: one line each, `level  subject: text`, then a summary.
pub fn render_text(findings: &[Finding]) -> String {
    let mut s = String::new();
    for f in findings {
        let _ = writeln!(s, "{:<7} {}: {}", f.level.word(), f.subject, f.text);
    }
    let n = problems(findings);
    let _ = match n {
        0 => writeln!(s, "no problems found"),
        1 => writeln!(s, "1 problem found"),
        n => writeln!(s, "{n} problems found"),
    };
    s
}

/// `doctor --json`: `{"problems": N, "findings": [{"level", "subject", "text"}...]}`.
/// Written by hand: the strings go through serde_json's escaping, and a derive for three
/// fields would cost more flash than these lines.
pub fn render_json(findings: &[Finding]) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let mut s = format!("{{\n  \"problems\": {},\n  \"findings\": [", problems(findings));
    for (i, f) in findings.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(
            s,
            "{sep}\n    {{\"level\": {}, \"subject\": {}, \"text\": {}}}",
            q(f.level.word()),
            q(&f.subject),
            q(&f.text)
        );
    }
    s.push_str(if findings.is_empty() { "]\n}" } else { "\n  ]\n}" });
    s
}

pub fn problems(findings: &[Finding]) -> usize {
    findings.iter().filter(|f| f.level == Level::Problem).count()
}
