//! Golden tests of `homeport doctor`'s sentences: one configuration
//! (`tests/golden/doctor/home.uci`, with the router's network, dhcp and firewall files
//! beside it) and, per case, the facts a router in that situation shows (captured
//! listings, resolver answers, connect outcomes). The findings must equal
//! `tests/golden/doctor/<case>.txt` (and `<case>.json` where one exists).
//! `UPDATE_GOLDEN=1 cargo test --test doctor_golden` rewrites the expected files.

use std::fs;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use homeport::compose;
use homeport::config::Config;
use homeport::diag::Diagnostic;
use homeport::dns::authority::Answer;
use homeport::dns::{DnsError, Transport};
use homeport::doctor::outside::Outside;
use homeport::doctor::{self, Authoritative, Connect, Facts, Probed, Wan};
use homeport::lint::Paths;
use homeport::status::{HostStatus, Status};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/doctor")
}

/// The configuration and its diagnostics (config, then the forward lint), read as
/// `homeport doctor` reads them, with `firewall` as the router's firewall file.
fn setup(firewall: &str) -> (Config, Vec<Diagnostic>) {
    let loaded = compose::load_config(&dir().join("home.uci")).expect("read home.uci");
    let paths = Paths {
        network: dir().join("router.network"),
        dhcp: dir().join("router.dhcp"),
        firewall: dir().join(firewall),
        leases: Vec::new(),
    };
    let (ctx, mut diags) = compose::context(&loaded.config, &paths);
    diags.splice(0..0, loaded.diagnostics.iter().cloned());
    diags.extend(compose::check(&loaded.config.forwards, &ctx));
    (loaded.config, diags)
}

const LIVE: &str = "table inet homeport { # handle 7
	comment \"homeport digest 0123\"
	map dnat4 {
		type inet_proto . inet_service : ipv4_addr . inet_service
		counter
		elements = { tcp . 50443 counter packets 3 bytes 180 comment \"nas\" : 192.168.1.10 . 443,
			     udp . 27015 counter packets 5 bytes 500 comment \"game\" : 192.168.1.20 . 27015 }
	}
}
";

const ARP: &str = "IP address       HW type     Flags       HW address            Mask     Device
192.168.1.10     0x1         0x2         00:11:22:33:44:10     *        br-lan
192.168.1.20     0x1         0x2         00:11:22:33:44:20     *        br-lan
";

fn ip(s: &str) -> IpAddr {
    s.parse().expect("address")
}

fn nas() -> SocketAddr {
    "192.168.1.10:443".parse().expect("socket address")
}

/// A router where everything works: public WAN, the name up to date, both forwards in the
/// live table, the NAS answering, firewall4's includes in place.
fn good() -> Facts {
    let (_, diagnostics) = setup("router.firewall");
    Facts {
        wan: Some(Ok(Wan { device: "eth1".into(), v4: Some("203.0.113.7".parse().expect("v4")), v6: None })),
        status: Some(Status {
            hosts: vec![HostStatus {
                section: "home".into(),
                domains: vec!["myhome.duckdns.org".into()],
                service: "duckdns".into(),
                enabled: true,
                state: "ok".into(),
                wanted_ipv4: Some("203.0.113.7".parse().expect("v4")),
                registered_ipv4: Some("203.0.113.7".parse().expect("v4")),
                last_result: Some("updated (OK)".into()),
                ..HostStatus::default()
            }],
            ..Status::default()
        }),
        names: vec![("myhome.duckdns.org".into(), Ok(vec![ip("203.0.113.7")]))],
        live: Some(Ok(Some(LIVE.into()))),
        neighbours: Some(doctor::parse_arp(ARP)),
        connects: vec![(nas(), Connect::Open)],
        fw4_missing: Some(vec![]),
        upnp: None,
        pinholes: None,
        diagnostics,
        devices: Default::default(),
        outside: None,
        authoritative: Vec::new(),
    }
}

/// The outside probe's answer for the NAS's port 50443.
fn probed(answer: Result<Outside, String>) -> Option<Probed> {
    Some(Probed { host: "echoip.example.net".into(), answers: vec![(50443, answer)] })
}

