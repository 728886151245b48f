//! The event loop itself, in a network namespace this test creates, with a fake engine
//! and a fake forward table plugged into its interfaces: what it tells them, when, and how
//! it handles signals. (`homeport run` end to end, with real providers and nft, is in
//! tests/daemon_run.rs.)

mod support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use homeport::config::{LogLevel, MainSettings};
use homeport::daemon::{self, Configure, Ddns, Forwards, JobOutput, Options, Rules, Setup, UpdateJob, WanSnapshot};
use homeport::status::{HostStatus, Warning};
use homeport::types::{IfName, Interval, UciName};
use homeport::uci::Package;
use support::netns::{Netns, enter_thread};

#[derive(Debug, Clone, PartialEq)]
enum Seen {
    /// wan_changed: present, sorted addresses.
    Wan(bool, Vec<String>),
    /// A host's job ran to completion with this address list.
    Done(usize, Vec<String>),
    Applied(String),
    /// An apply job ran and failed (the fake's failure budget was not yet spent).
    ApplyFailed(String),
    Removed,
    Loaded,
}

struct FakeDdns {
    tx: Sender<Seen>,
    /// Host 0's jobs wait on this until the test releases them: a hung provider.
    hang: Arc<Mutex<Receiver<()>>>,
    hosts: usize,
}

/// The snapshot's addresses, without the IPv6 link-local one the kernel adds to every
/// device that comes up.
fn addrs(s: &WanSnapshot) -> Vec<String> {
    let mut v: Vec<String> = s.addrs.iter().map(|a| a.addr.to_string()).filter(|a| !a.starts_with("fe80:")).collect();
    v.sort();
    v
}

impl Ddns for FakeDdns {
    fn wan_changed(&mut self, wan: &WanSnapshot, _now: SystemTime) -> Vec<UpdateJob> {
        let _ = self.tx.send(Seen::Wan(wan.present, addrs(wan)));
        (0..self.hosts)
            .map(|host| {
                let tx = self.tx.clone();
                let hang = Arc::clone(&self.hang);
                let list = addrs(wan);
                UpdateJob {
                    host,
                    summary: format!("host {host}: {list:?}"),
                    run: Box::new(move || -> JobOutput {
                        if host == 0 {
                            let _ = hang.lock().unwrap().recv_timeout(Duration::from_secs(20));
                        }
                        let _ = tx.send(Seen::Done(host, list));
                        Box::new(())
                    }),
                }
            })
            .collect()
    }

    fn finished(&mut self, _host: usize, _output: JobOutput, _now: SystemTime) -> Vec<UpdateJob> {
        Vec::new()
    }

    fn tick(&mut self, _now: SystemTime) -> Vec<UpdateJob> {
        Vec::new()
    }

    fn next_wakeup(&self) -> Option<SystemTime> {
        None
    }

    fn status(&self) -> (Vec<HostStatus>, Vec<Warning>) {
        (Vec::new(), Vec::new())
    }
}

struct FakeForwards {
    tx: Sender<Seen>,
    /// How many apply jobs fail before they succeed.
    fail: Arc<AtomicUsize>,
}

