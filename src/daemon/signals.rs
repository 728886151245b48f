//! Signals as file-descriptor events (signalfd), so the poll loop sees them in order with
//! everything else and no handler runs in a random context.
//!
//! Shell. [`Signals::block`] must run before any thread is spawned: threads inherit the
//! mask, so the signals reach only the signalfd.

use std::io;
use std::os::fd::{AsFd, BorrowedFd};

use nix::sys::signal::{SigSet, SigmaskHow, Signal, pthread_sigmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sig {
    /// SIGHUP: re-read the configuration.
    Reload,
    /// SIGTERM or SIGINT: remove our table and exit.
    Stop,
}

pub struct Signals {
    fd: SignalFd,
}

impl Signals {
    pub fn block() -> io::Result<Signals> {
        let mut set = SigSet::empty();
        for s in [Signal::SIGHUP, Signal::SIGTERM, Signal::SIGINT] {
            set.add(s);
        }
        pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None).map_err(io::Error::from)?;
        let fd = SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC).map_err(io::Error::from)?;
        Ok(Signals { fd })
    }

    /// Pending signals, in arrival order.
    pub fn read(&mut self) -> io::Result<Vec<Sig>> {
        let mut out = Vec::new();
        while let Some(info) = self.fd.read_signal().map_err(io::Error::from)? {
            let sig = i32::try_from(info.ssi_signo).unwrap_or_default();
            if sig == libc::SIGHUP {
                out.push(Sig::Reload);
            } else if sig == libc::SIGTERM || sig == libc::SIGINT {
                out.push(Sig::Stop);
            }
        }
        Ok(out)
    }
}

impl AsFd for Signals {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
