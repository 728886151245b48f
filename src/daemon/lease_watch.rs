//! Following the DHCP lease files as they change (issue 14: a new lease may come with no
//! neighbour change at all).
//!
//! Shell. inotify(7) on the files' directories, not on the files: dnsmasq rewrites
//! its lease file in place (`lease_update_file`: truncate, write, fflush; the file stays
//! open, so there is no close event), odhcpd and scripts replace theirs by rename, which
//! a watch on the old file would miss. Only events naming a lease file count; the other
//! files of /tmp wake the daemon for a read and a name compare. Chosen over polling
//! mtimes on the loop's wake-ups: an idle daemon has none, and a timer would wake it
//! for nothing. A directory that does not exist at start is not watched (its leases
//! are still read on neighbour changes and SIGHUP).

use std::ffi::OsString;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::PathBuf;

use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify, WatchDescriptor};

pub struct LeaseWatch {
    ino: Inotify,
    /// Each watched directory and the lease file names in it.
    dirs: Vec<(WatchDescriptor, Vec<OsString>)>,
}

impl LeaseWatch {
    /// `None` when no directory of `files` could be watched.
    pub fn open(files: &[PathBuf]) -> Option<LeaseWatch> {
        let ino = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC).ok()?;
        let mask = AddWatchFlags::IN_MODIFY
            | AddWatchFlags::IN_CLOSE_WRITE
            | AddWatchFlags::IN_MOVED_TO
            | AddWatchFlags::IN_CREATE
            | AddWatchFlags::IN_DELETE;
        let mut dirs: Vec<(WatchDescriptor, Vec<OsString>)> = Vec::new();
        for f in files {
            let (Some(dir), Some(name)) = (f.parent(), f.file_name()) else { continue };
            let dir = if dir.as_os_str().is_empty() { std::path::Path::new(".") } else { dir };
            // The same directory twice gives the same descriptor.
            let Ok(wd) = ino.add_watch(dir, mask) else { continue };
            match dirs.iter_mut().find(|(w, _)| *w == wd) {
                Some((_, names)) => names.push(name.to_owned()),
                None => dirs.push((wd, vec![name.to_owned()])),
            }
        }
        (!dirs.is_empty()).then_some(LeaseWatch { ino, dirs })
    }

    /// Drains the pending events; true when one names a lease file.
    pub fn read(&self) -> bool {
        let mut hit = false;
        while let Ok(events) = self.ino.read_events() {
            if events.is_empty() {
                break;
            }
            for e in events {
                let ours = self.dirs.iter().find(|(w, _)| *w == e.wd).map(|(_, n)| n);
                hit |= ours.is_some_and(|n| e.name.as_ref().is_some_and(|x| n.contains(x)));
            }
        }
        hit
    }
}

impl AsFd for LeaseWatch {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.ino.as_fd()
    }
}
