//! `make bench` (nft part): render + check + apply for 10, 100, 1 000 and 5 000 forwards,
//! homeport's map-based table side by side with the same forwards rendered one rule per
//! forward (firewall4's shape). Prints wall times (median of runs) and the number of rules
//! a new connection may traverse.
//!
//! Runs in a private network namespace of its own (unshare(CLONE_NEWNET)), so it never
//! touches the host's ruleset; needs root (CAP_NET_ADMIN) and nft. Run:
//! `cargo bench --bench nft` (or `make bench`).

use std::time::{Duration, Instant};

use homeport::config::{Forward, ForwardFamily, Proto};
use homeport::diag::SectionRef;
use homeport::nft::apply::Nft;
use homeport::nft::{Network, linear, plan, render};
use homeport::types::{AddrMatch, Cidr, IfName, PortRange};

const RUNS: usize = 5;

/// `n` forwards of mixed shape: tcp, udp, both; every 10th a 10-port range; every 7th
/// restricted to a source prefix; every 5th with a different internal port.
fn forwards(n: usize) -> Vec<Forward> {
    (0..n)
        .map(|i| {
            let ext = 10000 + 11 * i as u32;
            let range = i % 10 == 3;
            let ext_s = if range { format!("{ext}-{}", ext + 9) } else { ext.to_string() };
            let int_s = if range {
                ext_s.clone()
            } else if i % 5 == 0 {
                "80".to_string()
            } else {
                ext_s.clone()
            };
            let host = format!("192.168.{}.{}", 1 + i / 250 % 4, 2 + i % 250);
            Forward {
                section: SectionRef { ty: "forward".into(), index: i, name: Some(format!("fwd{i}")) },
                name: format!("forward number {i}"),
                enabled: true,
                proto: [Proto::Tcp, Proto::Udp, Proto::Tcpudp][i % 3],
                src_dport: PortRange::parse(&ext_s).unwrap_or_else(|e| panic!("{ext_s}: {e}")),
                dest_ip: Some(host.parse().unwrap_or_else(|e| panic!("{host}: {e}"))),
                dest_device: None,
                dest_port: PortRange::parse(&int_s).unwrap_or_else(|e| panic!("{int_s}: {e}")),
                src_ip: if i % 7 == 0 {
                    vec![AddrMatch::parse(&format!("198.51.{}.0/24", i % 256)).unwrap_or_else(|e| panic!("{e}"))]
                } else {
                    vec![]
                },
                reflection: true,
                family: ForwardFamily::Ipv4,
                comment: None,
            }
        })
        .collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn main() {
    // SAFETY: unshare has no memory-safety preconditions; it only changes this process's
    // (and its future children's) network namespace.
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        eprintln!(
            "SKIPPED: cannot create a private network namespace (needs root): {}",
            std::io::Error::last_os_error()
        );
        return;
    }
    let nft = Nft::default();
    let net = Network {
        wan_devices: vec![IfName::parse("wan0").unwrap_or_else(|e| panic!("{e}"))],
        lan_devices: Some(vec![IfName::parse("br-lan").unwrap_or_else(|e| panic!("{e}"))]),
        lan_subnets: Some(vec![Cidr::parse("192.168.0.0/16").unwrap_or_else(|e| panic!("{e}"))]),
    };
    println!("nft benchmark: median of {RUNS} runs, times in ms, in a private network namespace");
    println!(
        "{:>8} | {:>7} {:>7} {:>7} {:>7} {:>6} | {:>7} {:>7} {:>7} {:>7} {:>6}",
        "forwards", "render", "check", "apply", "total", "rules", "render", "check", "apply", "total", "rules"
    );
    println!("{:>8} | {:^38} | {:^38}", "", "homeport (maps, sets)", "one rule per forward (fw4 shape)");
    for n in [10usize, 100, 1000, 5000] {
        let fw = forwards(n);
        let (mut r, mut c, mut a, mut t) = (vec![], vec![], vec![], vec![]);
        let (mut lr, mut lc, mut la, mut lt) = (vec![], vec![], vec![], vec![]);
        let (mut rules, mut lrules) = (0, 0);
        for _ in 0..RUNS {
            let t0 = Instant::now();
            let (p, d) = plan(&fw);
            assert!(d.is_empty(), "{d:?}");
            let rs = render(&p, &net);
            let t1 = Instant::now();
            let names: Vec<String> = p.forwards.iter().map(|f| f.name.clone()).collect();
            nft.check(&rs, &names).unwrap_or_else(|e| panic!("{e}"));
            let t2 = Instant::now();
            // What `homeport apply` does after `nft -c`: one `nft -f -` transaction.
            nft.load(&rs, &names).unwrap_or_else(|e| panic!("{e}"));
            let t3 = Instant::now();
            rules = rs.rules_per_packet;
            r.push(t1 - t0);
            c.push(t2 - t1);
            a.push(t3 - t2);
            t.push(t3 - t0);
            nft.flush().unwrap_or_else(|e| panic!("{e}"));

            let t0 = Instant::now();
            let (p, _) = plan(&fw);
            let (text, nrules) = linear::render(&p, &net);
            let t1 = Instant::now();
            let lin = homeport::nft::Ruleset {
                text,
                owners: vec![],
                rules_per_packet: nrules,
                digest: String::new(),
                frame: None,
                elements: vec![],
                diagnostics: vec![],
            };
            nft.check(&lin, &[]).unwrap_or_else(|e| panic!("linear: {e}"));
            let t2 = Instant::now();
            nft.load(&lin, &[]).unwrap_or_else(|e| panic!("linear: {e}"));
            let t3 = Instant::now();
            lrules = nrules;
            lr.push(t1 - t0);
            lc.push(t2 - t1);
            la.push(t3 - t2);
            lt.push(t3 - t0);
            nft.flush().unwrap_or_else(|e| panic!("{e}"));
        }
        println!(
            "{:>8} | {:>7} {:>7} {:>7} {:>7} {:>6} | {:>7} {:>7} {:>7} {:>7} {:>6}",
            n,
            ms(median(r)),
            ms(median(c)),
            ms(median(a)),
            ms(median(t)),
            rules,
            ms(median(lr)),
            ms(median(lc)),
            ms(median(la)),
            ms(median(lt)),
            lrules
        );
    }
    println!("render = plan + render; check = nft -c -f -; apply = nft -f -; total = all three, as `homeport apply`");
    println!("rules = rules a new connection may traverse");
}
