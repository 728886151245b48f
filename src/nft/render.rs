//! The ruleset for `table inet homeport`, written whole every time.
//!
//! Pure and deterministic: the same plan and WAN side give the same bytes. The script
//! creates the table if missing, deletes it, and declares it again, all in one `nft -f`
//! transaction. Deleting (rather than `flush table`, which keeps set and map elements)
//! is what guarantees that no element of a removed forward survives.
//!
//! Shape (docs/forwarding.md explains the why): every forward is a handful of map and
//! set elements; the chains are fixed. A new connection walks at most
//! [`Ruleset::rules_per_packet`] rules whatever the number of forwards; each lookup is a
//! hash or interval-tree lookup in the kernel.
//!
//! Text from the configuration enters only through [`quote::comment`]; everything else
//! written here is a typed value (ports, addresses, device names already validated).

use std::fmt::Write as _;

use super::plan::{Entry, Family, Plan};
use super::quote;
use crate::diag::Diagnostic;
use crate::types::{Cidr, IfName};

/// Our table's family and name.
pub const TABLE: &str = "inet homeport";

/// Our NAT chains' priorities: just before firewall4's `dstnat` (-100) and `srcnat` (100),
/// so that a homeport forward wins over a firewall4 redirect or a UPnP mapping for the
/// same port (the first NAT binding wins). See docs/forwarding.md.
pub const DSTNAT_PRIORITY: &str = "dstnat - 10";
pub const SRCNAT_PRIORITY: &str = "srcnat - 10";

/// What the renderer needs to know about the router besides the forwards.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Network {
    /// L3 devices on which forwarded traffic arrives from the internet.
    pub wan_devices: Vec<IfName>,
    /// The LAN-side devices (from /etc/config/network), when known: reflection (NAT
    /// loopback, where `src_ip` does not apply) is taken only from these. Traffic from any
    /// other device (a tunnel, a second uplink) is treated as coming from the internet.
    pub lan_devices: Option<Vec<IfName>>,
    /// The LAN prefixes, when known (from /etc/config/network). Reflection is SNATed only
    /// when client and server sit in the same one of them; unknown means every reflected
    /// connection is SNATed, as firewall4 does.
    pub lan_subnets: Option<Vec<Cidr>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ruleset {
    pub text: String,
    /// For each line of `text` (0-based), the forward (index into [`Plan::forwards`])
    /// it was written for, so an nft error can name the forward.
    pub owners: Vec<Option<usize>>,
    /// Rules in the chains a new connection can traverse: constant in the number of forwards.
    pub rules_per_packet: usize,
    /// FNV-1a of the table body, also written as the table's comment: `apply` compares it
    /// with the live table's to leave an identical table (and its counters) alone.
    pub digest: String,
    /// With forwards to a device: the digest of this table with every device forward's
    /// translation left out. Two rulesets of equal `frame` differ only in [`Self::elements`],
    /// so one becomes the other by element updates (the daemon's way to follow a device).
    pub frame: Option<String>,
    /// The translation elements of device forwards (what follows the device).
    pub elements: Vec<Element>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Ruleset {
    /// The forward owning a 1-based line number, as nft reports them.
    pub fn owner_of_line(&self, line: usize) -> Option<usize> {
        self.owners.get(line.checked_sub(1)?).copied().flatten()
    }
}

/// One map element of a device forward.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    /// The map, like `dnat4`.
    pub map: String,
    /// Its key, like `tcp . 8443`.
    pub key: String,
    /// The whole element as written in the table: key, comment and value.
    pub text: String,
}

/// One nft transaction that turns the device elements `old` into `new`: deletions, then
/// additions (a changed element is deleted and added again). `None` when they are equal.
/// Untouched elements, their counters included, stay as they are.
pub fn element_update(old: &[Element], new: &[Element]) -> Option<String> {
    let mut out = String::new();
    for e in old.iter().filter(|e| !new.contains(e)) {
        let _ = writeln!(out, "delete element {TABLE} {} {{ {} }}", e.map, e.key);
    }
    for e in new.iter().filter(|e| !old.contains(e)) {
        let _ = writeln!(out, "add element {TABLE} {} {{ {} }}", e.map, e.text);
    }
    (!out.is_empty()).then_some(out)
}

/// Removes our table, whether or not it exists, in one transaction.
pub fn render_flush() -> String {
    format!("table {TABLE}\ndelete table {TABLE}\n")
}

