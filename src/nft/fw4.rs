//! The firewall4 include files that let our DNAT'd traffic through fw4's filter chains.
//!
//! Pure. An `accept` in our table is not final (fw4's own base chains still see the
//! packet), and fw4 writes `ct status dnat accept` into `forward_<zone>`/`input_<zone>`
//! only when it has a redirect of its own from that zone. So we add that one rule through
//! fw4's automatic includes, at `chain-post` (after fw4's traffic rules, so a user's
//! REJECT rule still wins, as it does for fw4's own port forwards). The files are static
//! and reference nothing outside fw4's own table: they can never make fw4's transaction
//! fail.
//!
//! IPv6 pinholes to a device (issue 14): the accept must be in fw4's forward path (an
//! accept in our table is not final), and nft cannot look up a set of another table, so
//! a `table-pre` include declares two empty sets in `inet fw4` and the `forward_<zone>`
//! include matches them. homeport fills the sets ([`pinholes`]); fw4's `flush table`
//! keeps set elements, `fw4 restart` drops them and the script include's SIGHUP makes the
//! daemon write them again. Without the daemon the sets are empty: nothing is open.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;

use super::plan::minimal;
use super::quote;
use crate::config::{Forward, ForwardFamily};
use crate::device::resolve::Devices;
use crate::diag::Diagnostic;
use crate::types::{Cidr, UciName};

/// Where firewall4 looks for automatic includes.
pub const INCLUDE_ROOT: &str = "/usr/share/nftables.d";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Include {
    /// Relative to [`INCLUDE_ROOT`].
    pub path: PathBuf,
    pub text: String,
}

/// The sets of IPv6 pinholes (source prefix . device address . protocol . port) and of
/// the sources a pinhole excludes (`src_ip '!…'`), in `table inet fw4`.
pub const PINHOLES: &str = "homeport_pinholes6";
pub const PINHOLES_DENY: &str = "homeport_deny6";
const KEY: &str = "ip6 saddr . ip6 daddr . meta l4proto . th dport";

/// The includes for one firewall zone (the WAN zone, `main.zone`).
pub fn includes(zone: &UciName) -> Vec<Include> {
    let z = zone.as_str();
    let mut sets = String::new();
    for name in [PINHOLES, PINHOLES_DENY] {
        let _ = write!(
            sets,
            "set {name} {{\n\ttype ipv6_addr . ipv6_addr . inet_proto . inet_service\n\tflags interval\n\tcomment \"homeport: IPv6 pinholes to LAN devices\"\n}}\n"
        );
    }
    vec![
        Include {
            path: PathBuf::from(format!("chain-post/forward_{z}/30-homeport.nft")),
            text: format!(
                "ct status dnat accept comment \"homeport: accept port forwards\"\n\
                 {KEY} != @{PINHOLES_DENY} {KEY} @{PINHOLES} accept comment \"homeport: IPv6 pinholes to LAN devices\"\n"
            ),
        },
        Include {
            path: PathBuf::from(format!("chain-post/input_{z}/30-homeport.nft")),
            text: "ct status dnat accept comment \"homeport: accept port forwards to the router\"\n".to_string(),
        },
        Include { path: PathBuf::from("table-pre/30-homeport.nft"), text: sets },
    ]
}

