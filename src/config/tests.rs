//! Unit tests of [`build`] on hand-built packages; the end-to-end cases from UCI text are
//! the golden tests under tests/golden/config/.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;
use crate::uci::{Package, Section, UciOption, Value};

fn sec(ty: &str, name: Option<&str>, opts: &[(&str, &str)]) -> Section {
    Section {
        ty: ty.into(),
        name: name.map(Into::into),
        options: opts
            .iter()
            .enumerate()
            .map(|(i, (n, v))| UciOption { name: n.to_string(), value: Value::Single(v.to_string()), line: i + 2 })
            .collect(),
        line: 1,
    }
}

fn with_list(mut s: Section, name: &str, items: &[&str]) -> Section {
    s.options.push(UciOption {
        name: name.into(),
        value: Value::List(items.iter().map(|i| i.to_string()).collect()),
        line: 99,
    });
    s
}

fn run(sections: Vec<Section>) -> (Config, Vec<String>) {
    let (c, d) = build(&Package { name: "homeport".into(), sections });
    (c, d.iter().map(ToString::to_string).collect())
}

#[test]
fn empty_package_gives_defaults() {
    let (c, d) = run(vec![]);
    assert!(d.is_empty());
    assert_eq!(c.main, MainSettings::default());
    assert_eq!(c.main.interface.as_str(), "wan");
    assert_eq!(c.main.zone.as_str(), "wan");
    assert_eq!(c.main.debounce.secs(), 2);
    assert!(c.main.enabled);
}

#[test]
fn main_section_options() {
    let (c, d) = run(vec![sec(
        "homeport",
        Some("main"),
        &[
            ("enabled", "no"),
            ("interface", "wan6"),
            ("device", "pppoe-wan"),
            ("debounce", "5s"),
            ("log_level", "debug"),
        ],
    )]);
    assert!(d.is_empty(), "{d:?}");
    assert!(!c.main.enabled);
    assert_eq!(c.main.interface.as_str(), "wan6");
    assert_eq!(c.main.device.unwrap().as_str(), "pppoe-wan");
    assert_eq!(c.main.debounce.secs(), 5);
    assert_eq!(c.main.log_level, LogLevel::Debug);
}

#[test]
fn bad_main_option_costs_that_option_only() {
    // Issue 12 item 4: a debounce of 15m used to void the whole section, dropping the
    // chosen log level, interface, device and zone.
    let (c, d) = run(vec![sec(
        "homeport",
        Some("main"),
        &[
            ("interface", "wan6"),
            ("device", "pppoe-wan"),
            ("zone", "wan2"),
            ("debounce", "15m"),
            ("log_level", "debug"),
        ],
    )]);
    assert_eq!(c.main.interface.as_str(), "wan6");
    assert_eq!(c.main.device.as_ref().map(|x| x.as_str()), Some("pppoe-wan"));
    assert_eq!(c.main.zone.as_str(), "wan2");
    assert_eq!(c.main.log_level, LogLevel::Debug);
    assert_eq!(c.main.debounce, MainSettings::default().debounce);
    assert_eq!(
        d,
        ["warning: section @homeport[0] ('main'): option 'debounce': '15m' is longer than 10m; using the default '2s'"]
    );
}

#[test]
fn every_bad_main_option_falls_back_alone() {
    let (c, d) = run(vec![sec(
        "homeport",
        Some("main"),
        &[("interface", "wan-1"), ("device", "eth0:1"), ("debounce", "5s"), ("log_level", "verbose")],
    )]);
    assert_eq!(c.main, MainSettings { debounce: Interval::from_secs(5), ..MainSettings::default() });
    assert_eq!(
        d,
        [
            "warning: section @homeport[0] ('main'): option 'interface': 'wan-1' is not a name (letters, digits and '_' only); using the default 'wan'",
            "warning: section @homeport[0] ('main'): option 'device': 'eth0:1' is not a network device name (1-15 characters, no '/', ':', '*', quotes or spaces); ignored",
            "warning: section @homeport[0] ('main'): option 'log_level': 'verbose' is not a log level (error, warning, notice, info, debug, or 0-7); using the default 'info'",
        ]
    );
}