/// Lines with their owning forward.
#[derive(Default)]
struct Out {
    lines: Vec<(String, Option<usize>)>,
    rules: usize,
}

impl Out {
    fn line(&mut self, depth: usize, text: impl AsRef<str>) {
        self.owned(depth, text, None);
    }

    fn owned(&mut self, depth: usize, text: impl AsRef<str>, owner: Option<usize>) {
        let mut s = "\t".repeat(depth);
        s.push_str(text.as_ref());
        self.lines.push((s, owner));
    }

    fn rule(&mut self, text: impl AsRef<str>) {
        self.rules += 1;
        self.line(2, text);
    }
}

pub fn render(plan: &Plan, net: &Network) -> Ruleset {
    let mut diagnostics = Vec::new();
    if net.wan_devices.is_empty() && !plan.entries.is_empty() {
        diagnostics.push(Diagnostic::warning(
            "no WAN device is known: forwards are rendered but nothing from the internet reaches them",
        ));
    }
    if net.lan_devices.is_none() && plan.entries.iter().any(|e| e.reflection && e.restricted) {
        diagnostics.push(Diagnostic::warning(
            "LAN devices are unknown: src_ip also limits reflected (NAT loopback) connections",
        ));
    }
    if net.lan_subnets.is_none() && plan.entries.iter().any(|e| e.reflection && e.dest.is_some()) {
        diagnostics.push(Diagnostic::warning(
            "LAN subnets are unknown: every reflected (NAT loopback) connection is masqueraded",
        ));
    }

    let (body, elements) = body_of(plan, net);
    // The table as it is with every device away: what element updates cannot change.
    let frame = plan.entries.iter().any(|e| e.device).then(|| {
        let mut away = plan.clone();
        away.entries.iter_mut().filter(|e| e.device).for_each(|e| e.dest = None);
        digest_of(&body_of(&away, net).0)
    });

    let mut text = String::new();
    let mut owners = Vec::new();
    let mut push = |s: &str, o: Option<usize>| {
        text.push_str(s);
        text.push('\n');
        owners.push(o);
    };
    let digest = digest_of(&body);
    push("# Generated by homeport: port forwards. Do not edit; see `homeport rules`.", None);
    push(&format!("table {TABLE}"), None);
    push(&format!("delete table {TABLE}"), None);
    push(&format!("table {TABLE} {{"), None);
    push(&format!("\tcomment \"homeport {digest}\""), None);
    for (l, o) in &body.lines {
        push(l, *o);
    }
    push("}", None);
    Ruleset { text, owners, rules_per_packet: body.rules, digest, frame, elements, diagnostics }
}

fn digest_of(body: &Out) -> String {
    let text: String = body.lines.iter().map(|(l, _)| format!("{l}\n")).collect();
    format!("{:016x}", fnv1a(text.as_bytes()))
}

fn body_of(plan: &Plan, net: &Network) -> (Out, Vec<Element>) {
    let mut body = Out::default();
    let mut elements = Vec::new();
    for fam in [Family::V4, Family::V6] {
        maps(&mut body, &mut elements, plan, fam, net);
    }
    chains(&mut body, net);
    (body, elements)
}

fn addr_type(fam: Family) -> &'static str {
    match fam {
        Family::V4 => "ipv4_addr",
        Family::V6 => "ipv6_addr",
    }
}

fn key(e: &Entry) -> String {
    format!("{} . {}", e.proto.as_str(), e.ext)
}

/// One element per line: `<key> comment "<name>"[ : <value>]`.
struct Elements<'a> {
    plan: &'a Plan,
    items: Vec<(String, Option<String>, usize)>,
}

impl<'a> Elements<'a> {
    fn new(plan: &'a Plan) -> Self {
        Elements { plan, items: Vec::new() }
    }

    fn add(&mut self, key: String, value: Option<String>, forward: usize) {
        self.items.push((key, value, forward));
    }

    fn write(self, out: &mut Out, decl: &str, ty: &str, flags: bool, counter: bool) {
        out.line(1, format!("{decl} {{"));
        out.line(2, format!("type {ty}"));
        if flags {
            out.line(2, "flags interval");
        }
        if counter {
            out.line(2, "counter");
        }
        if !self.items.is_empty() {
            out.line(2, "elements = {");
            let n = self.items.len();
            for (i, (k, v, f)) in self.items.into_iter().enumerate() {
                let mut s = element_text(self.plan, &k, v.as_deref(), f);
                if i + 1 < n {
                    s.push(',');
                }
                out.owned(3, s, Some(f));
            }
            out.line(2, "}");
        }
        out.line(1, "}");
    }
}

