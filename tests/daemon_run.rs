//! `homeport run` end to end, in a network namespace this test creates: a veth is the
//! WAN, a dyndns2 test provider listens on the namespace's loopback, nft works on the
//! namespace's own ruleset. The provider must receive exactly the expected updates.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::netns::Netns;
use support::provider::{Provider, Request};

/// How long the provider must stay silent before a test concludes nothing more comes.
const QUIET: Duration = Duration::from_millis(1500);

/// `d`, stretched under qemu-user (HOMEPORT_TEST_RUNNER set): the daemon runs 5-20x
/// slower there, and a fixed wait that suffices natively can end before it has acted.
fn emulated(d: Duration) -> Duration {
    if support::runner_words().is_empty() { d } else { d * 3 }
}

struct Daemon {
    child: Option<Child>,
    dir: PathBuf,
    ns: String,
}

impl Daemon {
    fn start(ns: &Netns, dir: &Path) -> Daemon {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &ns.name]).args(support::runner_words()).arg(support::homeport_bin());
        c.args(["run", "--foreground", "-c"]).arg(dir.join("homeport")).arg("--state-dir").arg(dir.join("state"));
        // The test's own lease file (absent unless a test writes it), never the machine's.
        c.arg("--leases").arg(dir.join("dhcp.leases"));
        c.stdout(Stdio::null()).stderr(Stdio::from(std::fs::File::create(dir.join("daemon.log")).unwrap()));
        let child = c.spawn().expect("start homeport run");
        Daemon { child: Some(child), dir: dir.to_path_buf(), ns: ns.name.clone() }
    }

    fn signal(&self, sig: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        // `ip netns exec` execs the program, so the child pid is homeport's.
        assert!(Command::new("kill").args(["-s", sig, &pid]).status().unwrap().success());
    }

    /// Waits for exit; returns how long it took.
    fn wait(&mut self, limit: Duration) -> Duration {
        let t = Instant::now();
        let mut child = self.child.take().unwrap();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success() || status.code().is_none(), "exit {status}; log:\n{}", self.log());
                return t.elapsed();
            }
            assert!(t.elapsed() < limit, "homeport did not exit within {limit:?}; log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("daemon.log")).unwrap_or_default()
    }

    fn table(&self) -> bool {
        Command::new("ip")
            .args(["netns", "exec", &self.ns, "nft", "list", "table", "inet", "homeport"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A dyndns2 host on the namespace's test provider. Its start-up lookup of the registered
/// address asks a closed port on the namespace's loopback, so it fails at once, here and
/// under qemu alike (musl's system resolver would wait out its 5 s timeout first).
fn host(name: &str, domain: &str, port: u16, family: &str) -> String {
    format!(
        "config ddns '{name}'\n\toption service 'dyndns2'\n\tlist domain '{domain}'\n\toption username 'user'\n\
         \toption password 's3cret'\n\toption server '127.0.0.1:{port}'\n\toption use_https '0'\n\toption family '{family}'\n\
         \toption dns_server '127.0.0.1:9'\n\n"
    )
}

fn write_config(dir: &Path, debounce: &str, hosts: &[String], forwards: bool) {
    let mut s = format!("config homeport 'main'\n\toption device 'wan0'\n\toption debounce '{debounce}'\n\n");
    for h in hosts {
        s.push_str(h);
    }
    if forwards {
        s.push_str(
            "config forward 'web'\n\toption proto 'tcp'\n\toption src_dport '8443'\n\toption dest_ip '192.168.1.10'\n\
             \toption dest_port '443'\n",
        );
    }
    std::fs::write(dir.join("homeport"), s).unwrap();
}

fn setup(tag: &str) -> (Netns, PathBuf) {
    let ns = Netns::new(tag);
    ns.ip("link add wan0 type veth peer name wan1");
    ns.ip("link set wan1 up");
    ns.ip("link set wan0 up");
    ns.ip("addr add 198.51.100.1/24 dev wan0");
    ns.resolver_on_loopback();
    let dir = std::env::temp_dir().join(format!("hp-run-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    (ns, dir)
}

/// (hostname, myip) of each request, sorted, for comparisons independent of order.
fn updates(reqs: &[Request]) -> Vec<(String, String)> {
    let mut v: Vec<_> =
        reqs.iter().map(|r| (r.param("hostname").unwrap_or_default(), r.param("myip").unwrap_or_default())).collect();
    v.sort();
    v
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<_> = list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    v.sort();
    v
}

#[test]
fn address_changes_reach_the_provider_exactly_once_per_host() {
    require_netns!();
    let (ns, dir) = setup("run");
    let p = Provider::start(&ns.name);
    let hosts = [host("a", "a.example.org", p.port, "ipv4"), host("b", "b.example.org", p.port, "ipv4")];
    write_config(&dir, "0", &hosts, true);
    let mut d = Daemon::start(&ns, &dir);

    // Start: nothing registered (no state, the lookup fails in the namespace): one update each.
    let got = p.drain(emulated(QUIET * 2));
    assert_eq!(
        updates(&got),
        pairs(&[("a.example.org", "198.51.100.1"), ("b.example.org", "198.51.100.1")]),
        "{}",
        d.log()
    );
    let r = &got[0];
    assert!(r.line.starts_with("GET /nic/update?"), "{}", r.line);
    assert!(r.header("Authorization").is_some_and(|a| a.starts_with("Basic ")));
    assert!(r.header("User-Agent").is_some_and(|a| a.starts_with("homeport/")));
    assert!(d.table(), "forward table applied");

    // Replace the address: add the new one, remove the old.
    ns.ip("addr add 203.0.113.7/24 dev wan0");
    ns.ip("addr del 198.51.100.1/24 dev wan0");
    let got = p.drain(emulated(QUIET));
    assert_eq!(
        updates(&got),
        pairs(&[("a.example.org", "203.0.113.7"), ("b.example.org", "203.0.113.7")]),
        "{}",
        d.log()
    );

    // An IPv6 address on an IPv4-only host: nothing to send.
    ns.ip("-6 addr add 2001:db8::7/64 dev wan0 nodad");
    assert!(p.drain(emulated(QUIET)).is_empty(), "{}", d.log());

    // The device disappears (a PPPoE disconnect): nothing is sent; it comes back with a
    // new address: one update each.
    ns.ip("link del wan0");
    assert!(p.drain(emulated(QUIET)).is_empty());
    ns.ip("link add wan0 type veth peer name wan1");
    ns.ip("link set wan1 up");
    ns.ip("link set wan0 up");
    ns.ip("addr add 192.0.2.55/24 dev wan0");
    let got = p.drain(emulated(QUIET));
    assert_eq!(
        updates(&got),
        pairs(&[("a.example.org", "192.0.2.55"), ("b.example.org", "192.0.2.55")]),
        "{}",
        d.log()
    );

    // The status file says so.
    let status: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("state/status.json")).unwrap()).unwrap();
    assert_eq!(status["wan"]["device"], "wan0");
    assert_eq!(status["wan"]["ipv4"], "192.0.2.55");
    assert_eq!(status["hosts"][0]["registered_ipv4"], "192.0.2.55");
    assert!(!std::fs::read_to_string(dir.join("state/status.json")).unwrap().contains("s3cret"));
    assert!(!d.log().contains("s3cret"), "a secret in the log");

    // Someone deletes our table: it comes back promptly. (qemu-user forwards only
    // NETLINK_ROUTE and a few other netlink families, not nftables events; there the
    // daemon says so at start and this check cannot run.)
    if d.log().contains("cannot watch nftables") && !support::runner_words().is_empty() {
        eprintln!("SKIPPED (table restore): nftables netlink events are not available under the emulator");
    } else {
        restore_check(&ns, &d);
    }

    // SIGTERM: the table goes, the process ends within a second (natively; timings under
    // qemu-user are 5-20x, and there only the stretched bound of the wait applies).
    d.signal("TERM");
    let took = d.wait(emulated(Duration::from_secs(3)));
    if support::runner_words().is_empty() {
        assert!(took < Duration::from_secs(1), "took {took:?}");
    }
    assert!(!d.table(), "table left behind");
    let _ = std::fs::remove_dir_all(&dir);
}

fn restore_check(ns: &Netns, d: &Daemon) {
    ns.exec("nft").args(["delete", "table", "inet", "homeport"]).status().unwrap();
    let t = Instant::now();
    while !d.table() {
        assert!(t.elapsed() < Duration::from_secs(2), "table not restored; log:\n{}", d.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    // A flush of its contents (the table itself stays) is repaired too.
    ns.exec("nft").args(["flush", "table", "inet", "homeport"]).status().unwrap();
    let t = Instant::now();
    loop {
        let out = ns.exec("nft").args(["list", "table", "inet", "homeport"]).output().unwrap();
        if String::from_utf8_lossy(&out.stdout).contains("tcp . 8443") {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(2), "flushed table not restored; log:\n{}", d.log());
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn ipv6_hosts_publish_the_stable_global_address() {
    require_netns!();
    let (ns, dir) = setup("run6");
    let p = Provider::start(&ns.name);
    write_config(&dir, "0", &[host("six", "six.example.org", p.port, "ipv6")], false);
    ns.ip("-6 addr add 2001:db8:1::10/64 dev wan0 nodad preferred_lft 3600 valid_lft 7200");
    let _d = Daemon::start(&ns, &dir);
    let got = p.drain(emulated(QUIET * 2));
    assert_eq!(updates(&got), pairs(&[("six.example.org", "2001:db8:1::10")]));
    // A deprecated address is not published.
    ns.ip("-6 addr add 2001:db8:1::99/64 dev wan0 nodad preferred_lft 0 valid_lft 600");
    assert!(p.drain(emulated(QUIET)).is_empty());
    // Replacing the address: the old one goes, a new stable one comes.
    ns.ip("-6 addr add 2001:db8:2::20/64 dev wan0 nodad");
    ns.ip("-6 addr del 2001:db8:1::10/64 dev wan0");
    let got = p.drain(emulated(QUIET));
    assert_eq!(updates(&got), pairs(&[("six.example.org", "2001:db8:2::20")]));
    // A tentative address (duplicate address detection running, about a second on a veth)
    // is published only once DAD has finished and the kernel clears the flag.
    let added = Instant::now();
    ns.ip("-6 addr add 2001:db8:3::30/64 dev wan0");
    ns.ip("-6 addr del 2001:db8:2::20/64 dev wan0");
    let got = p.drain(emulated(Duration::from_millis(2500)));
    assert_eq!(updates(&got), pairs(&[("six.example.org", "2001:db8:3::30")]));
    let after = got[0].at.duration_since(added);
    assert!(after >= Duration::from_millis(500), "published {after:?} after adding, while still tentative");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `ip_source 'device'` (issue 14): the AAAA record is a LAN device's stable global IPv6
/// address (its EUI-64 address in the LAN's preferred prefix, never a temporary one), the
/// A record the WAN's; when the LAN prefix changes, the name follows at once.
#[test]
fn a_device_source_publishes_the_lan_device_and_follows_its_prefix() {
    require_netns!();
    let (ns, dir) = setup("rundev");
    if let Some(why) = ns.neighbours_unavailable() {
        eprintln!("SKIPPED: {why}");
        return;
    }
    let p = Provider::start(&ns.name);
    let mac = "02:00:00:00:00:0c";
    let mut h = host("nas", "nas.example.org", p.port, "both");
    h.push_str(&format!(
        "	option ip_source 'device'
	option ip_device '{mac}'

"
    ));
    write_config(&dir, "0", &[h], false);
    ns.ip("link add lan0 type veth peer name lan1");
    ns.ip("link set lan1 up");
    ns.ip("link set lan0 up");
    ns.ip("-6 addr add 2001:db8:1::1/64 dev lan0 nodad");
    // The device's EUI-64 address (RFC 4291 App. A) and a temporary one (random IID,
    // lower: the first address would be it if temporary ones counted).
    for a in ["2001:db8:1::ff:fe00:c", "2001:db8:1::12:3456:789a"] {
        ns.ip(&format!("neigh replace {a} lladdr {mac} dev lan0 nud reachable"));
    }
    let _d = Daemon::start(&ns, &dir);
    let got = p.drain(emulated(QUIET * 2));
    assert_eq!(updates(&got), pairs(&[("nas.example.org", "198.51.100.1,2001:db8:1::ff:fe00:c")]), "{}", _d.log());
    // The prefix changes: the old one deprecated, the new one added; the device is seen
    // at its new EUI-64 address.
    ns.ip("-6 addr change 2001:db8:1::1/64 dev lan0 preferred_lft 0");
    ns.ip("-6 addr add 2001:db8:2::1/64 dev lan0 nodad");
    ns.ip(&format!("neigh replace 2001:db8:2::ff:fe00:c lladdr {mac} dev lan0 nud reachable"));
    let got = p.drain(emulated(QUIET));
    assert_eq!(updates(&got), pairs(&[("nas.example.org", "198.51.100.1,2001:db8:2::ff:fe00:c")]));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_flapping_storm_sends_one_update_per_host_with_the_final_address() {
    require_netns!();
    let (ns, dir) = setup("runstorm");
    let p = Provider::start(&ns.name);
    write_config(
        &dir,
        "1s",
        &[host("a", "a.example.org", p.port, "ipv4"), host("b", "b.example.org", p.port, "ipv4")],
        false,
    );
    let d = Daemon::start(&ns, &dir);
    assert_eq!(p.drain(emulated(QUIET * 2)).len(), 2, "{}", d.log());

    let mut batch = String::new();
    for i in 0..300 {
        batch.push_str(&format!("addr add 203.0.113.{}/24 dev wan0\n", 1 + i % 200));
        batch.push_str(&format!("addr del 203.0.113.{}/24 dev wan0\n", 1 + i % 200));
    }
    batch.push_str("addr add 192.0.2.200/24 dev wan0\naddr del 198.51.100.1/24 dev wan0\n");
    let file = dir.join("batch");
    std::fs::write(&file, batch).unwrap();
    ns.ip(&format!("-batch {}", file.display()));
    let got = p.drain(emulated(Duration::from_secs(3)));
    assert_eq!(
        updates(&got),
        pairs(&[("a.example.org", "192.0.2.200"), ("b.example.org", "192.0.2.200")]),
        "{}",
        d.log()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sighup_applies_only_what_changed_and_a_restart_sends_nothing_redundant() {
    require_netns!();
    let (ns, dir) = setup("runhup");
    let p = Provider::start(&ns.name);
    let a = host("a", "a.example.org", p.port, "ipv4");
    write_config(&dir, "0", std::slice::from_ref(&a), true);
    let d = Daemon::start(&ns, &dir);
    assert_eq!(updates(&p.drain(emulated(QUIET * 2))), pairs(&[("a.example.org", "198.51.100.1")]), "{}", d.log());

    // A second host appears: only it updates.
    write_config(&dir, "0", &[a.clone(), host("c", "c.example.org", p.port, "ipv4")], true);
    d.signal("HUP");
    assert_eq!(updates(&p.drain(emulated(QUIET))), pairs(&[("c.example.org", "198.51.100.1")]), "{}", d.log());

    // A forward's port changes: the table follows; the hosts send nothing.
    let cfg = std::fs::read_to_string(dir.join("homeport")).unwrap().replace("'8443'", "'9443'");
    std::fs::write(dir.join("homeport"), cfg).unwrap();
    d.signal("HUP");
    assert!(p.drain(emulated(QUIET)).is_empty(), "{}", d.log());
    let listing = ns.exec("nft").args(["list", "table", "inet", "homeport"]).output().unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(listing.contains("tcp . 9443") && !listing.contains("tcp . 8443"), "{listing}");

    // kill -9, restart: the state files say both are registered: nothing is sent.
    d.signal("KILL");
    drop(d);
    let _d = Daemon::start(&ns, &dir);
    assert!(p.drain(emulated(QUIET * 2)).is_empty(), "redundant update after restart");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_hung_provider_delays_no_other_host() {
    require_netns!();
    let (ns, dir) = setup("runhang");
    let p = Provider::start(&ns.name);
    p.hang.lock().unwrap().insert("slow.example.org".into());
    write_config(
        &dir,
        "0",
        &[host("slow", "slow.example.org", p.port, "ipv4"), host("fast", "fast.example.org", p.port, "ipv4")],
        false,
    );
    let d = Daemon::start(&ns, &dir);
    let got = p.drain(emulated(QUIET * 2));
    assert_eq!(
        updates(&got),
        pairs(&[("fast.example.org", "198.51.100.1"), ("slow.example.org", "198.51.100.1")]),
        "{}",
        d.log()
    );
    ns.ip("addr add 203.0.113.9/24 dev wan0");
    ns.ip("addr del 198.51.100.1/24 dev wan0");
    // fast gets its update although slow's first request still hangs.
    let got = p.drain(emulated(QUIET));
    assert_eq!(updates(&got), pairs(&[("fast.example.org", "203.0.113.9")]), "{}", d.log());
    d.signal("TERM");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dry_run_works_unprivileged_and_prints_requests_and_ruleset() {
    require_netns!();
    let (ns, dir) = setup("rundry");
    write_config(&dir, "0", &[host("a", "a.example.org", 8080, "ipv4")], true);
    // World-readable copies: the unprivileged user cannot read the test's private files.
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::set_permissions(dir.join("homeport"), std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let has_setpriv = Command::new("setpriv").arg("--version").output().is_ok_and(|o| o.status.success());
    if !has_setpriv {
        eprintln!("SKIPPED: setpriv (util-linux) is not installed");
        return;
    }
    let mut c = Command::new("ip");
    c.args(["netns", "exec", &ns.name, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]);
    c.args(support::runner_words()).arg(support::homeport_bin());
    c.args(["run", "--dry-run", "-c"]).arg(dir.join("homeport")).arg("--state-dir").arg(dir.join("dry-state"));
    std::fs::create_dir_all(dir.join("dry-state")).unwrap();
    std::fs::set_permissions(dir.join("dry-state"), std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    std::thread::sleep(emulated(Duration::from_millis(1500)));
    ns.ip("addr add 203.0.113.50/24 dev wan0");
    ns.ip("addr del 198.51.100.1/24 dev wan0");
    std::thread::sleep(emulated(Duration::from_millis(1000)));
    let pid = child.id().to_string();
    Command::new("kill").args(["-s", "INT", &pid]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("would send: a (a.example.org): GET http://127.0.0.1:8080/nic/update?"), "{stdout}");
    assert!(stdout.contains("myip=198.51.100.1") && stdout.contains("myip=203.0.113.50"), "{stdout}");
    assert!(stdout.contains("would apply:") && stdout.contains("table inet homeport {"), "{stdout}");
    assert!(!stdout.contains("s3cret") && !stderr.contains("s3cret"), "a secret was printed");
    // Nothing was applied.
    assert!(!ns.exec("nft").args(["list", "table", "inet", "homeport"]).output().unwrap().status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_wan_follows_netifd_when_its_device_changes() {
    require_netns!();
    let (ns, dir) = setup("runubus");
    let p = Provider::start(&ns.name);
    // A stand-in for `ubus`: answers `call network.interface.wan status` with the device
    // named in a file the test rewrites, as netifd would after a reconnect.
    let l3 = dir.join("l3_device");
    std::fs::write(&l3, "wan0").unwrap();
    let ubus = dir.join("ubus");
    std::fs::write(
        &ubus,
        format!(
            "#!/bin/sh\n[ \"$*\" = \"-t 5 call network.interface.wan status\" ] || exit 4\n\
             printf '{{\"up\": true, \"l3_device\": \"%s\", \"proto\": \"pppoe\"}}\\n' \"$(cat {})\"\n",
            l3.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&ubus, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let cfg = format!(
        "config homeport 'main'\n\toption interface 'wan'\n\toption debounce '0'\n\n{}",
        host("a", "a.example.org", p.port, "ipv4")
    );
    std::fs::write(dir.join("homeport"), cfg).unwrap();

    let mut c = Command::new("ip");
    c.args(["netns", "exec", &ns.name]).args(support::runner_words()).arg(support::homeport_bin());
    c.args(["run", "--foreground", "--ubus"]).arg(&ubus).arg("-c").arg(dir.join("homeport"));
    c.arg("--state-dir").arg(dir.join("state")).arg("--network-config").arg(dir.join("no-network"));
    c.stdout(Stdio::null()).stderr(Stdio::from(std::fs::File::create(dir.join("daemon.log")).unwrap()));
    let child = c.spawn().unwrap();
    let d = Daemon { child: Some(child), dir: dir.clone(), ns: ns.name.clone() };
    assert_eq!(updates(&p.drain(emulated(QUIET * 2))), pairs(&[("a.example.org", "198.51.100.1")]), "{}", d.log());

    // netifd now reports another device (a reconnect under a new name).
    std::fs::write(&l3, "ppp9").unwrap();
    ns.ip("link add ppp9 type veth peer name ppp9p");
    ns.ip("addr add 192.0.2.99/24 dev ppp9");
    let got = p.drain(emulated(QUIET));
    assert_eq!(updates(&got), pairs(&[("a.example.org", "192.0.2.99")]), "{}", d.log());
    let status = std::fs::read_to_string(dir.join("state/status.json")).unwrap();
    assert!(status.contains("\"device\": \"ppp9\""), "{status}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `ip_source web`: the address an echo service sees is what gets published, and the
/// status shows it next to the WAN device's own address (a private WAN address with a
/// different outside one is double NAT).
#[test]
fn an_echo_service_address_is_published_and_shown_as_seen_outside() {
    require_netns!();
    let (ns, dir) = setup("echo");
    ns.ip("addr del 198.51.100.1/24 dev wan0");
    ns.ip("addr add 192.168.7.2/24 dev wan0");
    let p = Provider::start(&ns.name);
    let h = format!(
        "config ddns 'w'\n\toption service 'dyndns2'\n\tlist domain 'w.example.org'\n\toption username 'user'\n\
         \toption password 's3cret'\n\toption server '127.0.0.1:{port}'\n\toption use_https '0'\n\
         \toption dns_server '127.0.0.1:9'\n\toption ip_source 'web'\n\toption ip_url 'http://127.0.0.1:{port}/ip'\n\n",
        port = p.port
    );
    write_config(&dir, "0", &[h], false);
    let d = Daemon::start(&ns, &dir);

    let got = p.drain(emulated(QUIET * 2));
    assert!(got.iter().any(|r| r.line.starts_with("GET /ip ")), "no echo request: {got:?}\n{}", d.log());
    let sent: Vec<_> = updates(&got).into_iter().filter(|(host, _)| !host.is_empty()).collect();
    assert_eq!(sent, pairs(&[("w.example.org", support::provider::ECHO_V4)]), "{}", d.log());

    let deadline = Instant::now() + emulated(Duration::from_secs(5));
    let status = loop {
        let text = std::fs::read_to_string(dir.join("state/status.json")).unwrap_or_default();
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
            && v["wan"]["ipv4_seen_outside"] == support::provider::ECHO_V4
        {
            break v;
        }
        assert!(Instant::now() < deadline, "status never showed the outside address: {text}\n{}", d.log());
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status["wan"]["ipv4"], "192.168.7.2");
    let codes: Vec<&str> = status["warnings"].as_array().unwrap().iter().filter_map(|w| w["code"].as_str()).collect();
    assert!(codes.contains(&"double_nat"), "{status}");
}
