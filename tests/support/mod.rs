//! Helpers shared by the integration tests: how to run the built binary (natively or
//! under qemu-user for cross targets) and whether root-only network tests can run.
#![allow(dead_code)]

pub mod echoip;
pub mod http;
pub mod mock_provider;
pub mod named;
pub mod netns;
pub mod provider;
pub mod rng;
pub mod router;
pub mod table;
pub mod tls;

use std::path::PathBuf;
use std::process::Command;

/// The `homeport` binary cargo built for this test run.
pub fn homeport_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_homeport"))
}

/// A `Command` running the built binary. For cross targets the test harness itself runs
/// under qemu-user (the cargo runner); `HOMEPORT_TEST_RUNNER` (for example
/// `qemu-mips -cpu 24Kc`, set by `make test-qemu`) says how to run the binary too.
pub fn homeport() -> Command {
    runner_command(&homeport_bin())
}

/// `Command` for a program built for the target under test, through the runner if any.
pub fn runner_command(program: &std::path::Path) -> Command {
    match std::env::var("HOMEPORT_TEST_RUNNER").ok().filter(|s| !s.trim().is_empty()) {
        Some(r) => {
            let mut words = r.split_whitespace();
            let mut c = Command::new(words.next().unwrap_or("env"));
            c.args(words).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// The runner prefix as words, for building `ip netns exec NS <runner> homeport ...`.
pub fn runner_words() -> Vec<String> {
    std::env::var("HOMEPORT_TEST_RUNNER").map(|r| r.split_whitespace().map(String::from).collect()).unwrap_or_default()
}

/// `Ok(())` when this process may create network namespaces and run nft in them;
/// otherwise the reason, which the test prints before skipping.
pub fn netns_capable() -> Result<(), String> {
    if !nix_is_root() {
        return Err("not root: network-namespace tests need CAP_NET_ADMIN (CI runs as root)".into());
    }
    for tool in ["ip", "nft"] {
        let ok = Command::new(tool).arg("-V").output().map(|o| o.status.success()).unwrap_or(false);
        if !ok {
            return Err(format!("'{tool}' is not installed (make test installs it)"));
        }
    }
    // Unique per call: tests run in parallel threads of one process.
    static PROBES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("hp-probe-{}-{n}", std::process::id());
    let ok = Command::new("ip").args(["netns", "add", &name]).status().map(|s| s.success()).unwrap_or(false);
    let _ = Command::new("ip").args(["netns", "del", &name]).status();
    if ok { Ok(()) } else { Err("cannot create a network namespace here".into()) }
}

fn nix_is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Skips the calling test (returns from it) with a printed reason when netns tests
/// cannot run here.
#[macro_export]
macro_rules! require_netns {
    () => {
        if let Err(why) = $crate::support::netns_capable() {
            eprintln!("SKIPPED: {why}");
            return;
        }
    };
}

/// An empty directory `<temp>/<name>-<pid>` (emptied if a previous run left it).
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the test's directory");
    dir
}
