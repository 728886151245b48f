//! Signals that arrive while `nft` is still applying the forward table (issue 10, items 1,
//! 2 and 11), in a network namespace this test creates. A `PATH`-prepended `nft` wrapper
//! sleeps before committing a table that holds forward `web`'s element, then runs the real
//! nft: the window in which a reload or a stop used to race the child.
//!
//! What must hold: one nft child at a time; a reload during an apply is applied after it
//! (so the table ends as the new configuration says); a stop ends the child before it
//! removes the table (so nothing commits after the daemon is gone); and `homeport status`
//! says whether the daemon really runs.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::netns::Netns;

/// How long the wrapper holds a commit of the table with `web` in it.
const SLOW: Duration = Duration::from_secs(3);

/// `d`, stretched under qemu-user (HOMEPORT_TEST_RUNNER set), where the daemon is slower.
fn emulated(d: Duration) -> Duration {
    if support::runner_words().is_empty() { d } else { d * 3 }
}

struct Lab {
    ns: Netns,
    dir: PathBuf,
    child: Option<Child>,
}

impl Lab {
    /// A lab whose wrapper holds commits of `web`'s table.
    fn new(tag: &str) -> Lab {
        Lab::holding(tag, "tcp . 8443")
    }

    /// A lab whose wrapper holds every commit whose script contains `slow_if`.
    fn holding(tag: &str, slow_if: &str) -> Lab {
        let ns = Netns::new(tag);
        ns.ip("link add wan0 type veth peer name wan1");
        ns.ip("link set wan1 up");
        ns.ip("link set wan0 up");
        ns.ip("addr add 198.51.100.1/24 dev wan0");
        ns.resolver_on_loopback();
        let dir = std::env::temp_dir().join(format!("hp-races-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        write_wrapper(&dir, slow_if);
        Lab { ns, dir, child: None }
    }

    fn config(&self, web_enabled: bool) {
        let enabled = if web_enabled { "" } else { "\toption enabled '0'\n" };
        let s = format!(
            "config homeport 'main'\n\toption device 'wan0'\n\toption debounce '0'\n\n\
             config forward 'web'\n\toption proto 'tcp'\n\toption src_dport '8443'\n\
             \toption dest_ip '192.168.1.10'\n\toption dest_port '443'\n{enabled}"
        );
        std::fs::write(self.dir.join("homeport"), s).unwrap();
    }

    /// `homeport run` in the namespace, with the slow wrapper first in `PATH`.
    fn start(&mut self) {
        let path = format!("{}:{}", self.dir.join("bin").display(), std::env::var("PATH").unwrap_or_default());
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns.name]).args(support::runner_words()).arg(support::homeport_bin());
        c.args(["run", "--foreground", "-c"]).arg(self.dir.join("homeport"));
        c.arg("--state-dir").arg(self.dir.join("state")).env("PATH", path);
        c.stdout(Stdio::null()).stderr(Stdio::from(std::fs::File::create(self.dir.join("daemon.log")).unwrap()));
        self.child = Some(c.spawn().expect("start homeport run"));
    }

