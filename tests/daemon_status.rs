//! `homeport status`: the daemon's status.json for people and, with `--json`, machines.

mod support;

use std::process::Command;

use homeport::daemon::status_file;
use homeport::status::{HostStatus, Status, WanStatus};

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
    assert_eq!(back, sample(std::process::id()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_dead_writer_and_no_status_are_said_plainly() {
    let dir = state_dir("dead");
    // pid_max is at most 2^22: this pid cannot exist.
    status_file::write(&dir, &sample(4_194_304 + 7)).unwrap();
    let out = status(&dir, false);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no longer running"));
    std::fs::remove_dir_all(&dir).unwrap();

    let out = status(&state_dir("none"), false);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the daemon is not running"), "{out:?}");
}