/// The nft script that makes fw4's pinhole sets hold exactly the pinholes of the device
/// forwards with an IPv6 side (`family ipv6` or `any`): both sets flushed and refilled in
/// one transaction (all or nothing; a packet sees the old or the new sets). `None` when no
/// forward has such a side. For each of the device's stable global addresses
/// (`Devices::ipv6`), protocol and `dest_port`: the allowed IPv6 sources (`::/0` when
/// `src_ip` has no positive entry; none at all when it has only IPv4 ones), and the
/// excluded ones. No translation, so the port is the device's own (`dest_port`). A
/// pinhole overlapping an earlier forward's for the same address and protocol is left
/// out with a warning (nft refuses overlapping intervals).
pub fn pinholes(forwards: &[Forward], devices: &Devices) -> (Option<String>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut taken: Vec<(IpAddr, &str, u16, u16, &str)> = Vec::new();
    let (mut allow, mut deny) = (Vec::new(), Vec::new());
    let mut any = false;
    for f in forwards.iter().filter(|f| f.enabled && f.family != ForwardFamily::Ipv4) {
        let Some(d) = &f.dest_device else { continue };
        any = true;
        let v6 = |neg: bool| minimal(f.src_ip.iter().filter(|m| m.negate == neg && !m.cidr.is_ipv4()).map(|m| m.cidr));
        let mut from = v6(false);
        if !f.src_ip.iter().any(|m| !m.negate) {
            from = Cidr::new(IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED), 0).into_iter().collect();
        }
        let (lo, hi) = (f.dest_port.start().get(), f.dest_port.end().get());
        let protos = [("tcp", f.proto.has_tcp()), ("udp", f.proto.has_udp())];
        for a in devices.ipv6(d).into_iter().map(IpAddr::V6) {
            for (p, _) in protos.iter().filter(|(_, on)| *on) {
                if let Some(o) = taken.iter().find(|t| t.0 == a && t.1 == *p && t.2 <= hi && lo <= t.3) {
                    diags.push(
                        Diagnostic::warning(format!(
                            "its IPv6 pinhole {a} {p} {} overlaps the one of forward '{}'; left out",
                            f.dest_port, o.4
                        ))
                        .in_section(&f.section),
                    );
                    continue;
                }
                taken.push((a, p, lo, hi, &f.name));
                let c = quote::comment(&f.name);
                allow.extend(from.iter().map(|s| format!("{s} . {a} . {p} . {} comment {c}", f.dest_port)));
                deny.extend(v6(true).iter().map(|s| format!("{s} . {a} . {p} . {} comment {c}", f.dest_port)));
            }
        }
    }
    if !any {
        return (None, diags);
    }
    let mut out = String::new();
    for (set, elems) in [(PINHOLES, allow), (PINHOLES_DENY, deny)] {
        let _ = writeln!(out, "flush set inet fw4 {set}");
        if !elems.is_empty() {
            let _ = writeln!(out, "add element inet fw4 {set} {{ {} }}", elems.join(", "));
        }
    }
    (Some(out), diags)
}

/// The device a forward opens IPv6 pinholes to (for status and doctor): enabled, with an
/// IPv6 side (`family ipv6`/`any`), and a `src_ip` that lets some IPv6 source in (not
/// IPv4 entries only, see [`pinholes`]).
pub fn pinhole_device(f: &Forward) -> Option<&crate::device::Device> {
    let mut positive = f.src_ip.iter().filter(|m| !m.negate).peekable();
    let v4_only = positive.peek().is_some() && positive.all(|m| m.cidr.is_ipv4());
    f.dest_device.as_ref().filter(|_| f.enabled && f.family != ForwardFamily::Ipv4 && !v4_only)
}

