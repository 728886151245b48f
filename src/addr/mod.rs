//! Which address to publish: the choice among a WAN device's addresses, the address
//! classes that decide whether one may be published, the echo-service answer for
//! `ip_source web`, and the reachability warnings a person reads.
//!
//! Pure throughout: addresses come in as data (a netlink dump, a response body) and
//! decisions come out.

pub mod class;
pub mod reach;
pub mod web;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::netlink::{AddrInfo, IFA_F_DADFAILED, IFA_F_DEPRECATED, IFA_F_TEMPORARY, IFA_F_TENTATIVE};

pub use class::{V4Class, V6Class, classify_v4, classify_v6};

/// The IPv4 address of the device to publish: a public one before any other, then the
/// one already chosen (`current`) if it is still there, then the first in kernel order
/// (the primary address). Loopback, link-local and unspecified addresses never qualify.
pub fn choose_v4(addrs: &[AddrInfo], current: Option<Ipv4Addr>) -> Option<Ipv4Addr> {
    let candidates: Vec<Ipv4Addr> = addrs
        .iter()
        .filter_map(|a| match a.addr {
            IpAddr::V4(v4) => Some(v4),
            IpAddr::V6(_) => None,
        })
        .filter(|a| !matches!(classify_v4(*a), V4Class::Loopback | V4Class::LinkLocal | V4Class::Unspecified))
        .collect();
    let public: Vec<Ipv4Addr> = candidates.iter().copied().filter(|a| classify_v4(*a) == V4Class::Public).collect();
    let pool = if public.is_empty() { candidates } else { public };
    match current {
        Some(c) if pool.contains(&c) => Some(c),
        _ => pool.first().copied(),
    }
}

/// Flags that disqualify an IPv6 address: temporary (privacy addresses change daily and
/// refuse inbound use), deprecated (about to go), tentative (DAD not finished),
/// dadfailed (a duplicate).
const V6_UNUSABLE: u32 = IFA_F_TEMPORARY | IFA_F_DEPRECATED | IFA_F_TENTATIVE | IFA_F_DADFAILED;

/// Whether an IPv6 address of the device may be chosen at all.
pub fn v6_candidate(a: &AddrInfo) -> Option<Ipv6Addr> {
    match a.addr {
        IpAddr::V6(v6) if a.flags & V6_UNUSABLE == 0 && classify_v6(v6) == V6Class::Global => Some(v6),
        _ => None,
    }
}

