//! Work that may block (an HTTP update to a slow provider, `nft -f`) runs on its own
//! thread; its result comes back through a shared list, and a byte on a pipe wakes the
//! poll loop. A hung job delays nothing else: not another host, not the forward table, not a
//! signal.
//!
//! Shell. Each job's result is tagged with the key the loop gave it.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::{Arc, Mutex, PoisonError};

use nix::fcntl::OFlag;
use nix::unistd::{pipe2, read, write};

/// Threads need little stack: an HTTPS request with rustls fits well within this.
const STACK_SIZE: usize = 256 * 1024;

/// Results wait in a list under a mutex, not in a `std::sync::mpsc` channel: the pipe
/// already wakes the loop, so no blocking receive is needed, and a channel of job results
/// linked std's three channel flavours for that type (cross/README.md, "After the device
/// and doctor merges").
pub struct Workers<K, R> {
    done: Arc<Mutex<Vec<(K, R)>>>,
    wake_read: OwnedFd,
    wake_write: Arc<OwnedFd>,
    running: usize,
}

impl<K: Send + 'static, R: Send + 'static> Workers<K, R> {
    pub fn new() -> io::Result<Workers<K, R>> {
        let (r, w) = pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK).map_err(io::Error::from)?;
        Ok(Workers { done: Arc::new(Mutex::new(Vec::new())), wake_read: r, wake_write: Arc::new(w), running: 0 })
    }

    /// Runs `job` on a new thread named `name`; its result arrives through [`Self::take`].
    pub fn spawn(&mut self, key: K, name: &str, job: impl FnOnce() -> R + Send + 'static) -> io::Result<()> {
        let done = Arc::clone(&self.done);
        let wake = Arc::clone(&self.wake_write);
        std::thread::Builder::new().name(name.chars().take(15).collect()).stack_size(STACK_SIZE).spawn(move || {
            let result = job();
            // The loop may be gone (shutting down); then nobody takes the result, and it
            // goes with the last reference to the list. A poisoned lock (a panic while
            // holding it, which the short critical sections cannot have) still holds a list.
            done.lock().unwrap_or_else(PoisonError::into_inner).push((key, result));
            // A full pipe already holds a wake-up; EAGAIN is fine.
            let _ = write(&*wake, &[1]);
        })?;
        self.running += 1;
        Ok(())
    }

    /// Finished jobs' results, in completion order. Call when the wake fd is readable.
    pub fn take(&mut self) -> Vec<(K, R)> {
        let mut sink = [0u8; 64];
        while matches!(read(&self.wake_read, &mut sink), Ok(n) if n > 0) {}
        let out = std::mem::take(&mut *self.done.lock().unwrap_or_else(PoisonError::into_inner));
        self.running = self.running.saturating_sub(out.len());
        out
    }

    /// Jobs started and not yet taken.
    pub fn running(&self) -> usize {
        self.running
    }
}

impl<K, R> AsFd for Workers<K, R> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.wake_read.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
    use std::sync::mpsc::channel;
    use std::time::Duration;

    #[test]
    fn a_hung_job_does_not_hold_up_a_quick_one() {
        let mut w: Workers<&str, u32> = Workers::new().unwrap();
        let (release, hold) = channel::<()>();
        w.spawn("slow", "slow", move || {
            let _ = hold.recv_timeout(Duration::from_secs(10));
            1
        })
        .unwrap();
        w.spawn("quick", "quick", || 2).unwrap();
        let mut fds = [PollFd::new(w.as_fd(), PollFlags::POLLIN)];
        assert_eq!(poll(&mut fds, PollTimeout::from(5000u16)).unwrap(), 1);
        assert_eq!(w.take(), vec![("quick", 2)]);
        assert_eq!(w.running(), 1);
        release.send(()).unwrap();
        let mut fds = [PollFd::new(w.as_fd(), PollFlags::POLLIN)];
        assert_eq!(poll(&mut fds, PollTimeout::from(5000u16)).unwrap(), 1);
        assert_eq!(w.take(), vec![("slow", 1)]);
        assert_eq!(w.running(), 0);
    }
}
