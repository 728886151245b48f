//! Where a device is now: the one IPv4 address a device forward points at.
//!
//! Pure. The rule (issue 14): the DHCP lease's address when the device holds one (a MAC
//! seen on two IPv4 addresses, say after a renumbering, still gets one target: the
//! lease's); else the kernel's neighbour entry for its MAC on a LAN device; else the
//! device is not on the network and its forward is inactive. A `dest_host` name is
//! looked up in the leases (the name the client sent) and in the `config host` sections
//! (the name given to its MACs).
//!
//! IPv6 ([`Devices::ipv6`], for pinholes and `ip_source 'device'`): only the device's
//! *stable* global addresses in a prefix the router's LAN holds as preferred. Stable is
//! an address a DHCPv6 server leased to it (IA_NA), or one of its neighbour entries whose
//! interface identifier is its MAC's modified EUI-64 (RFC 4291 App. A) or a leased IID.
//! Any other IID may be a temporary address (RFC 8981, formerly RFC 4941), which must
//! never be opened; an RFC 7217 stable-privacy address cannot be told from one, so such a
//! device is reachable through DHCPv6 (docs/forwarding.md).

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Device;
use super::leases::{HostEntry, Lease};
use crate::config::{Forward, ForwardFamily};
use crate::diag::Diagnostic;
use crate::netlink::{AddrInfo, IFA_F_DADFAILED, IFA_F_DEPRECATED, IFA_F_TENTATIVE, NeighInfo};
use crate::types::{Cidr, Mac};

/// What the router knows about its LAN devices right now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Devices {
    /// Dynamic leases (dnsmasq, odhcpd), in file order.
    pub leases: Vec<Lease>,
    /// Enabled `config host` sections of /etc/config/dhcp.
    pub hosts: Vec<HostEntry>,
    /// The kernel's neighbour table.
    pub neighbours: Vec<NeighInfo>,
    /// Indexes of the LAN devices; a neighbour on any other device (the WAN's upstream
    /// gateway) never counts. `None`: not known, every device counts.
    pub lan_ifindexes: Option<Vec<u32>>,
    /// The global IPv6 prefixes the router's LAN devices hold as preferred now, with the
    /// device index ([`lan_prefixes`]).
    pub prefixes: Vec<(u32, Cidr)>,
}

/// The preferred global IPv6 prefixes on the LAN devices (all devices when `lan` is not
/// known): an address of the router that is global unicast (2000::/3), neither
/// deprecated (preferred lifetime 0, RFC 4862 §5.5.4) nor tentative nor failed DAD.
pub fn lan_prefixes(addrs: &mut dyn Iterator<Item = &AddrInfo>, lan: Option<&[u32]>) -> Vec<(u32, Cidr)> {
    let mut out = Vec::new();
    for a in addrs {
        let ok = global6(a.addr)
            && a.preferred_lft > 0
            && a.flags & (IFA_F_DEPRECATED | IFA_F_TENTATIVE | IFA_F_DADFAILED) == 0
            && lan.is_none_or(|l| l.contains(&a.ifindex));
        if let Some(c) = Cidr::new(a.addr, a.prefix_len).filter(|_| ok) {
            out.push((a.ifindex, c));
        }
    }
    out
}

fn global6(a: IpAddr) -> bool {
    matches!(a, IpAddr::V6(v) if v.segments()[0] & 0xe000 == 0x2000)
}

/// The low 64 bits of an IPv6 address: its interface identifier (RFC 4291 §2.5.1).
fn iid(a: Ipv6Addr) -> u64 {
    u128::from(a) as u64
}

/// The modified EUI-64 interface identifier of a MAC (RFC 4291 Appendix A): `ff:fe` in
/// the middle, the universal/local bit inverted.
pub fn eui64(m: Mac) -> u64 {
    let b = m.0;
    u64::from_be_bytes([b[0] ^ 2, b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]])
}

impl Devices {
    /// The MACs a target names: itself, or every MAC a lease or `config host` ties the
    /// name to.
    pub fn macs(&self, d: &Device) -> Vec<Mac> {
        let n = match d {
            Device::Mac(m) => return vec![*m],
            Device::Host(n) => n,
        };
        // Sorted and without repeats, built by insertion (a handful of MACs; plain loops:
        // no sort or iterator-chain instantiations for `Mac` in the binary).
        let mut out: Vec<Mac> = Vec::new();
        let mut add = |m: &Mac| {
            if let Err(i) = out.binary_search(m) {
                out.insert(i, *m);
            }
        };
        for l in self.leases.iter().filter(|l| l.name.as_ref() == Some(n)) {
            l.mac.iter().for_each(&mut add);
        }
        for h in self.hosts.iter().filter(|h| h.name.as_ref() == Some(n)) {
            h.macs.iter().for_each(&mut add);
        }
        out
    }

