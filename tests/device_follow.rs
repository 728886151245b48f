//! Forwards that follow a device (issue 14), end to end in namespaces this test creates:
//! a router (`homeport run`, real nft), a LAN host behind `lan0` and an "internet" client
//! behind `wan0`. The LAN host moves to another IPv4 address (new lease written, new
//! neighbour entry): the forward follows by element updates, real TCP from the internet
//! reaches the service at the new address, an untouched forward keeps its counter.

mod support;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::netns::Netns;
use support::router::{Daemon, emulated, router_host_internet, serve, wait_for};

/// Under an emulator without neighbour messages (see `Netns::neighbours_unavailable`): the
/// daemon says once that it cannot watch the neighbour table, leaves the neighbour group,
/// and its link/address watch goes on undisturbed: a neighbour change is no error, and a
/// new WAN address is still seen.
fn degrades_without_neighbours(router: &Netns, d: &Daemon, mac: &str) {
    router.ip(&format!("neigh replace 192.168.1.77 lladdr {mac} dev lan0 nud reachable"));
    router.ip("addr add 198.51.100.9/24 dev wan0");
    wait_for(
        emulated(Duration::from_secs(10)),
        "the new WAN address to be seen",
        || d.log(),
        || d.log().contains("198.51.100.9/24"),
    );
    let log = d.log();
    assert_eq!(log.matches("cannot watch the neighbour table").count(), 1, "{log}");
    assert!(!log.contains("reading netlink events"), "a neighbour message disturbed the address watch:\n{log}");
}

/// From the internet namespace: connect to the router's WAN address and read the reply.
fn fetch(ns: &str, port: u16) -> Result<String, String> {
    support::router::fetch(ns, SocketAddr::from(([198, 51, 100, 1], port)))
}

