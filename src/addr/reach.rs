//! Reachability warnings in plain words: what the WAN addresses mean for someone who
//! wants to reach this router by its name from the internet.
//!
//! Pure. Input is what is known (the WAN device's chosen addresses, the address an echo
//! service saw, which families are wanted); output is a list of [`Warning`]s with stable
//! codes (`cgnat`, `private_wan`, `not_public_wan`, `double_nat`, `no_ipv6`, `no_ipv4`)
//! for `homeport check`, `homeport update` and the status page.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::class::{V4Class, classify_v4};
use crate::status::Warning;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observation {
    /// The WAN device's IPv4 address (as `choose_v4` picked it).
    pub wan_v4: Option<Ipv4Addr>,
    /// The WAN device's global IPv6 address (as `choose_v6` picked it).
    pub wan_v6: Option<Ipv6Addr>,
    /// The IPv4 address an outside echo service saw, if one was asked.
    pub outside_v4: Option<Ipv4Addr>,
    pub wants_v4: bool,
    pub wants_v6: bool,
}

/// The warnings `homeport check` prints: the WAN device's addresses against what the
/// enabled ddns sections want (an echo service is not asked there).
pub fn for_hosts(hosts: &[crate::config::DdnsHost], device: &[crate::netlink::AddrInfo]) -> Vec<Warning> {
    let enabled: Vec<_> = hosts.iter().filter(|h| h.enabled).collect();
    if enabled.is_empty() {
        return Vec::new();
    }
    warnings(&Observation {
        wan_v4: super::choose_v4(device, None),
        wan_v6: super::choose_v6(device, None),
        outside_v4: None,
        wants_v4: enabled.iter().any(|h| h.family.wants_v4()),
        wants_v6: enabled.iter().any(|h| h.wants_wan_v6()),
    })
}

fn warn(code: &str, message: String) -> Warning {
    Warning { code: code.into(), message }
}

pub fn warnings(o: &Observation) -> Vec<Warning> {
    let mut out = Vec::new();
    let outside_public = o.outside_v4.filter(|a| classify_v4(*a) == V4Class::Public);
    if let Some(a) = o.wan_v4 {
        match classify_v4(a) {
            V4Class::Cgnat => out.push(warn(
                "cgnat",
                format!(
                    "the WAN address {a} is in the range ISPs use for carrier-grade NAT (CGNAT): your ISP shares one \
                     public address among many customers, so nothing on the internet can reach this router by its name \
                     over IPv4; ask the ISP for a public IPv4 address, or use IPv6"
                ),
            )),
            V4Class::Private => out.push(warn(
                "private_wan",
                format!(
                    "the WAN address {a} is a private address (RFC 1918): this router is behind another router or \
                     modem that does NAT, so connections from the internet stop there; put that device in bridge mode, \
                     or forward the same ports on it to this router"
                ),
            )),
            V4Class::Public => {}
            _ => out.push(warn(
                "not_public_wan",
                format!(
                    "the WAN address {a} is not a public internet address, so nothing on the internet can reach this \
                     router through it; check the WAN connection"
                ),
            )),
        }
        if let Some(seen) = outside_public.filter(|s| *s != a) {
            if classify_v4(a) != V4Class::Cgnat {
                out.push(warn(
                    "double_nat",
                    format!(
                        "the internet sees this router as {seen}, but its WAN address is {a}: another device translates \
                         addresses on the way out (double NAT), so forwarded ports are not reachable until that device \
                         forwards them too (or is put in bridge mode)"
                    ),
                ));
            }
        }
    } else if o.wants_v4 {
        out.push(warn(
            "no_ipv4",
            "IPv4 is wanted but the WAN device has no IPv4 address: the name gets no A record; check the WAN \
             connection (an IPv6-only line with DS-Lite has no public IPv4 at all)"
                .into(),
        ));
    }
    if o.wants_v6 && o.wan_v6.is_none() {
        out.push(warn(
            "no_ipv6",
            "IPv6 is wanted but the WAN device has no usable global IPv6 address: the name gets no AAAA record; check \
             that the ISP provides IPv6 and that the wan6 interface is up"
                .into(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(o: &Observation) -> Vec<String> {
        warnings(o).into_iter().map(|w| w.code).collect()
    }

    fn obs(v4: Option<&str>, outside: Option<&str>, v6: Option<&str>, wants_v6: bool) -> Observation {
        Observation {
            wan_v4: v4.map(|s| s.parse().unwrap()),
            wan_v6: v6.map(|s| s.parse().unwrap()),
            outside_v4: outside.map(|s| s.parse().unwrap()),
            wants_v4: true,
            wants_v6,
        }
    }

    #[test]
    fn table() {
        let cases: &[(Observation, &[&str])] = &[
            (obs(Some("81.2.69.160"), None, None, false), &[]),
            (obs(Some("81.2.69.160"), Some("81.2.69.160"), None, false), &[]),
            (obs(Some("100.64.3.4"), None, None, false), &["cgnat"]),
            (obs(Some("100.64.3.4"), Some("81.2.69.160"), None, false), &["cgnat"]),
            (obs(Some("192.168.1.20"), None, None, false), &["private_wan"]),
            (obs(Some("10.0.0.2"), Some("81.2.69.160"), None, false), &["private_wan", "double_nat"]),
            (obs(Some("81.2.69.160"), Some("81.2.69.99"), None, false), &["double_nat"]),
            (obs(Some("198.18.0.5"), None, None, false), &["not_public_wan"]),
            (obs(None, None, None, false), &["no_ipv4"]),
            (obs(Some("81.2.69.160"), None, None, true), &["no_ipv6"]),
            (obs(Some("81.2.69.160"), None, Some("2a00:1450::1"), true), &[]),
        ];
        for (o, want) in cases {
            assert_eq!(codes(o), *want, "{o:?}");
        }
    }

    #[test]
    fn cgnat_words() {
        let w = warnings(&obs(Some("100.64.3.4"), None, None, false));
        assert!(w[0].message.contains("shares one public address among many customers"));
        assert!(w[0].message.contains("100.64.3.4"));
        assert!(w[0].message.contains("use IPv6"));
    }

    #[test]
    fn a_device_sourced_aaaa_needs_no_wan_ipv6() {
        use crate::config::{AddrFamily, IpSource, Service};
        let mut h = crate::ddns::providers::testing::host(Service::Desec, &["nas.example.dedyn.io"]);
        h.family = AddrFamily::Both;
        let wan = [crate::netlink::AddrInfo {
            ifindex: 2,
            addr: "81.2.69.160".parse().unwrap(),
            prefix_len: 24,
            flags: 0,
            preferred_lft: u32::MAX,
            valid_lft: u32::MAX,
        }];
        assert_eq!(for_hosts(std::slice::from_ref(&h), &wan).len(), 1, "the WAN has no IPv6 for the AAAA");
        h.ip_source = IpSource::Device;
        assert!(for_hosts(&[h], &wan).is_empty(), "the AAAA comes from the LAN device");
    }
}
