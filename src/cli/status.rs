//! `homeport status`: what the daemon last wrote to `<state-dir>/status.json`, for people
//! or (`--json`) for machines.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use argh::FromArgs;

use super::common;
use super::{Failure, Outcome};
use crate::daemon::status_file;
use crate::nft::apply::Nft;
use crate::nft::counters;
use crate::status::Status;

/// show what the daemon is doing: WAN, each DNS name, each forward, warnings
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "status")]
pub struct StatusArgs {
    /// where the daemon keeps its state (default /var/run/homeport)
    #[argh(option, default = "common::default_state_dir()")]
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

pub fn run(a: StatusArgs) -> Outcome {
    let path = status_file::path(&a.state_dir);
    let mut status = status_file::read(&a.state_dir).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => StatusError::NotRunning(path.clone()),
        _ => StatusError::Unreadable(path.clone(), e),
    })?;
    add_counters(&mut status, &Nft::default());
    if a.json {
        // ASCII only: the rpcd plugin passes on nothing else (issue 10 item 15).
        return super::json::print(&status).map(|()| 0).map_err(|e| StatusError::Stdout(e).into());
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    print!("{}", status_file::render_text(&status, now));
    if !process_alive(status.pid) {
        println!("\nNote: the daemon that wrote this (pid {}) is no longer running.", status.pid);
        return Ok(1);
    }
    Ok(0)
}

/// Each active forward's packets and bytes, from the live table. The daemon does not
/// write them (they change with every packet; status.json changes only with events), so
/// they are read here, when someone asks. Without the table, or without the privilege to
/// list it (nft needs CAP_NET_ADMIN), they stay unknown.
fn add_counters(status: &mut Status, nft: &Nft) {
    if !status.forwards.iter().any(|f| f.active) {
        return;
    }
    let Ok(Some(listing)) = nft.listing() else { return };
    let counters = counters::parse(&listing);
    for f in status.forwards.iter_mut().filter(|f| f.active) {
        if let Some((packets, bytes)) = counters::for_forward(&counters, &f.proto, &f.src_dport) {
            f.packets = Some(packets);
            f.bytes = Some(bytes);
        }
    }
}

fn process_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}