    fn signal(&self, sig: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        // `ip netns exec` execs the program, so the child pid is homeport's.
        assert!(Command::new("kill").args(["-s", sig, &pid]).status().unwrap().success());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("daemon.log")).unwrap_or_default()
    }

    /// Waits until the wrapper holds a commit of the table with `web` in it.
    fn wait_for_slow_commit(&self) {
        let t = Instant::now();
        while !self.dir.join("slow-started").exists() {
            assert!(t.elapsed() < emulated(Duration::from_secs(10)), "no slow commit began; log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `nft list table inet homeport` in the namespace (the real nft): `None` when absent.
    fn table(&self) -> Option<String> {
        let out = self.ns.exec("nft").args(["list", "table", "inet", "homeport"]).output().unwrap();
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `homeport status --json` in the namespace (its nft is the real one).
    fn status(&self) -> (Output, serde_json::Value) {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns.name]).args(support::runner_words()).arg(support::homeport_bin());
        let out = c.args(["status", "--json", "--state-dir"]).arg(self.dir.join("state")).output().unwrap();
        let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
        (out, v)
    }

    /// The pids the wrapper ran as (each became the real nft) and of its sleeps.
    fn wrapper_pids(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.dir.join("pids")).unwrap_or_default();
        text.split_whitespace().map(String::from).collect()
    }

    fn wait_exit(&mut self, limit: Duration) {
        let t = Instant::now();
        let mut child = self.child.take().unwrap();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "exit {status}; log:\n{}", self.log());
                return;
            }
            assert!(t.elapsed() < limit, "homeport did not exit within {limit:?}; log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `bin/nft`: records its pid, and before committing (`-f`, not `-c`) a script that
/// contains `slow_if` sleeps [`SLOW`] (marking that it does); then execs the real nft.
fn write_wrapper(dir: &Path, slow_if: &str) {
    let real = ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("/usr/sbin/nft");
    let d = dir.display();
    let script = format!(
        "#!/bin/sh\n\
         echo $$ >>'{d}/pids'\n\
         case \" $* \" in *' -c '*|*' list '*) exec {real} \"$@\";; esac\n\
         tmp=$(mktemp)\n\
         cat >\"$tmp\"\n\
         exec 3<\"$tmp\"\n\
         rm -f \"$tmp\"\n\
         if grep -q '{slow_if}' <&3; then\n\
         \ttouch '{d}/slow-started'\n\
         \tsleep {secs} &\n\
         \techo $! >>'{d}/pids'\n\
         \twait $!\n\
         fi\n\
         exec {real} \"$@\" </proc/self/fd/3\n",
        secs = SLOW.as_secs(),
    );
    let path = dir.join("bin/nft");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
}

/// Alive and not a zombie waiting for its parent.
fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit_once(')').is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')))
}

