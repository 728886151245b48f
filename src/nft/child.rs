//! The one `nft` child the daemon may have running, held where a stop can reach it.
//!
//! Shell. Why it exists: an `nft -f` still running when the daemon removes its table and
//! exits commits afterwards, and the ports are open with nobody managing them (issue 10,
//! item 2). Every nft the daemon starts goes through one [`Children`], shared by all its
//! configurations; the loop starts one apply at a time, so there is at most one child.
//! [`Children::stop`] kills that child's process group (a wrapper script and whatever it
//! started go too) and refuses new children, so an apply cannot go on to its next step.
//! A daemon killed outright takes its child with it (the parent-death signal).
//!
//! The pid is forgotten right after the child is reaped. A stop in that instant signals a
//! process group that no longer exists (ESRCH) or what is left of ours; another process
//! could have that id only if the kernel had handed out every pid up to pid_max in
//! between (pids are allocated cyclically). Forgetting it before the reap (waitid with
//! WNOWAIT) would close even that, but needs nft's output read by hand instead of by
//! `wait_with_output`: about 650 bytes more of gzip-compressed binary, measured on
//! x86_64, on a flash budget with less than 7 KB to spare.

use std::io;
use std::process::{Child, Command};
use std::sync::{Mutex, MutexGuard};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

#[derive(Debug, Default)]
pub struct Children {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The running child; it leads its own process group.
    pid: Option<Pid>,
    stopped: bool,
}

impl Children {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave `State` half-written: take it as it is.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts `cmd` in a process group of its own and records it; refused after [`stop`].
    ///
    /// [`stop`]: Children::stop
    pub fn spawn(&self, cmd: &mut Command) -> io::Result<Child> {
        use std::os::unix::process::CommandExt as _;
        cmd.process_group(0);
        // A daemon killed outright (SIGKILL after procd's term_timeout) cannot end its
        // child: the kernel does, when the thread that started it dies (prctl(2),
        // PR_SET_PDEATHSIG; kept across the exec of a wrapper's real nft).
        // SAFETY: only prctl, which is async-signal-safe, runs between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut state = self.lock();
        if state.stopped {
            return Err(io::Error::other("homeport is stopping"));
        }
        let child = cmd.spawn()?;
        state.pid = i32::try_from(child.id()).ok().map(Pid::from_raw);
        Ok(child)
    }

    /// Forgets the child once `Child::wait` (or `wait_with_output`) has reaped it.
    pub fn reaped(&self) {
        self.lock().pid = None;
    }

    /// Kills the running child with its process group (SIGKILL: nft keeps no state worth
    /// a clean exit; its transaction either committed already or never will) and refuses
    /// any new child. True when a child was running.
    pub fn stop(&self) -> bool {
        let mut state = self.lock();
        state.stopped = true;
        match state.pid {
            Some(pid) => {
                let _ = killpg(pid, Signal::SIGKILL);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn stop_kills_the_child_and_its_group_and_refuses_more() {
        let children = Children::default();
        // A shell that starts a grandchild in the same group and waits for it.
        let mut child = children.spawn(Command::new("sh").args(["-c", "sleep 30 & wait"])).unwrap();
        let started = Instant::now();
        assert!(children.stop(), "a child was running");
        let status = child.wait().unwrap();
        children.reaped();
        assert!(!status.success());
        assert!(started.elapsed() < Duration::from_secs(20), "the child was not killed");
        assert!(children.spawn(&mut Command::new("true")).is_err(), "a child after stop");
        assert!(!children.stop(), "nothing left to kill");
    }

    #[test]
    fn an_exited_child_is_forgotten() {
        let children = Children::default();
        let mut child = children.spawn(&mut Command::new("true")).unwrap();
        assert!(child.wait().unwrap().success());
        children.reaped();
        assert!(!children.stop(), "the exited child is no longer recorded");
    }
}