/// The IPv6 address to publish: global, stable, valid; the longest preferred lifetime
/// first. Among equals the one already chosen (`current`) stays, so that the choice does
/// not flap between runs; otherwise the lowest address, so kernel order does not matter.
pub fn choose_v6(addrs: &[AddrInfo], current: Option<Ipv6Addr>) -> Option<Ipv6Addr> {
    let candidates: Vec<(Ipv6Addr, u32)> =
        addrs.iter().filter_map(|a| Some((v6_candidate(a)?, a.preferred_lft))).collect();
    let best_lft = candidates.iter().map(|(_, l)| *l).max()?;
    let best: Vec<Ipv6Addr> = candidates.iter().filter(|(_, l)| *l == best_lft).map(|(a, _)| *a).collect();
    match current {
        Some(c) if best.contains(&c) => Some(c),
        _ => best.iter().min().copied(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::IFA_F_PERMANENT;

    fn a(addr: &str, flags: u32, preferred: u32) -> AddrInfo {
        AddrInfo {
            ifindex: 2,
            addr: addr.parse().unwrap(),
            prefix_len: 64,
            flags,
            preferred_lft: preferred,
            valid_lft: u32::MAX,
        }
    }

    #[test]
    fn every_ipv6_flag_combination() {
        // Only an address with none of the four disqualifying flags is chosen, whatever
        // the harmless flags (permanent, nodad, optimistic...) say.
        for bits in 0u32..(1 << 10) {
            let addrs = [a("2a00:1450:4001::10", bits, 3600)];
            let usable = bits & (IFA_F_TEMPORARY | IFA_F_DEPRECATED | IFA_F_TENTATIVE | IFA_F_DADFAILED) == 0;
            let want = usable.then(|| "2a00:1450:4001::10".parse().unwrap());
            assert_eq!(choose_v6(&addrs, None), want, "flags {bits:#x}");
        }
    }

    #[test]
    fn ipv6_table() {
        let mgtmp = 0x100;
        let cases: &[(&[AddrInfo], Option<&str>)] = &[
            (&[], None),
            (&[a("fe80::1", IFA_F_PERMANENT, u32::MAX)], None),
            (&[a("fd12:3456::1", IFA_F_PERMANENT, u32::MAX)], None),
            (&[a("fc00::1", 0, u32::MAX)], None),
            (&[a("::1", IFA_F_PERMANENT, u32::MAX)], None),
            (&[a("ff02::1", 0, u32::MAX)], None),
            (&[a("::ffff:198.51.100.1", 0, u32::MAX)], None),
            (&[a("2a00:1450::abcd", IFA_F_TEMPORARY, 80_000), a("2a00:1450::1", mgtmp, 3600)], Some("2a00:1450::1")),
            (&[a("2a00:1450::2", 0, 100), a("2a00:1450::1", 0, 7200)], Some("2a00:1450::1")),
            (&[a("2a00:1450::2", 0, 7200), a("2a00:1450::1", 0, 7200)], Some("2a00:1450::1")),
            (&[a("2a00:1450::2", IFA_F_PERMANENT, u32::MAX), a("2a00:1450::1", 0, 7200)], Some("2a00:1450::2")),
            (&[a("2a00:1450::9", IFA_F_DEPRECATED, 0), a("2a01:4f8::9", 0, 1800)], Some("2a01:4f8::9")),
            (&[a("fd00::1", 0, u32::MAX), a("fe80::2", 0, u32::MAX), a("2a01:4f8::5", 0, 60)], Some("2a01:4f8::5")),
        ];
        for (addrs, want) in cases {
            assert_eq!(choose_v6(addrs, None), want.map(|w| w.parse().unwrap()), "{addrs:?}");
        }
    }

    #[test]
    fn ipv6_stays_put_between_equals() {
        let addrs = [a("2a00:1450::1", 0, 7200), a("2a00:1450::2", 0, 7200)];
        let cur: Ipv6Addr = "2a00:1450::2".parse().unwrap();
        assert_eq!(choose_v6(&addrs, Some(cur)), Some(cur));
        let rev = [a("2a00:1450::2", 0, 7200), a("2a00:1450::1", 0, 7200)];
        assert_eq!(choose_v6(&rev, None), choose_v6(&addrs, None));
        // A better lifetime wins over staying put.
        let better = [a("2a00:1450::1", 0, 9000), a("2a00:1450::2", 0, 7200)];
        assert_eq!(choose_v6(&better, Some(cur)), Some("2a00:1450::1".parse().unwrap()));
    }

    #[test]
    fn ipv4_table() {
        let v = |s: &str| a(s, IFA_F_PERMANENT, u32::MAX);
        let cases: &[(&[AddrInfo], Option<&str>, Option<&str>)] = &[
            (&[], None, None),
            (&[v("127.0.0.1")], None, None),
            (&[v("169.254.3.4")], None, None),
            (&[v("203.0.113.9")], None, Some("203.0.113.9")),
            (&[v("192.168.1.2")], None, Some("192.168.1.2")),
            (&[v("100.64.12.1")], None, Some("100.64.12.1")),
            (&[v("10.0.0.2"), v("81.2.69.160")], None, Some("81.2.69.160")),
            (&[v("81.2.69.160"), v("81.2.69.161")], Some("81.2.69.161"), Some("81.2.69.161")),
            (&[v("81.2.69.160"), v("81.2.69.161")], Some("1.1.1.1"), Some("81.2.69.160")),
            (&[v("2a00:1450::1"), v("172.16.0.1")], None, Some("172.16.0.1")),
        ];
        for (addrs, cur, want) in cases {
            let cur = cur.map(|c| c.parse().unwrap());
            assert_eq!(choose_v4(addrs, cur), want.map(|w| w.parse().unwrap()), "{addrs:?}");
        }
    }
}
