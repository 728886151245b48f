//! The router of the forward and pinhole end-to-end tests (tests/device_follow.rs,
//! tests/pinhole.rs): `homeport run` in a namespace with the test's own files, waiting for
//! what it does, and a LAN host's service reached from the "internet" namespace.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::netns::{Netns, enter_thread};

/// `d`, stretched under qemu-user (HOMEPORT_TEST_RUNNER set), where the daemon runs slower.
pub fn emulated(d: Duration) -> Duration {
    if super::runner_words().is_empty() { d } else { d * 5 }
}

/// The namespaces `<tag>-r` (the router), `<tag>-h` (a LAN host) and `<tag>-i` (the
/// internet), wired: the router's `wan0` to the internet's `wan1`, its `lan0` to the
/// host's `lan1` (veth pairs), all four ends up; no addresses yet.
pub fn router_host_internet(tag: &str) -> (Netns, Netns, Netns) {
    let router = Netns::new(&format!("{tag}-r"));
    let host = Netns::new(&format!("{tag}-h"));
    let net = Netns::new(&format!("{tag}-i"));
    router.ip(&format!("link add wan0 type veth peer name wan1 netns {}", net.name));
    router.ip(&format!("link add lan0 type veth peer name lan1 netns {}", host.name));
    for (ns, dev) in [(&router, "wan0"), (&router, "lan0"), (&net, "wan1"), (&host, "lan1")] {
        ns.ip(&format!("link set {dev} up"));
    }
    (router, host, net)
}

/// `homeport run` in the router namespace; killed when dropped.
pub struct Daemon {
    pub child: Child,
    pub dir: PathBuf,
}

impl Daemon {
    /// Runs `homeport run --foreground` in `router` with the configuration `dir/homeport`,
    /// state in `dir/state` and the lease file `leases`; its log goes to `dir/daemon.log`.
    pub fn start(router: &Netns, dir: &Path, leases: &Path) -> Daemon {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &router.name]).args(super::runner_words()).arg(super::homeport_bin());
        c.args(["run", "--foreground", "-c"]).arg(dir.join("homeport")).arg("--state-dir").arg(dir.join("state"));
        c.arg("--leases").arg(leases);
        c.stdout(Stdio::null()).stderr(Stdio::from(std::fs::File::create(dir.join("daemon.log")).unwrap()));
        Daemon { child: c.spawn().expect("start homeport run"), dir: dir.to_path_buf() }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("daemon.log")).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `f` every 20 ms until it holds or `limit` passes (then fails with `what` and
/// `log()`); returns the time it took.
pub fn wait_for(limit: Duration, what: &str, log: impl Fn() -> String, mut f: impl FnMut() -> bool) -> Duration {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < limit, "{what} did not happen within {limit:?}; log:\n{}", log());
        std::thread::sleep(Duration::from_millis(20));
    }
    t.elapsed()
}

/// The LAN host's service on port 443 of `bind` in namespace `ns`: answers each
/// connection with the address it was reached at.
pub fn serve(ns: String, bind: SocketAddr) {
    std::thread::spawn(move || {
        enter_thread(&ns);
        let l = TcpListener::bind(bind).expect("listen on the LAN host");
        for mut s in l.incoming().flatten() {
            let me = s.local_addr().map(|a| a.ip().to_string()).unwrap_or_default();
            let _ = s.write_all(me.as_bytes());
        }
    });
}

/// From namespace `ns` (the internet): connects to `to` and reads the reply.
pub fn fetch(ns: &str, to: SocketAddr) -> Result<String, String> {
    let ns = ns.to_string();
    std::thread::spawn(move || {
        enter_thread(&ns);
        let mut s = TcpStream::connect_timeout(&to, Duration::from_secs(2)).map_err(|e| e.to_string())?;
        s.set_read_timeout(Some(Duration::from_secs(5))).map_err(|e| e.to_string())?;
        let mut out = String::new();
        s.read_to_string(&mut out).map_err(|e| e.to_string())?;
        Ok(out)
    })
    .join()
    .unwrap()
}
