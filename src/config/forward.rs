//! `config forward '<name>'`: one port forward, in firewall4 `redirect` terms.
//!
//! Pure. Reads one section into a [`Forward`], resolving the defaults firewall4 applies
//! (`dest_port` = `src_dport`, family from the addresses) so the renderer gets a forward
//! that needs no further interpretation. `None` when the section had errors.

use std::net::IpAddr;

use super::read::{Choices, Reader, Shown, choose, parse_text};
use super::{Forward, ForwardFamily, Proto};
use crate::device::{Device, HostName};
use crate::types::{AddrMatch, Mac, PortRange};

/// nftables keeps at most 128 bytes of a rule comment (NFTNL_UDATA_COMMENT_MAXLEN).
pub const MAX_TEXT: usize = 128;

pub const KNOWN: &[&str] = &[
    "name",
    "enabled",
    "proto",
    "src_dport",
    "dest_ip",
    "dest_mac",
    "dest_host",
    "dest_port",
    "src_ip",
    "reflection",
    "family",
    "comment",
];

/// `proto` spellings (firewall4's, plus `tcp+udp`); several words combine.
pub const PROTOS: Choices<Proto> = &[
    (Proto::Tcpudp, "TCP and UDP", &["tcpudp", "tcp+udp"]),
    (Proto::Tcp, "TCP", &["tcp"]),
    (Proto::Udp, "UDP", &["udp"]),
];

/// `family` spellings. Unset is not here: it means IPv4, or the family of the addresses.
pub const FAMILIES: Choices<ForwardFamily> = &[
    (ForwardFamily::Ipv4, "IPv4", &["ipv4"]),
    (ForwardFamily::Ipv6, "IPv6", &["ipv6"]),
    (ForwardFamily::Any, "IPv4 and IPv6", &["any", "all", "both"]),
];

/// firewall4 `redirect` options homeport does not take, with what to do instead.
pub fn hint(option: &str) -> Option<String> {
    let h = match option {
        "src" => "forwards always come in from the WAN zone set by 'zone' in the main section",
        "dest" => "the destination is given by dest_ip, dest_mac or dest_host alone",
        "target" => "forwards are always DNAT",
        "src_dip" => "forwards match the WAN addresses homeport watches",
        "reflection_src" | "reflection_zone" => "reflection is on or off with 'reflection'",
        "src_mac" | "src_port" | "ipset" | "helper" | "limit" | "limit_burst" | "start_date" | "stop_date"
        | "start_time" | "stop_time" | "weekdays" | "monthdays" | "utc_time" | "mark" | "counter" | "log"
        | "log_limit" | "extra" => "a firewall4 redirect option homeport does not support",
        _ => return super::read::did_you_mean(option, KNOWN).map(|k| format!("did you mean '{k}'?")),
    };
    Some(h.to_string())
}

pub fn read(r: &mut Reader<'_>, default_name: String) -> Option<Forward> {
    let name = r.parse("name", Shown::Value, |v| parse_text(v, MAX_TEXT)).unwrap_or(default_name);
    let enabled = r.bool("enabled", true);
    let proto = read_proto(r);
    let src_dport = r.parse("src_dport", Shown::Value, parse_ports);
    if !r.has("src_dport") {
        r.error_option("src_dport", "is required: the external port or range (like 8443 or 6000-6010)");
    }
    let dest_ip = r.parse("dest_ip", Shown::Value, parse_dest_ip);
    let dest_device = read_device(r);
    let dest_port = read_dest_port(r, src_dport);
    let src_ip = r.parse_words("src_ip", AddrMatch::parse);
    let reflection = r.bool("reflection", true);
    let mut explicit_family = r.parse("family", Shown::Value, parse_family);
    if dest_device.is_some() {
        // A device target is followed on IPv4 (DNAT to its current address) unless
        // `family` says otherwise: the default never widens exposure (issue 14). Its
        // IPv6 side is a pinhole to the device's stable addresses (docs/forwarding.md).
        explicit_family = explicit_family.or(Some(ForwardFamily::Ipv4));
    }
    let comment = r.parse("comment", Shown::Value, |v| parse_text(v, MAX_TEXT));
    let family = resolve_family(r, explicit_family, dest_ip, &src_ip);

    let (src_dport, dest_port, family) = match (src_dport, dest_port, family) {
        (Some(s), Some(d), Some(f)) if !r.failed() => (s, d, f),
        _ => return None,
    };
    Some(Forward {
        section: r.at().clone(),
        name,
        enabled,
        proto,
        src_dport,
        dest_ip,
        dest_device,
        dest_port,
        src_ip,
        reflection,
        family,
        comment,
    })
}