/// `probe_url` (docs/doctor.md, "From outside"): https unless `use_https '0'`, as a
/// ddns section's URLs, read by the same code (a bad value is an error, costing that
/// option only); unset, there is no probe.
#[test]
fn probe_url_https_unless_use_https_0() {
    let probe = |opts: &[(&str, &str)]| {
        let (c, d) = run(vec![sec("homeport", Some("main"), opts)]);
        (c.main.probe, d)
    };
    assert_eq!(probe(&[]), (None, vec![]));
    let (p, d) = probe(&[("probe_url", "https://echo.example.net/echoip/"), ("cacert", "/etc/ssl/my-ca.pem")]);
    assert_eq!(
        p,
        Some(Probe {
            url: "https://echo.example.net/echoip".into(),
            plain_http: false,
            cacert: Some("/etc/ssl/my-ca.pem".into())
        })
    );
    assert!(d.is_empty(), "{d:?}");
    let (p, d) = probe(&[("probe_url", "http://echo.example.net")]);
    assert_eq!(p.map(|p| p.url), Some("https://echo.example.net".to_string()));
    assert_eq!(
        d,
        [
            "warning: section @homeport[0] ('main'): option 'probe_url': is plain http://; using https:// because use_https is on"
        ]
    );
    let (p, d) = probe(&[("probe_url", "http://echo.example.net"), ("use_https", "0")]);
    assert_eq!(p.map(|p| (p.url, p.plain_http)), Some(("http://echo.example.net".to_string(), true)));
    assert!(d.is_empty(), "{d:?}");
    for (opt, bad) in [("probe_url", "https://echo.example.net/?x=1"), ("probe_url", "ftp://x"), ("cacert", "ignore")] {
        let good = ("probe_url", "https://echo.example.net");
        let (p, d) = if opt == "probe_url" { probe(&[(opt, bad)]) } else { probe(&[good, (opt, bad)]) };
        assert_eq!(p.is_some(), opt == "cacert", "{opt} {bad}");
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].starts_with(&format!("error: section @homeport[0] ('main'): option '{opt}'")), "{d:?}");
    }
}

#[test]
fn second_main_section_is_an_error() {
    let (_, d) = run(vec![sec("homeport", Some("main"), &[]), sec("homeport", None, &[])]);
    assert_eq!(d.len(), 1);
    assert!(d[0].starts_with("error: section @homeport[1]: is a second 'homeport' section"), "{d:?}");
}

#[test]
fn forward_defaults_follow_firewall4() {
    let (c, d) = run(vec![sec("forward", Some("web"), &[("src_dport", "8443"), ("dest_ip", "192.168.1.10")])]);
    assert!(d.is_empty(), "{d:?}");
    let f = &c.forwards[0];
    assert_eq!(f.name, "web");
    assert!(f.enabled && f.reflection);
    assert_eq!(f.proto, Proto::Tcpudp);
    assert_eq!(f.dest_port, f.src_dport);
    assert_eq!(f.family, ForwardFamily::Ipv4);
}

#[test]
fn forward_name_falls_back_to_the_index() {
    let (c, _) =
        run(vec![sec("forward", None, &[("src_dport", "1000")]), sec("forward", None, &[("src_dport", "1001")])]);
    assert_eq!(c.forwards[1].name, "@forward[1]");
    assert_eq!(c.forwards[1].family, ForwardFamily::Ipv4);
    assert_eq!(c.forwards[1].dest_ip, None);
}

