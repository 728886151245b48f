//! Injection: hostile names, comments and addresses never become nft statements. Text is
//! either rejected at the edge (typed values) or quoted into one string that nft accepts
//! as exactly that string.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use homeport::config::{Forward, ForwardFamily, Proto};
use homeport::diag::SectionRef;
use homeport::nft::{Network, plan, render};
use homeport::types::{AddrMatch, Cidr, IfName, PortRange};

const HOSTILE: &[&str] = &[
    "web\"; flush ruleset; \"",
    "a\" }\ntable ip evil { chain c { type filter hook input priority 0; policy drop; } }\n# \"",
    "semi;colon {brace} [bracket] $var @set",
    "new\nline\r\nand\ttab",
    "# hash at start",
    "back\\slash\\\" quote",
    "unicode ü € 🚀 日本語",
    "bidi \u{202e}txet\u{202c} zero\u{200b}width\u{feff}",
    "nul\0 esc\u{1b}[31m bell\u{7}",
    "'single' \"double\" `back`",
    "",
];

fn forward(index: usize, name: &str, port: u16) -> Forward {
    Forward {
        section: SectionRef { ty: "forward".into(), index, name: None },
        name: name.to_string(),
        enabled: true,
        proto: Proto::Tcpudp,
        src_dport: PortRange::parse(&port.to_string()).unwrap(),
        dest_ip: Some("192.168.1.10".parse().unwrap()),
        dest_device: None,
        dest_port: PortRange::parse("80").unwrap(),
        src_ip: vec![],
        reflection: true,
        family: ForwardFamily::Ipv4,
        comment: Some(name.to_string()),
    }
}

fn net() -> Network {
    Network {
        wan_devices: vec![IfName::parse("wan0").unwrap()],
        lan_devices: Some(vec![IfName::parse("br-lan").unwrap()]),
        lan_subnets: Some(vec![Cidr::parse("192.168.1.0/24").unwrap()]),
    }
}

fn hostile_ruleset() -> String {
    let fw: Vec<Forward> = HOSTILE.iter().enumerate().map(|(i, n)| forward(i, n, 20000 + i as u16)).collect();
    let (p, d) = plan(&fw);
    assert!(d.is_empty());
    render(&p, &net()).text
}

#[test]
fn hostile_names_do_not_change_the_structure() {
    let plain: Vec<Forward> = (0..HOSTILE.len()).map(|i| forward(i, "x", 20000 + i as u16)).collect();
    let plain = render(&plan(&plain).0, &net()).text;
    let hostile = hostile_ruleset();
    // Same number of lines, and every line differs at most inside its quoted comment.
    assert_eq!(plain.lines().count(), hostile.lines().count());
    for (a, b) in plain.lines().zip(hostile.lines()) {
        let strip = |l: &str| match l.find("comment \"") {
            Some(i) => {
                let rest = &l[i + 9..];
                let end = rest.find('"').expect("closing quote on the same line");
                format!("{}{}", &l[..i], &rest[end + 1..])
            }
            None => l.to_string(),
        };
        if !a.contains("comment \"homeport ") {
            assert_eq!(strip(a), strip(b));
        }
    }
    for l in hostile.lines() {
        let t = l.trim_start();
        assert!(!t.starts_with("flush") && !t.starts_with("table ip"), "{l}");
    }
    for bad in ['\u{202e}', '\u{200b}', '\u{feff}', '\u{1b}', '\0', '\u{7}', '\r', '\\'] {
        assert!(!hostile.contains(bad), "{bad:?} passed through");
    }
}

#[test]
fn hostile_values_are_rejected_at_the_edge() {
    // Device names are written inside quotes; what could end the quote is refused.
    for bad in ["wan0\"", "eth0; flush", "a b", "x\ny", "é", "a\\b", "wan0\" } accept #"] {
        assert!(IfName::parse(bad).is_err(), "{bad:?}");
    }
    for bad in ["192.168.1.1; flush ruleset", "10.0.0.0/8 }", "1.2.3.4\n", "::1\"", "#1.2.3.4", "１.2.3.4"] {
        // Rejected, or (surrounding white space trimmed) a typed value whose text is
        // only address characters.
        if let Ok(m) = AddrMatch::parse(bad) {
            assert!(m.to_string().chars().all(|c| c.is_ascii_hexdigit() || ".:/!".contains(c)), "{bad:?}");
        }
        assert!(bad.parse::<std::net::IpAddr>().is_err(), "{bad:?}");
    }
    for bad in ["80;", "80 }", "8080\"", "1-2-3", "80#", "٨٠"] {
        assert!(PortRange::parse(bad).is_err(), "{bad:?}");
    }
}

/// nft itself reads every hostile name back as one comment: checked and listed in a
/// namespace of our own.
#[test]
fn nft_reads_hostile_names_as_plain_comments() {
    require_netns!();
    let ns = format!("hp-inj-{}", std::process::id());
    assert!(Command::new("ip").args(["netns", "add", &ns]).status().unwrap().success());
    let run = |args: &[&str], input: &str| {
        let mut c = Command::new("ip")
            .args(["netns", "exec", &ns, "nft"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        c.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        c.wait_with_output().unwrap()
    };
    let text = hostile_ruleset();
    let check = run(&["-c", "-f", "-"], &text);
    let applied = run(&["-f", "-"], &text);
    let tables = run(&["list", "tables"], "");
    let listing = run(&["list", "table", "inet", "homeport"], "");
    let _ = Command::new("ip").args(["netns", "del", &ns]).status();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    assert!(applied.status.success(), "{}", String::from_utf8_lossy(&applied.stderr));
    assert_eq!(String::from_utf8_lossy(&tables.stdout).trim(), "table inet homeport");
    let listing = String::from_utf8_lossy(&listing.stdout);
    // One dnat element per forward and protocol, each with its one comment.
    assert_eq!(listing.matches(" : 192.168.1.10 . 80").count(), 2 * HOSTILE.len());
    assert_eq!(listing.matches(" comment \"").count(), 2 * HOSTILE.len());
    assert!(listing.contains("comment \"web'; flush ruleset; '\""), "{listing}");
    assert!(listing.contains("comment \"unicode ü € 🚀 日本語\""));
}
