//! From validated forwards to the entries the renderer writes: one per (family, protocol),
//! with conflicts resolved.
//!
//! Pure. Invariants of a [`Plan`]: within one family and protocol, no two entries'
//! external port ranges overlap (a forward that would collide is reported and left out
//! whole, so nft never sees overlapping interval elements); an entry's internal range is
//! either one port or as wide as its external range; source lists are non-redundant.

use std::net::IpAddr;

use crate::config::{Forward, ForwardFamily};
use crate::diag::{Diagnostic, SectionRef};
use crate::types::{Cidr, PortRange};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn of(ip: IpAddr) -> Family {
        if ip.is_ipv4() { Family::V4 } else { Family::V6 }
    }

    pub fn suffix(self) -> &'static str {
        match self {
            Family::V4 => "4",
            Family::V6 => "6",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum L4 {
    Tcp,
    Udp,
}

impl L4 {
    pub fn as_str(self) -> &'static str {
        match self {
            L4::Tcp => "tcp",
            L4::Udp => "udp",
        }
    }
}

/// A forward that made it into the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned {
    pub section: SectionRef,
    pub name: String,
}

/// One forward, one family, one protocol.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Index into [`Plan::forwards`].
    pub forward: usize,
    pub family: Family,
    pub proto: L4,
    pub ext: PortRange,
    pub int: PortRange,
    /// The LAN host; `None` redirects to the router itself, unless `device` is set.
    pub dest: Option<IpAddr>,
    /// A `dest_mac`/`dest_host` forward: `dest` is the device's address now, and `None`
    /// means the device is not on the network (no translation at all, never the router).
    pub device: bool,
    /// `src_ip` had positive entries (for any family): sources outside `allow` are refused.
    pub restricted: bool,
    /// Positive `src_ip` prefixes of this family.
    pub allow: Vec<Cidr>,
    /// Negated `src_ip` prefixes of this family.
    pub deny: Vec<Cidr>,
    pub reflection: bool,
}

impl Entry {
    /// The internal port is the external one (a range forwarded unchanged, or equal ports).
    pub fn keeps_port(&self) -> bool {
        self.ext == self.int
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub forwards: Vec<Planned>,
    /// Entries in config order, IPv4 first within a forward.
    pub entries: Vec<Entry>,
}

impl Plan {
    pub fn entries_of(&self, family: Family) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.family == family)
    }
}

/// Builds the plan from the configured forwards (disabled ones are left out silently).
/// Returns the diagnostics for forwards that could not be planned.
pub fn plan(forwards: &[Forward]) -> (Plan, Vec<Diagnostic>) {
    let mut out = Plan::default();
    let mut diags = Vec::new();
    // (family, proto, start, end, forward index in `out.forwards`): the taken ranges. A
    // plain vector: a router has tens of forwards, and a map type costs flash.
    let mut taken: Vec<Taken> = Vec::new();
    for f in forwards.iter().filter(|f| f.enabled) {
        let entries = match entries_for(f, out.forwards.len()) {
            Ok(e) => e,
            Err(d) => {
                diags.push(*d);
                continue;
            }
        };
        if let Some((e, other)) = entries.iter().find_map(|e| clash(&taken, e).map(|o| (e, o))) {
            let o = &out.forwards[other];
            diags.push(
                Diagnostic::error(format!(
                    "external port {}/{} ({}) is already forwarded by section {}; this forward is skipped",
                    e.ext,
                    e.proto.as_str(),
                    if e.family == Family::V4 { "IPv4" } else { "IPv6" },
                    o.section
                ))
                .in_section(&f.section)
                .at_option("src_dport", &f.src_dport.to_string()),
            );
            continue;
        }
        for e in &entries {
            taken.push((e.family, e.proto, e.ext.start().get(), e.ext.end().get(), e.forward));
        }
        out.forwards.push(Planned { section: f.section.clone(), name: f.name.clone() });
        out.entries.extend(entries);
    }
    (out, diags)
}

