//! `homeport status`: the daemon's status.json for people and, with `--json`, machines.

mod support;

use std::process::Command;

use homeport::daemon::status_file;
use homeport::status::{ForwardStatus, HostStatus, Status, WanStatus};

fn state_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("hp-status-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn sample(pid: u32) -> Status {
    Status {
        version: "0.1.0".into(),
        written_at: 1,
        pid,
        wan: WanStatus {
            interface: "wan".into(),
            device: Some("pppoe-wan".into()),
            up: true,
            ipv4: Some("198.51.100.7".parse().unwrap()),
            ..WanStatus::default()
        },
        hosts: vec![HostStatus {
            section: "home".into(),
            domains: vec!["home.example.org".into()],
            service: "noip".into(),
            enabled: true,
            state: "ok".into(),
            ..HostStatus::default()
        }],
        ..Status::default()
    }
}

fn status(dir: &std::path::Path, json: bool) -> std::process::Output {
    let mut c: Command = support::homeport();
    c.arg("status").arg("--state-dir").arg(dir);
    if json {
        c.arg("--json");
    }
    c.output().unwrap()
}

#[test]
fn people_and_machines() {
    let dir = state_dir("ok");
    // Our own pid: a "running" writer.
    status_file::write(&dir, &sample(std::process::id())).unwrap();
    let out = status(&dir, false);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("WAN: interface wan on pppoe-wan, up"), "{text}");
    assert!(text.contains("home.example.org (noip, section home): ok"), "{text}");

    let out = status(&dir, true);
    assert_eq!(out.status.code(), Some(0));
    let back: Status = serde_json::from_slice(&out.stdout).unwrap();
    // `running` is decided by `status` (no table was applied: the live pid decides).
    assert_eq!(back, Status { running: true, ..sample(std::process::id()) });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_dead_writer_and_no_status_are_said_plainly() {
    let dir = state_dir("dead");
    // pid_max is at most 2^22: this pid cannot exist.
    let mut s = sample(4_194_304 + 7);
    s.forwards = vec![ForwardStatus { name: "web".into(), active: true, ..ForwardStatus::default() }];
    status_file::write(&dir, &s).unwrap();
    let out = status(&dir, false);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(inactive: homeport is not running)"), "{text}");
    let why = String::from_utf8_lossy(&out.stderr);
    assert_eq!(why, "homeport is not running (pid 4194311): the process that wrote this status is gone\n");
    // The form LuCI reads: the document, not running, nothing active; the reason on stderr.
    let out = status(&dir, true);
    assert_eq!(out.status.code(), Some(1));
    let back: Status = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!back.running);
    assert!(!back.forwards[0].active);
    assert_eq!(back.forwards[0].reason.as_deref(), Some("homeport is not running"));
    assert_eq!(String::from_utf8_lossy(&out.stderr), why);
    std::fs::remove_dir_all(&dir).unwrap();

    let out = status(&state_dir("none"), false);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the daemon is not running"), "{out:?}");
}

