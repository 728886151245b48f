//! IPv6 pinholes seen by the commands besides `homeport run` (issue 14 follow-up), in a
//! namespace this test creates, with a firewall4-shaped `inet fw4` holding only our
//! table-pre include. `homeport apply` sets the pinholes of device forwards with an IPv6
//! side after the table, as the daemon does; without such a forward it empties the sets;
//! sets fw4 has not declared yet are a warning naming `service firewall reload`, the
//! table is applied all the same. `homeport status` shows the addresses a forward's
//! pinholes are open to, or why there are none; `homeport doctor` checks the live set
//! holds them.

mod support;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use support::netns::Netns;
use support::router::{Daemon, emulated, wait_for};

const SET: &str = "list set inet fw4 homeport_pinholes6";
const MAC: &str = "52:54:00:12:34:56";
/// 2001:db8:1::/64 + the MAC's modified EUI-64 (RFC 4291 Appendix A): a stable address.
const STABLE: &str = "2001:db8:1:0:5054:ff:fe12:3456";
const STALE: &str = "2001:db8:9::5";

/// A router namespace: a LAN (`lan0`, 2001:db8:1::1/64) where the device with [`MAC`]
/// is a neighbour at its stable address, and a WAN device `wan0`. `None` (the reason
/// printed) when the emulator cannot pass neighbour messages.
fn router(tag: &str) -> Option<Netns> {
    let ns = Netns::new(tag);
    ns.ip("link add wan0 type veth peer name wan1");
    ns.ip("link add lan0 type veth peer name lan1");
    for dev in ["wan0", "wan1", "lan0", "lan1"] {
        ns.ip(&format!("link set {dev} up"));
    }
    ns.ip("addr add 2001:db8:1::1/64 dev lan0 nodad");
    ns.ip(&format!("neigh replace {STABLE} lladdr {MAC} dev lan0 nud reachable"));
    if let Some(why) = ns.neighbours_unavailable() {
        eprintln!("SKIPPED: {why}");
        return None;
    }
    Some(ns)
}

/// fw4's table as its table-pre include makes it, with `extra` after it.
fn fw4_sets(ns: &Netns, extra: &str) {
    let path = format!(
        "{}/openwrt-package/homeport/files/usr/share/nftables.d/table-pre/30-homeport.nft",
        env!("CARGO_MANIFEST_DIR")
    );
    let decl = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    ns.nft_load(&format!("table inet fw4 {{\n{decl}}}\n{extra}"));
}

/// The configuration: forward 'nas' to [`MAC`] with `family`, and 'gone' to a device
/// that is not on the network.
fn configure(dir: &Path, family: &str) {
    std::fs::write(
        dir.join("homeport"),
        format!(
            "config homeport 'main'\n\toption device 'wan0'\n\n\
             config forward 'nas'\n\toption proto 'tcp'\n\toption src_dport '443'\n\
             \toption dest_mac '{MAC}'\n\toption family '{family}'\n\n\
             config forward 'gone'\n\toption proto 'tcp'\n\toption src_dport '8022'\n\toption dest_port '22'\n\
             \toption dest_mac '52:54:00:ab:cd:ef'\n\toption family '{family}'\n"
        ),
    )
    .unwrap();
}

fn apply(ns: &Netns, dir: &Path, family: &str) -> Output {
    configure(dir, family);
    let mut c = Command::new("ip");
    c.args(["netns", "exec", &ns.name]).args(support::runner_words()).arg(support::homeport_bin());
    c.args(["apply", "-c"]).arg(dir.join("homeport"));
    for (opt, file) in
        [("--network", "network"), ("--dhcp", "dhcp"), ("--firewall", "firewall"), ("--includes", "nftables.d")]
    {
        c.arg(opt).arg(dir.join(file));
    }
    c.output().expect("run homeport apply")
}

/// `homeport doctor --offline nas` on the configuration [`apply`] last wrote.
fn doctor(ns: &Netns, dir: &Path) -> String {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", &ns.name]).args(support::runner_words()).arg(support::homeport_bin());
    c.args(["doctor", "--offline", "-c"]).arg(dir.join("homeport")).arg("--state-dir").arg(dir.join("state"));
    for (opt, file) in
        [("--network", "network"), ("--dhcp", "dhcp"), ("--firewall", "firewall"), ("--includes", "nftables.d")]
    {
        c.arg(opt).arg(dir.join(file));
    }
    text(&c.arg("nas").output().expect("run homeport doctor"))
}

