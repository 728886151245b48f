//! Where a device is now: the one IPv4 address a device forward points at.
//!
//! Pure. The rule (issue 14): the DHCP lease's address when the device holds one (a MAC
//! seen on two IPv4 addresses, say after a renumbering, still gets one target: the
//! lease's); else the kernel's neighbour entry for its MAC on a LAN device; else the
//! device is not on the network and its forward is inactive. A `dest_host` name is
//! looked up in the leases (the name the client sent) and in the `config host` sections
//! (the name given to its MACs).

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

use super::Device;
use super::leases::{HostEntry, Lease};
use crate::config::Forward;
use crate::diag::Diagnostic;
use crate::netlink::NeighInfo;
use crate::types::Mac;

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

/// Fills in `dest_ip` of each enabled device forward from `devices`. A forward whose
/// device is not on the network keeps `dest_ip` `None` (the renderer then writes no
/// translation for it: inactive, never a redirect to the router), with a warning naming
/// the device, which is the reason its status shows.
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
        match devices.ipv4(d) {
            Some(ip) => out.push(Forward { dest_ip: Some(IpAddr::V4(ip)), ..f.clone() }),
            None => {
                out.push(f.clone());
                let opt = if matches!(d, Device::Mac(_)) { "dest_mac" } else { "dest_host" };
                diagnostics.push(
                    Diagnostic::warning(format!("{} {ABSENT}", devices.describe(d)))
                        .in_section(&f.section)
                        .at_option(opt, &d.to_string()),
                );
            }
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
}
