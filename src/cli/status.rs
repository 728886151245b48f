//! `homeport status`: what the daemon last wrote to `<state-dir>/status.json`, for people
//! or (`--json`) for machines, with whether the daemon really runs decided now.
//!
//! Running means the pid that wrote the document is alive and the live forward table
//! carries a digest the daemon recorded (issue 10, item 11): after a stop, a crash or a
//! removed table, the document alone would still show forwards as active. Exit status:
//! 0 running, 1 not running (the document is still printed, every forward inactive with
//! reason `homeport is not running`, and the reason on stderr), 3 no document at all.

use crate::compose;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use argh::FromArgs;

use super::{Failure, Outcome};
use crate::daemon::status_file;
use crate::ddns::state;
use crate::nft::apply::{Nft, parse_digest};
use crate::nft::counters;
use crate::status::Status;

/// show what the daemon is doing: WAN, each DNS name, each forward, warnings
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "status")]
pub struct StatusArgs {
    /// where the daemon keeps its state (default /var/run/homeport)
    #[argh(option, default = "compose::default_state_dir()")]
    pub state_dir: PathBuf,
    /// print the status document as JSON (the form LuCI reads)
    #[argh(switch)]
    pub json: bool,
}

#[derive(Debug)]
enum StatusError {
    NotRunning(PathBuf),
    Unreadable(PathBuf, io::Error),
    Stdout(io::Error),
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusError::NotRunning(p) => {
                write!(
                    f,
                    "no status at {}: the daemon is not running (start it with 'service homeport start')",
                    p.display()
                )
            }
            StatusError::Unreadable(p, e) => write!(f, "cannot read {}: {e}", p.display()),
            StatusError::Stdout(e) => write!(f, "cannot write to stdout: {e}"),
        }
    }
}

impl Failure for StatusError {
    fn exit_code(&self) -> u8 {
        3
    }
}

/// What the forwards say when the daemon is not running (a contract with LuCI).
const NOT_RUNNING: &str = "homeport is not running";

/// The live `table inet homeport`, as far as `homeport status` could see it.
#[derive(Debug)]
enum Live {
    /// `nft list table` answered: the listing.
    Table(String),
    Absent,
    /// nft could not tell (not installed, or no CAP_NET_ADMIN for a non-root user).
    Unknown,
}

/// Why a daemon that wrote a status is not running; `None` when it is. Pure.
fn not_running(status: &Status, pid_alive: bool, live: &Live) -> Option<&'static str> {
    if !pid_alive {
        return Some("the process that wrote this status is gone");
    }
    if status.table_digests.is_empty() {
        // It has applied no table (dry run, or no apply succeeded yet): the pid decides.
        return None;
    }
    match live {
        Live::Unknown => None,
        Live::Absent => Some("its forward table (table inet homeport) is absent"),
        Live::Table(listing) => match parse_digest(listing) {
            Some(d) if status.table_digests.contains(&d) => None,
            _ => Some("the live forward table is not the one it applied"),
        },
    }
}

/// Marks the status of a daemon that is not running: nothing it describes is in force.
fn mark_stopped(status: &mut Status) {
    status.running = false;
    for f in &mut status.forwards {
        f.active = false;
        f.reason = Some(NOT_RUNNING.into());
        f.packets = None;
        f.bytes = None;
    }
}

pub fn run(a: StatusArgs) -> Outcome {
    let path = status_file::path(&a.state_dir);
    let mut status = match status_file::read(&a.state_dir) {
        Ok(s) => s,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return without_daemon(&a, path),
        Err(e) => return Err(Box::new(StatusError::Unreadable(path.clone(), e))),
    };
    let pid_alive = process_alive(status.pid);
    // nft only when its answer matters: a live pid, and a table to look for or count.
    let live = if pid_alive && (!status.table_digests.is_empty() || status.forwards.iter().any(|f| f.active)) {
        match Nft::default().listing() {
            Ok(Some(listing)) => Live::Table(listing),
            Ok(None) => Live::Absent,
            Err(_) => Live::Unknown,
        }
    } else {
        Live::Unknown
    };
    let why = not_running(&status, pid_alive, &live);
    match &why {
        Some(_) => mark_stopped(&mut status),
        None => {
            status.running = true;
            if let Live::Table(listing) = &live {
                add_counters(&mut status, listing);
            }
        }
    }
    if a.json {
        // ASCII only: the rpcd plugin passes on nothing else (issue 10 item 15).
        super::json::print(&status).map_err(StatusError::Stdout)?;
    } else {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        print!("{}", status_file::render_text(&status, now));
    }
    match why {
        None => Ok(0),
        Some(why) => {
            // The reason on stderr, one line (the rpcd plugin hands the first line of
            // stderr to LuCI when the exit status is not 0).
            eprintln!("{NOT_RUNNING} (pid {}): {why}", status.pid);
            Ok(1)
        }
    }
}

