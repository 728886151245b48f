use super::*;
use crate::config::Proto;
use crate::types::AddrMatch;
use crate::uci::{Section, UciOption, Value};

/// A forward named `f<index>` (the plan tests' builder).
fn fwd(index: usize, proto: Proto, ext: &str, dest: Option<&str>, int: &str) -> Forward {
    crate::nft::plan::tests::fwd(index, &format!("f{index}"), proto, ext, dest, int)
}

/// `(type, name, [(option, value)])`.
type SectionSpec<'a> = (&'a str, Option<&'a str>, &'a [(&'a str, &'a str)]);

fn pkg(name: &str, sections: &[SectionSpec]) -> Package {
    Package {
        name: name.into(),
        sections: sections
            .iter()
            .map(|(ty, n, opts)| Section {
                ty: ty.to_string(),
                name: n.map(String::from),
                options: opts
                    .iter()
                    .map(|(o, v)| UciOption { name: o.to_string(), value: Value::Single(v.to_string()), line: 1 })
                    .collect(),
                line: 1,
            })
            .collect(),
    }
}

fn router() -> (Package, Package, Package) {
    let network = pkg(
        "network",
        &[
            ("interface", Some("loopback"), &[("proto", "static"), ("ipaddr", "127.0.0.1"), ("netmask", "255.0.0.0")]),
            (
                "interface",
                Some("lan"),
                &[("device", "br-lan"), ("proto", "static"), ("ipaddr", "192.168.1.1"), ("netmask", "255.255.255.0")],
            ),
            ("interface", Some("guest"), &[("device", "br-guest"), ("proto", "static"), ("ipaddr", "10.9.0.1/24")]),
            ("interface", Some("wan"), &[("proto", "dhcp")]),
            ("interface", Some("wanb"), &[("device", "eth2"), ("proto", "static"), ("ipaddr", "198.51.100.2/24")]),
        ],
    );
    let dhcp = pkg(
        "dhcp",
        &[
            ("host", None, &[("ip", "192.168.1.10"), ("mac", "00:11:22:33:44:55")]),
            ("host", None, &[("ip", "192.168.1.11"), ("enabled", "0")]),
        ],
    );
    let firewall = pkg(
        "firewall",
        &[
            ("zone", None, &[("name", "lan"), ("network", "lan guest")]),
            ("zone", None, &[("name", "wan"), ("network", "wan wan6 wanb")]),
            (
                "redirect",
                None,
                &[("name", "old web"), ("src", "wan"), ("src_dport", "8000-8100"), ("dest_ip", "192.168.1.10")],
            ),
            ("redirect", None, &[("name", "udp only"), ("src", "wan"), ("proto", "udp"), ("src_dport", "9000")]),
            ("redirect", None, &[("name", "off"), ("src", "wan"), ("src_dport", "9100"), ("enabled", "0")]),
            ("redirect", None, &[("name", "lan dns"), ("src", "lan"), ("src_dport", "53")]),
        ],
    );
    (network, dhcp, firewall)
}

fn context() -> Context {
    let (n, d, f) = router();
    let main = MainSettings {
        enabled: true,
        interface: UciName::parse("wan").unwrap(),
        device: None,
        zone: UciName::parse("wan").unwrap(),
        debounce: crate::types::Interval::parse("2s").unwrap(),
        log_level: crate::config::LogLevel::Info,
        probe: None,
        authoritative: false,
    };
    let load = |p: &Path| -> Result<Option<Package>, String> {
        Ok(Some(match p.to_str() {
            Some("/etc/config/network") => n.clone(),
            Some("/etc/config/dhcp") => d.clone(),
            Some("/etc/config/firewall") => f.clone(),
            _ => return Ok(None),
        }))
    };
    let (ctx, diags) = load_context(&main, &Paths::default(), load);
    assert!(diags.is_empty());
    ctx
}

fn messages(forwards: &[Forward]) -> Vec<String> {
    lint(forwards, &context()).iter().map(|d| d.to_string()).collect()
}

#[test]
fn system_sources() {
    let ctx = context();
    let lans: Vec<String> = ctx.lan_subnets.unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(lans, ["10.9.0.0/24", "192.168.1.0/24"]);
    // The second uplink `wanb` is static too, but in the WAN zone: not a LAN device.
    let devs: Vec<String> = ctx.lan_devices.unwrap().iter().map(|d| d.to_string()).collect();
    assert_eq!(devs, ["br-lan", "br-guest"]);
    assert_eq!(ctx.static_leases.unwrap(), ["192.168.1.10".parse::<IpAddr>().unwrap()]);
    assert_eq!(ctx.redirects.len(), 3);
}

#[test]
fn a_clean_forward_says_nothing() {
    assert!(messages(&[fwd(0, Proto::Tcp, "40022", Some("192.168.1.10"), "8022")]).is_empty());
}

#[test]
fn well_known_external_port_says_why_and_what_instead() {
    let m = messages(&[fwd(0, Proto::Tcp, "3389", Some("192.168.1.10"), "3389")]);
    assert_eq!(m.len(), 2, "{m:#?}");
    assert!(m[0].contains("well-known RDP port 3389"), "{}", m[0]);
    assert!(m[0].contains("BlueKeep"));
    assert!(m[0].contains("src_dport 43389 with dest_port 3389"));
    assert!(m[1].contains("remote administration (RDP"), "{}", m[1]);
}

