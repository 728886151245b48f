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
use crate::ddns::state;
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
    let mut status = match status_file::read(&a.state_dir) {
        Ok(s) => s,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return without_daemon(&a, path),
        Err(e) => return Err(Box::new(StatusError::Unreadable(path.clone(), e))),
    };
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
        println!("{}", serde_json::to_string_pretty(&status).unwrap_or_default());
    } else {
        println!("The daemon is not running. Dynamic DNS as the last 'homeport update' left it:");
        print!("{}", status_file::render_hosts(&hosts, now));
    }
    Ok(3)
}

fn process_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}