/// `<key> comment "<name>"[ : <value>]`.
fn element_text(plan: &Plan, key: &str, value: Option<&str>, forward: usize) -> String {
    let name = plan.forwards.get(forward).map(|p| p.name.as_str()).unwrap_or_default();
    let mut s = format!("{key} comment {}", quote::comment(name));
    if let Some(v) = value {
        let _ = write!(s, " : {v}");
    }
    s
}

fn maps(out: &mut Out, dynamic: &mut Vec<Element>, plan: &Plan, fam: Family, net: &Network) {
    let sfx = fam.suffix();
    let at = addr_type(fam);
    let entries: Vec<&Entry> = plan.entries_of(fam).collect();

    // Single external ports go into hash maps, ranges into interval maps: nft loads
    // interval elements several times slower, and most forwards are single ports.
    let mut dnat = Elements::new(plan);
    let mut dnat_range = Elements::new(plan);
    let mut redir = Elements::new(plan);
    let mut redir_range = Elements::new(plan);
    let mut restricted = Elements::new(plan);
    let mut allow = Elements::new(plan);
    let mut deny = Elements::new(plan);
    let mut noreflect = Elements::new(plan);
    for e in &entries {
        let f = e.forward;
        let ranged = !e.ext.is_single() && e.keeps_port();
        let mut translate = |map: &mut Elements, name: &str, k: String, v: String| {
            if e.device {
                let text = element_text(plan, &k, Some(&v), f);
                dynamic.push(Element { map: name.to_string(), key: k.clone(), text });
            }
            map.add(k, Some(v), f);
        };
        match (e.dest, ranged) {
            // A device that is not on the network: no translation (never the router).
            (None, _) if e.device => {}
            (Some(ip), true) => translate(&mut dnat_range, &format!("dnat{sfx}_range"), key(e), ip.to_string()),
            (Some(ip), false) => {
                for (ext, int) in port_pairs(e) {
                    translate(
                        &mut dnat,
                        &format!("dnat{sfx}"),
                        format!("{} . {ext}", e.proto.as_str()),
                        format!("{ip} . {int}"),
                    );
                }
            }
            (None, true) => redir_range.add(key(e), None, f),
            (None, false) => {
                for (ext, int) in port_pairs(e) {
                    redir.add(format!("{} . {ext}", e.proto.as_str()), Some(int.to_string()), f);
                }
            }
        }
        if e.restricted {
            restricted.add(key(e), None, f);
        }
        for c in &e.allow {
            allow.add(format!("{} . {c}", key(e)), None, f);
        }
        for c in &e.deny {
            deny.add(format!("{} . {c}", key(e)), None, f);
        }
        if !e.reflection {
            noreflect.add(key(e), None, f);
        }
    }
    let ps = "inet_proto . inet_service";
    // The translation maps count per element: the element carries the forward's name,
    // so its counter is the forward's (connections, as NAT sees only first packets).
    dnat.write(out, &format!("map dnat{sfx}"), &format!("{ps} : {at} . inet_service"), false, true);
    dnat_range.write(out, &format!("map dnat{sfx}_range"), &format!("{ps} : {at}"), true, true);
    redir.write(out, &format!("map redirect{sfx}"), &format!("{ps} : inet_service"), false, true);
    redir_range.write(out, &format!("set redirect{sfx}_range"), ps, true, true);
    restricted.write(out, &format!("set restricted{sfx}"), ps, true, false);
    allow.write(out, &format!("set allow{sfx}"), &format!("{ps} . {at}"), true, false);
    deny.write(out, &format!("set deny{sfx}"), &format!("{ps} . {at}"), true, false);
    noreflect.write(out, &format!("set noreflect{sfx}"), ps, true, false);

    // Same-subnet pairs: a reflected connection needs SNAT only when the server would
    // answer the client directly (same subnet), bypassing the router's reverse NAT.
    out.line(1, format!("set hairpin{sfx} {{"));
    out.line(2, format!("type {at} . {at}"));
    out.line(2, "flags interval");
    // Sorted and without repeats (one sort instance with `plan::minimal`'s; no set type).
    let mut subnets: Vec<Cidr> =
        net.lan_subnets.iter().flatten().filter(|c| Family::of(c.addr()) == fam).copied().collect();
    subnets.sort();
    subnets.dedup();
    if !subnets.is_empty() {
        let list = subnets.iter().map(|c| format!("{c} . {c}")).collect::<Vec<_>>();
        out.line(2, format!("elements = {{ {} }}", list.join(", ")));
    }
    out.line(1, "}");
}