    /// The device for a person: a MAC as it is, a name with the MACs it stands for
    /// (`nas (aa:bb:cc:00:11:22)`).
    pub fn describe(&self, d: &Device) -> String {
        let mut s = d.to_string();
        let macs = if let Device::Host(_) = d { self.macs(d) } else { Vec::new() };
        for (i, m) in macs.iter().enumerate() {
            let _ = write!(s, "{}{m}", if i == 0 { " (" } else { ", " });
        }
        if !macs.is_empty() {
            s.push(')');
        }
        s
    }

    /// The device's stable global IPv6 addresses now (see the module doc), sorted.
    pub fn ipv6(&self, d: &Device) -> Vec<Ipv6Addr> {
        let macs = self.macs(d);
        let mine = |l: &&Lease| {
            l.mac.is_some_and(|m| macs.contains(&m)) || matches!(d, Device::Host(n) if l.name.as_ref() == Some(n))
        };
        let v6 = |a: IpAddr| match a {
            IpAddr::V6(v) => Some(v),
            IpAddr::V4(_) => None,
        };
        let leased: Vec<Ipv6Addr> = self.leases.iter().filter(mine).filter_map(|l| v6(l.addr)).collect();
        // In a preferred prefix of the device index (any LAN device for a lease).
        let held = |a: Ipv6Addr, at: Option<u32>| {
            self.prefixes.iter().any(|(i, c)| at.is_none_or(|x| x == *i) && c.contains(IpAddr::V6(a)))
        };
        // Kept sorted and without repeats as they come (no sort instance for `Ipv6Addr`).
        let mut out: Vec<Ipv6Addr> = Vec::new();
        let mut add = |a: Ipv6Addr| {
            if let Err(i) = out.binary_search(&a) {
                out.insert(i, a);
            }
        };
        for a in leased.iter().copied().filter(|a| held(*a, None)) {
            add(a);
        }
        for n in self.neighbours.iter().filter(|n| n.names_device()) {
            let (Some(a), Some(m)) = (v6(n.addr), n.mac) else { continue };
            let stable = iid(a) == eui64(m) || leased.iter().any(|l| iid(*l) == iid(a));
            if macs.contains(&m) && stable && global6(n.addr) && held(a, Some(n.ifindex)) {
                add(a);
            }
        }
        out
    }

    /// The device's IPv4 address now, or `None` when it is not on the network.
    pub fn ipv4(&self, d: &Device) -> Option<Ipv4Addr> {
        let macs = self.macs(d);
        let v4 = |a: IpAddr| match a {
            IpAddr::V4(v) => Some(v),
            IpAddr::V6(_) => None,
        };
        let named = |l: &Lease| match d {
            Device::Host(n) => l.name.as_ref() == Some(n),
            Device::Mac(_) => false,
        };
        let leased = self.leases.iter().find(|l| l.mac.is_some_and(|m| macs.contains(&m)) || named(l));
        if let Some(a) = leased.and_then(|l| v4(l.addr)) {
            return Some(a);
        }
        // Several entries for one MAC (an old address not yet expired): the lowest
        // address, so the choice is stable while both exist.
        self.neighbours
            .iter()
            .filter(|n| n.names_device() && n.mac.is_some_and(|m| macs.contains(&m)))
            .filter(|n| self.lan_ifindexes.as_ref().is_none_or(|l| l.contains(&n.ifindex)))
            .filter_map(|n| v4(n.addr))
            .min()
    }
}

/// Why a device forward is inactive, after the device's description.
pub const ABSENT: &str = "is not on the network (no DHCP lease, no neighbour entry)";

/// Forwards with their device targets resolved.
pub struct Targets {
    /// `None` when no forward has a device target (the input is used as it is).
    pub forwards: Option<Vec<Forward>>,
    /// One warning per device that is not on the network.
    pub diagnostics: Vec<Diagnostic>,
}

