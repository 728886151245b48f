//! End to end: real TCP and UDP through `table inet homeport` next to an fw4-shaped
//! firewall, in network namespaces this test creates (see tests/nft/netns.rs).

#[path = "nft/netns.rs"]
mod lab;
mod support;

use homeport::config::{Forward, ForwardFamily, Proto};
use homeport::diag::SectionRef;
use homeport::nft::apply::{Applied, NftError};
use homeport::nft::{Network, Ruleset, plan, render};
use homeport::types::{AddrMatch, Cidr, IfName, PortRange};
use lab::*;

fn fwd(index: usize, name: &str, proto: Proto, ext: &str, dest: Option<&str>, int: &str) -> Forward {
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
        family: ForwardFamily::Ipv4,
        comment: None,
    }
}

fn forwards() -> Vec<Forward> {
    let mut ssh = fwd(5, "ssh", Proto::Tcp, "2222", Some(SERVER), "22");
    ssh.src_ip = vec![AddrMatch::parse(&format!("{INET_ALLOWED}/32")).unwrap()];
    vec![
        fwd(0, "web", Proto::Tcp, "8080", Some(SERVER), "80"),
        fwd(1, "dns", Proto::Udp, "5353", Some(SERVER), "53"),
        fwd(2, "both", Proto::Tcpudp, "7000", Some(SERVER), "7000"),
        fwd(3, "range", Proto::Tcpudp, "6881-6883", Some(SERVER), "6881-6883"),
        fwd(4, "shifted", Proto::Tcp, "5000-5002", Some(SERVER), "6000-6002"),
        ssh,
        fwd(6, "luci", Proto::Tcp, "8443", None, "9443"),
    ]
}

fn ruleset(forwards: &[Forward]) -> (Ruleset, Vec<String>) {
    let (p, d) = plan(forwards);
    assert!(d.is_empty(), "{d:?}");
    let net = Network {
        wan_devices: vec![IfName::parse("wan0").unwrap()],
        lan_devices: Some(vec![IfName::parse("br-lan").unwrap()]),
        lan_subnets: Some(vec![Cidr::parse("192.168.50.0/24").unwrap(), Cidr::parse("fd00:50::/64").unwrap()]),
    };
    let names = p.forwards.iter().map(|f| f.name.clone()).collect();
    (render(&p, &net), names)
}

fn apply(lab: &Lab, forwards: &[Forward]) -> Result<Applied, NftError> {
    let (rs, names) = ruleset(forwards);
    lab.nft().apply(&rs, &names, false)
}

/// A lab with the servers up and the standard forwards applied.
fn lab() -> Lab {
    let mut lab = Lab::new();
    let srv = lab.server.clone();
    lab.serve(
        &srv,
        "srv",
        &[
            "tcp/80", "tcp/22", "tcp/7000", "udp/7000", "udp/53", "tcp/6881", "tcp/6882", "tcp/6883", "udp/6881",
            "udp/6883", "tcp/6000", "tcp/6001", "tcp/6002",
        ],
    );
    let rtr = lab.router.clone();
    lab.serve(&rtr, "router", &["tcp/9443", "tcp/8080"]);
    assert_eq!(apply(&lab, &forwards()).expect("apply"), Applied::Replaced);
    lab
}

fn from_inet(lab: &Lab, proto: &str, port: u16) -> Result<String, String> {
    lab.probe(&lab.inet, proto, WAN_IP, port, Some(INET_ALLOWED))
}

#[test]
fn tcp_and_udp_reach_the_server() {
    require_netns!();
    let lab = lab();
    let c = INET_ALLOWED;
    for (proto, ext, int) in [
        ("tcp", 8080, 80),
        ("udp", 5353, 53),
        ("tcp", 7000, 7000),
        ("udp", 7000, 7000),
        ("tcp", 6881, 6881),
        ("tcp", 6883, 6883),
        ("udp", 6881, 6881),
        ("udp", 6883, 6883),
        ("tcp", 5000, 6000),
        ("tcp", 5002, 6002),
        ("tcp", 2222, 22),
    ] {
        // The server sees the internet client's own address: no SNAT on the way in.
        assert_eq!(from_inet(&lab, proto, ext), Ok(format!("srv {int} {c}")), "{proto}/{ext}");
    }
    // Forward to the router itself (no dest_ip): a redirect, accepted by fw4's input_wan.
    assert_eq!(from_inet(&lab, "tcp", 8443), Ok(format!("router 9443 {c}")));
    // Each forward counts its connections on its own map element.
    let listing = lab.nft_out(&["list", "table", "inet", "homeport"]);
    for (name, want) in [("web", 1), ("luci", 1), ("range", 4), ("dns", 1)] {
        let counted: u64 = listing
            .lines()
            .filter(|l| l.contains(&format!("comment \"{name}\"")))
            .filter_map(|l| l.split("counter packets ").nth(1)?.split_whitespace().next()?.parse::<u64>().ok())
            .sum();
        assert_eq!(counted, want, "{name}: {listing}");
    }
}