/// (external, internal) port pairs of a translated entry: one pair for a single port,
/// one per port for a shifted range (nft cannot shift a range in one element).
fn port_pairs(e: &Entry) -> Vec<(u16, u16)> {
    let (es, is) = (e.ext.start().get(), e.int.start().get());
    if e.int.is_single() {
        return vec![(es, is)];
    }
    (0..e.ext.width())
        .filter_map(|i| Some((es.checked_add(u16::try_from(i).ok()?)?, is.checked_add(i as u16)?)))
        .collect()
}

fn devices(list: &[&str]) -> String {
    let quoted: Vec<String> = list.iter().map(|d| format!("\"{d}\"")).collect();
    format!("{{ {} }}", quoted.join(", "))
}

fn chains(out: &mut Out, net: &Network) {
    let wan: Vec<&str> = net.wan_devices.iter().map(IfName::as_str).collect();
    let mut not_lan = wan.clone();
    not_lan.push("lo");
    not_lan.sort_unstable();
    not_lan.dedup();
    // A device listed on both sides is a WAN device: the allow list wins.
    let lan: Option<Vec<&str>> = net.lan_devices.as_ref().map(|l| {
        let mut v: Vec<&str> = l.iter().map(IfName::as_str).filter(|d| !not_lan.contains(d)).collect();
        v.sort_unstable();
        v.dedup();
        v
    });
    let mut other = not_lan.clone();
    other.extend(lan.iter().flatten());
    other.sort_unstable();
    other.dedup();

    // Three disjoint sources, one rule each (issue 10 item 3: `src_ip` must hold on every
    // path, so only traffic known to come from the LAN skips it).
    out.line(1, "chain dstnat {");
    out.line(2, format!("type nat hook prerouting priority {DSTNAT_PRIORITY}; policy accept;"));
    if !wan.is_empty() {
        // To one of the router's own addresses, from the internet.
        out.rule(format!("iifname {} fib daddr type local goto from_wan", devices(&wan)));
    }
    // Reflection: from the LAN, to one of the router's addresses that is not an address of
    // the interface the packet came in on (the WAN address, whatever it is right now), so
    // LuCI or SSH on the router's LAN address is never taken over by a forward.
    let local_elsewhere = "fib daddr type local fib daddr . iif type != local";
    if let Some(lan) = lan.as_ref().filter(|l| !l.is_empty()) {
        out.rule(format!("iifname {} {local_elsewhere} goto from_lan", devices(lan)));
    }
    // Any other device (6in4 tunnel, second uplink, VPN) is the internet: `from_wan`, with
    // its allow list. When the LAN devices are unknown, it cannot be told from the LAN:
    // `from_lan` honours `reflection 0` and then applies the allow list too.
    let to = if lan.is_some() { "from_wan" } else { "from_lan" };
    out.rule(format!("iifname != {} {local_elsewhere} goto {to}", devices(&other)));
    out.line(1, "}");

    out.line(1, "chain from_wan {");
    for fam in [Family::V4, Family::V6] {
        let (s, nf) = (fam.suffix(), nfproto(fam));
        out.rule(format!("meta nfproto {nf} meta l4proto . th dport . {} saddr @deny{s} return", ip(fam)));
        out.rule(format!(
            "meta nfproto {nf} meta l4proto . th dport @restricted{s} meta l4proto . th dport . {} saddr != @allow{s} return",
            ip(fam)
        ));
    }
    out.rule("goto lookup");
    out.line(1, "}");

    out.line(1, "chain from_lan {");
    for fam in [Family::V4, Family::V6] {
        let (s, nf) = (fam.suffix(), nfproto(fam));
        out.rule(format!("meta nfproto {nf} meta l4proto . th dport @noreflect{s} return"));
    }
    out.rule(if lan.is_some() { "goto lookup" } else { "goto from_wan" });
    out.line(1, "}");

    out.line(1, "chain lookup {");
    for fam in [Family::V4, Family::V6] {
        let (s, nf, ipk) = (fam.suffix(), nfproto(fam), ip(fam));
        let l4 = "meta l4proto { tcp, udp }";
        let k = "meta l4proto . th dport";
        out.rule(format!("meta nfproto {nf} {l4} dnat {ipk} to {k} map @dnat{s}"));
        out.rule(format!("meta nfproto {nf} {l4} dnat {ipk} to {k} map @dnat{s}_range"));
        out.rule(format!("meta nfproto {nf} {l4} redirect to : {k} map @redirect{s}"));
        out.rule(format!("meta nfproto {nf} {k} @redirect{s}_range redirect"));
    }
    out.line(1, "}");

    out.line(1, "chain srcnat {");
    out.line(2, format!("type nat hook postrouting priority {SRCNAT_PRIORITY}; policy accept;"));
    for fam in [Family::V4, Family::V6] {
        let (s, nf, ipk) = (fam.suffix(), nfproto(fam), ip(fam));
        let head = format!("meta nfproto {nf} meta l4proto {{ tcp, udp }} ct status dnat");
        let which = match &net.lan_subnets {
            Some(_) => {
                let to = if wan.is_empty() { String::new() } else { format!(" oifname != {}", devices(&wan)) };
                format!("{to} {ipk} saddr . {ipk} daddr @hairpin{s}")
            }
            None => format!(" iifname != {}", devices(&not_lan)),
        };
        // Ours: the original destination port is a key of our translation maps.
        for m in ["", "_range"] {
            out.rule(format!("{head}{which} meta l4proto . ct original proto-dst @dnat{s}{m} masquerade"));
        }
    }
    out.line(1, "}");
}

