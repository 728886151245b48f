//! A real BIND 9 (`named`) for end-to-end tests: started on 127.0.0.1 at a free high
//! port, in a temporary directory with its own named.conf, a zone `example.test` and TSIG
//! keys of its own; killed (and its directory removed) when the `Named` guard drops, so
//! also when a test fails. `start_named` errs only when named is not installed.
//!
//! Zone contents at start: `ns` A 127.0.0.1; `host` A 198.51.100.1 and .2, AAAA
//! 2001:db8::1; `keep` TXT "untouched"; `big` 60 A records (too many for a plain UDP
//! answer). Keys: see `KEYS`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use homeport::config::AddrFamily;
use homeport::dns::client::Timeouts;
use homeport::dns::lookup;
use homeport::types::{HostPort, Hostname};

pub const NAMED: &str = "/usr/sbin/named";

/// Keys the server knows: (name, algorithm, base64 secret). `homeport-key*` may update the zone; `readonly-key` may not.
pub const KEYS: [(&str, &str, &str); 4] = [
    ("homeport-key", "hmac-sha256", "7s/wB0eK1VHVUoQQZ5KJiGlpNtQdnrMWP5JivuqMIiU="),
    (
        "homeport-key512",
        "hmac-sha512",
        "rsyWEx2Ic9jVBCjs4A609ZM6aGms3kMTrUMmXOz1WboUKIOGWJ1QN1y4dHbaECYVi5n81GPp8zZkCdzu9lgHDQ==",
    ),
    ("homeport-key1", "hmac-sha1", "Tq5948CP9vm1rIXHuZd5CjU7uC8="),
    ("readonly-key", "hmac-sha256", "2vYd6Vs6q0D1mt6VWLHUMI4wWPYi9bBwO4h7nixmSHA="),
];

/// A running named; Drop kills it and removes its directory.
pub struct Named {
    child: Child,
    pub dir: PathBuf,
    pub port: u16,
}

impl Drop for Named {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Named {
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn server(&self) -> HostPort {
        HostPort::parse(&format!("127.0.0.1:{}", self.port)).unwrap()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("named.log")).unwrap_or_default()
    }
}

/// A port free for both UDP and TCP on 127.0.0.1 right now.
pub fn free_port() -> u16 {
    loop {
        let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn write_config(dir: &Path, port: u16, extra: &str) {
    let mut conf = format!(
        "options {{\n  directory \"{d}\";\n  listen-on port {port} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  \
         pid-file none;\n  session-keyfile none;\n  recursion no;\n  dnssec-validation no;\n  notify no;\n}};\n\
         controls {{ }};\nlogging {{ channel c {{ file \"named.log\"; severity info; print-time yes; }}; category default {{ c; }}; }};\n",
        d = dir.display()
    );
    for (name, alg, secret) in KEYS {
        conf.push_str(&format!("key \"{name}\" {{ algorithm {alg}; secret \"{secret}\"; }};\n"));
    }
    conf.push_str(
        "zone \"example.test\" {\n  type primary;\n  file \"example.test.zone\";\n  \
         allow-update { key \"homeport-key\"; key \"homeport-key512\"; key \"homeport-key1\"; };\n};\n",
    );
    std::fs::write(dir.join("named.conf"), conf).unwrap();

    let mut zone = String::from(
        "$TTL 300\n@ IN SOA ns admin 1 3600 900 604800 60\n@ IN NS ns\nns IN A 127.0.0.1\n\
         host IN A 198.51.100.1\nhost IN A 198.51.100.2\nhost IN AAAA 2001:db8::1\nkeep IN TXT \"untouched\"\n",
    );
    // 60 addresses: an answer of ~1 KB, over the 512 bytes of plain UDP, so it arrives
    // truncated and the client must retry over TCP.
    for i in 1..=60 {
        zone.push_str(&format!("big IN A 203.0.113.{i}\n"));
    }
    zone.push_str(extra);
    std::fs::write(dir.join("example.test.zone"), zone).unwrap();
}

/// `Err` with the reason when named is not installed.
fn installed() -> Result<(), String> {
    if Path::new(NAMED).exists() {
        Ok(())
    } else {
        Err(format!("{NAMED} is not installed (Debian package bind9; make test installs it)"))
    }
}

/// Runs `<command> -g -n 1 -c dir/named.conf`, where `command` is named itself or
/// `ip netns exec NS named`, its stderr to `dir/stderr.log`.
fn spawn(mut command: Command, dir: &Path) -> Child {
    // -g: foreground, log to stderr; -n 1: one worker is plenty; no -u: run as the
    // current user (root in CI, which named allows; for `start_named` an unprivileged
    // user works too because the port is high and the directory is ours).
    command
        .args(["-g", "-n", "1", "-c"])
        .arg(dir.join("named.conf"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("stderr.log")).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {NAMED}: {e}"))
}

/// Whether the server at `server` answers for the zone (`ns.example.test` is 127.0.0.1),
/// asked from the calling thread's namespace.
fn serves_zone(server: &HostPort) -> bool {
    let t = Timeouts { udp: Duration::from_millis(200), udp_attempts: 1, tcp: Duration::from_millis(500) };
    let probe = lookup::lookup_with(&Hostname::parse("ns.example.test").unwrap(), server, AddrFamily::Ipv4, t);
    probe.is_ok_and(|a| a == vec![IpAddr::V4(Ipv4Addr::LOCALHOST)])
}

/// Starts named, or says why it cannot (`Err` only when named is not installed).
pub fn start_named(tag: &str) -> Result<Named, String> {
    installed()?;
    for attempt in 0..3 {
        let dir = std::env::temp_dir().join(format!("homeport-named-{tag}-{}-{attempt}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        write_config(&dir, port, "");
        let child = spawn(Command::new(NAMED), &dir);
        let mut named = Named { child, dir, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = named.child.try_wait() {
                let err = std::fs::read_to_string(named.dir.join("stderr.log")).unwrap_or_default();
                eprintln!("named exited ({status}) on attempt {attempt}:\n{err}");
                break;
            }
            if serves_zone(&named.server()) {
                return Ok(named);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        drop(named);
    }
    panic!("named did not come up in three attempts");
}

/// Starts named inside network namespace `ns` on its 127.0.0.1 port 53 (the namespace's
/// resolv.conf points there: it is the system resolver and the zone's authoritative
/// server in one), the zone holding `extra` records too. `Err` only when named is not
/// installed.
pub fn start_named_in(ns: &str, extra: &str) -> Result<Named, String> {
    installed()?;
    let dir = std::env::temp_dir().join(format!("homeport-named-{ns}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    write_config(&dir, 53, extra);
    // `ip netns exec` execs named: the child is named itself.
    let mut command = Command::new("ip");
    command.args(["netns", "exec", ns, NAMED]);
    let child = spawn(command, &dir);
    let mut named = Named { child, dir, port: 53 };
    let name = ns.to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = named.child.try_wait() {
            let err = std::fs::read_to_string(named.dir.join("stderr.log")).unwrap_or_default();
            panic!("named exited ({status}):\n{err}");
        }
        let (n, server) = (name.clone(), named.server());
        let up = std::thread::spawn(move || {
            super::netns::enter_thread(&n);
            serves_zone(&server)
        })
        .join()
        .unwrap();
        if up {
            return Ok(named);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("named did not come up in namespace {ns}:\n{}", named.log());
}