#[test]
fn remote_admin_needs_src_ip_even_on_a_high_port() {
    let mut f = fwd(0, Proto::Tcp, "40022", Some("192.168.1.10"), "22");
    assert_eq!(messages(std::slice::from_ref(&f)).len(), 1);
    f.src_ip = vec![AddrMatch::parse("!203.0.113.0/24").unwrap()];
    assert_eq!(messages(std::slice::from_ref(&f)).len(), 1, "a negation alone does not restrict");
    f.src_ip.push(AddrMatch::parse("198.51.100.0/24").unwrap());
    assert!(messages(&[f]).is_empty());
}

#[test]
fn wide_ranges_are_reported_once() {
    let m = messages(&[fwd(0, Proto::Tcp, "1-1024", Some("192.168.1.10"), "1-1024")]);
    assert_eq!(m.iter().filter(|m| m.contains("option 'src_dport'")).count(), 1);
}

#[test]
fn target_outside_lan_and_without_lease() {
    let m = messages(&[fwd(0, Proto::Udp, "40000", Some("172.16.0.5"), "4000")]);
    assert_eq!(m.len(), 2, "{m:#?}");
    assert!(m[0].contains("'172.16.0.5' is not inside any LAN subnet (LAN: 10.9.0.0/24, 192.168.1.0/24)"), "{}", m[0]);
    assert!(m[1].contains("no static lease in /etc/config/dhcp"), "{}", m[1]);
    // A disabled lease does not count.
    let m = messages(&[fwd(0, Proto::Udp, "40000", Some("192.168.1.11"), "4000")]);
    assert_eq!(m.len(), 1);
}

#[test]
fn overlap_with_firewall_redirects() {
    let m = messages(&[fwd(0, Proto::Tcp, "8080", Some("192.168.1.10"), "80")]);
    assert!(m.iter().any(|m| m.contains("overlaps firewall redirect @redirect[0] ('old web')")), "{m:#?}");
    // Protocol must intersect; disabled and other-zone redirects do not count.
    assert!(messages(&[fwd(0, Proto::Tcp, "9000", Some("192.168.1.10"), "9000")]).is_empty());
    assert_eq!(messages(&[fwd(0, Proto::Udp, "9000", Some("192.168.1.10"), "9000")]).len(), 1);
    assert!(messages(&[fwd(0, Proto::Tcp, "9100", Some("192.168.1.10"), "9100")]).is_empty());
}

#[test]
fn missing_sources_skip_their_checks() {
    let ctx = Context::default();
    assert!(lint(&[fwd(0, Proto::Udp, "40000", Some("172.16.0.5"), "4000")], &ctx).is_empty());
}

#[test]
fn luci_on_the_router_is_remote_admin() {
    let m = messages(&[fwd(0, Proto::Tcp, "48443", None, "443")]);
    assert_eq!(m.len(), 1);
    assert!(m[0].contains("the router's web interface port 443 on the router"), "{}", m[0]);
    assert!(messages(&[fwd(0, Proto::Tcp, "48443", Some("192.168.1.10"), "443")]).is_empty());
}

#[test]
fn advice_for_a_differing_service_port_keeps_the_internal_port() {
    // 8443 -> 443: the external port moves, the internal one stays 443 (issue 12 item 11).
    let m = messages(&[fwd(0, Proto::Tcp, "8443", Some("192.168.1.10"), "443")]);
    let advice = m.iter().find(|m| m.contains("well-known HTTPS-alt port 8443")).expect("8443 warned about");
    assert!(advice.contains("src_dport 48443 with dest_port 443"), "{advice}");
    assert!(!advice.contains("dest_port 8443"), "{advice}");
    // A range shifts each port by the same offset: 3389 of 3380-3390 -> 7389 of 7380-7390.
    let m = messages(&[fwd(0, Proto::Tcp, "3380-3390", Some("192.168.1.10"), "7380-7390")]);
    let advice = m.iter().find(|m| m.contains("port 3389 to the internet")).expect("3389 warned about");
    assert!(advice.contains("move the external range away from it"), "{advice}");
    assert_eq!(internal_port(&fwd(0, Proto::Tcp, "3380-3390", None, "7380-7390"), 3389), 7389);
    assert_eq!(internal_port(&fwd(0, Proto::Tcp, "3380-3390", None, "22"), 3389), 22);
}

#[test]
fn an_allow_list_means_scanners_do_not_reach_the_port() {
    let mut f = fwd(0, Proto::Tcp, "8443", Some("192.168.1.10"), "443");
    assert!(messages(std::slice::from_ref(&f)).iter().any(|m| m.contains("scanners")));
    f.src_ip = vec![AddrMatch::parse("!203.0.113.7").unwrap()];
    assert!(messages(std::slice::from_ref(&f)).iter().any(|m| m.contains("scanners")), "exclusions alone do not limit");
    f.src_ip = vec![AddrMatch::parse("0.0.0.0/0").unwrap()];
    assert!(messages(std::slice::from_ref(&f)).iter().any(|m| m.contains("scanners")), "0.0.0.0/0 is everyone");
    f.src_ip = vec![AddrMatch::parse("198.51.100.0/24").unwrap()];
    assert_eq!(messages(&[f]), Vec::<String>::new());
}
