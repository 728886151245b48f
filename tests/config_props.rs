//! Property test of the whole pure pipeline on hostile configs: UCI text made of the
//! pieces that matter (section types, option names, edge values: port 0 and 65536,
//! reversed ranges, huge intervals, control characters, quotes, placeholders) goes
//! through `config::from_text`, the forward plan, the lint and the nft renderer.
//!
//! Nothing may panic (debug builds check arithmetic overflow too); every diagnostic is
//! one line; no secret (each contains `s3cr3t`, and only secret options get one) shows
//! in diagnostics, the JSON dump or `Debug`; every nft line keeps its quotes balanced.

#[path = "support/rng.rs"]
mod rng;
#[path = "support/cases.rs"]
mod support_cases;

use homeport::compose::prepare;
use homeport::config;
use homeport::lint::Context;
use homeport::nft::Network;
use homeport::types::{Cidr, IfName};
use rng::Rng;

const MARK: &str = "s3cr3t";

const TYPES: &[&str] = &["homeport", "ddns", "forward", "forward", "service", "redirect", "bogus"];
const NAMES: &[&str] = &["main", "web", "ssh", "a", "home", "x_1", "main"];

const PORTS: &[&str] = &[
    "0",
    "1",
    "22",
    "80",
    "443",
    "3389",
    "8080",
    "65535",
    "65536",
    "1-65535",
    "65535-1",
    "1000-1010",
    "2000-2010",
    "1000:1010",
    "-1",
    "+80",
    "08080",
    "99999999999999999999",
    "80 443",
    "",
];
const IPS: &[&str] = &[
    "192.168.1.10",
    "192.168.1.10",
    "10.0.0.5",
    "2001:db8::5",
    "::1",
    "fe80::1",
    "0.0.0.0",
    "255.255.255.255",
    "127.0.0.1",
    "192.168.1.0",
    "1.2.3",
    "::",
    "192.168.1.10/24",
];
const SRC_IPS: &[&str] = &[
    "198.51.100.0/24",
    "!198.51.100.7",
    "0.0.0.0/0",
    "::/0",
    "!::/0",
    "2001:db8::/32",
    "10.0.0.0/255.0.0.0",
    "1.2.3.4/255.0.255.0",
    "1.2.3.4/33",
    "!",
    "!!1.2.3.4",
    "198.51.100.0/24 !198.51.100.7",
];
const TEXT: &[&str] = &[
    "web server",
    "it's",
    "a\"; flush ruleset; \"",
    "new\nline",
    "tab\there",
    "esc\u{1b}[2J",
    "bidi\u{202e}x",
    "line\u{2028}sep",
    "ü€🚀",
    "\\",
    "#",
    "",
    "x",
];
const INTERVALS: &[&str] =
    &["0", "1", "5", "30", "5s", "10m", "72h", "2d", "366d", "367d", "99999999999999d", "10 minutes", "1x", "-5", ""];
const UNITS: &[&str] = &["seconds", "minutes", "hours", "days", "weeks", ""];
const BOOLS: &[&str] = &["0", "1", "yes", "off", "true", "enabled", "maybe", ""];
const SERVICES: &[&str] = &[
    "duckdns",
    "he",
    "freedns",
    "desec",
    "dyndns2",
    "noip",
    "no-ip.com",
    "dyn",
    "dynu",
    "namecheap",
    "cloudflare",
    "custom",
    "rfc2136",
    "nsupdate",
    "bogus",
    "",
];
const FAMILIES: &[&str] = &["ipv4", "ipv6", "both", "any", "IPv6", "all", ""];
const HOSTS: &[&str] = &[
    "home.example.org",
    "a.example.org b.example.org",
    "example.org.",
    "-bad.example",
    "x..y",
    "[2001:db8::1]:53",
    "ns.example.org:53",
    "192.0.2.1:0",
    "h:99999",
    "",
];
const URLS: &[&str] = &[
    "https://dyn.example.org/u/s3cr3t-token/?h=[DOMAIN]&ip=[IP]",
    "https://me:s3cr3t-pw@dyn.example.org/nic/update?hostname=[DOMAIN]&myip=[IP]",
    "http://dyn.example.org/update?token=s3cr3t&ip=[IP6]",
    "https://[USERNAME]:[PASSWORD]@dyn.example.org:8443/?ip=[IP]",
    "https://dyn.example.org/s3cr3t/[ip]",
    "https://dyn.example.org/s3cr3t/[PARAMENC]",
    "ftp://dyn.example.org/s3cr3t",
    "https://dyn.example.org/s3cr3t#[IP]",
    "https://dyn.example.org/s3cr3t [IP]",
    "https://dyn.example.org/s3cr3t[",
];
const SECRETS: &[&str] =
    &["s3cr3t", "s3cr3t-token", "czNjcjN0s3cr3t==", "s3cr3t with spaces", "s3cr3t\u{7}", "s3cr3t\n", "'s3cr3t'"];

