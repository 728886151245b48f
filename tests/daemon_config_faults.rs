//! `homeport run` given a broken configuration, in a network namespace this test creates
//! (issue 10, items 6, 7 and 8; docs/config.md, "Reloading"):
//! - on SIGHUP a file that does not parse cleanly (garbage, NUL bytes, a typo in a `config`
//!   line, a file over 1 MiB) never replaces the running configuration: the forwards stay,
//!   the daemon lives on, and the status says why the file was not taken;
//! - at start, the sections next to a syntax error are not applied, and status names them.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use homeport::daemon::status_file;
use support::netns::Netns;

/// Generous: under qemu-user the daemon runs 5-20x slower.
const WAIT: Duration = Duration::from_secs(60);

const MAIN: &str = "config homeport 'main'\n\toption device 'wan0'\n\toption debounce '0'\n\n";

fn forward(name: &str, port: u16, dest: &str) -> String {
    format!(
        "config forward '{name}'\n\toption proto 'tcp'\n\toption src_dport '{port}'\n\toption dest_ip '{dest}'\n\
         \toption dest_port '443'\n\n"
    )
}

fn good() -> String {
    [MAIN.to_string(), forward("nas", 8443, "192.168.1.10"), forward("cam", 8554, "192.168.1.20")].concat()
}

/// `good()` with the `config` line of `cam` misspelt: libuci's lenient reader skips that
/// line, and cam's options land in nas (nas would point at the camera).
fn typo() -> String {
    good().replace("config forward 'cam'", "confg forward 'cam'")
}

struct Daemon {
    child: Child,
    dir: PathBuf,
    ns: String,
}

impl Daemon {
    fn start(ns: &Netns, dir: &Path) -> Daemon {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &ns.name]).args(support::runner_words()).arg(support::homeport_bin());
        c.args(["run", "--foreground", "-c"]).arg(dir.join("homeport")).arg("--state-dir").arg(dir.join("state"));
        c.stdout(Stdio::null()).stderr(Stdio::from(std::fs::File::create(dir.join("daemon.log")).unwrap()));
        Daemon { child: c.spawn().expect("start homeport run"), dir: dir.to_path_buf(), ns: ns.name.clone() }
    }

    fn signal(&self, sig: &str) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-s", sig, &pid]).status().unwrap().success());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("daemon.log")).unwrap_or_default()
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    fn table(&self) -> String {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.ns, "nft", "list", "table", "inet", "homeport"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The warnings of status.json, as "code: message" lines.
    fn warnings(&self) -> Vec<String> {
        status_file::read(&self.dir.join("state"))
            .map(|s| s.warnings.iter().map(|w| format!("{}: {}", w.code, w.message)).collect())
            .unwrap_or_default()
    }

    /// Polls until `cond` holds; fails with the log after [`WAIT`].
    fn until(&mut self, what: &str, cond: impl Fn(&Daemon) -> bool) {
        let t = Instant::now();
        while !cond(self) {
            assert!(self.alive(), "homeport died waiting for {what}; log:\n{}", self.log());
            assert!(t.elapsed() < WAIT, "no {what} within {WAIT:?}; log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn setup(tag: &str) -> (Netns, PathBuf) {
    let ns = Netns::new(tag);
    ns.ip("link add wan0 type veth peer name wan1");
    ns.ip("link set wan1 up");
    ns.ip("link set wan0 up");
    ns.ip("addr add 198.51.100.1/24 dev wan0");
    let dir = std::env::temp_dir().join(format!("hp-faults-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    (ns, dir)
}

fn both_forwards(d: &Daemon) -> bool {
    let t = d.table();
    t.contains("192.168.1.10") && t.contains("192.168.1.20")
}

fn reload_refused(d: &Daemon) -> bool {
    d.warnings().iter().any(|w| w.starts_with("reload: configuration not reloaded"))
}

#[test]
fn a_broken_file_on_sighup_keeps_the_running_configuration() {
    require_netns!();
    let (ns, dir) = setup("faults");
    let file = dir.join("homeport");
    std::fs::write(&file, good()).unwrap();
    let mut d = Daemon::start(&ns, &dir);
    d.until("both forwards in the table", both_forwards);

    let nul_bomb = b"a\0\n".repeat(60);
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let too_big = [good().into_bytes(), b"# padding\n".repeat(110_000)].concat();
    let cases: [(&str, Vec<u8>); 4] = [
        ("garbage", garbage),
        ("NUL bytes", nul_bomb),
        ("a typo in a config line", typo().into_bytes()),
        ("a file over 1 MiB", too_big),
    ];
    for (what, bytes) in cases {
        std::fs::write(&file, &bytes).unwrap();
        d.signal("HUP");
        d.until(&format!("the reload of {what} refused in status"), reload_refused);
        assert!(d.alive(), "{what}: homeport died; log:\n{}", d.log());
        assert!(both_forwards(&d), "{what}: the running forwards changed:\n{}\nlog:\n{}", d.table(), d.log());
        assert!(d.log().contains("configuration not reloaded, keeping the running one"), "{what}: {}", d.log());

        // A good file is taken again, and the warning goes.
        std::fs::write(&file, good()).unwrap();
        d.signal("HUP");
        d.until(&format!("the warning about {what} cleared"), |d| !reload_refused(d));
    }

    // A bad section (not a syntax error) is still contained: it alone goes.
    std::fs::write(&file, good().replace("'8554'", "'70000'")).unwrap();
    d.signal("HUP");
    d.until("cam removed", |d| !d.table().contains("192.168.1.20"));
    assert!(d.table().contains("192.168.1.10"), "{}", d.table());
    assert!(!reload_refused(&d));
    d.signal("TERM");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn at_start_the_sections_next_to_a_syntax_error_are_not_applied() {
    require_netns!();
    let (ns, dir) = setup("faultstart");
    std::fs::write(dir.join("homeport"), [typo(), forward("web", 8080, "192.168.1.30")].concat()).unwrap();
    let mut d = Daemon::start(&ns, &dir);
    d.until("web in the table", |d| d.table().contains("192.168.1.30"));
    // nas, which holds cam's options, is not applied: no forward to the camera's address
    // on nas's port, and none to the NAS.
    let table = d.table();
    assert!(!table.contains("192.168.1.20") && !table.contains("192.168.1.10"), "{table}");
    let named = d.warnings().iter().any(|w| {
        w.starts_with("config: error: section @forward[0] ('nas'): not applied because of the syntax error at line 11")
    });
    assert!(named, "{:?}", d.warnings());
    d.signal("TERM");
    let _ = std::fs::remove_dir_all(&dir);
}