/// Packets and bytes per forward come from the live table when `status` runs (the daemon
/// does not write them): summed over the forward's elements, IPv4 and IPv6, ranges by
/// port; a forward without elements, or inactive, has none.
#[test]
fn forward_counters_come_from_the_live_table() {
    require_netns!();
    let ns = support::netns::Netns::new("stcount");
    let table = "table inet homeport {\n\
        \tmap dnat4 {\n\t\ttype inet_proto . inet_service : ipv4_addr . inet_service\n\t\tcounter\n\
        \t\telements = { tcp . 8443 counter packets 7 bytes 420 comment \"web\" : 192.168.1.10 . 443,\n\
        \t\t\tudp . 7001 counter packets 2 bytes 100 comment \"game\" : 192.168.1.20 . 8001,\n\
        \t\t\tudp . 7002 counter packets 3 bytes 150 comment \"game\" : 192.168.1.20 . 8002 }\n\t}\n\
        \tmap dnat6 {\n\t\ttype inet_proto . inet_service : ipv6_addr . inet_service\n\t\tcounter\n\
        \t\telements = { tcp . 8443 counter packets 1 bytes 80 comment \"web\" : fd00::10 . 443 }\n\t}\n}\n";
    let mut nft = Command::new("ip")
        .args(["netns", "exec", &ns.name, "nft", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    nft.stdin.take().unwrap().write_all(table.as_bytes()).unwrap();
    assert!(nft.wait().unwrap().success());

    let forward = |name: &str, proto: &str, port: &str, active: bool| ForwardStatus {
        section: name.into(),
        name: name.into(),
        active,
        proto: proto.into(),
        src_dport: port.into(),
        dest_port: port.into(),
        ..ForwardStatus::default()
    };
    let mut s = sample(std::process::id());
    s.forwards = vec![
        forward("web", "tcp", "8443", true),
        forward("game", "udp", "7001-7002", true),
        forward("mail", "tcp", "25", true),
        forward("off", "tcp", "8443", false),
    ];
    let dir = state_dir("counters");
    status_file::write(&dir, &s).unwrap();
    let run = |json: bool| {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &ns.name]).args(support::runner_words()).arg(support::homeport_bin());
        c.arg("status").arg("--state-dir").arg(&dir);
        if json {
            c.arg("--json");
        }
        c.output().unwrap()
    };
    let out = run(true);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let back: Status = serde_json::from_slice(&out.stdout).unwrap();
    let figures: Vec<(Option<u64>, Option<u64>)> = back.forwards.iter().map(|f| (f.packets, f.bytes)).collect();
    assert_eq!(figures, [(Some(8), Some(500)), (Some(5), Some(250)), (None, None), (None, None)]);
    let text = String::from_utf8(run(false).stdout).unwrap();
    assert!(text.contains("web: tcp 8443 -> router:8443 (active, 8 packets, 500 bytes)"), "{text}");

    // Outside the namespace there is no table of ours: no figures, no error.
    let out = status(&dir, true);
    assert_eq!(out.status.code(), Some(0));
    let back: Status = serde_json::from_slice(&out.stdout).unwrap();
    assert!(back.forwards.iter().all(|f| f.packets.is_none()), "{back:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A live pid is not enough: the table the daemon applied must be in the kernel, with the
/// digest it recorded (after a stop or `nft flush ruleset` it is not).
#[test]
fn running_needs_the_applied_table_in_the_kernel() {
    require_netns!();
    let ns = support::netns::Netns::new("strun");
    let mut s = sample(std::process::id());
    s.table_digests = vec!["0123456789abcdef".into()];
    s.forwards = vec![ForwardStatus { name: "web".into(), active: true, ..ForwardStatus::default() }];
    let dir = state_dir("table");
    status_file::write(&dir, &s).unwrap();
    let run = || {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &ns.name]).args(support::runner_words()).arg(support::homeport_bin());
        c.arg("status").arg("--json").arg("--state-dir").arg(&dir);
        let out = c.output().unwrap();
        let back: Status = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), back.running, back.forwards[0].active, back.forwards[0].reason.clone())
    };
    let stopped = (Some(1), false, false, Some("homeport is not running".to_string()));
    assert_eq!(run(), stopped, "no table");

    let load = |table: &str| {
        let mut nft = Command::new("ip")
            .args(["netns", "exec", &ns.name, "nft", "-f", "-"])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        nft.stdin.take().unwrap().write_all(table.as_bytes()).unwrap();
        assert!(nft.wait().unwrap().success());
    };
    load("table inet homeport {\n\tcomment \"homeport fedcba9876543210\"\n}\n");
    assert_eq!(run(), stopped, "someone else's table");
    load("delete table inet homeport\ntable inet homeport {\n\tcomment \"homeport 0123456789abcdef\"\n}\n");
    assert_eq!(run(), (Some(0), true, true, None), "the table it applied");
    std::fs::remove_dir_all(&dir).unwrap();
}