#[test]
fn forward_family_resolution() {
    let fam = |opts: &[(&str, &str)]| {
        let (c, d) = run(vec![sec("forward", Some("f"), opts)]);
        c.forwards.first().map(|f| f.family).ok_or(d)
    };
    use ForwardFamily::*;
    assert_eq!(fam(&[("src_dport", "80")]), Ok(Ipv4));
    assert_eq!(fam(&[("src_dport", "80"), ("family", "any")]), Ok(Any));
    assert_eq!(fam(&[("src_dport", "80"), ("dest_ip", "2001:db8::5")]), Ok(Ipv6));
    assert_eq!(fam(&[("src_dport", "80"), ("dest_ip", "192.168.1.5"), ("family", "any")]), Ok(Ipv4));
    assert_eq!(fam(&[("src_dport", "80"), ("src_ip", "2001:db8::/32"), ("family", "any")]), Ok(Ipv6));
    assert_eq!(fam(&[("src_dport", "80"), ("src_ip", "2001:db8::/32 198.51.100.0/24")]), Ok(Any));
    let err = fam(&[("src_dport", "80"), ("dest_ip", "2001:db8::5"), ("family", "ipv4")]).unwrap_err();
    assert!(err[0].contains("'2001:db8::5' is an IPv6 address, but family is 'ipv4'"), "{err:?}");
    let err = fam(&[("src_dport", "80"), ("dest_ip", "192.168.1.5"), ("src_ip", "2001:db8::/32")]).unwrap_err();
    assert!(err[0].contains("'2001:db8::/32' is IPv6, but this forward is IPv4 only: dest_ip 192.168.1.5 is IPv4"));
}

#[test]
fn forward_ports() {
    let one = |opts: &[(&str, &str)]| {
        let (c, d) = run(vec![sec("forward", Some("f"), opts)]);
        c.forwards.first().map(|f| (f.src_dport.to_string(), f.dest_port.to_string())).ok_or(d)
    };
    assert_eq!(one(&[("src_dport", "6000-6010")]), Ok(("6000-6010".into(), "6000-6010".into())));
    assert_eq!(
        one(&[("src_dport", "6000:6010"), ("dest_port", "7000-7010")]),
        Ok(("6000-6010".into(), "7000-7010".into()))
    );
    // One internal port for a range of external ones: refused here, as the ruleset
    // (nft::plan) refuses it, so that `homeport schema` and LuCI see the rule.
    let e = one(&[("src_dport", "6000-6010"), ("dest_port", "80")]).unwrap_err();
    assert!(e[0].contains("'80' is one port but src_dport '6000-6010' is a range"), "{e:?}");
    assert_eq!(one(&[("src_dport", "6000"), ("dest_port", "80")]), Ok(("6000".into(), "80".into())));
    let e = one(&[("src_dport", "6000-6010"), ("dest_port", "7000-7001")]).unwrap_err();
    assert!(e[0].contains("'7000-7001' is a range of 2 ports but src_dport '6000-6010' has 11"), "{e:?}");
    let e = one(&[("src_dport", "70000")]).unwrap_err();
    assert_eq!(e[0], "error: section @forward[0] ('f'): option 'src_dport': '70000' is not a port (1-65535)");
    assert_eq!(e[1], "warning: section @forward[0] ('f'): skipped due to invalid options");
    let e = one(&[("dest_ip", "192.168.1.2")]).unwrap_err();
    assert!(e[0].contains("option 'src_dport': is required"), "{e:?}");
    let e = one(&[("src_dport", "!22")]).unwrap_err();
    assert!(e[0].contains("is negated"), "{e:?}");
}

#[test]
fn forward_proto_spellings() {
    let p = |v: Value| {
        let mut s = sec("forward", Some("f"), &[("src_dport", "53")]);
        s.options.push(UciOption { name: "proto".into(), value: v, line: 5 });
        let (c, d) = build(&Package { name: "homeport".into(), sections: vec![s] });
        c.forwards.first().map(|f| f.proto).ok_or(d)
    };
    assert_eq!(p(Value::Single("tcp".into())), Ok(Proto::Tcp));
    assert_eq!(p(Value::Single("UDP".into())), Ok(Proto::Udp));
    assert_eq!(p(Value::Single("tcp udp".into())), Ok(Proto::Tcpudp));
    assert_eq!(p(Value::List(vec!["udp".into(), "tcp".into()])), Ok(Proto::Tcpudp));
    assert!(p(Value::Single("icmp".into())).is_err());
}

#[test]
fn forward_dest_ip_must_be_a_reachable_host() {
    for bad in
        ["0.0.0.0", "127.0.0.1", "224.0.0.1", "255.255.255.255", "fe80::1", "::ffff:192.0.2.1", "10.0.0.0/8", "host"]
    {
        let (c, d) = run(vec![sec("forward", Some("f"), &[("src_dport", "80"), ("dest_ip", bad)])]);
        assert!(c.forwards.is_empty(), "{bad}");
        assert!(d[0].contains("option 'dest_ip'"), "{bad}: {d:?}");
    }
    let (c, _) = run(vec![sec("forward", Some("f"), &[("src_dport", "80"), ("dest_ip", "192.168.1.7/32")])]);
    assert_eq!(c.forwards[0].dest_ip, Some("192.168.1.7".parse().unwrap()));
}

