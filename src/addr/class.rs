//! Address classes: whether an address is reachable from the internet, and if not, why.
//!
//! Pure. Sources: RFC 1918 (private), RFC 6598 (shared address space, CGNAT), RFC 3927
//! (IPv4 link-local), RFC 6890 (special-purpose registry), RFC 4193 (IPv6 ULA), RFC 4291
//! (IPv6 scopes). The documentation ranges (RFC 5737, RFC 3849) count as public: they
//! only appear in labs and tests, where refusing them would help nobody.

use std::net::{Ipv4Addr, Ipv6Addr};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum V4Class {
    Public,
    /// RFC 1918: 10/8, 172.16/12, 192.168/16.
    Private,
    /// RFC 6598: 100.64/10, used by carrier-grade NAT.
    Cgnat,
    Loopback,
    LinkLocal,
    Unspecified,
    /// Any other special-purpose range (0/8, 192.0.0/24, 198.18/15, multicast, 240/4).
    Reserved,
}

pub fn classify_v4(a: Ipv4Addr) -> V4Class {
    let o = a.octets();
    let [b0, b1, b2, _] = o;
    if a.is_unspecified() {
        V4Class::Unspecified
    } else if a.is_loopback() {
        V4Class::Loopback
    } else if a.is_link_local() {
        V4Class::LinkLocal
    } else if a.is_private() {
        V4Class::Private
    } else if b0 == 100 && (64..128).contains(&b1) {
        V4Class::Cgnat
    } else if b0 == 0 || (b0 == 192 && b1 == 0 && b2 == 0) || (b0 == 198 && (b1 == 18 || b1 == 19)) || b0 >= 224 {
        V4Class::Reserved
    } else {
        V4Class::Public
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum V6Class {
    /// Global unicast, 2000::/3: the only range the IANA allocates from.
    Global,
    /// fc00::/7.
    UniqueLocal,
    /// fe80::/10.
    LinkLocal,
    Loopback,
    Unspecified,
    Multicast,
    /// ::ffff:0:0/96 and other embeddings that are not an address of this host's own.
    Mapped,
    /// Anything else outside 2000::/3 (fec0::/10 site-local, unallocated space).
    Reserved,
}

pub fn classify_v6(a: Ipv6Addr) -> V6Class {
    let s = a.segments();
    let first = s.first().copied().unwrap_or(0);
    if a.is_unspecified() {
        V6Class::Unspecified
    } else if a.is_loopback() {
        V6Class::Loopback
    } else if a.is_multicast() {
        V6Class::Multicast
    } else if first & 0xffc0 == 0xfe80 {
        V6Class::LinkLocal
    } else if first & 0xfe00 == 0xfc00 {
        V6Class::UniqueLocal
    } else if a.to_ipv4_mapped().is_some() || s.iter().take(5).all(|x| *x == 0) {
        V6Class::Mapped
    } else if first & 0xe000 == 0x2000 {
        V6Class::Global
    } else {
        V6Class::Reserved
    }
}

/// Whether an address may be published without `allow_private`.
pub fn publishable(a: std::net::IpAddr) -> bool {
    match a {
        std::net::IpAddr::V4(v4) => classify_v4(v4) == V4Class::Public,
        std::net::IpAddr::V6(v6) => classify_v6(v6) == V6Class::Global,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_table() {
        for (a, c) in [
            ("81.2.69.160", V4Class::Public),
            ("203.0.113.9", V4Class::Public),
            ("10.1.2.3", V4Class::Private),
            ("172.16.0.1", V4Class::Private),
            ("172.31.255.255", V4Class::Private),
            ("172.32.0.1", V4Class::Public),
            ("192.168.1.1", V4Class::Private),
            ("100.64.0.1", V4Class::Cgnat),
            ("100.127.255.254", V4Class::Cgnat),
            ("100.128.0.1", V4Class::Public),
            ("100.63.255.255", V4Class::Public),
            ("127.0.0.1", V4Class::Loopback),
            ("169.254.1.1", V4Class::LinkLocal),
            ("0.0.0.0", V4Class::Unspecified),
            ("0.1.2.3", V4Class::Reserved),
            ("192.0.0.8", V4Class::Reserved),
            ("198.18.0.1", V4Class::Reserved),
            ("224.0.0.1", V4Class::Reserved),
            ("255.255.255.255", V4Class::Reserved),
        ] {
            assert_eq!(classify_v4(a.parse().unwrap()), c, "{a}");
        }
    }

    #[test]
    fn v6_table() {
        for (a, c) in [
            ("2a00:1450:4001::1", V6Class::Global),
            ("2001:db8::1", V6Class::Global),
            ("fd00::1", V6Class::UniqueLocal),
            ("fc00::1", V6Class::UniqueLocal),
            ("fe80::1", V6Class::LinkLocal),
            ("febf::1", V6Class::LinkLocal),
            ("fec0::1", V6Class::Reserved),
            ("4000::1", V6Class::Reserved),
            ("::1", V6Class::Loopback),
            ("::", V6Class::Unspecified),
            ("ff02::1", V6Class::Multicast),
            ("::ffff:1.2.3.4", V6Class::Mapped),
            ("::1.2.3.4", V6Class::Mapped),
        ] {
            assert_eq!(classify_v6(a.parse().unwrap()), c, "{a}");
        }
        assert!(publishable("2a00:1450::1".parse().unwrap()));
        assert!(!publishable("100.64.0.1".parse().unwrap()));
    }
}
