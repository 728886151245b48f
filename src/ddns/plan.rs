//! What one host should publish now: the configured families, chosen from the WAN
//! device's addresses (or the echo service's answers for `ip_source web`), minus any
//! address that is not public unless the host has `allow_private 1`.
//!
//! Pure. The result feeds [`crate::ddns::engine::Event::Wanted`]; the notes say, in
//! words, why a family is not published.

use std::net::IpAddr;

use crate::addr::{self, class::publishable};
use crate::config::{DdnsHost, IpSource};
use crate::ddns::engine::Addrs;
use crate::netlink::AddrInfo;

/// Addresses an echo service reported (for `ip_source web`); for `ip_source device`, `v6`
/// is the LAN device's stable global IPv6 address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    pub v4: Option<IpAddr>,
    pub v6: Option<IpAddr>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Choice {
    pub addrs: Addrs,
    /// Why a wanted family has no address.
    pub notes: Vec<String>,
}

/// `current` is what was chosen (or registered) before, to keep the choice stable.
pub fn wanted(host: &DdnsHost, device: &[AddrInfo], seen: Seen, current: Addrs) -> Choice {
    let mut c = Choice::default();
    let (v4, v6): (Option<IpAddr>, Option<IpAddr>) = match host.ip_source {
        IpSource::Interface => {
            (addr::choose_v4(device, current.v4).map(IpAddr::V4), addr::choose_v6(device, current.v6).map(IpAddr::V6))
        }
        IpSource::Web => (seen.v4, seen.v6),
        // The LAN device's stable global IPv6 (`Devices::ipv6`, put in `seen.v6` by the
        // caller); the A record stays the WAN's.
        IpSource::Device => (addr::choose_v4(device, current.v4).map(IpAddr::V4), seen.v6),
    };
    let (from, from6) = match host.ip_source {
        IpSource::Interface => ("the WAN device", "the WAN device"),
        IpSource::Web => ("the address echo service", "the address echo service"),
        IpSource::Device => ("the WAN device", "the LAN device (ip_device)"),
    };
    if host.family.wants_v4() {
        match v4 {
            Some(IpAddr::V4(a)) if host.allow_private || publishable(IpAddr::V4(a)) => c.addrs.v4 = Some(a),
            Some(a) => c.notes.push(format!(
                "IPv4 {a} is not a public address, so it is not published (allow_private 1 would publish it anyway)"
            )),
            None => c.notes.push(format!("no IPv4 address from {from}")),
        }
    }
    if host.family.wants_v6() {
        match v6 {
            Some(IpAddr::V6(a)) if host.allow_private || publishable(IpAddr::V6(a)) => c.addrs.v6 = Some(a),
            Some(a) => c.notes.push(format!(
                "IPv6 {a} is not a global address, so it is not published (allow_private 1 would publish it anyway)"
            )),
            None => c.notes.push(format!("no usable global IPv6 address from {from6}")),
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AddrFamily, Service};
    use crate::ddns::providers::testing::host;

    fn a(s: &str, flags: u32) -> AddrInfo {
        AddrInfo { ifindex: 3, addr: s.parse().unwrap(), prefix_len: 24, flags, preferred_lft: 600, valid_lft: 900 }
    }

    #[test]
    fn families_and_private_filter() {
        let dev = [a("100.64.1.2", 0), a("2a00:1450::5", 0), a("fe80::1", 0)];
        let mut h = host(Service::Noip, &["home.ddns.net"]);
        h.family = AddrFamily::Both;
        let c = wanted(&h, &dev, Seen::default(), Addrs::default());
        assert_eq!(c.addrs, Addrs { v4: None, v6: Some("2a00:1450::5".parse().unwrap()) });
        assert_eq!(c.notes.len(), 1);
        assert!(c.notes[0].contains("100.64.1.2"));
        h.allow_private = true;
        let c = wanted(&h, &dev, Seen::default(), Addrs::default());
        assert_eq!(c.addrs.v4, Some("100.64.1.2".parse().unwrap()));
        h.family = AddrFamily::Ipv6;
        let c = wanted(&h, &[a("81.2.69.160", 0)], Seen::default(), Addrs::default());
        assert_eq!(c.addrs, Addrs::default());
        assert!(c.notes[0].contains("IPv6"));
    }

    #[test]
    fn web_source_uses_what_was_seen() {
        let mut h = host(Service::Noip, &["home.ddns.net"]);
        h.ip_source = IpSource::Web;
        let seen = Seen { v4: Some("81.2.69.160".parse().unwrap()), v6: None };
        let c = wanted(&h, &[a("10.0.0.2", 0)], seen, Addrs::default());
        assert_eq!(c.addrs.v4, Some("81.2.69.160".parse().unwrap()));
        let c = wanted(&h, &[a("81.2.69.160", 0)], Seen::default(), Addrs::default());
        assert_eq!(c.addrs.v4, None);
        assert!(c.notes[0].contains("echo service"));
    }

    #[test]
    fn device_source_takes_aaaa_from_the_device_and_a_from_the_wan() {
        let mut h = host(Service::Noip, &["nas.ddns.net"]);
        h.family = AddrFamily::Both;
        h.ip_source = IpSource::Device;
        let wan = [a("81.2.69.160", 0), a("2a00:1450::5", 0)];
        let seen = Seen { v4: None, v6: Some("2a00:1450:1::a8bb:ccff:fe00:1122".parse().unwrap()) };
        let c = wanted(&h, &wan, seen, Addrs::default());
        assert_eq!(
            c.addrs,
            Addrs {
                v4: Some("81.2.69.160".parse().unwrap()),
                v6: Some("2a00:1450:1::a8bb:ccff:fe00:1122".parse().unwrap())
            }
        );
        // The device away: no AAAA (never the router's own), and the note says whose.
        let c = wanted(&h, &wan, Seen::default(), Addrs::default());
        assert_eq!(c.addrs.v6, None);
        assert_eq!(c.notes, ["no usable global IPv6 address from the LAN device (ip_device)"]);
    }
}