/// An option name and the values it may get.
type Choices = (&'static str, &'static [&'static str]);

/// (option, values) for the option names a section may get; secret options get only
/// values carrying the mark.
fn palette(ty: &str) -> &'static [Choices] {
    match ty {
        "homeport" => &[
            ("enabled", BOOLS),
            ("interface", &["wan", "wan6", "bad name", "", "x\ny"]),
            ("device", &["eth0", "pppoe-wan", "eth0.2", "a/b", "this-name-is-too-long", "x:y", ""]),
            ("zone", &["wan", "w-a-n", ""]),
            ("debounce", INTERVALS),
            ("log_level", &["info", "debug", "err", "warning", "loud", ""]),
        ],
        "ddns" | "service" => &[
            ("enabled", BOOLS),
            ("service", SERVICES),
            ("service_name", SERVICES),
            ("domain", HOSTS),
            ("username", TEXT),
            ("password", SECRETS),
            ("pasword", SECRETS),
            ("key_secret", SECRETS),
            ("update_url", URLS),
            ("family", FAMILIES),
            ("use_ipv6", BOOLS),
            ("ip_source", &["interface", "web", "network", ""]),
            ("ip_url", &["https://ip.example.org/", "http://ip.example.org/", "https://[IP]/", "x", ""]),
            ("server", HOSTS),
            ("use_https", BOOLS),
            ("cacert", &["/etc/ssl/certs", "IGNORE", "relative/path", ""]),
            ("lookup_host", HOSTS),
            ("dns_server", HOSTS),
            ("check_interval", INTERVALS),
            ("check_unit", UNITS),
            ("force_interval", INTERVALS),
            ("force_unit", UNITS),
            ("retry_interval", INTERVALS),
            ("allow_private", BOOLS),
            ("upd_privateip", BOOLS),
            ("zone", HOSTS),
            ("key_name", HOSTS),
            ("key_algorithm", &["hmac-sha256", "hmac-md5", "HMAC-SHA512", "hmac-sha1", ""]),
            ("cloudflare_zone", &["example.org", "0123456789abcdef0123456789abcdef", "x y", ""]),
        ],
        _ => &[
            ("enabled", BOOLS),
            ("name", TEXT),
            ("comment", TEXT),
            ("proto", &["tcp", "udp", "tcpudp", "tcp udp", "icmp", "TCP", "all", ""]),
            ("src_dport", PORTS),
            ("dest_port", PORTS),
            ("dest_ip", IPS),
            ("src_ip", SRC_IPS),
            ("reflection", BOOLS),
            ("family", FAMILIES),
            ("src", &["wan", "lan"]),
            ("target", &["DNAT", "SNAT"]),
        ],
    }
}

/// A UCI single-quoted token (`'` written as `'\''`).
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn config_text(rng: &mut Rng) -> String {
    let mut t = String::new();
    for _ in 0..=rng.below(6) {
        let ty = TYPES[rng.below(TYPES.len())];
        t.push_str(&format!("config {ty}"));
        if rng.below(3) > 0 {
            t.push_str(&format!(" {}", quoted(NAMES[rng.below(NAMES.len())])));
        }
        t.push('\n');
        let pal = palette(ty);
        // Most sections start plausible, so that the code past validation runs too.
        let base: &[&str] = match ty {
            "forward" => &["src_dport", "dest_ip", "dest_port"],
            "ddns" => &["service", "domain", "password"],
            _ => &[],
        };
        let picks: Vec<usize> = base
            .iter()
            .filter_map(|b| pal.iter().position(|(n, _)| n == b))
            .chain((0..rng.below(8)).map(|_| rng.below(pal.len())))
            .collect();
        for i in picks {
            let (name, values) = pal[i];
            // Three times in four a value from the head of the list, where the usable ones are.
            let n = if rng.below(4) > 0 { values.len().min(4) } else { values.len() };
            let value = values[rng.below(n)];
            let kind = if rng.below(8) == 0 { "list" } else { "option" };
            t.push_str(&format!("\t{kind} {name} {}\n", quoted(value)));
        }
        if rng.below(20) == 0 {
            // A line uci refuses: the lenient parse skips it, the diagnostics say so.
            t.push_str("\toption broken 'unterminated\n");
        }
        t.push('\n');
    }
    t
}

/// 3,000 natively, 300 under qemu (support/cases.rs).
fn cases() -> usize {
    support_cases::cases(3_000)
}

fn quotes_balanced(line: &str) -> bool {
    line.matches('"').count() % 2 == 0
}

#[test]
fn hostile_configs_are_contained() {
    let mut rng = Rng(0x5eed_c0ff_ee00_0001);
    let net = Network {
        wan_devices: vec![IfName::parse("pppoe-wan").unwrap()],
        lan_devices: Some(vec![IfName::parse("br-lan").unwrap()]),
        lan_subnets: Some(vec![Cidr::parse("192.168.1.0/24").unwrap(), Cidr::parse("2001:db8::/64").unwrap()]),
    };
    let ctx = Context {
        zone: None,
        lan_subnets: net.lan_subnets.clone(),
        lan_devices: net.lan_devices.clone(),
        static_leases: Some(vec!["192.168.1.10".parse().unwrap()]),
        redirects: vec![],
        devices: Default::default(),
        dhcp_path: "/etc/config/dhcp".into(),
        firewall_path: "/etc/config/firewall".into(),
    };
    let (mut forwards, mut hosts) = (0, 0);
    for case in 0..cases() {
        let text = config_text(&mut rng);
        let loaded = config::from_text(text.as_bytes(), "homeport");
        let prepared = prepare(&loaded.config.forwards, &net, &ctx);
        forwards += loaded.config.forwards.len();
        hosts += loaded.config.ddns.len();
        let shown = [
            loaded.diagnostics.iter().chain(&prepared.diagnostics).map(|d| format!("{d}\n")).collect::<String>(),
            serde_json::to_string(&loaded.config).expect("config serialises"),
            format!("{:?}", loaded.config),
        ];
        for s in &shown {
            assert!(!s.contains(MARK), "case {case}: a secret leaked:\n{s}\n--- from:\n{text}");
        }
        for d in loaded.diagnostics.iter().chain(&prepared.diagnostics) {
            let line = d.to_string();
            assert!(!line.contains(['\n', '\r', '\u{2028}', '\u{2029}']), "case {case}: {line:?}\n--- from:\n{text}");
        }
        for l in prepared.ruleset.text.lines() {
            assert!(quotes_balanced(l), "case {case}: nft line {l:?}\n--- from:\n{text}");
        }
    }
    // The generator must reach the code under test, not only the error paths.
    eprintln!("{forwards} forwards and {hosts} ddns hosts built in {} cases", cases());
    assert!(forwards > cases() / 10, "only {forwards} forwards built in {} cases", cases());
    assert!(hosts > cases() / 50, "only {hosts} ddns hosts built in {} cases", cases());
}

/// (type, [(option, values)]) for the router's own packages the lint and the WAN lookup read.
const ROUTER: &[(&str, &[Choices])] = &[
    (
        "interface",
        &[
            ("proto", &["static", "dhcp", "pppoe", "wireguard", "dslite", "bogus", "x\ny", ""]),
            ("device", &["eth0", "br-lan", "@wan", "@lan", "@nowhere", "eth*", "a/b", "x\ny", "", "eth0 eth1"]),
            ("ifname", &["eth0.2", "@wan", "", "eth1 eth2"]),
            ("type", &["bridge", "macvlan", ""]),
            ("ipaddr", &["192.168.1.1", "192.168.1.1/24", "10.0.0.1 10.0.1.1", "::1", "x", "1.2.3.4/99", ""]),
            ("netmask", &["255.255.255.0", "255.0.255.0", "0.0.0.0", "x", ""]),
            ("ip6addr", &["2001:db8::1/64", "fe80::1/10", "x", ""]),
        ],
    ),
    ("host", &[("ip", &["192.168.1.10", "192.168.1.300", "::1", "x", ""]), ("enabled", BOOLS)]),
    ("zone", &[("name", &["wan", "lan", "", "x y"]), ("network", &["wan wan6", "lan", "", "@x"])]),
    (
        "redirect",
        &[
            ("src", &["wan", "lan", ""]),
            ("src_dport", PORTS),
            ("proto", &["tcp", "udp", "tcp udp", "all", "icmp", ""]),
            ("dest_ip", IPS),
            ("family", FAMILIES),
            ("target", &["DNAT", "SNAT", "dnat", ""]),
            ("enabled", BOOLS),
            ("name", TEXT),
        ],
    ),
];

/// A file of sections of the `ROUTER` entries at `kinds`.
fn router_text(rng: &mut Rng, kinds: &[usize]) -> String {
    let mut t = String::new();
    for _ in 0..=rng.below(6) {
        let (ty, pal) = ROUTER[kinds[rng.below(kinds.len())]];
        let name = ["wan", "lan", "wan6", "loopback", "x"][rng.below(5)];
        t.push_str(&format!("config {ty} {}\n", quoted(name)));
        for _ in 0..rng.below(9) {
            let (opt, values) = pal[rng.below(pal.len())];
            let n = if rng.below(4) > 0 { values.len().min(3) } else { values.len() };
            let kind = if rng.below(6) == 0 { "list" } else { "option" };
            t.push_str(&format!("\t{kind} {opt} {}\n", quoted(values[rng.below(n)])));
        }
    }
    t
}

/// The router's network, dhcp and firewall files, made hostile, through the lint's
/// readers and the WAN device lookup: no panic, every message one line.
#[test]
fn hostile_router_files_are_contained() {
    use homeport::lint::{Paths, load_context};
    use homeport::uci;
    use homeport::wan::{self, netifd::Answer};
    use std::path::Path;

    let mut rng = Rng(0x5eed_c0ff_ee00_0002);
    let homeport = config::from_text(
        b"config homeport 'main'\n\nconfig forward 'web'\n\toption src_dport '8443'\n\toption dest_ip '192.168.1.10'\n\
          \toption dest_port '443'\n",
        "homeport",
    );
    assert!(homeport.diagnostics.is_empty(), "{:?}", homeport.diagnostics);
    let cfg = homeport.config;
    let paths = Paths::default();
    let (mut wan_found, mut with_subnets, mut with_redirects) = (0, 0, 0);
    for case in 0..cases() {
        let texts = [router_text(&mut rng, &[0]), router_text(&mut rng, &[1]), router_text(&mut rng, &[2, 3])];
        let pkg = |p: &Path| {
            let i = [&paths.network, &paths.dhcp, &paths.firewall].iter().position(|q| q.as_path() == p);
            i.and_then(|i| texts.get(i)).map(|t| uci::parse_lenient(t, "x").0)
        };
        let (ctx, mut diags) = load_context(&cfg.main, &paths, |p| Ok(pkg(p)));
        with_subnets += usize::from(ctx.lan_subnets.as_ref().is_some_and(|s| !s.is_empty()));
        with_redirects += usize::from(!ctx.redirects.is_empty());
        let network = pkg(&paths.network).unwrap_or_else(|| uci::parse_lenient("", "network").0);
        let net = match wan::choose(&cfg.main, &Answer::NoUbus, Ok(&network)) {
            Ok(w) => {
                wan_found += 1;
                Network {
                    wan_devices: vec![w.device],
                    lan_devices: ctx.lan_devices.clone(),
                    lan_subnets: ctx.lan_subnets.clone(),
                }
            }
            Err(e) => {
                let e = e.to_string();
                assert!(!e.contains(['\n', '\r']), "case {case}: {e:?}\n--- from:\n{}", texts[0]);
                Network {
                    wan_devices: vec![],
                    lan_devices: ctx.lan_devices.clone(),
                    lan_subnets: ctx.lan_subnets.clone(),
                }
            }
        };
        let prepared = prepare(&cfg.forwards, &net, &ctx);
        diags.extend(prepared.diagnostics);
        for d in &diags {
            let line = d.to_string();
            assert!(!line.contains(['\n', '\r']), "case {case}: {line:?}\n--- from:\n{}", texts.join("\n---\n"));
        }
        for l in prepared.ruleset.text.lines() {
            assert!(quotes_balanced(l) && !l.contains('*'), "case {case}: nft line {l:?}");
        }
    }
    eprintln!("{wan_found} WAN devices, {with_subnets} LAN subnet lists, {with_redirects} redirect lists");
    assert!(wan_found > cases() / 20 && with_subnets > cases() / 20 && with_redirects > cases() / 20);
}
