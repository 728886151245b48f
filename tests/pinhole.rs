//! IPv6 pinholes to a device (issue 14), end to end in namespaces this test creates: a
//! router (`homeport run`, real nft, a firewall4-shaped `inet fw4` table whose forward
//! policy is drop, with homeport's fw4 includes placed where fw4 puts them), a LAN host
//! and an "internet" host. The LAN prefix changes (old one deprecated, new one added on
//! router and host): the pinhole follows to the host's new EUI-64 address and real TCP
//! from the internet reaches it; the old address and a temporary (random IID) address are
//! never opened; after a simulated `fw4 restart` and its SIGHUP the pinhole is back;
//! after the daemon stops nothing is open.

mod support;

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use support::router::{Daemon, emulated, router_host_internet, serve, wait_for};

/// firewall4's table as `fw4 restart` loads it (delete, declare), with the shipped
/// includes at fw4's places: `table-pre` before the chains, `chain-post/forward_wan` at
/// the end of `forward_wan` before its policy jump.
fn fw4(header: &str) -> String {
    let inc = |p: &str| {
        let path = format!("{}/openwrt-package/homeport/files/usr/share/nftables.d/{p}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    format!(
        "table inet fw4\n{header}\ntable inet fw4 {{\n{}\n\
         chain forward {{\n type filter hook forward priority filter; policy drop;\n\
         ct state vmap {{ established : accept, related : accept }}\n\
         iifname \"lan0\" jump forward_lan\n iifname \"wan0\" jump forward_wan\n jump handle_reject\n}}\n\
         chain handle_reject {{\n meta l4proto tcp reject with tcp reset\n reject\n}}\n\
         chain forward_lan {{\n accept\n}}\n\
         chain forward_wan {{\n{}\n jump drop_to_wan\n}}\n\
         chain drop_to_wan {{\n oifname \"wan0\" drop\n}}\n}}\n",
        inc("table-pre/30-homeport.nft"),
        inc("chain-post/forward_wan/30-homeport.nft"),
    )
}

/// `prefix::` + the MAC's modified EUI-64 (RFC 4291 Appendix A), as `ip` and nft print it.
fn eui64(prefix: &str, mac: &str) -> String {
    let b: Vec<u8> = mac.split(':').map(|x| u8::from_str_radix(x, 16).unwrap()).collect();
    let a: std::net::Ipv6Addr =
        format!("{prefix}:{:02x}{:02x}:{:02x}ff:fe{:02x}:{:02x}{:02x}", b[0] ^ 2, b[1], b[2], b[3], b[4], b[5])
            .parse()
            .unwrap();
    a.to_string()
}

/// From the internet namespace, straight to port 443 of the host's address (no NAT).
fn fetch(ns: &str, to: &str) -> Result<String, String> {
    support::router::fetch(ns, SocketAddr::new(to.parse().unwrap(), 443))
}

#[test]
fn an_ipv6_pinhole_follows_the_device_across_a_prefix_change() {
    require_netns!();
    let (router, host, net) = router_host_internet("ph");
    router.ip("addr add 2001:db8:ff::1/64 dev wan0 nodad");
    net.ip("addr add 2001:db8:ff::2/64 dev wan1 nodad");
    net.ip("route add default via 2001:db8:ff::1");
    router.ip("addr add 2001:db8:1::1/64 dev lan0 nodad");
    let ok = router.exec("sysctl").args(["-qw", "net.ipv6.conf.all.forwarding=1"]).status().unwrap();
    assert!(ok.success());
    let mac = host.mac("lan1");
    let (old, new) = (eui64("2001:db8:1:0", &mac), eui64("2001:db8:2:0", &mac));
    // Temporary addresses (RFC 8981): random interface identifiers.
    let (temp1, temp2) = ("2001:db8:1:0:5d1e:7a3b:91c2:4f0d", "2001:db8:2:0:3c4d:9e2f:a1b7:66e1");
    for a in [&old as &str, temp1] {
        host.ip(&format!("addr add {a}/64 dev lan1 nodad"));
        router.ip(&format!("neigh replace {a} lladdr {mac} dev lan0 nud reachable"));
    }
    host.ip("route add default via 2001:db8:1::1");

    let dir = support::fresh_dir("hp-ph");
    std::fs::write(
        dir.join("homeport"),
        format!(
            "config homeport 'main'\n\toption device 'wan0'\n\n\
             config forward 'nas'\n\toption proto 'tcp'\n\toption src_dport '443'\n\
             \toption dest_mac '{mac}'\n\toption family 'ipv6'\n"
        ),
    )
    .unwrap();
    let leases = dir.join("dhcp.leases");
    std::fs::write(&leases, "").unwrap();
    if let Some(why) = router.neighbours_unavailable() {
        // Stable addresses are known from neighbour entries (or DHCPv6 leases) only.
        eprintln!("SKIPPED: {why}");
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let mut d = Daemon::start(&router, &dir, &leases);
    let log = || std::fs::read_to_string(dir.join("daemon.log")).unwrap_or_default();
    serve(host.name.clone(), "[::]:443".parse().unwrap());

    // Installed before fw4 loaded the includes: the sets are not there yet. Status says
    // so; fw4's reload (and the SIGHUP of its script include) brings the pinhole.
    let status = dir.join("state/status.json");
    wait_for(emulated(Duration::from_secs(10)), "the status to say the pinholes are not set", log, || {
        std::fs::read_to_string(&status).unwrap_or_default().contains("the IPv6 pinholes could not be set")
    });
    router.nft_load(&fw4(""));
    let pid = d.child.id().to_string();
    assert!(Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    let set = "list set inet fw4 homeport_pinholes6";
    wait_for(emulated(Duration::from_secs(10)), "the pinhole to the EUI-64 address", log, || {
        router.nft_list(set).contains(&format!("::/0 . {old} . tcp . 443"))
    });
    assert_eq!(fetch(&net.name, &old), Ok(old.clone()), "log:\n{}", d.log());
    assert!(!router.nft_list(set).contains(temp1), "a temporary address was opened:\n{}", router.nft_list(set));
    assert!(fetch(&net.name, temp1).is_err(), "the temporary address is reachable");

    // The prefix changes: the old one deprecated on the router, the new one added on
    // router and host (as an RA with the new prefix makes SLAAC do), and the router
    // learns the host's new addresses.
    let t = Instant::now();
    router.ip("addr change 2001:db8:1::1/64 dev lan0 preferred_lft 0");
    router.ip("addr add 2001:db8:2::1/64 dev lan0 nodad");
    host.ip(&format!("addr change {old}/64 dev lan1 preferred_lft 0"));
    for a in [&new as &str, temp2] {
        host.ip(&format!("addr add {a}/64 dev lan1 nodad"));
        router.ip(&format!("neigh replace {a} lladdr {mac} dev lan0 nud reachable"));
    }
    host.ip("route replace default via 2001:db8:2::1");
    wait_for(emulated(Duration::from_secs(5)), "the pinhole to follow the prefix", log, || {
        let l = router.nft_list(set);
        l.contains(&format!(". {new} . tcp . 443")) && !l.contains(&old)
    });
    eprintln!("the pinhole followed the prefix change in {:?}", t.elapsed());
    let l = router.nft_list(set);
    assert!(!l.contains(temp1) && !l.contains(temp2), "a temporary address was opened:\n{l}");
    assert_eq!(fetch(&net.name, &new), Ok(new.clone()), "log:\n{}", d.log());
    assert!(fetch(&net.name, &old).is_err(), "the deprecated address is still open");
    assert!(fetch(&net.name, temp2).is_err(), "the temporary address is reachable");

    // `fw4 reload` flushes its table: the set keeps its elements (nft's `flush table`
    // leaves sets alone). `fw4 restart` deletes it: empty until the script include's
    // SIGHUP makes the daemon put the pinholes back.
    router.nft_load(&fw4("flush table inet fw4"));
    assert!(router.nft_list(set).contains(&new), "fw4 reload emptied the set:\n{}", router.nft_list(set));
    router.nft_load(&fw4("delete table inet fw4"));
    assert!(!router.nft_list(set).contains(&new));
    assert!(Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    wait_for(emulated(Duration::from_secs(5)), "the pinhole back after fw4 restart", log, || {
        router.nft_list(set).contains(&new)
    });
    assert_eq!(fetch(&net.name, &new), Ok(new.clone()), "log:\n{}", d.log());

    // Stopped: nothing open.
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let t = Instant::now();
    while d.child.try_wait().unwrap().is_none() {
        assert!(t.elapsed() < emulated(Duration::from_secs(10)), "the daemon did not stop:\n{}", d.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    let l = router.nft_list(set);
    assert!(!l.contains("2001:db8"), "a pinhole survived the stop:\n{l}");
    assert!(fetch(&net.name, &new).is_err(), "the device is reachable after the stop");
    assert_eq!(d.log().matches("setting the IPv6 pinholes in table inet fw4 failed").count(), 1, "{}", d.log());
    let _ = std::fs::remove_dir_all(&dir);
}