fn nfproto(fam: Family) -> &'static str {
    match fam {
        Family::V4 => "ipv4",
        Family::V6 => "ipv6",
    }
}

fn ip(fam: Family) -> &'static str {
    match fam {
        Family::V4 => "ip",
        Family::V6 => "ip6",
    }
}

/// 64-bit FNV-1a: stable across platforms and endianness, no dependency.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ForwardFamily, Proto};
    use crate::nft::plan::{plan, tests::fwd};
    use crate::types::AddrMatch;

    fn net() -> Network {
        Network {
            wan_devices: vec![IfName::parse("wan0").unwrap()],
            lan_devices: Some(vec![IfName::parse("br-lan").unwrap()]),
            lan_subnets: Some(vec![Cidr::parse("192.168.1.0/24").unwrap()]),
        }
    }

    fn dstnat_rules(rs: &Ruleset) -> Vec<&str> {
        let t = &rs.text;
        let start = t.find("chain dstnat {").unwrap();
        let end = start + t[start..].find("\n\t}").unwrap();
        t[start..end].lines().skip(2).map(str::trim).collect()
    }

    #[test]
    fn reflection_only_from_lan_devices_and_every_other_device_gets_the_allow_list() {
        let rs = render(&sample(), &net());
        assert_eq!(
            dstnat_rules(&rs),
            [
                "iifname { \"wan0\" } fib daddr type local goto from_wan",
                "iifname { \"br-lan\" } fib daddr type local fib daddr . iif type != local goto from_lan",
                "iifname != { \"br-lan\", \"lo\", \"wan0\" } fib daddr type local fib daddr . iif type != local goto from_wan",
            ]
        );
        assert!(rs.text.contains("\t\tgoto lookup\n\t}\n\tchain lookup"), "from_lan ends in the lookup");
        // LAN devices unknown: what is not WAN cannot be told from the LAN, so it keeps
        // `reflection 0` and then meets the allow list as well.
        let unknown = Network { lan_devices: None, ..net() };
        let rs = render(&sample(), &unknown);
        assert_eq!(
            dstnat_rules(&rs),
            [
                "iifname { \"wan0\" } fib daddr type local goto from_wan",
                "iifname != { \"lo\", \"wan0\" } fib daddr type local fib daddr . iif type != local goto from_lan",
            ]
        );
        assert!(rs.text.contains("\t\tgoto from_wan\n\t}\n\tchain lookup"));
        assert!(rs.diagnostics.iter().any(|d| d.message.contains("src_ip also limits reflected")));
        // A device named on both sides is WAN; a device named twice is written once.
        let br = IfName::parse("br-lan").unwrap();
        let twice = Network { lan_devices: Some(vec![br.clone(), br]), ..net() };
        assert_eq!(dstnat_rules(&render(&sample(), &twice)), dstnat_rules(&render(&sample(), &net())));
        let both = Network { lan_devices: Some(vec![IfName::parse("wan0").unwrap()]), ..net() };
        let rules = render(&sample(), &both);
        assert!(!dstnat_rules(&rules).iter().any(|r| r.ends_with("goto from_lan")), "{}", rules.text);
    }

    fn sample() -> Plan {
        let mut ssh = fwd(2, "ssh \"admin\"", Proto::Tcp, "2222", Some("192.168.1.5"), "22");
        ssh.src_ip = vec![AddrMatch::parse("198.51.100.0/24").unwrap(), AddrMatch::parse("!198.51.100.7").unwrap()];
        let mut luci = fwd(3, "luci", Proto::Tcp, "8443", None, "443");
        luci.family = ForwardFamily::Any;
        plan(&[
            fwd(0, "web", Proto::Tcp, "8080", Some("192.168.1.10"), "80"),
            fwd(1, "torrent", Proto::Tcpudp, "6881-6889", Some("192.168.1.30"), "6881-6889"),
            ssh,
            luci,
            fwd(4, "shifted", Proto::Udp, "5000-5002", Some("192.168.1.40"), "6000-6002"),
            fwd(5, "v6 web", Proto::Tcp, "443", Some("fd00::10"), "8443"),
        ])
        .0
    }

    #[test]
    fn deterministic_and_digest_covers_body() {
        let (a, b) = (render(&sample(), &net()), render(&sample(), &net()));
        assert_eq!(a, b);
        assert!(a.text.contains(&format!("comment \"homeport {}\"", a.digest)));
        let mut other = net();
        other.wan_devices = vec![IfName::parse("pppoe-wan").unwrap()];
        assert_ne!(render(&sample(), &other).digest, a.digest);
    }

    #[test]
    fn rule_count_does_not_grow_with_forwards() {
        let small = render(&sample(), &net());
        let many: Vec<_> = (0..500u16)
            .map(|i| fwd(i as usize, "x", Proto::Tcpudp, &(20000 + i).to_string(), Some("192.168.1.9"), "80"))
            .collect();
        let big = render(&plan(&many).0, &net());
        assert_eq!(small.rules_per_packet, big.rules_per_packet);
        assert!(big.text.len() > 50 * small.text.len() / 10);
    }

    #[test]
    fn elements_carry_their_forward() {
        let rs = render(&sample(), &net());
        let lines: Vec<&str> = rs.text.lines().collect();
        let i = lines.iter().position(|l| l.contains("tcp . 8080 comment \"web\" : 192.168.1.10 . 80")).unwrap();
        assert_eq!(rs.owner_of_line(i + 1), Some(0));
        // The quote in the name cannot close the string early.
        assert!(rs.text.contains("comment \"ssh 'admin'\""));
        // Shifted range: one element per port.
        for (e, i) in [(5000, 6000), (5001, 6001), (5002, 6002)] {
            assert!(rs.text.contains(&format!("udp . {e} comment \"shifted\" : 192.168.1.40 . {i}")), "{e}");
        }
        // Same-width range kept as one interval, port preserved.
        assert!(rs.text.contains("tcp . 6881-6889 comment \"torrent\" : 192.168.1.30"));
        assert!(rs.text.contains("tcp . 2222 . 198.51.100.0/24 comment"));
        assert!(rs.text.contains("tcp . 2222 . 198.51.100.7 comment"));
        assert!(rs.text.contains("tcp . 8443 comment \"luci\" : 443"));
        assert!(rs.text.contains("tcp . 443 comment \"v6 web\" : fd00::10 . 8443"));
        assert!(rs.text.contains("elements = { 192.168.1.0/24 . 192.168.1.0/24 }"));
    }

    #[test]
    fn starts_with_an_atomic_replace() {
        let rs = render(&Plan::default(), &net());
        let head: Vec<&str> = rs.text.lines().skip(1).take(3).collect();
        assert_eq!(head, ["table inet homeport", "delete table inet homeport", "table inet homeport {"]);
        assert!(rs.diagnostics.is_empty());
    }

    #[test]
    fn unknown_sides_are_reported() {
        let rs = render(&sample(), &Network::default());
        assert_eq!(rs.diagnostics.len(), 3);
        assert!(!rs.text.contains("fib daddr type local goto from_wan"));
    }

    #[test]
    fn fnv_is_the_reference_function() {
        assert_eq!(fnv1a(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a(b"a"), 0xaf63dc4c8601ec8c);
    }
}