fn text(o: &Output) -> String {
    format!(
        "{:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn apply_sets_and_empties_the_ipv6_pinholes() {
    require_netns!();
    let Some(ns) = router("pha") else { return };
    let dir = support::fresh_dir("hp-pha");

    // fw4 has not declared the sets: the table is applied, a warning says what to do.
    let out = apply(&ns, &dir, "ipv6");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run 'service firewall reload'"), "{}", text(&out));
    assert!(ns.nft_list("list table inet homeport").contains("homeport"), "{}", text(&out));

    // Declared (with an element left by someone before): exactly the device's pinhole.
    fw4_sets(&ns, &format!("add element inet fw4 homeport_pinholes6 {{ ::/0 . {STALE} . tcp . 80 }}\n"));
    let out = apply(&ns, &dir, "ipv6");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("IPv6 pinholes set in table inet fw4"), "{}", text(&out));
    let set = ns.nft_list(SET);
    assert!(set.contains(&format!("::/0 . {STABLE} . tcp . 443")), "{set}\n{}", text(&out));
    assert!(!set.contains(STALE), "a pinhole no forward wants stayed:\n{set}");
    // doctor reads the live set: the pinhole is there; then gone (a flushed set); then
    // the set itself is gone (fw4 restarted without our include).
    let d = doctor(&ns, &dir);
    assert!(d.contains(&format!("ok      forward 'nas': its IPv6 pinholes are open to {STABLE} (port 443)")), "{d}");
    ns.nft_load("flush set inet fw4 homeport_pinholes6\n");
    let d = doctor(&ns, &dir);
    assert!(
        d.contains(&format!(
            "problem forward 'nas': table inet fw4's set homeport_pinholes6 has no pinhole to {STABLE} tcp port 443"
        )),
        "{d}"
    );
    ns.nft_load("delete table inet fw4\n");
    let d = doctor(&ns, &dir);
    assert!(d.contains("problem forward 'nas': its IPv6 pinholes to 52:54:00:12:34:56 are not open: table inet fw4 has no set homeport_pinholes6; run service firewall reload"), "{d}");
    fw4_sets(&ns, "");

    // IPv4 only now: no forward wants a pinhole, the sets are emptied.
    let out = apply(&ns, &dir, "ipv4");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("IPv6 pinholes set"), "{}", text(&out));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let set = ns.nft_list(SET);
    assert!(!set.contains("2001:db8"), "a pinhole survived apply without IPv6 forwards:\n{set}");

    // `enabled '0'`: apply removes our table and closes the pinholes too.
    let out = apply(&ns, &dir, "ipv6");
    assert!(ns.nft_list(SET).contains(STABLE), "{}", text(&out));
    let cfg = std::fs::read_to_string(dir.join("homeport")).unwrap();
    std::fs::write(dir.join("homeport"), cfg.replacen("'wan0'\n", "'wan0'\n\toption enabled '0'\n", 1)).unwrap();
    let mut c = Command::new("ip");
    c.args(["netns", "exec", &ns.name]).args(support::runner_words()).arg(support::homeport_bin());
    let out = c.args(["apply", "-c"]).arg(dir.join("homeport")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let set = ns.nft_list(SET);
    assert!(!set.contains("2001:db8"), "a pinhole survived apply with enabled '0':\n{set}\n{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn status_shows_where_the_pinholes_are_open() {
    require_netns!();
    let Some(ns) = router("phs") else { return };
    let dir = support::fresh_dir("hp-phs");
    configure(&dir, "any");
    let leases = dir.join("dhcp.leases");
    std::fs::write(&leases, "").unwrap();
    let mut d = Daemon::start(&ns, &dir, &leases);
    let log = || std::fs::read_to_string(dir.join("daemon.log")).unwrap_or_default();
    let status = || std::fs::read_to_string(dir.join("state/status.json")).unwrap_or_default();

    // No sets in fw4 yet: none open, and why.
    wait_for(emulated(Duration::from_secs(10)), "status to say the sets are missing", log, || {
        status().contains("table inet fw4 has no pinhole sets: service firewall reload declares them")
    });
    fw4_sets(&ns, "");
    let pid = d.child.id().to_string();
    assert!(Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    wait_for(emulated(Duration::from_secs(10)), "status to show the pinhole's address", log, || {
        status().contains(&format!("\"pinholes\": [\n        \"{STABLE}\"\n      ]"))
    });
    let s = status();
    assert!(s.contains("52:54:00:ab:cd:ef has no stable global IPv6 address"), "{s}");

    let mut c = Command::new("ip");
    c.args(["netns", "exec", &ns.name]).args(support::runner_words()).arg(support::homeport_bin());
    let out = c.args(["status", "--state-dir"]).arg(dir.join("state")).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("    IPv6 pinholes open to {STABLE}\n")), "{text}");
    assert!(text.contains("    no IPv6 pinhole: 52:54:00:ab:cd:ef has no stable global IPv6 address\n"), "{text}");
    let _ = d.child.kill();
    let _ = d.child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