#[test]
fn unforwarded_ports_stay_closed() {
    require_netns!();
    let lab = lab();
    for (proto, port) in
        [("tcp", 8081), ("tcp", 80), ("tcp", 22), ("udp", 53), ("udp", 5354), ("tcp", 6884), ("tcp", 9443)]
    {
        assert!(from_inet(&lab, proto, port).is_err(), "{proto}/{port} open");
    }
    // The server itself is not reachable by its LAN address from the internet either.
    assert!(lab.probe(&lab.inet, "tcp", SERVER, 80, None).is_err());
}

#[test]
fn source_outside_src_ip_is_refused() {
    require_netns!();
    let lab = lab();
    assert!(lab.probe(&lab.inet, "tcp", WAN_IP, 2222, Some(INET_OTHER)).is_err());
    assert_eq!(lab.probe(&lab.inet, "tcp", WAN_IP, 2222, Some(INET_ALLOWED)), Ok(format!("srv 22 {INET_ALLOWED}")));
    // Unrestricted forwards take the other source.
    assert_eq!(lab.probe(&lab.inet, "tcp", WAN_IP, 8080, Some(INET_OTHER)), Ok(format!("srv 80 {INET_OTHER}")));
}

/// Issue 10 item 3: a source arriving on a device homeport was not told about (here a
/// second uplink in fw4's wan zone) meets the `src_ip` allow list and `!` exclusions as
/// one on the WAN device does; reflection is taken only from the LAN devices, and still
/// works there, for restricted forwards too.
#[test]
fn src_ip_holds_on_a_second_uplink() {
    require_netns!();
    let mut lab = Lab::new();
    let inet2 = lab.add_second_uplink();
    let srv = lab.server.clone();
    lab.serve(&srv, "srv", &["tcp/22", "tcp/80"]);
    let mut ssh = fwd(0, "ssh", Proto::Tcp, "2222", Some(SERVER), "22");
    ssh.src_ip = [INET_ALLOWED, INET2_ALLOWED].iter().map(|a| AddrMatch::parse(a).unwrap()).collect();
    let mut web = fwd(1, "web", Proto::Tcp, "8080", Some(SERVER), "80");
    web.src_ip = vec![AddrMatch::parse(&format!("!{INET2_OTHER}")).unwrap()];
    assert_eq!(apply(&lab, &[ssh, web]).expect("apply"), Applied::Replaced);
    let from2 = |dst: &str, port: u16, src: &str| lab.probe(&inet2, "tcp", dst, port, Some(src));
    // To the WAN address and to the router's LAN address, through the second uplink.
    for dst in [WAN_IP, ROUTER_LAN] {
        assert!(from2(dst, 2222, INET2_OTHER).is_err(), "{dst}:2222 open to a source outside src_ip");
        assert!(from2(dst, 8080, INET2_OTHER).is_err(), "{dst}:8080 open to an excluded source");
    }
    assert_eq!(from2(WAN_IP, 2222, INET2_ALLOWED), Ok(format!("srv 22 {INET2_ALLOWED}")));
    assert_eq!(from2(WAN_IP, 8080, INET2_ALLOWED), Ok(format!("srv 80 {INET2_ALLOWED}")));
    // The known WAN device as before.
    assert!(lab.probe(&lab.inet, "tcp", WAN_IP, 2222, Some(INET_OTHER)).is_err());
    assert_eq!(lab.probe(&lab.inet, "tcp", WAN_IP, 2222, Some(INET_ALLOWED)), Ok(format!("srv 22 {INET_ALLOWED}")));
    // Reflection from the LAN, where src_ip does not apply (the client could reach the
    // server directly anyway).
    assert_eq!(lab.probe(&lab.lan, "tcp", WAN_IP, 2222, None), Ok(format!("srv 22 {ROUTER_LAN}")));
    assert_eq!(lab.probe(&lab.lan, "tcp", WAN_IP, 8080, None), Ok(format!("srv 80 {ROUTER_LAN}")));
}

