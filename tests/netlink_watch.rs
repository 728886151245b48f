//! The watcher against a real kernel, in a namespace this test creates: it follows
//! addresses as they are added and removed, a device deleted and re-created (as a PPPoE
//! reconnect does), and recovers from lost events (ENOBUFS) by dumping again.

mod support;

use std::net::IpAddr;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use homeport::netlink::Watcher;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use support::netns::{Netns, enter_thread};

/// Reads events until `done(watcher)` holds, or panics after 5 s.
fn wait_until(w: &mut Watcher, what: &str, done: impl Fn(&Watcher) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done(w) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for: {what}; resyncs {}; tables: {:?}",
            w.resyncs,
            w.tables()
        );
        let mut fds = [PollFd::new(w.as_fd(), PollFlags::POLLIN)];
        poll(&mut fds, PollTimeout::from(100u16)).unwrap();
        w.read().unwrap();
    }
}

fn addrs(w: &Watcher, dev: &str) -> Vec<String> {
    let mut v: Vec<String> =
        w.tables().addresses_of(dev).iter().map(|a| format!("{}/{}", a.addr, a.prefix_len)).collect();
    v.sort();
    v
}

/// Runs `body` on a thread that has entered `ns`, with a watcher opened there (the
/// namespace is per thread, so the test's own thread stays where it was).
fn with_watcher_in(ns: &Netns, body: impl FnOnce(&mut Watcher) + Send) {
    let name = ns.name.clone();
    std::thread::scope(|s| {
        s.spawn(move || {
            enter_thread(&name);
            let mut w = Watcher::open().unwrap();
            body(&mut w);
        });
    });
}

#[test]
fn follows_addresses_and_a_recreated_device() {
    require_netns!();
    let ns = Netns::new("nlwatch");
    ns.ip("link add hpw0 type veth peer name hpw1");
    ns.ip("addr add 198.51.100.1/24 dev hpw0");
    with_watcher_in(&ns, |w| {
        // The initial dump already has the first address.
        assert_eq!(addrs(w, "hpw0"), ["198.51.100.1/24"]);

        ns.ip("addr add 198.51.100.2/24 dev hpw0");
        ns.ip("link set hpw0 up");
        ns.ip("link set hpw1 up");
        ns.ip("-6 addr add 2001:db8::2/64 dev hpw0 nodad preferred_lft 100 valid_lft 200");
        wait_until(w, "second v4 and the v6", |w| addrs(w, "hpw0").len() == 3);
        let v6: IpAddr = "2001:db8::2".parse().unwrap();
        let a = w.tables().addresses_of("hpw0").into_iter().find(|a| a.addr == v6).unwrap();
        assert!(a.preferred_lft <= 100 && a.valid_lft <= 200 && a.valid_lft > 150, "{a:?}");
        wait_until(w, "hpw0 running", |w| w.tables().link_by_name("hpw0").is_some_and(|l| l.is_running()));

        ns.ip("addr del 198.51.100.1/24 dev hpw0");
        wait_until(w, "first v4 gone", |w| !addrs(w, "hpw0").contains(&"198.51.100.1/24".into()));

        // Deleted: the device and its addresses disappear.
        let old_index = w.tables().link_by_name("hpw0").unwrap().ifindex;
        ns.ip("link del hpw0");
        wait_until(w, "hpw0 gone", |w| w.tables().link_by_name("hpw0").is_none());
        assert!(addrs(w, "hpw0").is_empty());

        // Re-created with a new address, as pppd does on reconnect.
        ns.ip("link add hpw0 type veth peer name hpw1");
        ns.ip("addr add 203.0.113.5/24 dev hpw0");
        wait_until(w, "hpw0 back", |w| addrs(w, "hpw0") == ["203.0.113.5/24"]);
        assert_ne!(w.tables().link_by_name("hpw0").unwrap().ifindex, old_index);
        assert_eq!(w.resyncs, 0, "no events should have been lost here");
    });
}

#[test]
fn lost_events_are_recovered_by_dumping_again() {
    require_netns!();
    let ns = Netns::new("nlenobufs");
    ns.ip("link add hpe0 type veth peer name hpe1");
    with_watcher_in(&ns, |w| {
        // The smallest buffer the kernel allows overflows after a few dozen messages.
        w.set_receive_buffer(1).unwrap();
        // 300 changes in one `ip -batch`, while nobody reads the socket.
        let mut batch = String::new();
        for i in 0..150 {
            batch.push_str(&format!("addr add 10.9.{}.{}/32 dev hpe0\n", i / 200, i % 200 + 1));
        }
        for i in 0..149 {
            batch.push_str(&format!("addr del 10.9.{}.{}/32 dev hpe0\n", i / 200, i % 200 + 1));
        }
        let path = std::env::temp_dir().join(format!("hp-batch-{}", std::process::id()));
        std::fs::write(&path, batch).unwrap();
        ns.ip(&format!("-batch {}", path.display()));
        std::fs::remove_file(&path).unwrap();
        wait_until(w, "only the last address", |w| addrs(w, "hpe0") == ["10.9.0.150/32"]);
        assert!(w.resyncs >= 1, "the buffer should have overflowed and forced a re-dump");
    });
}