/// Each active forward's packets and bytes, from the live table. The daemon does not
/// write them (they change with every packet; status.json changes only with events), so
/// they are read here, when someone asks. Without the table, or without the privilege to
/// list it (nft needs CAP_NET_ADMIN), they stay unknown.
fn add_counters(status: &mut Status, listing: &str) {
    let counters = counters::parse(listing);
    for f in status.forwards.iter_mut().filter(|f| f.active) {
        if let Some((packets, bytes)) = counters::for_forward(&counters, &f.proto, &f.src_dport) {
            f.packets = Some(packets);
            f.bytes = Some(bytes);
        }
    }
}

/// No daemon status: what `homeport update` left in the state files, if anything. Still
/// exits 3, the LSB code for a service that is not running.
fn without_daemon(a: &StatusArgs, path: PathBuf) -> Outcome {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let hosts: Vec<_> =
        state::load_all(&a.state_dir).iter().map(|(section, p)| state::summary(section, p, now)).collect();
    if hosts.is_empty() {
        return Err(Box::new(StatusError::NotRunning(path)));
    }
    if a.json {
        let status = Status { version: crate::VERSION.into(), hosts, ..Status::default() };
        // ASCII only, like the daemon's document: the rpcd plugin passes on nothing else.
        super::json::print(&status).map_err(StatusError::Stdout)?;
    } else {
        println!("The daemon is not running. Dynamic DNS as the last 'homeport update' left it:");
        print!("{}", status_file::render_hosts(&hosts, now));
    }
    Ok(3)
}

fn process_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::ForwardStatus;

    const DIGEST: &str = "0123456789abcdef";

    fn status(digests: &[&str]) -> Status {
        Status {
            pid: 42,
            table_digests: digests.iter().map(|d| d.to_string()).collect(),
            forwards: vec![ForwardStatus { name: "web".into(), active: true, ..ForwardStatus::default() }],
            ..Status::default()
        }
    }

    fn table(digest: &str) -> Live {
        Live::Table(format!("table inet homeport {{\n\tcomment \"homeport {digest}\"\n}}\n"))
    }

    #[test]
    fn running_needs_the_pid_and_the_table_it_applied() {
        assert_eq!(not_running(&status(&[DIGEST]), true, &table(DIGEST)), None);
        // During an apply either digest may be live.
        assert_eq!(not_running(&status(&["fedcba9876543210", DIGEST]), true, &table(DIGEST)), None);
        let gone = not_running(&status(&[DIGEST]), false, &table(DIGEST)).unwrap();
        assert!(gone.contains("gone"), "{gone}");
        let absent = not_running(&status(&[DIGEST]), true, &Live::Absent).unwrap();
        assert!(absent.contains("absent"), "{absent}");
        assert!(not_running(&status(&[DIGEST]), true, &table("fedcba9876543210")).is_some());
        assert!(not_running(&status(&[DIGEST]), true, &Live::Table("table inet homeport {\n}\n".into())).is_some());
    }

    #[test]
    fn without_an_applied_table_or_a_readable_one_the_pid_decides() {
        assert_eq!(not_running(&status(&[]), true, &Live::Absent), None);
        assert!(not_running(&status(&[]), false, &Live::Absent).is_some());
        assert_eq!(not_running(&status(&[DIGEST]), true, &Live::Unknown), None);
    }

    #[test]
    fn a_stopped_daemon_has_no_active_forward() {
        let mut s = status(&[DIGEST]);
        s.running = true;
        s.forwards[0].packets = Some(3);
        mark_stopped(&mut s);
        assert!(!s.running);
        let f = &s.forwards[0];
        assert!(!f.active);
        assert_eq!(f.reason.as_deref(), Some(NOT_RUNNING));
        assert_eq!((f.packets, f.bytes), (None, None));
    }
}