#[test]
fn src_ip_list_with_negation() {
    let s =
        with_list(sec("forward", Some("f"), &[("src_dport", "22")]), "src_ip", &["198.51.100.0/24", "!198.51.100.7"]);
    let (c, d) = run(vec![s]);
    assert!(d.is_empty(), "{d:?}");
    let got: Vec<String> = c.forwards[0].src_ip.iter().map(ToString::to_string).collect();
    assert_eq!(got, ["198.51.100.0/24", "!198.51.100.7"]);
}

#[test]
fn forward_name_is_checked_text() {
    let (c, d) = run(vec![sec("forward", Some("f"), &[("src_dport", "22"), ("name", "a\nb")])]);
    assert!(c.forwards.is_empty());
    assert_eq!(
        d[0],
        "error: section @forward[0] ('f'): option 'name': 'a\\nb' contains control or invisible characters"
    );
    // A Unicode line separator breaks a line as surely as '\n' does.
    let (c, d) = run(vec![sec("forward", Some("f"), &[("src_dport", "22"), ("name", "a\u{2028}b")])]);
    assert!(c.forwards.is_empty());
    assert!(d[0].ends_with("'a\\u{2028}b' contains control or invisible characters"), "{d:?}");
}

#[test]
fn a_bad_section_among_good_ones() {
    let (c, d) = run(vec![
        sec("forward", Some("a"), &[("src_dport", "1000")]),
        sec("forward", Some("b"), &[("src_dport", "x")]),
        sec("forward", Some("c"), &[("src_dport", "1002")]),
    ]);
    let names: Vec<&str> = c.forwards.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a", "c"]);
    assert_eq!(d.len(), 2);
    assert!(d[0].starts_with("error: section @forward[1] ('b'): option 'src_dport': 'x'"));
}

#[test]
fn duplicates() {
    let (c, d) = run(vec![
        sec("forward", Some("a"), &[("src_dport", "1000"), ("name", "same")]),
        sec("forward", Some("b"), &[("src_dport", "1001"), ("name", "same")]),
        sec("ddns", Some("a"), &[("service", "duckdns"), ("domain", "x"), ("password", "t")]),
    ]);
    assert_eq!(c.forwards.len(), 2);
    assert!(c.ddns.is_empty());
    assert_eq!(
        d,
        [
            "warning: section @forward[1] ('b'): has the same name 'same' as section @forward[0] ('a'); logs and status will not tell them apart",
            "error: section @ddns[0] ('a'): has the same name as section @forward[0] ('a'); section names must be unique, this one is skipped",
        ]
    );
}

#[test]
fn unknown_options_and_types_are_warnings_without_values() {
    let (c, d) = run(vec![
        sec("forward", Some("f"), &[("src_dport", "22"), ("dest_prot", "22"), ("src", "wan"), ("pasword", "hunter2")]),
        sec("service", Some("s"), &[]),
        sec("fowrard", None, &[]),
    ]);
    assert_eq!(c.forwards.len(), 1);
    assert_eq!(
        d,
        [
            "warning: section @forward[0] ('f'): option 'dest_prot': unknown option, ignored (did you mean 'dest_port'?)",
            "warning: section @forward[0] ('f'): option 'src': unknown option, ignored (forwards always come in from the WAN zone set by 'zone' in the main section)",
            "warning: section @forward[0] ('f'): option 'pasword': unknown option, ignored",
            "warning: section @service[0] ('s'): unknown section type, ignored (ddns-scripts calls these 'service'; homeport's are 'ddns')",
            "warning: section @fowrard[0]: unknown section type, ignored (did you mean 'forward'?)",
        ]
    );
}

fn ddns(opts: &[(&str, &str)]) -> Result<(DdnsHost, Vec<String>), Vec<String>> {
    let (c, d) = run(vec![sec("ddns", Some("h"), opts)]);
    match c.ddns.into_iter().next() {
        Some(h) => Ok((h, d)),
        None => Err(d),
    }
}