#[test]
fn reflection_from_the_lan() {
    require_netns!();
    let lab = lab();
    // Same subnet as the server: masqueraded to the router, so replies come back through it.
    assert_eq!(lab.probe(&lab.lan, "tcp", WAN_IP, 8080, None), Ok(format!("srv 80 {ROUTER_LAN}")));
    assert_eq!(lab.probe(&lab.lan, "udp", WAN_IP, 5353, None), Ok(format!("srv 53 {ROUTER_LAN}")));
    // Redirect to the router by its WAN address from inside.
    assert_eq!(lab.probe(&lab.lan, "tcp", WAN_IP, 8443, None), Ok(format!("router 9443 {LAN_CLIENT}")));
    // The router's LAN address is never taken over: 8080 there is the router's own service.
    assert_eq!(lab.probe(&lab.lan, "tcp", ROUTER_LAN, 8080, None), Ok(format!("router 8080 {LAN_CLIENT}")));
}

#[test]
fn reflection_off_is_honoured() {
    require_netns!();
    let lab = lab();
    let mut f = forwards();
    f[0].reflection = false;
    assert_eq!(apply(&lab, &f).expect("apply"), Applied::Replaced);
    // Not translated from inside any more: the router's own service on 8080 answers.
    assert_eq!(lab.probe(&lab.lan, "tcp", WAN_IP, 8080, None), Ok(format!("router 8080 {LAN_CLIENT}")));
    assert_eq!(from_inet(&lab, "tcp", 8080), Ok(format!("srv 80 {INET_ALLOWED}")));
}

#[test]
fn disabling_and_reapplying_closes_it() {
    require_netns!();
    let lab = lab();
    assert!(from_inet(&lab, "tcp", 8080).is_ok());
    let mut f = forwards();
    f[0].enabled = false;
    assert_eq!(apply(&lab, &f).expect("apply"), Applied::Replaced);
    assert!(from_inet(&lab, "tcp", 8080).is_err(), "8080 still forwarded");
    assert!(!lab.nft_out(&["list", "table", "inet", "homeport"]).contains("\"web\""));
    assert!(from_inet(&lab, "tcp", 7000).is_ok());
}

#[test]
fn flush_leaves_no_trace() {
    require_netns!();
    let lab = lab();
    lab.nft().flush().expect("flush");
    let tables = lab.nft_out(&["list", "tables"]);
    assert!(!tables.contains("homeport"), "{tables}");
    assert!(from_inet(&lab, "tcp", 8080).is_err());
    // fw4's table is untouched, and a second flush is harmless.
    assert!(tables.contains("table inet fw4"));
    lab.nft().flush().expect("flush again");
}

#[test]
fn applying_twice_changes_nothing() {
    require_netns!();
    let lab = lab();
    assert!(from_inet(&lab, "tcp", 8080).is_ok());
    let before = lab.nft_out(&["list", "table", "inet", "homeport"]);
    assert_eq!(apply(&lab, &forwards()).expect("apply"), Applied::Unchanged);
    assert_eq!(lab.nft_out(&["list", "table", "inet", "homeport"]), before, "counters included");
    // Forced, the table is rebuilt to the same rules and elements.
    let (rs, names) = ruleset(&forwards());
    assert_eq!(lab.nft().apply(&rs, &names, true).expect("forced"), Applied::Replaced);
    let stateless = |s: &str| s.lines().filter(|l| !l.contains("packets")).collect::<Vec<_>>().join("\n");
    assert_eq!(stateless(&lab.nft_out(&["list", "table", "inet", "homeport"])), stateless(&before));
    assert!(from_inet(&lab, "tcp", 8080).is_ok());
}

#[test]
fn failing_apply_leaves_the_old_table_working() {
    require_netns!();
    let lab = lab();
    let before = lab.nft().live_digest().expect("digest");
    let mut f = forwards();
    f[1].dest_port = PortRange::parse("54").unwrap();
    let (mut rs, names) = ruleset(&f);
    // A ruleset the kernel refuses, in the element of forward 'dns'.
    rs.text = rs.text.replace(&format!("{SERVER} . 54"), &format!("{SERVER} . 99999"));
    let err = lab.nft().apply(&rs, &names, false).expect_err("must fail");
    let msg = err.to_string();
    assert!(msg.contains("in forward dns"), "{msg}");
    assert_eq!(lab.nft().live_digest().expect("digest"), before);
    assert_eq!(from_inet(&lab, "udp", 5353), Ok(format!("srv 53 {INET_ALLOWED}")));
    assert!(from_inet(&lab, "tcp", 8080).is_ok());
}

