//! The baseline the benchmark compares against: the same plan rendered one rule per
//! forward and protocol, the shape firewall4 gives `config redirect` sections.
//!
//! Pure. Not used to program the router; it exists so `make bench` can show, side by side
//! in the same run, how the per-packet rule count and the load time grow with the number
//! of forwards in that shape. Like fw4, it writes a WAN DNAT rule, a reflection DNAT rule
//! and a reflection SNAT rule per entry.

use std::fmt::Write as _;

use super::plan::{Entry, Family, Plan};
use super::quote;
use super::render::{DSTNAT_PRIORITY, Network, SRCNAT_PRIORITY, TABLE, render_flush};

/// The linear ruleset and its number of rules a new connection may traverse.
pub fn render(plan: &Plan, net: &Network) -> (String, usize) {
    let wan: Vec<String> = net.wan_devices.iter().map(|d| format!("\"{d}\"")).collect();
    let wan = format!("{{ {} }}", wan.join(", "));
    let (mut from_wan, mut from_lan, mut snat) = (String::new(), String::new(), String::new());
    let mut rules = 0;
    for e in &plan.entries {
        let name = plan.forwards.get(e.forward).map(|f| f.name.as_str()).unwrap_or_default();
        let (ipk, nf) = match e.family {
            Family::V4 => ("ip", "ipv4"),
            Family::V6 => ("ip6", "ipv6"),
        };
        let mut m = format!("meta nfproto {nf} ");
        if !e.allow.is_empty() {
            let _ = write!(m, "{ipk} saddr {{ {} }} ", list(&e.allow));
        }
        if !e.deny.is_empty() {
            let _ = write!(m, "{ipk} saddr != {{ {} }} ", list(&e.deny));
        }
        let _ = write!(m, "{} dport {}", e.proto.as_str(), e.ext);
        let target = target(e);
        let c = quote::comment(name);
        let _ = writeln!(from_wan, "\t\t{m} counter {target} comment {c}");
        rules += 1;
        if e.reflection {
            let _ =
                writeln!(from_lan, "\t\tmeta nfproto {nf} {} dport {} {target} comment {c}", e.proto.as_str(), e.ext);
            rules += 1;
            if let Some(ip) = e.dest {
                let _ = writeln!(
                    snat,
                    "\t\tct status dnat {ipk} daddr {ip} {} dport {} masquerade comment {c}",
                    e.proto.as_str(),
                    e.int
                );
                rules += 1;
            }
        }
    }
    let mut t = render_flush();
    let _ = writeln!(t, "table {TABLE} {{");
    let _ = writeln!(t, "\tchain dstnat {{\n\t\ttype nat hook prerouting priority {DSTNAT_PRIORITY}; policy accept;");
    let _ = writeln!(t, "\t\tiifname {wan} fib daddr type local goto from_wan");
    let _ = writeln!(t, "\t\tiifname != {wan} fib daddr type local fib daddr . iif type != local goto from_lan\n\t}}");
    let _ = writeln!(t, "\tchain from_wan {{\n{from_wan}\t}}");
    let _ = writeln!(t, "\tchain from_lan {{\n{from_lan}\t}}");
    let _ = writeln!(t, "\tchain srcnat {{\n\t\ttype nat hook postrouting priority {SRCNAT_PRIORITY}; policy accept;");
    let _ = writeln!(t, "{snat}\t}}\n}}");
    (t, rules + 2)
}

fn list(c: &[crate::types::Cidr]) -> String {
    c.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ")
}

fn target(e: &Entry) -> String {
    // A shifted range cannot be written as one rule (nft picks a port in the target range
    // instead of shifting); firewall4 writes it this way all the same.
    let int = e.int;
    match (e.dest, e.family) {
        (Some(ip), Family::V4) => format!("dnat ip to {ip}:{int}"),
        (Some(ip), Family::V6) => format!("dnat ip6 to [{ip}]:{int}"),
        (None, _) => format!("redirect to :{int}"),
    }
}