impl Forwards for FakeForwards {
    fn render(&self, wan_devices: &[IfName]) -> Rules {
        let text: Vec<String> = wan_devices.iter().map(|d| d.to_string()).collect();
        let text = text.join(",");
        Rules {
            text: Some(text.clone()),
            digest: text,
            frame: None,
            elements: Vec::new(),
            pinholes: None,
            forwards: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn apply_job(&self, rules: &Rules, _force: bool) -> Box<dyn FnOnce() -> Result<(), String> + Send> {
        let tx = self.tx.clone();
        let text = rules.text.clone().unwrap_or_default();
        let fail = Arc::clone(&self.fail);
        Box::new(move || {
            if fail.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
                let _ = tx.send(Seen::ApplyFailed(text));
                return Err("nft: No such file or directory (a fake failure)".into());
            }
            let _ = tx.send(Seen::Applied(text));
            Ok(())
        })
    }

    fn update_job(&self, script: String) -> Box<dyn FnOnce() -> Result<(), String> + Send> {
        // The fake renders no device forwards, so the loop never asks for an update.
        Box::new(move || Err(format!("unexpected element update: {script}")))
    }

    fn follows_devices(&self) -> bool {
        false
    }

    fn devices_changed(&mut self, _tables: &homeport::netlink::Tables) -> bool {
        false
    }

    fn remove(&self) -> Result<(), String> {
        let _ = self.tx.send(Seen::Removed);
        Ok(())
    }

    fn end_applying(&self) -> bool {
        // The fake's applies run no child process.
        false
    }
}

struct FakeConfig {
    tx: Sender<Seen>,
    hang: Arc<Mutex<Receiver<()>>>,
    debounce: u64,
    hosts: usize,
    fail_applies: Arc<AtomicUsize>,
}

impl Configure for FakeConfig {
    fn load(&mut self) -> Result<Setup, String> {
        let _ = self.tx.send(Seen::Loaded);
        Ok(Setup {
            main: MainSettings {
                enabled: true,
                interface: UciName::parse("wan").unwrap(),
                device: Some(IfName::parse("hpd0").unwrap()),
                zone: UciName::parse("wan").unwrap(),
                debounce: Interval::from_secs(self.debounce),
                log_level: LogLevel::Info,
                probe: None,
                authoritative: false,
            },
            ddns: Box::new(FakeDdns { tx: self.tx.clone(), hang: Arc::clone(&self.hang), hosts: self.hosts }),
            forwards: Box::new(FakeForwards { tx: self.tx.clone(), fail: Arc::clone(&self.fail_applies) }),
            diagnostics: Vec::new(),
        })
    }

    fn load_network(&self, _path: &Path) -> Result<Package, String> {
        Err("not used: the device is configured".into())
    }
}

/// A running loop on its own thread inside the namespace.
struct Running {
    rx: Receiver<Seen>,
    tid: libc::pid_t,
    thread: Option<std::thread::JoinHandle<Result<(), String>>>,
    release: Sender<()>,
    state_dir: std::path::PathBuf,
}

impl Running {
    fn start(ns: &Netns, debounce: u64, hosts: usize) -> Running {
        Running::start_failing(ns, debounce, hosts, 0)
    }

    /// As `start`, with the first `fail_applies` apply jobs failing.
    fn start_failing(ns: &Netns, debounce: u64, hosts: usize, fail_applies: usize) -> Running {
        let (tx, rx) = channel();
        let (release, hang) = channel();
        let (tid_tx, tid_rx) = channel();
        let name = ns.name.clone();
        let state_dir = std::env::temp_dir().join(format!("hp-loop-{}-{}", std::process::id(), ns.name));
        let opts =
            Options { state_dir: state_dir.clone(), dry_run: false, wan_sources: homeport::wan::Sources::openwrt() };
        let thread = std::thread::spawn(move || {
            enter_thread(&name);
            // SAFETY: gettid has no preconditions.
            tid_tx.send(unsafe { libc::gettid() }).unwrap();
            let fail_applies = Arc::new(AtomicUsize::new(fail_applies));
            let mut cfg = FakeConfig { tx, hang: Arc::new(Mutex::new(hang)), debounce, hosts, fail_applies };
            daemon::run(&opts, &mut cfg).map_err(|e| e.to_string())
        });
        let tid = tid_rx.recv().unwrap();
        Running { rx, tid, thread: Some(thread), release, state_dir }
    }

    /// The next event, or panics after `secs`.
    fn next(&self, secs: u64) -> Seen {
        match self.rx.recv_timeout(Duration::from_secs(secs)) {
            Ok(s) => s,
            Err(RecvTimeoutError::Timeout) => panic!("nothing from the loop in {secs} s"),
            Err(e) => panic!("loop gone: {e}"),
        }
    }

    /// Events until `want` shows up (returned with everything before it).
    fn until(&self, want: &Seen) -> Vec<Seen> {
        let mut seen = Vec::new();
        loop {
            let s = self.next(5);
            let done = &s == want;
            seen.push(s);
            if done {
                return seen;
            }
        }
    }

    /// Nothing arrives for `ms`.
    fn quiet(&self, ms: u64) -> Vec<Seen> {
        let mut v = Vec::new();
        while let Ok(s) = self.rx.recv_timeout(Duration::from_millis(ms)) {
            v.push(s);
        }
        v
    }