#[test]
fn ddns_defaults() {
    let (h, d) = ddns(&[("service", "duckdns.org"), ("domain", "myhome"), ("password", "tok")]).unwrap();
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(h.service, Service::Duckdns);
    assert!(h.enabled && h.use_https && !h.allow_private);
    assert_eq!(h.family, AddrFamily::Ipv4);
    assert_eq!(h.ip_source, IpSource::Interface);
    assert_eq!((h.check_interval.secs(), h.force_interval.secs(), h.retry_interval.secs()), (600, 259_200, 60));
    assert_eq!(h.password.unwrap().expose(), "tok");
}

/// The builder tests use gives what the parser gives a section that sets only the
/// required options.
#[test]
fn ddns_new_for_has_the_parser_defaults() {
    let (mut parsed, _) = ddns(&[("service", "duckdns.org"), ("domain", "myhome"), ("password", "tok")]).unwrap();
    parsed.password = None;
    let built =
        DdnsHost { section: parsed.section.clone(), ..DdnsHost::new_for(Service::Duckdns, parsed.domains.clone()) };
    assert_eq!(format!("{built:?}"), format!("{parsed:?}"));
}

#[test]
fn ddns_required_options_per_service() {
    let e = ddns(&[("service", "dyndns2"), ("domain", "a.example")]).unwrap_err();
    let opts: Vec<&str> = e.iter().filter_map(|l| l.split("option '").nth(1)?.split('\'').next()).collect();
    assert_eq!(opts, ["username", "password", "server"], "{e:?}");
    let e = ddns(&[("service", "cloudflare"), ("domain", "a.example")]).unwrap_err();
    assert!(e[0].ends_with("option 'password': is required for service 'cloudflare': the API token"), "{e:?}");
    let e = ddns(&[("service", "noip"), ("password", "p"), ("username", "u")]).unwrap_err();
    assert!(e[0].contains("option 'domain': is required"), "{e:?}");
    let e = ddns(&[("domain", "a.example")]).unwrap_err();
    assert!(e[0].contains("option 'service': is required (one of: dyndns2, noip,"), "{e:?}");
    let e = ddns(&[("service", "nope"), ("domain", "a.example")]).unwrap_err();
    assert!(e[0].contains("'nope' is not a known service"), "{e:?}");
}

#[test]
fn ddns_secrets_never_appear() {
    let e =
        ddns(&[("service", "duckdns"), ("domain", "x"), ("password", "hunter2\u{7}"), ("use_https", "0")]).unwrap_err();
    assert!(e.iter().all(|l| !l.contains("hunter2")), "{e:?}");
    assert!(e[0].ends_with("option 'password': contains control characters"), "{e:?}");
    let e = ddns(&[
        ("service", "custom"),
        ("domain", "x.example"),
        ("update_url", "https://x.example/u/hunter2?ip=[IPV4]"),
        ("key_secret", "hunter2!"),
    ])
    .unwrap_err();
    assert!(e.iter().all(|l| !l.contains("hunter2")), "{e:?}");
}

#[test]
fn update_url_is_redacted_in_debug_and_json() {
    let (h, _) = ddns(&[
        ("service", "custom"),
        ("domain", "x.example"),
        ("update_url", "https://me:hunter2@x.example/u/hunter2?token=hunter2&ip=[IP]"),
    ])
    .unwrap();
    assert!(h.update_url.as_deref().is_some_and(|u| u.contains("hunter2")), "the value itself is kept");
    let debug = format!("{h:?} {h:#?}");
    let json = serde_json::to_string(&h).unwrap();
    for shown in [&debug, &json] {
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("https://***@x.example/***"), "{shown}");
    }
}