/// The commands themselves, run inside the router namespace: `apply` twice (the second
/// leaves the table alone), `rules` prints what was applied, `flush` removes it.
#[test]
fn commands_apply_rules_flush() {
    require_netns!();
    let mut lab = Lab::new();
    let srv = lab.server.clone();
    lab.serve(&srv, "srv", &["tcp/80"]);
    let dir = std::env::temp_dir().join(format!("hp-e2e-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("homeport");
    std::fs::write(
        &cfg,
        format!(
            "config homeport 'main'\n\toption device 'wan0'\n\nconfig forward 'web'\n\toption proto 'tcp'\n\
             \toption src_dport '50080'\n\toption dest_ip '{SERVER}'\n\toption dest_port '80'\n"
        ),
    )
    .unwrap();
    let missing = dir.join("absent");
    let run = |args: &[&str]| {
        let mut c = std::process::Command::new("ip");
        c.args(["netns", "exec", &lab.router]).args(support::runner_words()).arg(support::homeport_bin());
        c.args(args).arg("-c").arg(&cfg);
        if args[0] != "flush" {
            for o in ["--network", "--dhcp", "--firewall"] {
                c.arg(o).arg(&missing);
            }
        }
        let out = c.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&["apply"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("applied: 1 forward(s)"), "{out}");
    assert_eq!(from_inet(&lab, "tcp", 50080), Ok(format!("srv 80 {INET_ALLOWED}")));
    let (code, out, _) = run(&["apply"]);
    assert_eq!((code, out.contains("unchanged")), (Some(0), true), "{out}");
    let (code, rules, _) = run(&["rules"]);
    assert_eq!(code, Some(0));
    let digest = homeport::nft::apply::parse_digest(&rules).expect("digest in rules");
    assert_eq!(lab.nft().live_digest().unwrap(), Some(digest));
    let (code, _, err) = run(&["flush"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!lab.nft_out(&["list", "tables"]).contains("homeport"));
    assert!(from_inet(&lab, "tcp", 50080).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

/// IPv6: DNAT66 to the LAN host's address, as firewall4 does for `family ipv6`
/// redirects; reflection and same-subnet masquerading work as for IPv4.
#[test]
fn ipv6_forwards_translate_to_the_lan_host() {
    require_netns!();
    let mut lab = Lab::new();
    let srv = lab.server.clone();
    lab.serve(&srv, "srv", &["tcp/80", "udp/53", "tcp/8000"]);
    let mut web6 = fwd(0, "web6", Proto::Tcp, "8080", Some(SERVER6), "80");
    web6.family = ForwardFamily::Ipv6;
    let mut dns6 = fwd(1, "dns6", Proto::Udp, "5353", Some(SERVER6), "53");
    dns6.family = ForwardFamily::Ipv6;
    let web4 = fwd(2, "web4", Proto::Tcp, "8080", Some(SERVER), "8000");
    assert_eq!(apply(&lab, &[web6, dns6, web4]).expect("apply"), Applied::Replaced);
    assert_eq!(lab.probe(&lab.inet, "tcp", WAN_IP6, 8080, None), Ok(format!("srv 80 {INET_IP6}")));
    assert_eq!(lab.probe(&lab.inet, "udp", WAN_IP6, 5353, None), Ok(format!("srv 53 {INET_IP6}")));
    // The same port over IPv4 goes to the IPv4 forward.
    assert_eq!(lab.probe(&lab.inet, "tcp", WAN_IP, 8080, None), Ok(format!("srv 8000 {INET_ALLOWED}")));
    // Not forwarded over IPv6, and the server's own address stays closed from outside.
    assert!(lab.probe(&lab.inet, "tcp", WAN_IP6, 8081, None).is_err());
    assert!(lab.probe(&lab.inet, "tcp", SERVER6, 80, None).is_err());
    // Reflection from the same LAN prefix: masqueraded to the router's LAN address.
    assert_eq!(lab.probe(&lab.lan, "tcp", WAN_IP6, 8080, None), Ok(format!("srv 80 {ROUTER_LAN6}")));
}
