//! Network namespaces that a test creates for itself and removes when dropped.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::process::{Command, Output, Stdio};

pub struct Netns {
    pub name: String,
}

impl Netns {
    /// `ip netns add hp-<tag>-<pid>` with loopback up.
    pub fn new(tag: &str) -> Netns {
        let name = format!("hp-{tag}-{}", std::process::id());
        let _ = Command::new("ip").args(["netns", "del", &name]).output();
        let ok = Command::new("ip").args(["netns", "add", &name]).status().map(|s| s.success()).unwrap_or(false);
        assert!(ok, "ip netns add {name} failed");
        let ns = Netns { name };
        ns.ip("link set lo up");
        ns
    }

    /// Runs `ip -n NS <args>` and panics with its stderr if it fails.
    pub fn ip(&self, args: &str) -> Output {
        let mut c = Command::new("ip");
        c.args(["-n", &self.name]).args(args.split_whitespace());
        let out = c.output().expect("run ip");
        assert!(out.status.success(), "ip -n {} {args}: {}", self.name, String::from_utf8_lossy(&out.stderr));
        out
    }

    /// Runs `ip -n NS <args>`, ignoring failure (for cleanup-like steps).
    pub fn ip_quiet(&self, args: &str) {
        let _ = Command::new("ip").args(["-n", &self.name]).args(args.split_whitespace()).output();
    }

    /// Gives the namespace its own resolv.conf (`ip netns exec` bind-mounts
    /// /etc/netns/NAME/resolv.conf over /etc/resolv.conf): the namespace's loopback, one
    /// try of one second. Without it a program run in the namespace uses the host's
    /// nameserver, which is outside (and unroutable from) the namespace: glibc gives up at
    /// once on ENETUNREACH, but musl's resolver (the cross builds under qemu, and OpenWrt)
    /// waits its full 5 s timeout, longer than the tests wait for the daemon to act.
    pub fn resolver_on_loopback(&self) {
        let dir = std::path::Path::new("/etc/netns").join(&self.name);
        std::fs::create_dir_all(&dir).expect("create /etc/netns/NAME");
        std::fs::write(dir.join("resolv.conf"), "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
            .expect("write the namespace's resolv.conf");
    }

    /// A command run inside the namespace (`ip netns exec NS program …`).
    pub fn exec(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, program]);
        c
    }

    /// The MAC address of device `dev` (`ip -o link show`).
    pub fn mac(&self, dev: &str) -> String {
        let out = self.ip(&format!("-o link show {dev}"));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.split("link/ether ").nth(1).and_then(|r| r.split_whitespace().next()).unwrap().to_string()
    }

    /// What `nft <args>` prints in the namespace (its stdout; empty when it fails).
    pub fn nft_list(&self, args: &str) -> String {
        let out = self.exec("nft").args(args.split_whitespace()).output().expect("nft");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Loads `script` with `nft -f -` in the namespace; panics with nft's stderr if it fails.
    pub fn nft_load(&self, script: &str) {
        use std::io::Write as _;
        let mut c =
            self.exec("nft").args(["-f", "-"]).stdin(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("nft");
        c.stdin.take().expect("stdin").write_all(script.as_bytes()).expect("write nft script");
        let out = c.wait_with_output().expect("nft");
        assert!(out.status.success(), "nft -f: {}\n{script}", String::from_utf8_lossy(&out.stderr));
    }

    /// Why neighbour messages cannot reach this process, when they cannot: probed, not
    /// assumed. qemu-user's netlink translation (`linux-user/fd-trans.c`) knows link, address
    /// and route messages only up to the release that added neighbours (2025): it refuses to
    /// send RTM_GETNEIGH (EOPNOTSUPP) and fails every receive that holds an RTM_NEWNEIGH
    /// (EINVAL). Debian 12's qemu-user 7.2 is such a release. The test binary runs under the
    /// same emulator as the daemon (HOMEPORT_TEST_RUNNER), so its own dump answers for both.
    /// Natively a failing dump is no reason to skip: the test goes on and fails.
    pub fn neighbours_unavailable(&self) -> Option<String> {
        if super::runner_words().is_empty() {
            return None;
        }
        let name = self.name.clone();
        let probe = std::thread::spawn(move || {
            enter_thread(&name);
            homeport::netlink::dump_neighbours()
        });
        match probe.join().unwrap() {
            Ok(_) => None,
            Err(e) => Some(format!(
                "the emulator ({}) cannot pass neighbour messages (RTM_GETNEIGH dump: {e}); \
                 qemu-user translates RTM_*NEIGH only since its 2025 linux-user/fd-trans.c change",
                super::runner_words().join(" ")
            )),
        }
    }
}

/// Moves the calling thread into namespace `name` (network namespaces are per thread), so
/// sockets it opens afterwards see that namespace's devices. Call it on a thread spawned
/// for the purpose.
pub fn enter_thread(name: &str) {
    let f = File::open(format!("/run/netns/{name}")).expect("open netns");
    // SAFETY: setns on a valid namespace fd; affects only this thread.
    let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.name]).output();
        let _ = std::fs::remove_dir_all(std::path::Path::new("/etc/netns").join(&self.name));
    }
}