fn write_lease(path: &Path, mac: &str, ip: &str) {
    // As dnsmasq does: a new file renamed over the old one.
    let tmp = path.with_extension("new");
    let text = if ip.is_empty() { String::new() } else { format!("1999999999 {mac} {ip} nas 01:{mac}\n") };
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// The router alone, no hosts: both veth pairs' ends stay in it, all up; `wan0`
/// 198.51.100.1/24, `lan0` 192.168.1.1/24.
fn wire_alone(router: &Netns) {
    router.ip("link add wan0 type veth peer name wan1");
    router.ip("link add lan0 type veth peer name lan1");
    for dev in ["wan0", "wan1", "lan0", "lan1"] {
        router.ip(&format!("link set {dev} up"));
    }
    router.ip("addr add 198.51.100.1/24 dev wan0");
    router.ip("addr add 192.168.1.1/24 dev lan0");
}

/// A fresh directory `<name>-<pid>` with the configuration of one forward, 'nas' (TCP
/// 8443 to the device `mac`, same port), and the lease file (`mac` at `lease`, or none
/// when empty); returns the directory and the lease file.
fn nas_files(name: &str, mac: &str, lease: &str) -> (PathBuf, PathBuf) {
    let dir = support::fresh_dir(name);
    let leases = dir.join("dhcp.leases");
    write_lease(&leases, mac, lease);
    std::fs::write(
        dir.join("homeport"),
        format!(
            "config homeport 'main'\n\toption device 'wan0'\n\n\
             config forward 'nas'\n\toption proto 'tcp'\n\toption src_dport '8443'\n\toption dest_mac '{mac}'\n"
        ),
    )
    .unwrap();
    (dir, leases)
}

/// The packets counted by the element of `port` in `map` (`nft list map`).
fn packets(listing: &str, key: &str) -> Option<u64> {
    let at = listing.find(key)?;
    let rest = &listing[at..];
    let p = rest.split("packets ").nth(1)?;
    p.split_whitespace().next()?.parse().ok()
}

#[test]
fn a_forward_follows_the_device_to_its_new_address() {
    require_netns!();
    let (router, lan, net) = router_host_internet("dv");
    for (ns, dev, addr) in [
        (&router, "wan0", "198.51.100.1/24"),
        (&router, "lan0", "192.168.1.1/24"),
        (&net, "wan1", "198.51.100.2/24"),
        (&lan, "lan1", "192.168.1.140/24"),
    ] {
        ns.ip(&format!("addr add {addr} dev {dev}"));
    }
    lan.ip("route add default via 192.168.1.1");
    let fwd = router.exec("sysctl").args(["-qw", "net.ipv4.ip_forward=1"]).status().unwrap();
    assert!(fwd.success());
    let mac = lan.mac("lan1");

    let dir = support::fresh_dir("hp-dv");
    let leases = dir.join("dhcp.leases");
    write_lease(&leases, &mac, "192.168.1.140");
    std::fs::write(
        dir.join("homeport"),
        format!(
            "config homeport 'main'\n\toption device 'wan0'\n\n\
             config forward 'nas'\n\toption proto 'tcp'\n\toption src_dport '8443'\n\toption dest_port '443'\n\
             \toption dest_mac '{mac}'\n\n\
             config forward 'other'\n\toption proto 'tcp'\n\toption src_dport '9000'\n\toption dest_ip '192.168.1.200'\n"
        ),
    )
    .unwrap();
    let d = Daemon::start(&router, &dir, &leases);
    let log = || d.log();

    serve(lan.name.clone(), "0.0.0.0:443".parse().unwrap());
    let map = "list map inet homeport dnat4";
    wait_for(emulated(Duration::from_secs(10)), "the forward to the lease's address", log, || {
        router.nft_list(map).contains("192.168.1.140 . 443")
    });
    assert_eq!(fetch(&net.name, 8443), Ok("192.168.1.140".to_string()), "log:\n{}", d.log());
    // One connection attempt through the untouched forward: its counter must survive.
    let _ = fetch(&net.name, 9000);
    assert_eq!(packets(&router.nft_list(map), "tcp . 9000"), Some(1), "{}", router.nft_list(map));
    let digest = router.nft_list("-t list table inet homeport");
    if let Some(why) = router.neighbours_unavailable() {
        // The forward to the lease's address works (above); following a move needs
        // neighbour events.
        degrades_without_neighbours(&router, &d, &mac);
        eprintln!("SKIPPED the rest (following the device as it moves): {why}");
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }

    // The host moves: new address, new lease, and the router learns the new neighbour.
    lan.ip("addr del 192.168.1.140/24 dev lan1");
    lan.ip("addr add 192.168.1.141/24 dev lan1");
    lan.ip("route replace default via 192.168.1.1");
    write_lease(&leases, &mac, "192.168.1.141");
    router.ip(&format!("neigh replace 192.168.1.141 lladdr {mac} dev lan0 nud reachable"));
    let took = wait_for(emulated(Duration::from_secs(5)), "the forward to follow", log, || {
        let l = router.nft_list(map);
        l.contains("192.168.1.141 . 443") && !l.contains("192.168.1.140")
    });
    eprintln!("the forward followed in {took:?}");
    assert_eq!(fetch(&net.name, 8443), Ok("192.168.1.141".to_string()), "log:\n{}", d.log());
    let listing = router.nft_list(map);
    assert_eq!(packets(&listing, "tcp . 9000"), Some(1), "an element update, not a reload:\n{listing}");
    assert_eq!(router.nft_list("-t list table inet homeport"), digest, "the table itself was not rewritten");
    assert!(d.log().contains("forward table follows the devices"), "{}", d.log());
    // The live table's comment is older than its elements now; `status` still knows it
    // is the daemon's table, and shows where the forward points.
    let mut c = Command::new("ip");
    c.args(["netns", "exec", &router.name]).args(support::runner_words()).arg(support::homeport_bin());
    let out = c.args(["status", "--json", "--state-dir"]).arg(dir.join("state")).output().unwrap();
    let status = String::from_utf8_lossy(&out.stdout);
    assert!(status.contains("\"running\": true"), "{status}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(status.contains("\"dest_ip\": \"192.168.1.141\""), "{status}");

    // The device leaves: no lease, no neighbour entry. The forward is inactive and says so.
    write_lease(&leases, &mac, "");
    router.ip("neigh flush dev lan0");
    wait_for(emulated(Duration::from_secs(5)), "the forward to stop", log, || {
        !router.nft_list(map).contains("192.168.1.14")
    });
    let status = dir.join("state/status.json");
    wait_for(emulated(Duration::from_secs(5)), "the status to say why", log, || {
        std::fs::read_to_string(&status).unwrap_or_default().contains("is not on the network since")
    });
    assert!(fetch(&net.name, 8443).is_err(), "nothing answers for a device that is away");
    let log = d.log();
    assert!(
        log.contains(&format!("{mac} is at 192.168.1.141")) && log.contains(&format!("{mac} left the network")),
        "{log}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_neighbour_storm_ends_in_one_consistent_table() {
    require_netns!();
    let router = Netns::new("dv-s");
    wire_alone(&router);
    let mac = "02:00:00:00:00:0a";
    let (dir, leases) = nas_files("hp-dv-storm", mac, "");
    router.ip(&format!("neigh replace 192.168.1.60 lladdr {mac} dev lan0 nud permanent"));
    if let Some(why) = router.neighbours_unavailable() {
        eprintln!("SKIPPED: {why}");
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let d = Daemon::start(&router, &dir, &leases);
    let log = || d.log();
    let map = "list map inet homeport dnat4";
    wait_for(emulated(Duration::from_secs(10)), "the forward to the neighbour's address", log, || {
        router.nft_list(map).contains("192.168.1.60 . 8443")
    });

    // 1,000 changes in one batch: the device's lowest address flips between .50 and .60,
    // other devices come and go on .100-.199. It ends on .50 present, then .50 gone.
    let mut batch = String::new();
    for i in 0..500 {
        if i % 2 == 0 {
            batch.push_str(&format!("neigh replace 192.168.1.50 lladdr {mac} dev lan0 nud reachable\n"));
        } else {
            batch.push_str("neigh del 192.168.1.50 dev lan0\n");
        }
        batch.push_str(&format!(
            "neigh replace 192.168.1.{} lladdr 02:00:00:00:01:{:02x} dev lan0\n",
            100 + i % 100,
            i % 256
        ));
    }
    batch.push_str(&format!("neigh replace 192.168.1.50 lladdr {mac} dev lan0 nud reachable\n"));
    let file = dir.join("storm.batch");
    std::fs::write(&file, &batch).unwrap();
    assert_eq!(batch.lines().count(), 1001);
    let t = Instant::now();
    router.ip(&format!("-batch {}", file.display()));
    let storm = t.elapsed();
    // One `ip` process sends them back to back (about 20-30 ms here); the bound is loose
    // so a loaded machine does not fail the test, the figure is printed below.
    assert!(storm < emulated(Duration::from_secs(5)), "the storm took {storm:?}");
    let took = wait_for(emulated(Duration::from_secs(10)), "the table to settle on .50", log, || {
        router.nft_list(map).contains("192.168.1.50 . 8443")
    });
    let updates = d.log().matches("forward table follows the devices").count();
    eprintln!(
        "1,001 neighbour changes in {storm:?}; the table settled {took:?} later, after {updates} element updates"
    );
    // Settled: one element for the forward, at the final address, and it stays there.
    std::thread::sleep(emulated(Duration::from_millis(500)));
    let listing = router.nft_list(map);
    assert_eq!(listing.matches("comment \"nas\"").count(), 1, "{listing}");
    assert!(listing.contains("192.168.1.50 . 8443"), "{listing}");
    // The daemon is alive and still follows: .50 goes, .60 is the address again.
    router.ip("neigh del 192.168.1.50 dev lan0");
    wait_for(emulated(Duration::from_secs(5)), "the forward back to .60", log, || {
        router.nft_list(map).contains("192.168.1.60 . 8443")
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// A new lease with no neighbour change at all (the lease file is the only news): the
/// forward follows it, whether the file is replaced by rename or rewritten in place as
/// dnsmasq does (truncate, write, the file kept open).
#[test]
fn a_lease_file_change_alone_moves_the_forward() {
    require_netns!();
    let router = Netns::new("dv-l");
    // No IPv6: no link-local address or DAD events that would make the daemon read the
    // leases anyway; the lease file is the only news.
    let v6off = ["-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"];
    assert!(router.exec("sysctl").args(v6off).status().unwrap().success());
    wire_alone(&router);
    let mac = "02:00:00:00:00:0b";
    let (dir, leases) = nas_files("hp-dv-lease", mac, "192.168.1.70");
    let d = Daemon::start(&router, &dir, &leases);
    let log = || d.log();
    let map = "list map inet homeport dnat4";
    wait_for(emulated(Duration::from_secs(10)), "the forward to the lease's address", log, || {
        router.nft_list(map).contains("192.168.1.70 . 8443")
    });
    // Whatever the links' coming up still sends is over before the lease changes.
    std::thread::sleep(Duration::from_secs(2));
    write_lease(&leases, mac, "192.168.1.71");
    let took = wait_for(emulated(Duration::from_secs(5)), "the forward to follow the renamed lease file", log, || {
        router.nft_list(map).contains("192.168.1.71 . 8443")
    });
    eprintln!("followed a renamed lease file in {took:?}");
    // In place, as dnsmasq's lease_update_file does.
    let mut f = std::fs::OpenOptions::new().write(true).open(&leases).unwrap();
    f.set_len(0).unwrap();
    f.write_all(format!("1999999999 {mac} 192.168.1.72 nas *\n").as_bytes()).unwrap();
    f.flush().unwrap();
    let took =
        wait_for(emulated(Duration::from_secs(5)), "the forward to follow the rewritten lease file", log, || {
            router.nft_list(map).contains("192.168.1.72 . 8443")
        });
    eprintln!("followed a lease file rewritten in place in {took:?}");
    drop(f);
    let _ = std::fs::remove_dir_all(&dir);
}