fn seen(ip: &str, reachable: bool) -> Result<Outside, String> {
    Ok(Outside { ip: ip.parse().expect("address"), port: 50443, reachable })
}

/// myhome.duckdns.org's A record at its two authoritative servers.
fn authorities(first: &str, second: &str) -> Vec<Authoritative> {
    let at = |server: &str, has: &str| Answer { server: server.into(), addrs: Ok(vec![ip(has)]) };
    let answers = Ok(vec![at("ns1.duckdns.org", first), at("ns2.duckdns.org", second)]);
    vec![Authoritative { domain: "myhome.duckdns.org".into(), answers }]
}

/// Cases with nothing to act on (the rest must find a problem).
const FINE: [&str; 4] = ["all_good", "outside_reachable", "outside_no_answer", "authoritative_unknown"];

fn host(f: &mut Facts) -> &mut HostStatus {
    &mut f.status.as_mut().expect("status").hosts[0]
}

fn cases() -> Vec<(&'static str, Vec<String>, Facts)> {
    let all = Vec::new;
    let mut out = vec![("all_good", all(), good())];

    let mut f = good();
    f.wan = Some(Ok(Wan { device: "eth1".into(), v4: Some("100.64.12.34".parse().expect("v4")), v6: None }));
    host(&mut f).state = "blocked".into();
    host(&mut f).wanted_ipv4 = None;
    host(&mut f).error = Some("the WAN address 100.64.12.34 is not public".into());
    out.push(("cgnat", all(), f));

    let mut f = good();
    f.wan = Some(Ok(Wan { device: "eth1".into(), v4: Some("192.168.0.2".parse().expect("v4")), v6: None }));
    f.status.as_mut().expect("status").wan.ipv4_seen_outside = Some("203.0.113.7".parse().expect("v4"));
    out.push(("double_nat", all(), f));

    let mut f = good();
    f.names = vec![("myhome.duckdns.org".into(), Ok(vec![ip("198.51.100.23")]))];
    host(&mut f).registered_ipv4 = Some("198.51.100.23".parse().expect("v4"));
    host(&mut f).state = "pending".into();
    out.push(("old_address", vec!["home".into()], f));

    let mut f = good();
    f.names = vec![("myhome.duckdns.org".into(), Ok(vec![ip("198.51.100.23")]))];
    out.push(("not_propagated", vec!["myhome.duckdns.org".into()], f));

    let mut f = good();
    host(&mut f).state = "stopped".into();
    host(&mut f).last_result = Some("KO".into());
    host(&mut f).error = Some("DuckDNS answered KO: the token or the domain is wrong".into());
    f.names = vec![("myhome.duckdns.org".into(), Err("looking up myhome.duckdns.org: no such name".into()))];
    out.push(("stopped", vec!["home".into()], f));

    let mut f = good();
    f.connects = vec![(nas(), Connect::Refused)];
    out.push(("not_listening", vec!["nas".into()], f));

    let mut f = good();
    f.connects = vec![(nas(), Connect::NoAnswer)];
    f.neighbours =
        Some(doctor::parse_arp(&ARP.replace("0x2         00:11:22:33:44:10", "0x0         00:00:00:00:00:00")));
    out.push(("target_gone", vec!["nas".into()], f));

    let mut f = good();
    f.live = Some(Ok(None));
    f.status = None;
    out.push(("not_running", all(), f));

    let mut f = good();
    f.live = Some(Ok(Some(LIVE.replace("tcp . 50443", "tcp . 50444"))));
    out.push(("not_in_table", vec!["nas".into()], f));

    let mut f = good();
    let zone = homeport::types::UciName::parse("wan").expect("zone");
    let empty = std::env::temp_dir().join(format!("hp-doctor-golden-{}", std::process::id()));
    fs::create_dir_all(&empty).expect("temp dir");
    let mut missing = compose::missing_includes(&empty, &zone);
    let _ = fs::remove_dir(&empty);
    // The directory is a temporary one: name it as on a router.
    for d in &mut missing {
        d.message = d.message.replace(&empty.display().to_string(), "/usr/share/nftables.d");
    }
    f.fw4_missing = Some(missing);
    out.push(("fw4_include_missing", vec!["nas".into()], f));

    let mut f = good();
    f.diagnostics = setup("redirect.firewall").1;
    // The file is the test's: name it as on a router.
    let here = dir().join("redirect.firewall").display().to_string();
    for d in &mut f.diagnostics {
        d.message = d.message.replace(&here, "/etc/config/firewall");
    }
    out.push(("conflicting_redirect", vec!["nas".into()], f));

    let mut f = good();
    f.upnp = Some(
        "table inet fw4 {\n\tchain upnp_prerouting {\n\t\tiif \"eth1\" tcp dport 50443 dnat ip to 192.168.1.50:50443\n\t}\n}\n"
            .into(),
    );
    out.push(("upnp_mapping", vec!["nas".into()], f));

    let mut f = good();
    f.wan = Some(Err("interface 'wan' is down (netifd)".into()));
    out.push(("wan_unknown", vec!["game".into(), "old".into()], f));

    let mut f = good();
    f.outside = probed(seen("203.0.113.7", true));
    out.push(("outside_reachable", vec!["nas".into(), "game".into()], f));

    let mut f = good();
    f.outside = probed(seen("203.0.113.7", false));
    out.push(("outside_blocked", vec!["nas".into()], f));

    let mut f = good();
    f.outside = probed(seen("203.0.113.7", false));
    f.connects = vec![(nas(), Connect::Refused)];
    out.push(("outside_not_listening", vec!["nas".into()], f));

    let mut f = good();
    f.wan = Some(Ok(Wan { device: "eth1".into(), v4: Some("192.168.0.2".parse().expect("v4")), v6: None }));
    f.outside = probed(seen("198.51.100.99", false));
    out.push(("outside_double_nat", vec!["nas".into()], f));

    let mut f = good();
    f.outside = probed(Err("HTTP status 502".into()));
    out.push(("outside_no_answer", vec!["nas".into()], f));

    // The name's record is old at its authoritative servers too: the provider has not
    // got the update.
    let mut f = good();
    f.names = vec![("myhome.duckdns.org".into(), Ok(vec![ip("198.51.100.23")]))];
    f.authoritative = authorities("198.51.100.23", "198.51.100.23");
    host(&mut f).state = "pending".into();
    host(&mut f).registered_ipv4 = Some("198.51.100.23".parse().expect("v4"));
    out.push(("authoritative_old", vec!["home".into()], f));

    // The authoritative servers have the new address, the resolver's cache the old one.
    let mut f = good();
    f.names = vec![("myhome.duckdns.org".into(), Ok(vec![ip("198.51.100.23")]))];
    f.authoritative = authorities("203.0.113.7", "203.0.113.7");
    out.push(("authoritative_propagating", vec!["home".into()], f));

    // One server has it, the other (a secondary behind on its zone transfer) does not.
    let mut f = good();
    f.authoritative = authorities("203.0.113.7", "198.51.100.23");
    out.push(("authoritative_secondary_behind", vec!["home".into()], f));

    let mut f = good();
    let answers = Err(DnsError::Timeout { server: "127.0.0.1:53".parse().expect("addr"), transport: Transport::Udp });
    f.authoritative = vec![Authoritative { domain: "myhome.duckdns.org".into(), answers }];
    out.push(("authoritative_unknown", vec!["home".into()], f));
    out
}