#[test]
fn ddns_plain_http_needs_explicit_choice() {
    let (h, d) =
        ddns(&[("service", "custom"), ("domain", "x.example"), ("update_url", "http://x.example/u?ip=[IP]")]).unwrap();
    assert_eq!(h.update_url.as_deref(), Some("https://x.example/u?ip=[IP]"));
    assert_eq!(
        d,
        [
            "warning: section @ddns[0] ('h'): option 'update_url': is plain http://; using https:// because use_https is on"
        ]
    );
    let (h, d) = ddns(&[
        ("service", "custom"),
        ("domain", "x.example"),
        ("update_url", "http://x.example/u?ip=[IP]"),
        ("use_https", "off"),
    ])
    .unwrap();
    assert_eq!(h.update_url.as_deref(), Some("http://x.example/u?ip=[IP]"));
    assert!(!h.use_https);
    assert_eq!(d.len(), 1);
    assert!(d[0].starts_with("warning: section @ddns[0] ('h'): option 'use_https': '0' plain HTTP"), "{d:?}");
}

#[test]
fn ddns_scripts_spellings() {
    let (h, d) = ddns(&[
        ("service_name", "afraid.org-v2-token"),
        ("domain", "a.example"),
        ("password", "tok"),
        ("use_ipv6", "1"),
        ("ip_source", "network"),
        ("check_interval", "15"),
        ("check_unit", "minutes"),
        ("force_interval", "2"),
        ("force_unit", "days"),
        ("upd_privateip", "1"),
    ])
    .unwrap();
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(h.service, Service::Freedns);
    assert_eq!(h.family, AddrFamily::Ipv6);
    assert_eq!(h.ip_source, IpSource::Interface);
    assert_eq!(h.check_interval.secs(), 900);
    assert_eq!(h.force_interval.secs(), 172_800);
    assert!(h.allow_private);
}

#[test]
fn ddns_intervals() {
    let base = [("service", "he"), ("domain", "a.example"), ("password", "k")];
    let with = |extra: &[(&str, &str)]| {
        let mut o = base.to_vec();
        o.extend_from_slice(extra);
        ddns(&o)
    };
    let (h, d) = with(&[("check_interval", "5s"), ("force_interval", "0"), ("retry_interval", "90s")]).unwrap();
    assert_eq!((h.check_interval.secs(), h.force_interval.secs(), h.retry_interval.secs()), (30, 0, 90));
    assert_eq!(d, ["warning: section @ddns[0] ('h'): option 'check_interval': '5s' is shorter than 30s; using 30s"]);
    let (h, _) = with(&[("force_interval", "10m")]).unwrap();
    assert_eq!(h.force_interval.secs(), 3600);
    let e = with(&[("check_interval", "10m"), ("check_unit", "minutes")]).unwrap_err();
    assert!(e[0].contains("has its own unit, and check_unit is set too"), "{e:?}");
    let e = with(&[("retry_interval", "soon")]).unwrap_err();
    assert!(e[0].contains("'soon' is not a duration"), "{e:?}");
}

#[test]
fn rfc2136() {
    let key = "c2VjcmV0LWtleS1ieXRlcy0xMjM0NTY3ODkwYWJjZGVm";
    let (h, d) = ddns(&[
        ("service", "rfc2136"),
        ("domain", "home.example.org"),
        ("server", "192.0.2.53"),
        ("key_name", "homeport-key"),
        ("key_secret", key),
        ("key_algorithm", "hmac-sha512"),
        ("zone", "example.org"),
    ])
    .unwrap();
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(h.key_algorithm, TsigAlgorithm::HmacSha512);
    assert_eq!(h.key_secret.unwrap().expose(), key);
    // ddns-scripts' nsupdate spelling.
    let (h, _) = ddns(&[
        ("service", "nsupdate"),
        ("domain", "home.example.org"),
        ("dns_server", "ns1.example.org"),
        ("username", "k1"),
        ("password", key),
    ])
    .unwrap();
    assert_eq!(h.server.unwrap().to_string(), "ns1.example.org");
    assert_eq!(h.key_name.unwrap().as_str(), "k1");
    assert_eq!(h.key_algorithm, TsigAlgorithm::HmacSha256);
    let e = ddns(&[("service", "rfc2136"), ("domain", "h.example.org")]).unwrap_err();
    let opts: Vec<&str> = e.iter().filter_map(|l| l.split("option '").nth(1)?.split('\'').next()).collect();
    assert_eq!(opts, ["server", "key_name", "key_secret"], "{e:?}");
    let e = ddns(&[
        ("service", "rfc2136"),
        ("domain", "h.example.net"),
        ("server", "ns"),
        ("key_name", "k"),
        ("key_secret", "bm90IGJhc2U2NA=="),
        ("key_algorithm", "hmac-md5"),
        ("zone", "example.org"),
    ])
    .unwrap_err();
    assert!(e[0].contains("'hmac-md5' is not supported"), "{e:?}");
    assert!(e[1].contains("'example.org' does not contain domain 'h.example.net'"), "{e:?}");
    let e = ddns(&[
        ("service", "rfc2136"),
        ("domain", "h.example"),
        ("server", "ns"),
        ("key_name", "k"),
        ("key_secret", "xx!"),
    ])
    .unwrap_err();
    assert!(e[0].ends_with("option 'key_secret': is not a base64 key (as tsig-keygen writes it)"), "{e:?}");
}

