//! IPv6 pinholes left behind (issue 14, the brief's "a port left open after stop"): the
//! pinholes live in firewall4's table, not in ours, so removing `table inet homeport` does
//! not close them. A daemon that died (SIGKILL, OOM, a crash) cannot empty them at its
//! stop; the init script then runs `homeport flush`, and the next daemon starts. Both must
//! close what no forward wants, and neither may fail where fw4's sets are not there.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::netns::Netns;

const SET: &str = "list set inet fw4 homeport_pinholes6";
const STALE: &str = "2001:db8:1::5";

/// firewall4's table with only what the shipped `table-pre` include declares in it, and
/// one element in the allow set and one in the deny set, as a dead daemon leaves them.
fn fw4_with_a_stale_pinhole(ns: &Netns) {
    let path = format!(
        "{}/openwrt-package/homeport/files/usr/share/nftables.d/table-pre/30-homeport.nft",
        env!("CARGO_MANIFEST_DIR")
    );
    let decl = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let script = format!(
        "table inet fw4 {{\n{decl}}}\n\
         add element inet fw4 homeport_pinholes6 {{ ::/0 . {STALE} . tcp . 443 }}\n\
         add element inet fw4 homeport_deny6 {{ 2001:db8:99::/48 . {STALE} . tcp . 443 }}\n"
    );
    ns.nft_load(&script);
    assert!(ns.nft_list(SET).contains(STALE), "the stale pinhole was not set up");
}

fn homeport_in(ns: &Netns) -> Command {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", &ns.name]).args(support::runner_words()).arg(support::homeport_bin());
    c
}

#[test]
fn flush_closes_the_pinholes_a_dead_daemon_left() {
    require_netns!();
    let ns = Netns::new("psf");
    // No fw4 table at all: nothing can be open, and flush does its job.
    let out = homeport_in(&ns).arg("flush").output().unwrap();
    assert!(out.status.success(), "flush without fw4: {}", String::from_utf8_lossy(&out.stderr));

    fw4_with_a_stale_pinhole(&ns);
    let out = homeport_in(&ns).arg("flush").output().unwrap();
    assert!(out.status.success(), "flush: {}", String::from_utf8_lossy(&out.stderr));
    assert!(!ns.nft_list(SET).contains(STALE), "a pinhole survived homeport flush:\n{}", ns.nft_list(SET));
    let deny = ns.nft_list("list set inet fw4 homeport_deny6");
    assert!(!deny.contains(STALE), "the deny set was not emptied:\n{deny}");
}

#[test]
fn a_starting_daemon_closes_pinholes_no_forward_wants() {
    require_netns!();
    let ns = Netns::new("psd");
    ns.ip("link add wan0 type veth peer name wan1");
    ns.ip("link set wan0 up");
    fw4_with_a_stale_pinhole(&ns);

    let dir = support::fresh_dir("hp-ps");
    // The forward that opened it is gone from the configuration (removed while the
    // daemon was dead); an IPv4 forward stays.
    std::fs::write(
        dir.join("homeport"),
        "config homeport 'main'\n\toption device 'wan0'\n\n\
         config forward 'web'\n\toption proto 'tcp'\n\toption src_dport '8443'\n\
         \toption dest_ip '192.168.1.10'\n\toption dest_port '443'\n",
    )
    .unwrap();
    std::fs::write(dir.join("dhcp.leases"), "").unwrap();
    let mut c = homeport_in(&ns);
    c.args(["run", "--foreground", "-c"]).arg(dir.join("homeport")).arg("--state-dir").arg(dir.join("state"));
    c.arg("--leases").arg(dir.join("dhcp.leases"));
    c.stdout(Stdio::null()).stderr(Stdio::from(std::fs::File::create(dir.join("daemon.log")).unwrap()));
    let mut child = c.spawn().expect("start homeport run");
    let log = || std::fs::read_to_string(dir.join("daemon.log")).unwrap_or_default();

    let limit = if support::runner_words().is_empty() { Duration::from_secs(10) } else { Duration::from_secs(50) };
    let t = Instant::now();
    let closed = loop {
        let l = ns.nft_list(SET);
        if !l.contains(STALE) {
            break true;
        }
        if t.elapsed() > limit {
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    let text = log();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(closed, "the stale pinhole is still open after {limit:?}:\n{}\nlog:\n{text}", ns.nft_list(SET));
    assert!(!text.contains("pinhole"), "the sweep logged an error:\n{text}");
}