#[test]
fn sighup_during_a_slow_apply_ends_with_the_new_configuration_in_the_kernel() {
    require_netns!();
    let mut lab = Lab::new("racehup");
    lab.config(true);
    lab.start();
    lab.wait_for_slow_commit();
    // The admin disables `web` while its table is still being committed.
    lab.config(false);
    lab.signal("HUP");

    // Past the wrapper's sleep and the queued apply after it.
    std::thread::sleep(SLOW + emulated(Duration::from_secs(3)));
    let t = Instant::now();
    let listing = loop {
        let listing = lab.table().unwrap_or_default();
        let status: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(lab.dir.join("state/status.json")).unwrap_or_default())
                .unwrap_or_default();
        if !listing.contains("tcp . 8443") && status["forwards"][0]["active"] == false {
            break listing;
        }
        assert!(
            t.elapsed() < emulated(Duration::from_secs(5)),
            "the disabled forward is still in the kernel, or status disagrees:\n{listing}\n{status}\nlog:\n{}",
            lab.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(listing.contains("comment \"homeport "), "the table itself stays:\n{listing}");
    // And it stays so: nothing older commits later.
    std::thread::sleep(emulated(Duration::from_secs(1)));
    assert!(!lab.table().unwrap_or_default().contains("tcp . 8443"), "log:\n{}", lab.log());

    // The log says what the kernel got, in order: `web`'s table, then the one without it.
    let log = lab.log();
    let applied: Vec<&str> = log.lines().filter(|l| l.contains("forward table applied")).collect();
    assert_eq!(applied.last().map(|l| l.contains("(0 forwards)")), Some(true), "log:\n{log}");

    // The daemon runs and its table is live: status says so, `web` is disabled.
    let (out, status) = lab.status();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(status["running"], true, "{status}");
    assert_eq!(status["forwards"][0]["reason"], "disabled", "{status}");
    lab.signal("TERM");
    lab.wait_exit(emulated(Duration::from_secs(10)));
    eprintln!("daemon log:\n{}", lab.log());
}

#[test]
fn sigterm_during_a_slow_apply_leaves_no_table_and_no_nft_behind() {
    require_netns!();
    let mut lab = Lab::new("raceterm");
    lab.config(true);
    lab.start();
    lab.wait_for_slow_commit();
    lab.signal("TERM");
    lab.wait_exit(emulated(Duration::from_secs(10)));

    // Longer than the wrapper's sleep: an orphaned nft would have committed by now.
    std::thread::sleep(SLOW + Duration::from_secs(2));
    assert_eq!(lab.table(), None, "the table came back after the daemon left; log:\n{}", lab.log());
    let left: Vec<String> = lab.wrapper_pids().into_iter().filter(|p| alive(p)).collect();
    assert!(left.is_empty(), "nft (or its wrapper) outlived the daemon: pids {left:?}; log:\n{}", lab.log());

    // status tells a stopped daemon from a running one: exit 1, every forward inactive.
    let (out, status) = lab.status();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(status["running"], false, "{status}");
    assert_eq!(status["forwards"][0]["active"], false, "{status}");
    assert_eq!(status["forwards"][0]["reason"], "homeport is not running", "{status}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("homeport is not running"), "{out:?}");
    eprintln!("daemon log:\n{}", lab.log());
}

/// procd sends SIGKILL when a stop takes longer than its term_timeout: the daemon cannot
/// act then, but its nft child must not commit after it is gone.
#[test]
fn a_daemon_killed_outright_takes_its_slow_nft_with_it() {
    require_netns!();
    let mut lab = Lab::new("racekill");
    lab.config(true);
    lab.start();
    lab.wait_for_slow_commit();
    lab.signal("KILL");
    let mut child = lab.child.take().unwrap();
    let _ = child.wait();

    std::thread::sleep(SLOW + Duration::from_secs(2));
    assert_eq!(lab.table(), None, "the slow commit happened after the daemon was killed; log:\n{}", lab.log());
    let left: Vec<String> = lab.wrapper_pids().into_iter().filter(|p| alive(p)).collect();
    assert!(left.is_empty(), "nft (or its wrapper) outlived the daemon: pids {left:?}");
}

/// While a reload waits for a slow apply and then is slow itself, status.json shows what
/// the kernel has at each moment: `web` active (with a warning) once the first commit put
/// it there, inactive once the second removed it.
#[test]
fn status_follows_the_kernel_while_a_reload_waits_for_an_apply() {
    require_netns!();
    // Every commit of a whole table is slow (the stop's removal is not).
    let mut lab = Lab::holding("racestat", "chain ");
    lab.config(true);
    lab.start();
    lab.wait_for_slow_commit();
    lab.config(false);
    lab.signal("HUP");

    let read_status = || -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(lab.dir.join("state/status.json")).unwrap_or_default())
            .unwrap_or_default()
    };
    let web_active = |s: &serde_json::Value| s["forwards"][0]["active"] == true;
    let apply_warning =
        |s: &serde_json::Value| s["warnings"].as_array().is_some_and(|w| w.iter().any(|w| w["code"] == "apply"));
    // Until the first commit, the kernel has no table of ours: `web` is not active.
    let t = Instant::now();
    while !lab.table().unwrap_or_default().contains("tcp . 8443") {
        let s = read_status();
        assert!(!web_active(&s), "web shown active before the kernel had it: {s}");
        assert!(t.elapsed() < SLOW + emulated(Duration::from_secs(5)), "web never committed; log:\n{}", lab.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    // The first commit is in: status follows while the re-read configuration is applied.
    let t = Instant::now();
    loop {
        let s = read_status();
        if web_active(&s) && apply_warning(&s) {
            break;
        }
        assert!(
            lab.table().unwrap_or_default().contains("tcp . 8443") && t.elapsed() < SLOW,
            "the kernel had web, status never said so: {s}\nlog:\n{}",
            lab.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Then the second commit removes it, and status says that, without the warning.
    let t = Instant::now();
    loop {
        let s = read_status();
        if !lab.table().unwrap_or_default().contains("tcp . 8443") && !web_active(&s) && !apply_warning(&s) {
            assert_eq!(s["forwards"][0]["reason"], "disabled", "{s}");
            break;
        }
        assert!(t.elapsed() < SLOW + emulated(Duration::from_secs(5)), "{s}\nlog:\n{}", lab.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    lab.signal("TERM");
    lab.wait_exit(emulated(Duration::from_secs(10)));
}