#[test]
fn custom_placeholders() {
    let e = ddns(&[
        ("service", "custom"),
        ("domain", "a.example"),
        ("update_url", "https://u.example/?u=[USERNAME]&p=[PASSWORD]"),
    ])
    .unwrap_err();
    let opts: Vec<&str> = e.iter().filter_map(|l| l.split("option '").nth(1)?.split('\'').next()).collect();
    assert_eq!(opts, ["username", "password", "update_url"], "{e:?}");
    let e = ddns(&[
        ("service", "custom"),
        ("domain", "a.example"),
        ("update_url", "https://u.example/?ip=[IP]"),
        ("family", "both"),
    ])
    .unwrap_err();
    assert!(e[0].contains("needs both [IP] and [IP6]"), "{e:?}");
}

#[test]
fn overlapping_ddns_sections() {
    let (c, d) = run(vec![
        sec("ddns", Some("a"), &[("service", "he"), ("domain", "h.example"), ("password", "k"), ("family", "both")]),
        sec("ddns", Some("b"), &[("service", "he"), ("domain", "h.example"), ("password", "k"), ("family", "ipv6")]),
        sec("ddns", Some("c"), &[("service", "he"), ("domain", "h.example"), ("password", "k"), ("enabled", "0")]),
    ]);
    assert_eq!(c.ddns.len(), 2);
    assert_eq!(
        d,
        [
            "error: section @ddns[1] ('b'): option 'domain': 'h.example' is also updated by section @ddns[0] ('a') for IPv6; the two would overwrite each other",
            "warning: section @ddns[1] ('b'): skipped due to invalid options",
        ]
    );
}

#[test]
fn boolean_spellings_everywhere() {
    for (v, want) in [("1", true), ("on", true), ("Enabled", true), ("0", false), ("off", false), ("disabled", false)] {
        let (c, d) = run(vec![sec("forward", Some("f"), &[("src_dport", "1"), ("enabled", v), ("reflection", v)])]);
        assert!(d.is_empty());
        assert_eq!((c.forwards[0].enabled, c.forwards[0].reflection), (want, want), "{v}");
    }
    let (_, d) = run(vec![sec("forward", Some("f"), &[("src_dport", "1"), ("enabled", "maybe")])]);
    assert!(d[0].contains("'maybe' is not a boolean (1/0, yes/no, on/off, true/false, enabled/disabled)"));
}

#[test]
fn forward_device_targets() {
    use crate::device::{Device, HostName};
    use crate::types::Mac;
    let (c, d) = run(vec![
        sec("forward", Some("nas"), &[("src_dport", "8443"), ("dest_mac", "AA:BB:CC:00:11:22")]),
        sec("forward", Some("cam"), &[("src_dport", "8554"), ("dest_host", "Cam-1")]),
    ]);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(c.forwards[0].dest_device, Some(Device::Mac(Mac([0xaa, 0xbb, 0xcc, 0, 0x11, 0x22]))));
    assert_eq!(c.forwards[1].dest_device, Some(Device::Host(HostName::parse("cam-1").unwrap())));
    assert_eq!((c.forwards[0].dest_ip, c.forwards[0].family), (None, ForwardFamily::Ipv4));
}

