//! `homeport apply` and fw4's IPv6 pinhole sets (issue 14 follow-up): after the table it
//! sets the pinholes of device forwards with an IPv6 side, as `homeport run` does; without
//! such a forward it empties the sets; sets fw4 has not declared yet are a warning naming
//! `service firewall reload`, the table is applied all the same. In a namespace this test
//! creates, with a firewall4-shaped `inet fw4` holding only our table-pre include.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::netns::Netns;

const SET: &str = "list set inet fw4 homeport_pinholes6";
const MAC: &str = "52:54:00:12:34:56";
/// 2001:db8:1::/64 + the MAC's modified EUI-64 (RFC 4291 Appendix A): a stable address.
const STABLE: &str = "2001:db8:1:0:5054:ff:fe12:3456";
const STALE: &str = "2001:db8:9::5";

fn apply(ns: &Netns, dir: &Path, family: &str) -> Output {
    std::fs::write(
        dir.join("homeport"),
        format!(
            "config homeport 'main'\n\toption device 'wan0'\n\n\
             config forward 'nas'\n\toption proto 'tcp'\n\toption src_dport '443'\n\
             \toption dest_mac '{MAC}'\n\toption family '{family}'\n"
        ),
    )
    .unwrap();
    let mut c = Command::new("ip");
    c.args(["netns", "exec", &ns.name]).args(support::runner_words()).arg(support::homeport_bin());
    c.args(["apply", "-c"]).arg(dir.join("homeport"));
    for (opt, file) in [("--network", "network"), ("--dhcp", "dhcp"), ("--firewall", "firewall"), ("--includes", "nftables.d")] {
        c.arg(opt).arg(dir.join(file));
    }
    c.output().expect("run homeport apply")
}

fn text(o: &Output) -> String {
    format!("{:?}\nstdout:\n{}\nstderr:\n{}", o.status, String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn apply_sets_and_empties_the_ipv6_pinholes() {
    require_netns!();
    let ns = Netns::new("pha");
    ns.ip("link add wan0 type veth peer name wan1");
    ns.ip("link add lan0 type veth peer name lan1");
    for dev in ["wan0", "wan1", "lan0", "lan1"] {
        ns.ip(&format!("link set {dev} up"));
    }
    ns.ip("addr add 2001:db8:1::1/64 dev lan0 nodad");
    ns.ip(&format!("neigh replace {STABLE} lladdr {MAC} dev lan0 nud reachable"));
    if let Some(why) = ns.neighbours_unavailable() {
        eprintln!("SKIPPED: {why}");
        return;
    }
    let dir = support::fresh_dir("hp-pha");

    // fw4 has not declared the sets: the table is applied, a warning says what to do.
    let out = apply(&ns, &dir, "ipv6");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run 'service firewall reload'"), "{}", text(&out));
    assert!(ns.nft_list("list table inet homeport").contains("homeport"), "{}", text(&out));

    // Declared (with an element left by someone before): exactly the device's pinhole.
    let path = format!(
        "{}/openwrt-package/homeport/files/usr/share/nftables.d/table-pre/30-homeport.nft",
        env!("CARGO_MANIFEST_DIR")
    );
    let decl = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    ns.nft_load(&format!(
        "table inet fw4 {{\n{decl}}}\nadd element inet fw4 homeport_pinholes6 {{ ::/0 . {STALE} . tcp . 80 }}\n"
    ));
    let out = apply(&ns, &dir, "ipv6");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("IPv6 pinholes set in table inet fw4"), "{}", text(&out));
    let set = ns.nft_list(SET);
    assert!(set.contains(&format!("::/0 . {STABLE} . tcp . 443")), "{set}\n{}", text(&out));
    assert!(!set.contains(STALE), "a pinhole no forward wants stayed:\n{set}");

    // IPv4 only now: no forward wants a pinhole, the sets are emptied.
    let out = apply(&ns, &dir, "ipv4");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let set = ns.nft_list(SET);
    assert!(!set.contains("2001:db8"), "a pinhole survived apply without IPv6 forwards:\n{set}");
    let _ = std::fs::remove_dir_all(&dir);
}
