//! `homeport run`: the daemon. Composition only: logging, options, the real
//! configuration reader; the loop is `daemon::run`.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use argh::FromArgs;

use super::{Failure, Outcome};
use crate::compose;
use crate::config::LogLevel;
use crate::daemon::{self, Options, compose::FromFiles, logging, logging as log};
use crate::lint::Paths;
use crate::nft::apply::Nft;
use crate::nft::child::Children;
use crate::{statefile, wan};

/// watch the WAN and keep DNS names and port forwards in step with it (the daemon)
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "run")]
pub struct RunArgs {
    /// the UCI file to read (default /etc/config/homeport)
    #[argh(option, short = 'c', default = "compose::default_config()")]
    pub config: PathBuf,
    /// where state and status.json are kept (default /var/run/homeport; with --dry-run a
    /// private directory under /tmp)
    #[argh(option)]
    pub state_dir: Option<PathBuf>,
    /// log to stderr instead of syslog
    #[argh(switch)]
    pub foreground: bool,
    /// watch the real interfaces and print the DDNS requests (secrets redacted) and the
    /// ruleset that would be applied; send and change nothing (no root needed)
    #[argh(switch)]
    pub dry_run: bool,
    /// the OpenWrt network config, for finding the WAN device (default /etc/config/network)
    #[argh(option, default = "PathBuf::from(\"/etc/config/network\")")]
    pub network_config: PathBuf,
    /// the ubus program, for asking netifd (default /bin/ubus)
    #[argh(option, default = "PathBuf::from(\"/bin/ubus\")")]
    pub ubus: PathBuf,
    /// a DHCP lease file for forwards to a device, repeatable (default /tmp/dhcp.leases
    /// and /tmp/hosts/odhcpd)
    #[argh(option)]
    pub leases: Vec<PathBuf>,
}

#[derive(Debug)]
enum RunError {
    Daemon(daemon::DaemonError),
    /// `--dry-run`: the private state directory could not be made.
    StateDir(std::io::Error),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Daemon(e) => e.fmt(f),
            RunError::StateDir(e) => write!(f, "cannot make a private state directory for the dry run: {e}"),
        }
    }
}

impl Failure for RunError {}

pub fn run(a: RunArgs) -> Outcome {
    // A dry run prints what it would do: it logs to stderr too.
    logging::init(a.foreground || a.dry_run, LogLevel::Info);
    // A dry run without --state-dir keeps its state in a directory of its own, made for
    // it (mkdtemp: mode 0700, a fresh name), never one another user could have prepared;
    // removed again at the end (left in place if something else was put in it).
    let private = match (&a.state_dir, a.dry_run) {
        (None, true) => Some(statefile::private_dir("homeport-dry-run-").map_err(RunError::StateDir)?),
        _ => None,
    };
    let state_dir = match (&a.state_dir, &private) {
        (Some(d), _) => d.clone(),
        (None, Some(p)) => {
            log::info!("dry run: state and status.json in {}", p.display());
            p.clone()
        }
        (None, None) => compose::default_state_dir(),
    };
    let lint_paths = Paths {
        network: a.network_config.clone(),
        dhcp: compose::default_dhcp(),
        firewall: compose::default_firewall(),
        leases: if a.leases.is_empty() { crate::device::read::default_lease_files() } else { a.leases },
    };
    let opts = Options {
        state_dir: state_dir.clone(),
        dry_run: a.dry_run,
        wan_sources: wan::Sources { ubus: a.ubus, network_config: a.network_config },
    };
    // One holder for every nft child of this daemon, whatever configuration started it.
    let nft = Nft { children: Some(Arc::new(Children::default())), ..Nft::default() };
    let mut configure = FromFiles { config: a.config, state_dir, dry_run: a.dry_run, nft, lint_paths, running: false };
    let result = daemon::run(&opts, &mut configure).map_err(RunError::Daemon);
    if let Some(dir) = private {
        // A dry run persists no DDNS state: status.json is all there is.
        let _ = std::fs::remove_file(daemon::status_file::path(&dir));
        let _ = std::fs::remove_dir(dir);
    }
    result?;
    Ok(0)
}