    fn signal(&self, sig: i32) {
        // Directed at the loop's thread, which has the signals blocked and reads them from
        // its signalfd; the rest of the test process never sees them.
        // SAFETY: plain syscall with valid ids.
        let rc = unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), self.tid, sig) };
        assert_eq!(rc, 0);
    }

    /// SIGTERM; the loop must remove the table and return. Returns how long it took.
    /// Bounded: a loop that ignores the signal fails the test instead of hanging it.
    fn stop_expecting_removal(mut self) -> Duration {
        let _ = self.release.send(());
        let t = Instant::now();
        self.signal(libc::SIGTERM);
        let thread = self.thread.take().unwrap();
        while !thread.is_finished() {
            assert!(t.elapsed() < Duration::from_secs(30), "the loop still runs 30 s after SIGTERM");
            std::thread::sleep(Duration::from_millis(10));
        }
        let took = t.elapsed();
        let r = thread.join().unwrap();
        assert_eq!(r, Ok(()));
        let tail: Vec<Seen> = self.rx.try_iter().collect();
        // Update jobs run on detached worker threads that the loop does not wait for (the
        // process exits after the loop returns), so a fake job's `Done` may still arrive
        // after `Removed`. What must not come after the removal is a forward table apply.
        let removed = tail.iter().position(|s| s == &Seen::Removed);
        let Some(removed) = removed else { panic!("no Removed after SIGTERM: {tail:?}") };
        assert!(!tail[removed..].iter().any(|s| matches!(s, Seen::Applied(_) | Seen::Loaded)), "{tail:?}");
        let _ = std::fs::remove_dir_all(&self.state_dir);
        took
    }
}

fn wan(addrs: &[&str]) -> Seen {
    Seen::Wan(true, addrs.iter().map(|s| s.to_string()).collect())
}

#[test]
fn address_changes_reach_the_engine_and_signals_are_handled() {
    require_netns!();
    let ns = Netns::new("loop");
    ns.ip("link add hpd0 type veth peer name hpd1");
    ns.ip("link set hpd1 up");
    ns.ip("link set hpd0 up");
    ns.ip("addr add 198.51.100.1/24 dev hpd0");
    let r = Running::start(&ns, 0, 2);

    // Start: config loaded, the WAN as it is, the table applied for device hpd0.
    let start = r.until(&Seen::Applied("hpd0".into()));
    assert_eq!(start[0], Seen::Loaded);
    assert!(start.contains(&wan(&["198.51.100.1"])), "{start:?}");
    if !start.contains(&Seen::Done(1, vec!["198.51.100.1".into()])) {
        r.until(&Seen::Done(1, vec!["198.51.100.1".into()]));
    }

    // Host 0's first job hangs: host 1 keeps getting its updates regardless.
    ns.ip("addr add 2001:db8::1/64 dev hpd0 nodad");
    r.until(&wan(&["198.51.100.1", "2001:db8::1"]));
    r.until(&Seen::Done(1, vec!["198.51.100.1".into(), "2001:db8::1".into()]));
    ns.ip("addr del 198.51.100.1/24 dev hpd0");
    r.until(&wan(&["2001:db8::1"]));
    r.until(&Seen::Done(1, vec!["2001:db8::1".into()]));

    // Released, host 0 finishes its first job, then runs only the newest waiting one.
    r.release.send(()).unwrap();
    r.release.send(()).unwrap();
    // Waits for the last expected job first: under qemu-user a fixed quiet period alone
    // can end before the second job has even started.
    let mut after = r.until(&Seen::Done(0, vec!["2001:db8::1".into()]));
    after.extend(r.quiet(500));
    let host0: Vec<&Seen> = after.iter().filter(|s| matches!(s, Seen::Done(0, _))).collect();
    assert_eq!(
        host0,
        [&Seen::Done(0, vec!["198.51.100.1".into()]), &Seen::Done(0, vec!["2001:db8::1".into()])],
        "{after:?}"
    );

    // An address change does not re-apply the forward table (it depends on the device only).
    assert!(!after.iter().any(|s| matches!(s, Seen::Applied(_))), "{after:?}");

    // The device disappears (a PPPoE disconnect) and comes back with a new address.
    ns.ip("link del hpd0");
    r.until(&Seen::Wan(false, vec![]));
    ns.ip("link add hpd0 type veth peer name hpd1");
    ns.ip("addr add 203.0.113.9/24 dev hpd0");
    r.until(&wan(&["203.0.113.9"]));

    // SIGHUP: configuration read again; same rendering, so nothing is re-applied.
    r.signal(libc::SIGHUP);
    r.until(&Seen::Loaded);
    let after_hup = r.quiet(300);
    assert!(!after_hup.iter().any(|s| matches!(s, Seen::Applied(_))), "{after_hup:?}");

    // SIGTERM: the table is removed and the loop ends, well within a second natively.
    // Under qemu-user (5-20x slower) the 30 s bound in stop_expecting_removal applies.
    let took = r.stop_expecting_removal();
    if support::runner_words().is_empty() {
        assert!(took < Duration::from_secs(1), "stop took {took:?}");
    }
}