#[test]
fn forward_has_one_target_and_device_targets_are_ipv4_by_default() {
    let (c, d) = run(vec![
        sec(
            "forward",
            Some("a"),
            &[("src_dport", "80"), ("dest_ip", "192.168.1.5"), ("dest_mac", "aa:bb:cc:00:11:22")],
        ),
        sec("forward", Some("b"), &[("src_dport", "81"), ("dest_mac", "aa:bb:cc:00:11:22"), ("dest_host", "nas")]),
        sec("forward", Some("c"), &[("src_dport", "82"), ("dest_mac", "01:00:5e:00:00:01")]),
        sec("forward", Some("d"), &[("src_dport", "83"), ("dest_host", "nas"), ("family", "both")]),
        sec("forward", Some("e"), &[("src_dport", "84"), ("dest_host", "bad name")]),
        sec("forward", Some("f"), &[("src_dport", "85"), ("dest_host", "nas"), ("src_ip", "2001:db8::/32")]),
    ]);
    // An explicit family opens the IPv6 side (a pinhole); unset stays IPv4 only.
    assert_eq!(c.forwards.len(), 1, "{:?}", c.forwards);
    assert_eq!((c.forwards[0].name.as_str(), c.forwards[0].family), ("d", ForwardFamily::Any));
    let want = [
        "section @forward[0] ('a'): option 'dest_mac': 'aa:bb:cc:00:11:22' conflicts with dest_ip",
        "section @forward[1] ('b'): option 'dest_host': 'nas' conflicts with dest_mac",
        "section @forward[2] ('c'): option 'dest_mac': '01:00:5e:00:00:01' is a multicast",
        "section @forward[4] ('e'): option 'dest_host': 'bad name' is not a DHCP host name",
        "section @forward[5] ('f'): option 'src_ip': '2001:db8::/32' is IPv6, but this forward is IPv4 only",
    ];
    // Each error is followed by the "skipped" line of its section.
    let errors: Vec<&String> = d.iter().filter(|m| m.starts_with("error")).collect();
    assert_eq!(errors.len(), want.len(), "{d:#?}");
    for (got, want) in errors.into_iter().zip(want) {
        assert!(got.contains(want), "{got}\n  wants {want}");
    }
}

#[test]
fn ddns_ip_source_device() {
    use crate::device::{Device, HostName};
    let base = [("service", "he"), ("domain", "nas.example"), ("password", "k")];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut o: Vec<(&str, &str)> = base.to_vec();
        o.extend_from_slice(extra);
        run(vec![sec("ddns", Some("nas"), &o)])
    };
    let (c, d) = with(&[("family", "both"), ("ip_source", "device"), ("ip_device", "AA:BB:CC:00:11:22")]);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(c.ddns[0].ip_source, IpSource::Device);
    assert_eq!(c.ddns[0].ip_device, Some(Device::Mac(crate::types::Mac([0xaa, 0xbb, 0xcc, 0, 0x11, 0x22]))));
    let (c, _) = with(&[("family", "ipv6"), ("ip_source", "device"), ("ip_device", "NAS")]);
    assert_eq!(c.ddns[0].ip_device, Some(Device::Host(HostName::parse("nas").unwrap())));
    // Each mistake names its section, option and value.
    let (c, d) = with(&[("family", "ipv6"), ("ip_source", "device")]);
    assert!(c.ddns.is_empty());
    assert!(
        d[0].starts_with("error: section @ddns[0] ('nas'): option 'ip_device': is required with ip_source 'device'"),
        "{d:?}"
    );
    let (_, d) = with(&[("ip_source", "device"), ("ip_device", "nas")]);
    assert!(d[0].contains("option 'family': must be 'ipv6' or 'both' with ip_source 'device'"), "{d:?}");
    let (_, d) = with(&[("family", "ipv6"), ("ip_source", "device"), ("ip_device", "bad name")]);
    assert!(d[0].contains("option 'ip_device': 'bad name' is neither a MAC address nor a DHCP host name"), "{d:?}");
    let (_, d) = with(&[("family", "ipv6"), ("ip_source", "device"), ("ip_device", "ff:ff:ff:ff:ff:ff")]);
    assert!(d[0].contains("is a multicast or broadcast address"), "{d:?}");
    let (c, d) = with(&[("ip_device", "nas")]);
    assert_eq!(c.ddns.len(), 1);
    assert!(d[0].contains("option 'ip_device': 'nas' is only used with ip_source 'device'; ignored"), "{d:?}");
}