#[test]
fn golden_doctor() {
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let (cfg, _) = setup("router.firewall");
    let mut failures = Vec::new();
    for (name, only, facts) in cases() {
        let findings = doctor::diagnose(&cfg, &facts, &only);
        let mut outputs = vec![("txt", doctor::render_text(&findings))];
        if name == "not_listening" {
            outputs.push(("json", doctor::render_json(&findings) + "\n"));
        }
        for (ext, text) in outputs {
            assert!(!text.contains("s3cr3t"), "{name}: a secret reached the output");
            let path = dir().join(format!("{name}.{ext}"));
            if update {
                fs::write(&path, &text).expect("write golden file");
                continue;
            }
            match fs::read_to_string(&path) {
                Ok(want) if want == text => {}
                Ok(want) => failures.push(format!("{name}.{ext} differs:\n--- want\n{want}--- got\n{text}")),
                Err(e) => failures.push(format!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display())),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn all_good_has_no_problem_and_each_bad_case_has_one() {
    let (cfg, _) = setup("router.firewall");
    for (name, only, facts) in cases() {
        let n = doctor::problems(&doctor::diagnose(&cfg, &facts, &only));
        if FINE.contains(&name) {
            assert_eq!(n, 0, "{name}");
        } else {
            assert!(n > 0, "{name}: no problem found");
        }
    }
}

#[test]
fn json_is_valid_and_carries_every_finding() {
    let (cfg, _) = setup("router.firewall");
    for (name, only, facts) in cases() {
        let findings = doctor::diagnose(&cfg, &facts, &only);
        let v: serde_json::Value = serde_json::from_str(&doctor::render_json(&findings)).expect(name);
        assert_eq!(v["problems"], doctor::problems(&findings), "{name}");
        let listed = v["findings"].as_array().expect("findings");
        assert_eq!(listed.len(), findings.len(), "{name}");
        for (j, f) in listed.iter().zip(&findings) {
            assert_eq!(j["text"], f.text.as_str(), "{name}");
            assert_eq!(j["level"], f.level.word(), "{name}");
        }
    }
}

/// A device forward's IPv6 side (tests/golden/doctor/pinhole.uci: forward 'cam' to a MAC,
/// `family 'ipv6'`): the live pinhole set against the device's stable addresses.
#[test]
fn golden_doctor_pinholes() {
    use homeport::device::resolve::Devices;
    use homeport::netlink::NeighInfo;
    use homeport::types::{Cidr, Mac};
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let loaded = compose::load_config(&dir().join("pinhole.uci")).expect("read pinhole.uci");
    // 2001:db8:1::/64 + the MAC's modified EUI-64 (RFC 4291 Appendix A): a stable address.
    let stable = "2001:db8:1:0:5054:ff:fe12:3456";
    let devices = Devices {
        neighbours: vec![NeighInfo {
            ifindex: 3,
            addr: ip(stable),
            mac: Some(Mac::parse("52:54:00:12:34:56").expect("mac")),
            state: 2,
        }],
        prefixes: vec![(3, Cidr::parse("2001:db8:1::/64").expect("prefix"))],
        ..Devices::default()
    };
    let set = |elements: &str| {
        Some(Ok(Some(format!(
            "table inet fw4 {{\n\tset homeport_pinholes6 {{\n\t\ttype ipv6_addr . ipv6_addr . inet_proto . inet_service\n\
             \t\tflags interval\n\t\tcomment \"homeport: IPv6 pinholes to LAN devices\"\n{elements}\t}}\n}}\n"
        ))))
    };
    let facts = |pinholes, devices: &Devices| Facts { pinholes, devices: devices.clone(), ..Facts::default() };
    let away = Devices { neighbours: vec![], ..devices.clone() };
    let cases = [
        (
            "pinhole_open",
            facts(set(&format!("\t\telements = {{ ::/0 . {stable} . tcp . 443 comment \"cam\" }}\n")), &devices),
        ),
        // Another port of the same address (4430 is not 443), as after a dest_port change.
        (
            "pinhole_missing",
            facts(set(&format!("\t\telements = {{ ::/0 . {stable} . tcp . 4430 comment \"cam\" }}\n")), &devices),
        ),
        ("pinhole_no_set", facts(Some(Ok(None)), &devices)),
        ("pinhole_no_address", facts(set(""), &away)),
    ];
    let mut failures = Vec::new();
    for (name, f) in cases {
        let text = doctor::render_text(&doctor::diagnose(&loaded.config, &f, &[]));
        let path = dir().join(format!("{name}.txt"));
        if update {
            fs::write(&path, &text).expect("write golden file");
        } else if fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            failures.push(format!("{name}.txt differs (UPDATE_GOLDEN=1 rewrites):\n{text}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