/// Fills in `dest_ip` of each enabled device forward whose family takes IPv4 from
/// `devices`. A forward whose device is not on the network (no IPv4 address for its IPv4
/// side, no stable global IPv6 address for its IPv6 side) keeps `dest_ip` `None` (the
/// renderer then writes no translation for it: inactive, never a redirect to the router),
/// with a warning naming the device, which is the reason its status shows. The IPv6
/// side is a pinhole in fw4 (`nft::fw4::pinholes`), never a translation.
pub fn targets(forwards: &[Forward], devices: &Devices) -> Targets {
    if !forwards.iter().any(|f| f.dest_device.is_some()) {
        return Targets { forwards: None, diagnostics: Vec::new() };
    }
    let mut out = Vec::with_capacity(forwards.len());
    let mut diagnostics = Vec::new();
    for f in forwards {
        let Some(d) = f.dest_device.as_ref().filter(|_| f.enabled) else {
            out.push(f.clone());
            continue;
        };
        let v4 = if f.family == ForwardFamily::Ipv6 { None } else { devices.ipv4(d) };
        let v6 = f.family != ForwardFamily::Ipv4 && !devices.ipv6(d).is_empty();
        out.push(Forward { dest_ip: v4.map(IpAddr::V4), ..f.clone() });
        if f.family != ForwardFamily::Ipv4 && f.src_dport != f.dest_port {
            diagnostics.push(
                Diagnostic::warning(format!(
                    "applies to IPv4 only: the IPv6 pinhole opens dest_port {} on the device itself (no translation)",
                    f.dest_port
                ))
                .in_section(&f.section)
                .at_option("src_dport", &f.src_dport.to_string()),
            );
        }
        if v4.is_none() && !v6 {
            let opt = if matches!(d, Device::Mac(_)) { "dest_mac" } else { "dest_host" };
            diagnostics.push(
                Diagnostic::warning(format!("{} {ABSENT}", devices.describe(d)))
                    .in_section(&f.section)
                    .at_option(opt, &d.to_string()),
            );
        }
    }
    Targets { forwards: Some(out), diagnostics }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::HostName;

    fn mac(s: &str) -> Mac {
        Mac::parse(s).unwrap()
    }

    fn neigh(ifindex: u32, a: &str, m: &str, state: u16) -> NeighInfo {
        NeighInfo { ifindex, addr: a.parse().unwrap(), mac: Some(mac(m)), state }
    }

    fn lease(m: Option<&str>, name: Option<&str>, a: &str) -> Lease {
        Lease { mac: m.map(mac), name: name.map(|n| HostName::parse(n).unwrap()), addr: a.parse().unwrap() }
    }

    const NAS: &str = "aa:bb:cc:00:11:22";

    #[test]
    fn lease_beats_neighbour_and_gives_one_target() {
        let d = Devices {
            leases: vec![lease(Some(NAS), Some("nas"), "192.168.1.140")],
            neighbours: vec![neigh(3, "192.168.1.20", NAS, 2), neigh(3, "192.168.1.140", NAS, 4)],
            ..Devices::default()
        };
        let dev = Device::Mac(mac(NAS));
        assert_eq!(d.ipv4(&dev), Some("192.168.1.140".parse().unwrap()));
        assert_eq!(d.ipv4(&Device::Host(HostName::parse("NAS").unwrap())), Some("192.168.1.140".parse().unwrap()));
    }

    #[test]
    fn neighbour_on_a_lan_device_when_no_lease() {
        let dev = Device::Mac(mac(NAS));
        let mut d = Devices {
            neighbours: vec![
                neigh(3, "192.168.1.30", NAS, 2),
                neigh(3, "192.168.1.21", NAS, 4),
                // Failed and on the WAN device: never.
                neigh(3, "192.168.1.5", NAS, 0x20),
                neigh(2, "10.0.0.1", NAS, 2),
                neigh(3, "fe80::1", NAS, 2),
            ],
            lan_ifindexes: Some(vec![3]),
            ..Devices::default()
        };
        assert_eq!(d.ipv4(&dev), Some("192.168.1.21".parse().unwrap()));
        d.neighbours.retain(|n| n.ifindex == 2 || n.state == 0x20);
        assert_eq!(d.ipv4(&dev), None);
    }

    #[test]
    fn host_name_through_config_host_macs() {
        let d = Devices {
            hosts: vec![HostEntry {
                macs: vec![mac(NAS), mac("aa:bb:cc:00:11:23")],
                name: Some(HostName::parse("nas").unwrap()),
                ip: None,
            }],
            neighbours: vec![neigh(3, "192.168.1.44", "aa:bb:cc:00:11:23", 2)],
            ..Devices::default()
        };
        let dev = Device::Host(HostName::parse("nas").unwrap());
        assert_eq!(d.macs(&dev).len(), 2);
        assert_eq!(d.ipv4(&dev), Some("192.168.1.44".parse().unwrap()));
        assert_eq!(d.ipv4(&Device::Host(HostName::parse("printer").unwrap())), None);
    }

    fn addr(ifindex: u32, a: &str, len: u8, flags: u32, preferred: u32) -> AddrInfo {
        AddrInfo {
            ifindex,
            addr: a.parse().unwrap(),
            prefix_len: len,
            flags,
            preferred_lft: preferred,
            valid_lft: 7200,
        }
    }

    #[test]
    fn stable_ipv6_only_in_preferred_lan_prefixes() {
        // The router's LAN (index 3) holds 2001:db8:2::/64 as preferred; 2001:db8:1::/64
        // is deprecated after a prefix change; the WAN (index 2) has its own prefix.
        let addrs = [
            addr(3, "2001:db8:2::1", 64, 0, 3600),
            addr(3, "2001:db8:1::1", 64, IFA_F_DEPRECATED, 0),
            addr(3, "2001:db8:3::1", 64, IFA_F_TENTATIVE, 3600),
            addr(3, "fd00:1::1", 64, 0, 3600),
            addr(3, "fe80::1", 64, 0, u32::MAX),
            addr(2, "2001:db8:9::5", 64, 0, 3600),
        ];
        let prefixes = lan_prefixes(&mut addrs.iter(), Some(&[3]));
        assert_eq!(prefixes, [(3, Cidr::parse("2001:db8:2::/64").unwrap())]);
        // EUI-64 of aa:bb:cc:00:11:22 (RFC 4291 App. A): a8bb:ccff:fe00:1122.
        assert_eq!(eui64(mac(NAS)), 0xa8bb_ccff_fe00_1122);
        let d = Devices {
            leases: vec![lease(Some(NAS), Some("nas"), "2001:db8:2::9c3"), lease(Some(NAS), None, "2001:db8:1::9c3")],
            neighbours: vec![
                // Stable: EUI-64 in the new prefix; the lease's IID in the new prefix.
                neigh(3, "2001:db8:2:0:a8bb:ccff:fe00:1122", NAS, 2),
                neigh(3, "2001:db8:2::9c3", NAS, 2),
                // Old (deprecated) prefix, a temporary (random) IID, a ULA, the WAN side,
                // another device's EUI-64.
                neigh(3, "2001:db8:1:0:a8bb:ccff:fe00:1122", NAS, 2),
                neigh(3, "2001:db8:2:0:5d1e:7a3b:91c2:4f0d", NAS, 2),
                neigh(3, "fd00:1::a8bb:ccff:fe00:1122", NAS, 2),
                neigh(2, "2001:db8:9:0:a8bb:ccff:fe00:1122", NAS, 2),
                neigh(3, "2001:db8:2:0:211:22ff:fe33:4455", "00:11:22:33:44:55", 2),
            ],
            prefixes,
            ..Devices::default()
        };
        let got: Vec<String> = d.ipv6(&Device::Mac(mac(NAS))).iter().map(|a| a.to_string()).collect();
        assert_eq!(got, ["2001:db8:2::9c3", "2001:db8:2:0:a8bb:ccff:fe00:1122"]);
        assert_eq!(d.ipv6(&Device::Host(HostName::parse("nas").unwrap())).len(), 2);
        // No preferred prefix at all (the LAN lost IPv6): nothing.
        assert!(Devices { prefixes: vec![], ..d }.ipv6(&Device::Mac(mac(NAS))).is_empty());
    }

    #[test]
    fn an_ipv6_side_with_a_shifted_port_is_explained() {
        use crate::config::Proto;
        use crate::nft::plan::tests::fwd;
        let f = Forward {
            dest_device: Some(Device::Mac(mac(NAS))),
            family: ForwardFamily::Any,
            ..fwd(0, "nas", Proto::Tcp, "8443", None, "443")
        };
        let t = targets(std::slice::from_ref(&f), &Devices::default());
        let got: Vec<String> = t.diagnostics.iter().map(|d| d.to_string()).collect();
        assert!(
            got[0].contains("option 'src_dport': '8443' applies to IPv4 only: the IPv6 pinhole opens dest_port 443"),
            "{got:?}"
        );
        assert!(got[1].contains(ABSENT), "{got:?}");
        let same = Forward { dest_port: f.src_dport, ..f };
        assert_eq!(targets(&[same], &Devices::default()).diagnostics.len(), 1);
    }
}