/// `dest_mac` or `dest_host`: at most one target per forward, counting `dest_ip`
/// (issue 14: "exactly one of the three"). Each extra one is reported with its value.
fn read_device(r: &mut Reader<'_>) -> Option<Device> {
    let mac = r.parse("dest_mac", Shown::Value, |v| {
        let m = Mac::parse(v)?;
        if m.is_unicast() { Ok(m) } else { Err("is a multicast or broadcast address, not one device".to_string()) }
    });
    let host = r.parse("dest_host", Shown::Value, HostName::parse);
    let set: Vec<&str> = ["dest_ip", "dest_mac", "dest_host"].into_iter().filter(|o| r.has(o)).collect();
    if let [first, rest @ ..] = set.as_slice() {
        for o in rest {
            let v = r.single(o, Shown::Value).unwrap_or_default();
            r.error_at(
                o,
                v,
                Shown::Value,
                format!("conflicts with {first}: a forward has one target (dest_ip, dest_mac or dest_host)"),
            );
        }
    }
    match (mac, host) {
        (Some(m), _) => Some(Device::Mac(m)),
        (None, Some(h)) => Some(Device::Host(h)),
        _ => None,
    }
}

/// `tcp`, `udp`, `tcpudp`, or firewall4's list form (`tcp udp`); default `tcpudp`.
fn read_proto(r: &mut Reader<'_>) -> Proto {
    let (mut tcp, mut udp) = (false, false);
    for word in r.words("proto") {
        match choose(PROTOS, word) {
            Some(p) => (tcp, udp) = (tcp || p.has_tcp(), udp || p.has_udp()),
            None => r.error_at("proto", word, Shown::Value, "is not a protocol homeport forwards (tcp, udp or tcpudp)"),
        }
    }
    match (tcp, udp) {
        (true, false) => Proto::Tcp,
        (false, true) => Proto::Udp,
        _ => Proto::Tcpudp,
    }
}

pub fn parse_ports(v: &str) -> Result<PortRange, String> {
    if v.starts_with('!') {
        return Err("is negated; homeport forwards name the ports they open ('!' is not supported)".to_string());
    }
    PortRange::parse(v)
}

/// `dest_port` defaults to `src_dport` and must be as wide: a range maps port by port, and
/// a single port does not take a whole external range (firewall4 would allow that; the
/// ruleset homeport renders does not, see `nft::plan`, so it is refused here where
/// `homeport schema` and LuCI see the rule).
fn read_dest_port(r: &mut Reader<'_>, src: Option<PortRange>) -> Option<PortRange> {
    let raw = r.single("dest_port", Shown::Value);
    let dest = match raw {
        None => return src,
        Some(v) => match parse_ports(v) {
            Ok(d) => d,
            Err(why) => {
                r.error_at("dest_port", v, Shown::Value, why);
                return None;
            }
        },
    };
    let mismatch = match (src, raw) {
        (Some(s), Some(v)) if dest.width() != s.width() => Some((s, v)),
        _ => None,
    };
    if let Some((s, v)) = mismatch {
        r.error_at(
            "dest_port",
            v,
            Shown::Value,
            if dest.is_single() {
                format!("is one port but src_dport '{s}' is a range; give a range of the same width")
            } else {
                format!(
                    "is a range of {} ports but src_dport '{}' has {}; a range maps only to a range of the same width",
                    dest.width(),
                    s,
                    s.width()
                )
            },
        );
        return None;
    }
    Some(dest)
}