/// The forward already holding a range that overlaps `e`'s external range, if any.
fn clash(taken: &[Taken], e: &Entry) -> Option<usize> {
    // Taken ranges are disjoint, so only the one starting last at or before our end can
    // overlap us.
    let mut last: Option<&Taken> = None;
    for t in taken.iter().filter(|t| t.0 == e.family && t.1 == e.proto && t.2 <= e.ext.end().get()) {
        if last.is_none_or(|l| l.2 < t.2) {
            last = Some(t);
        }
    }
    let &(_, _, _, end, owner) = last?;
    (end >= e.ext.start().get()).then_some(owner)
}

/// A taken external range: family, protocol, first and last port, forward index.
type Taken = (Family, L4, u16, u16, usize);

fn entries_for(f: &Forward, index: usize) -> Result<Vec<Entry>, Box<Diagnostic>> {
    let err = |msg: String, opt: &str, val: String| {
        Box::new(Diagnostic::error(msg).in_section(&f.section).at_option(opt, &val))
    };
    if f.src_dport.width() != f.dest_port.width() && !f.dest_port.is_single() {
        return Err(err(
            format!("is {} ports wide but src_dport {} is {}", f.dest_port.width(), f.src_dport, f.src_dport.width()),
            "dest_port",
            f.dest_port.to_string(),
        ));
    }
    if !f.src_dport.is_single() && f.dest_port.is_single() {
        return Err(err(
            format!("is one port but src_dport {} is a range; give a range of the same width", f.src_dport),
            "dest_port",
            f.dest_port.to_string(),
        ));
    }
    let mut families = match f.family {
        ForwardFamily::Ipv4 => vec![Family::V4],
        ForwardFamily::Ipv6 => vec![Family::V6],
        ForwardFamily::Any => vec![Family::V4, Family::V6],
    };
    if let Some(ip) = f.dest_ip {
        if !families.contains(&Family::of(ip)) {
            return Err(err("does not match the forward's family".into(), "dest_ip", ip.to_string()));
        }
        families = vec![Family::of(ip)];
    }
    let restricted = f.src_ip.iter().any(|m| !m.negate);
    if restricted {
        // A family with no allowed source is closed: leave it out instead of rendering
        // an allowlist that admits nobody.
        families.retain(|&fam| f.src_ip.iter().any(|m| !m.negate && Family::of(m.cidr.addr()) == fam));
        if families.is_empty() {
            let list = f.src_ip.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(" ");
            return Err(err("has no address of the forward's family".into(), "src_ip", list));
        }
    }
    if f.dest_device.is_some() {
        // A device's IPv6 side is a pinhole in fw4's forward chain (`fw4::pinholes`), not
        // a translation in our table.
        families.retain(|&fam| fam == Family::V4);
    }
    let mut out = Vec::new();
    for &family in &families {
        let of_family = |negate: bool| {
            minimal(
                f.src_ip.iter().filter(|m| m.negate == negate && Family::of(m.cidr.addr()) == family).map(|m| m.cidr),
            )
        };
        let (allow, deny) = (of_family(false), of_family(true));
        for proto in [L4::Tcp, L4::Udp] {
            let wanted = match proto {
                L4::Tcp => f.proto.has_tcp(),
                L4::Udp => f.proto.has_udp(),
            };
            if wanted {
                out.push(Entry {
                    forward: index,
                    family,
                    proto,
                    ext: f.src_dport,
                    int: f.dest_port,
                    dest: f.dest_ip,
                    device: f.dest_device.is_some(),
                    restricted,
                    allow: allow.clone(),
                    deny: deny.clone(),
                    reflection: f.reflection,
                });
            }
        }
    }
    Ok(out)
}