#[test]
fn a_flapping_storm_reaches_the_engine_once_with_the_final_address() {
    require_netns!();
    let ns = Netns::new("storm");
    ns.ip("link add hpd0 type veth peer name hpd1");
    ns.ip("addr add 198.51.100.1/24 dev hpd0");
    let r = Running::start(&ns, 1, 0);
    r.until(&wan(&["198.51.100.1"]));
    r.quiet(200);

    // 400 changes in one burst: addresses come and go, ending with 203.0.113.77 alone.
    // (In another subnet: deleting a primary IPv4 address deletes its secondaries.)
    let mut batch = String::new();
    for i in 0..200 {
        batch.push_str(&format!("addr add 198.51.100.{}/24 dev hpd0\n", 100 + i % 100));
        batch.push_str(&format!("addr del 198.51.100.{}/24 dev hpd0\n", 100 + i % 100));
    }
    batch.push_str("addr add 203.0.113.77/24 dev hpd0\naddr del 198.51.100.1/24 dev hpd0\n");
    let path = std::env::temp_dir().join(format!("hp-storm-{}", std::process::id()));
    std::fs::write(&path, batch).unwrap();
    let t = Instant::now();
    ns.ip(&format!("-batch {}", path.display()));
    std::fs::remove_file(&path).unwrap();
    let first = r.next(5);
    let waited = t.elapsed();
    assert_eq!(first, wan(&["203.0.113.77"]));
    // Debounce 1 s after the last change (the burst itself takes well under a second).
    assert!(waited >= Duration::from_millis(900), "acted after {waited:?}, before the debounce");
    let rest = r.quiet(1500);
    assert!(rest.is_empty(), "one change only, got also {rest:?}");
    r.stop_expecting_removal();
}

/// A failed apply waits for its retry time (30 s) instead of being retried at once in a
/// loop; SIGHUP tries again right away.
#[test]
fn a_failed_apply_waits_for_its_retry_and_sighup_tries_again() {
    require_netns!();
    let ns = Netns::new("loopfail");
    ns.ip("link add hpd0 type veth peer name hpd1");
    ns.ip("link set hpd1 up");
    ns.ip("link set hpd0 up");
    ns.ip("addr add 198.51.100.1/24 dev hpd0");
    let r = Running::start_failing(&ns, 0, 0, 1);

    r.until(&Seen::ApplyFailed("hpd0".into()));
    let after = r.quiet(1500);
    assert!(!after.iter().any(|s| matches!(s, Seen::Applied(_) | Seen::ApplyFailed(_))), "{after:?}");

    // A change that does not alter the rendering does not retry it either.
    ns.ip("addr add 198.51.100.2/24 dev hpd0");
    let after = r.quiet(1000);
    assert!(!after.iter().any(|s| matches!(s, Seen::Applied(_) | Seen::ApplyFailed(_))), "{after:?}");

    r.signal(libc::SIGHUP);
    let hup = r.until(&Seen::Applied("hpd0".into()));
    assert!(hup.contains(&Seen::Loaded), "{hup:?}");
    r.stop_expecting_removal();
}
