//! What the lint needs from the router's other UCI packages: LAN subnets
//! (`/etc/config/network`), static DHCP leases (`/etc/config/dhcp`), and firewall4's own
//! port forwards and zones (`/etc/config/firewall`).
//!
//! Pure: each function reads an already parsed [`Package`]. Values that do not parse are
//! skipped, as firewall4 and netifd skip them; the lint is advice, not validation.

use std::net::{IpAddr, Ipv4Addr};

use crate::diag::SectionRef;
use crate::nft::plan::{Family, L4};
use crate::types::{Cidr, IfName, PortRange, UciName};
use crate::uci::{Package, Section, Value};

fn single<'a>(s: &'a Section, name: &str) -> Option<&'a str> {
    s.option(name).and_then(|v| v.items().first()).map(|v| v.trim())
}

pub(crate) fn items<'a>(s: &'a Section, name: &str) -> Vec<&'a str> {
    // firewall4 and netifd split option values on white space as well as taking lists.
    s.option(name).map(Value::items).unwrap_or_default().iter().flat_map(|v| v.split_whitespace()).collect()
}

pub(crate) fn enabled(s: &Section) -> bool {
    !matches!(single(s, "enabled"), Some("0" | "no" | "off" | "false"))
}

/// The logical interfaces covered by firewall zone `zone` (its `network` list; the zone
/// name itself when the list is absent, as firewall4 does).
pub fn zone_networks(firewall: &Package, zone: &UciName) -> Vec<String> {
    firewall
        .sections_of("zone")
        .filter(|(_, s)| single(s, "name") == Some(zone.as_str()))
        .flat_map(|(_, s)| {
            let n = items(s, "network");
            if n.is_empty() && s.option("network").is_none() {
                vec![zone.to_string()]
            } else {
                n.into_iter().map(String::from).collect()
            }
        })
        .collect()
}

/// The LAN-side interfaces: `proto static`, not `loopback` and not one of `exclude` (the
/// networks of the WAN zone). Both the LAN prefixes and the LAN devices come from these.
fn lan_interfaces<'a>(network: &'a Package, exclude: &'a [String]) -> impl Iterator<Item = &'a Section> {
    network.sections_of("interface").map(|(_, s)| s).filter(move |s| {
        let name = s.name.as_deref().unwrap_or_default();
        name != "loopback" && !exclude.iter().any(|e| e == name) && single(s, "proto") == Some("static")
    })
}

/// The L3 devices of the LAN-side interfaces (as netifd names them, `br-lan`): the only
/// devices reflection (NAT loopback) is taken from. Interfaces whose device cannot be
/// told are left out, which keeps their traffic on the internet path (`src_ip` applies).
pub fn lan_devices(network: &Package, exclude: &[String]) -> Vec<IfName> {
    let mut out: Vec<IfName> = Vec::new();
    let devices = lan_interfaces(network, exclude)
        .filter_map(|s| UciName::parse(s.name.as_deref()?).ok())
        .filter_map(|n| crate::wan::network_config::device_of(network, &n).ok());
    // In file order, once each (the renderer sorts): a handful of names, no sort needed.
    for d in devices {
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// Static IPv4/IPv6 prefixes of every interface that is not `loopback` and not one of
/// `exclude` (the WAN interfaces).
pub fn lan_subnets(network: &Package, exclude: &[String]) -> Vec<Cidr> {
    let mut out = Vec::new();
    for s in lan_interfaces(network, exclude) {
        let netmask = single(s, "netmask");
        for a in items(s, "ipaddr") {
            let c = match (a.contains('/'), netmask) {
                (false, Some(m)) => Cidr::parse(&format!("{a}/{m}")),
                _ => Cidr::parse(a),
            };
            // A bare address without netmask is a /32 to netifd: no host can be inside it.
            if let Ok(c) = c {
                if !c.is_host() {
                    out.push(c);
                }
            }
        }
        for a in items(s, "ip6addr") {
            if let Ok(c) = Cidr::parse(a) {
                if !c.is_host() {
                    out.push(c);
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Addresses given out by `config host` sections (static leases), IPv4 only: DHCPv6
/// `hostid` is a suffix, not an address. In file order (only asked with `contains`: no
/// sort instance for `IpAddr`).
pub fn static_leases(dhcp: &Package) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = dhcp
        .sections_of("host")
        .filter(|(_, s)| enabled(s))
        .flat_map(|(_, s)| items(s, "ip"))
        .filter_map(|ip| ip.parse::<Ipv4Addr>().ok().map(IpAddr::V4))
        .collect();
    out.dedup();
    out
}

/// One firewall4 `config redirect` DNAT, as far as overlap detection needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Redirect {
    pub section: SectionRef,
    pub src_zone: Option<String>,
    pub protos: Vec<L4>,
    pub src_dport: PortRange,
    /// The families it applies to (firewall4: unset family and no addresses = IPv4 only).
    pub families: Vec<Family>,
}

/// The enabled DNAT redirects with an external port.
pub fn redirects(firewall: &Package) -> Vec<Redirect> {
    firewall
        .sections_of("redirect")
        .filter(|(_, s)| enabled(s))
        .filter(|(_, s)| single(s, "target").is_none_or(|t| t.eq_ignore_ascii_case("dnat")))
        .filter_map(|(i, s)| {
            let port = single(s, "src_dport")?;
            if port.starts_with('!') {
                return None;
            }
            let src_dport = PortRange::parse(port).ok()?;
            let protos_text = items(s, "proto");
            let mut protos = Vec::new();
            for p in if protos_text.is_empty() { vec!["tcp", "udp"] } else { protos_text } {
                match p.to_ascii_lowercase().as_str() {
                    "tcp" => protos.push(L4::Tcp),
                    "udp" => protos.push(L4::Udp),
                    "tcpudp" | "all" | "any" => protos.extend([L4::Tcp, L4::Udp]),
                    _ => {}
                }
            }
            let dest = single(s, "dest_ip").and_then(|d| Cidr::parse(d).ok());
            let families = match (single(s, "family"), dest) {
                (_, Some(d)) => vec![Family::of(d.addr())],
                (Some("ipv6"), None) => vec![Family::V6],
                (Some("any" | "all"), None) => vec![Family::V4, Family::V6],
                _ => vec![Family::V4],
            };
            Some(Redirect {
                section: SectionRef {
                    ty: "redirect".into(),
                    index: i,
                    name: single(s, "name").map(String::from).or_else(|| s.name.clone()),
                },
                src_zone: single(s, "src").map(String::from),
                protos,
                src_dport,
                families,
            })
        })
        .collect()
}