/// Sorted, without prefixes covered by another one in the list (nft rejects overlapping
/// interval elements).
pub(crate) fn minimal(cidrs: impl Iterator<Item = Cidr>) -> Vec<Cidr> {
    // In any order: a prefix inside a kept one is dropped, and one that covers kept ones
    // takes their place (no sort by prefix length: one sort instance for `Cidr` only).
    let mut keep: Vec<Cidr> = Vec::new();
    for c in cidrs {
        if keep.iter().any(|k| k.prefix() <= c.prefix() && k.contains(c.addr())) {
            continue;
        }
        keep.retain(|k| !(c.prefix() <= k.prefix() && c.contains(k.addr())));
        keep.push(c);
    }
    keep.sort();
    keep
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::Proto;
    use crate::types::AddrMatch;

    pub fn fwd(index: usize, name: &str, proto: Proto, ext: &str, dest: Option<&str>, int: &str) -> Forward {
        Forward {
            section: SectionRef { ty: "forward".into(), index, name: Some(name.into()) },
            name: name.into(),
            enabled: true,
            proto,
            src_dport: PortRange::parse(ext).unwrap(),
            dest_ip: dest.map(|d| d.parse().unwrap()),
            dest_device: None,
            dest_port: PortRange::parse(int).unwrap(),
            src_ip: vec![],
            reflection: true,
            family: match dest.map(|d| d.parse::<IpAddr>().unwrap()) {
                Some(IpAddr::V6(_)) => ForwardFamily::Ipv6,
                Some(IpAddr::V4(_)) => ForwardFamily::Ipv4,
                None => ForwardFamily::Ipv4,
            },
            comment: None,
        }
    }

    #[test]
    fn tcpudp_gives_two_entries() {
        let (p, d) = plan(&[fwd(0, "game", Proto::Tcpudp, "27015", Some("192.168.1.20"), "27015")]);
        assert!(d.is_empty());
        assert_eq!(p.entries.len(), 2);
        assert_eq!((p.entries[0].proto, p.entries[1].proto), (L4::Tcp, L4::Udp));
    }

    #[test]
    fn overlapping_external_ports_are_an_error_for_the_later_forward() {
        let a = fwd(0, "a", Proto::Tcp, "8000-8010", Some("192.168.1.2"), "8000-8010");
        let b = fwd(1, "b", Proto::Tcpudp, "8010", Some("192.168.1.3"), "80");
        let c = fwd(2, "c", Proto::Udp, "8005", Some("192.168.1.4"), "80");
        let (p, d) = plan(&[a, b, c]);
        assert_eq!(p.forwards.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["a", "c"]);
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].to_string(),
            "error: section @forward[1] ('b'): option 'src_dport': '8010' external port 8010/tcp (IPv4) is already \
             forwarded by section @forward[0] ('a'); this forward is skipped"
        );
    }

    /// A range over two taken ones names the one starting last (the only one the
    /// ordered search finds), whatever order the two were configured in.
    #[test]
    fn a_range_over_two_taken_ones_names_the_later_starting_one() {
        for (lo, hi) in [(0, 1), (1, 0)] {
            let ranges = ["8000", "8100"];
            let x = fwd(lo, "x", Proto::Tcp, ranges[lo], Some("192.168.1.2"), ranges[lo]);
            let y = fwd(hi, "y", Proto::Tcp, ranges[hi], Some("192.168.1.3"), ranges[hi]);
            let z = fwd(2, "z", Proto::Tcp, "7000-9000", Some("192.168.1.4"), "7000-9000");
            let (p, d) = plan(&[x, y, z]);
            assert_eq!(p.forwards.len(), 2);
            let named = if ranges[lo] == "8100" { "x" } else { "y" };
            assert!(d[0].to_string().contains(&format!("('{named}'); this forward is skipped")), "{}", d[0]);
        }
    }

    /// `minimal` keeps exactly the prefixes no other one covers, sorted, in whatever
    /// order they come (brute force over a pool with nesting, repeats and both families).
    #[test]
    fn minimal_is_the_uncovered_prefixes_in_any_order() {
        let pool: Vec<Cidr> = [
            "10.0.0.0/8",
            "10.1.0.0/16",
            "10.1.0.0/16",
            "10.1.2.0/24",
            "192.0.2.7/32",
            "192.0.2.0/24",
            "2001:db8::/32",
            "2001:db8:1::/48",
            "0.0.0.0/0",
            "::/0",
            "192.0.2.8/29",
        ]
        .iter()
        .map(|s| Cidr::parse(s).unwrap())
        .collect();
        let mut x: u32 = 7;
        for _ in 0..200 {
            let mut pick: Vec<Cidr> = Vec::new();
            for c in &pool {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                if x >> 16 & 1 == 1 {
                    pick.insert((x >> 20) as usize % (pick.len() + 1), *c);
                }
            }
            let covered = |c: &Cidr| pick.iter().any(|k| k != c && k.prefix() <= c.prefix() && k.contains(c.addr()));
            let mut want: Vec<Cidr> = pick.iter().copied().filter(|c| !covered(c)).collect();
            want.sort();
            want.dedup();
            assert_eq!(minimal(pick.iter().copied()), want, "{pick:?}");
        }
    }

    #[test]
    fn different_families_may_share_a_port() {
        let a = fwd(0, "a", Proto::Tcp, "443", Some("192.168.1.2"), "443");
        let b = fwd(1, "b", Proto::Tcp, "443", Some("fd00::2"), "443");
        let (p, d) = plan(&[a, b]);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(p.entries.len(), 2);
    }

    #[test]
    fn disabled_forwards_take_no_port() {
        let mut a = fwd(0, "a", Proto::Tcp, "443", Some("192.168.1.2"), "443");
        a.enabled = false;
        let b = fwd(1, "b", Proto::Tcp, "443", Some("192.168.1.3"), "443");
        let (p, d) = plan(&[a, b]);
        assert!(d.is_empty());
        assert_eq!(p.forwards.len(), 1);
    }

    #[test]
    fn source_lists_by_family_and_minimal() {
        let mut a = fwd(0, "a", Proto::Tcp, "2222", None, "22");
        a.family = ForwardFamily::Any;
        a.src_ip = ["198.51.100.0/24", "198.51.100.7", "!198.51.100.9", "10.0.0.0/8"]
            .iter()
            .map(|s| AddrMatch::parse(s).unwrap())
            .collect();
        let (p, d) = plan(&[a]);
        assert!(d.is_empty());
        // No IPv6 source allowed: the IPv6 side is not rendered at all.
        assert!(p.entries.iter().all(|e| e.family == Family::V4));
        let e = &p.entries[0];
        assert!(e.restricted);
        assert_eq!(e.allow.iter().map(|c| c.to_string()).collect::<Vec<_>>(), ["10.0.0.0/8", "198.51.100.0/24"]);
        assert_eq!(e.deny.iter().map(|c| c.to_string()).collect::<Vec<_>>(), ["198.51.100.9"]);
    }

    #[test]
    fn mismatched_widths_and_families_are_errors() {
        let a = fwd(0, "a", Proto::Tcp, "5000-5009", Some("192.168.1.2"), "6000-6001");
        let b = fwd(1, "b", Proto::Tcp, "5000-5009", Some("192.168.1.2"), "6000");
        let mut c = fwd(2, "c", Proto::Tcp, "22", Some("fd00::1"), "22");
        c.family = ForwardFamily::Ipv4;
        let (p, d) = plan(&[a, b, c]);
        assert!(p.entries.is_empty());
        assert_eq!(d.len(), 3);
        assert!(d.iter().all(|d| d.is_error()));
    }

    #[test]
    fn many_forwards_plan_without_false_conflicts() {
        let fs: Vec<Forward> = (0..2000u16)
            .map(|i| fwd(i as usize, "x", Proto::Tcpudp, &(10000 + 2 * i).to_string(), Some("192.168.1.9"), "80"))
            .collect();
        let (p, d) = plan(&fs);
        assert!(d.is_empty());
        assert_eq!(p.entries.len(), 4000);
    }
}