/// Empties the pinhole sets (at stop, or when no forward has an IPv6 device side).
pub fn pinholes_closed() -> String {
    format!("flush set inet fw4 {PINHOLES}\nflush set inet fw4 {PINHOLES_DENY}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_zone() {
        let inc = includes(&UciName::parse("wan6").unwrap());
        assert_eq!(inc[0].path, PathBuf::from("chain-post/forward_wan6/30-homeport.nft"));
        assert_eq!(inc[1].path, PathBuf::from("chain-post/input_wan6/30-homeport.nft"));
        assert!(inc[..2].iter().all(|i| i.text.starts_with("ct status dnat accept")));
        assert_eq!(inc[2].path, PathBuf::from("table-pre/30-homeport.nft"));
        assert!(inc[0].text.contains("@homeport_pinholes6 accept") && inc[2].text.contains("set homeport_pinholes6 {"));
    }

    #[test]
    fn pinholes_for_the_device_ipv6_side_only() {
        use crate::config::Proto;
        use crate::device::Device;
        use crate::device::resolve::Devices;
        use crate::netlink::NeighInfo;
        use crate::nft::plan::tests::fwd;
        use crate::types::{AddrMatch, Mac};
        let mac = Mac::parse("aa:bb:cc:00:11:22").unwrap();
        let dev = |i, name, family, src: &[&str]| Forward {
            dest_device: Some(Device::Mac(mac)),
            family,
            src_ip: src.iter().map(|s| AddrMatch::parse(s).unwrap()).collect(),
            ..fwd(i, name, Proto::Tcpudp, "8443", None, "443")
        };
        let devices = Devices {
            neighbours: vec![NeighInfo {
                ifindex: 3,
                addr: "2001:db8:2::a8bb:ccff:fe00:1122".parse().unwrap(),
                mac: Some(mac),
                state: 2,
            }],
            prefixes: vec![(3, Cidr::parse("2001:db8:2::/64").unwrap())],
            ..Devices::default()
        };
        // IPv4 only (the default): no pinholes at all, fw4 is not touched.
        let v4 = dev(0, "v4", ForwardFamily::Ipv4, &[]);
        assert_eq!(pinholes(std::slice::from_ref(&v4), &devices), (None, vec![]));
        let any = dev(1, "nas", ForwardFamily::Any, &["2001:db8:5::/48", "!2001:db8:5:1::/64", "192.0.2.0/24"]);
        let mut ssh = dev(2, "ssh", ForwardFamily::Ipv6, &[]);
        ssh.proto = Proto::Tcp;
        ssh.dest_port = crate::types::PortRange::parse("22").unwrap();
        let mut dup = ssh.clone();
        dup.name = "dup".into();
        let (script, diags) = pinholes(&[v4, any, ssh, dup], &devices);
        let a = "2001:db8:2:0:a8bb:ccff:fe00:1122";
        assert_eq!(
            script.unwrap(),
            format!(
                "flush set inet fw4 homeport_pinholes6\n\
                 add element inet fw4 homeport_pinholes6 {{ 2001:db8:5::/48 . {a} . tcp . 443 comment \"nas\", \
                 2001:db8:5::/48 . {a} . udp . 443 comment \"nas\", ::/0 . {a} . tcp . 22 comment \"ssh\" }}\n\
                 flush set inet fw4 homeport_deny6\n\
                 add element inet fw4 homeport_deny6 {{ 2001:db8:5:1::/64 . {a} . tcp . 443 comment \"nas\", \
                 2001:db8:5:1::/64 . {a} . udp . 443 comment \"nas\" }}\n"
            )
        );
        assert_eq!(diags.len(), 1);
        assert!(diags[0].to_string().contains("overlaps the one of forward 'ssh'"), "{}", diags[0]);
        // Which forwards open pinholes at all (status, doctor): not IPv4 only, not one
        // whose sources are all IPv4, not a disabled one.
        assert!(pinhole_device(&dev(1, "nas", ForwardFamily::Any, &["2001:db8:5::/48", "192.0.2.0/24"])).is_some());
        assert!(pinhole_device(&dev(1, "nas", ForwardFamily::Any, &["!2001:db8:5::/48"])).is_some());
        assert!(pinhole_device(&dev(1, "nas", ForwardFamily::Any, &["192.0.2.0/24"])).is_none());
        assert!(pinhole_device(&dev(1, "nas", ForwardFamily::Ipv4, &[])).is_none());
        assert!(pinhole_device(&Forward { enabled: false, ..dev(1, "nas", ForwardFamily::Ipv6, &[]) }).is_none());
        // The device is away: the sets are emptied.
        let away = Devices { neighbours: vec![], ..devices };
        let (script, _) = pinholes(&[dev(1, "nas", ForwardFamily::Ipv6, &[])], &away);
        assert_eq!(script.unwrap(), pinholes_closed());
    }
}