/// One host address: not unspecified, loopback, multicast, broadcast or IPv6 link-local.
/// A `/32` or `/128` suffix is accepted (firewall4 takes a network here but uses one host).
fn parse_dest_ip(v: &str) -> Result<IpAddr, String> {
    let (a, prefix) = match v.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (v, None),
    };
    let ip: IpAddr = a.parse().map_err(|_| "is not an IP address".to_string())?;
    let host_len = if ip.is_ipv4() { "32" } else { "128" };
    if prefix.is_some_and(|p| p != host_len) {
        return Err("is a network; dest_ip is one host address".to_string());
    }
    let unusable = match ip {
        IpAddr::V4(v4) => v4.is_unspecified() || v4.is_loopback() || v4.is_multicast() || v4.is_broadcast(),
        IpAddr::V6(v6) => {
            if v6.to_ipv4_mapped().is_some() {
                return Err("is an IPv4-mapped IPv6 address; write the IPv4 address".to_string());
            }
            if v6.is_unicast_link_local() {
                return Err("is an IPv6 link-local address; use the host's global or ULA address".to_string());
            }
            v6.is_unspecified() || v6.is_loopback() || v6.is_multicast()
        }
    };
    if unusable {
        return Err(
            "is not a host address a forward can reach (unspecified, loopback, multicast or broadcast)".to_string()
        );
    }
    Ok(ip)
}

fn parse_family(v: &str) -> Result<ForwardFamily, String> {
    choose(FAMILIES, v).ok_or_else(|| "is not an address family (ipv4, ipv6 or any)".to_string())
}

/// The family the forward applies to, decided as firewall4 does: an unset `family` with
/// no addresses means IPv4 only (so migrating users do not expose IPv6 by accident);
/// addresses restrict the family to theirs; an address of a family the forward cannot
/// have is an error.
fn resolve_family(
    r: &mut Reader<'_>,
    explicit: Option<ForwardFamily>,
    dest_ip: Option<IpAddr>,
    src_ip: &[AddrMatch],
) -> Option<ForwardFamily> {
    let has_addresses = dest_ip.is_some() || !src_ip.is_empty();
    let (mut v4, mut v6) = match explicit {
        Some(ForwardFamily::Ipv4) => (true, false),
        Some(ForwardFamily::Ipv6) => (false, true),
        Some(ForwardFamily::Any) => (true, true),
        None => (true, has_addresses),
    };
    if let Some(ip) = dest_ip {
        let ok = if ip.is_ipv4() { v4 } else { v6 };
        if !ok {
            let (what, fam) = if ip.is_ipv4() { ("IPv4", "ipv6") } else { ("IPv6", "ipv4") };
            r.error_at(
                "dest_ip",
                &ip.to_string(),
                Shown::Value,
                format!("is an {what} address, but family is '{fam}'"),
            );
            return None;
        }
        (v4, v6) = (ip.is_ipv4(), ip.is_ipv6());
    }
    let reason = match (dest_ip, explicit) {
        (Some(ip), _) => format!("dest_ip {ip} is {}", if ip.is_ipv4() { "IPv4" } else { "IPv6" }),
        (None, Some(_)) => format!("family is '{}'", if v4 { "ipv4" } else { "ipv6" }),
        (None, None) => "family is not set (IPv4 only, as in firewall4; set family 'any' or 'ipv6')".to_string(),
    };
    if !src_ip.is_empty() {
        let mut bad = false;
        for m in src_ip {
            let ok = if m.cidr.is_ipv4() { v4 } else { v6 };
            if !ok {
                let what = if m.cidr.is_ipv4() { "is IPv4" } else { "is IPv6" };
                r.error_at(
                    "src_ip",
                    &m.to_string(),
                    Shown::Value,
                    format!("{what}, but this forward is {} only: {reason}", if v4 { "IPv4" } else { "IPv6" }),
                );
                bad = true;
            }
        }
        if bad {
            return None;
        }
        v4 &= src_ip.iter().any(|m| m.cidr.is_ipv4());
        v6 &= src_ip.iter().any(|m| !m.cidr.is_ipv4());
    }
    match (v4, v6) {
        (true, true) => Some(ForwardFamily::Any),
        (false, true) => Some(ForwardFamily::Ipv6),
        _ => Some(ForwardFamily::Ipv4),
    }
}
