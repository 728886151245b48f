//! `homeport run`: one process that watches the WAN and keeps DNS names and the forward
//! table in step with it.
//!
//! The loop ([`run`]) polls three file descriptors — the rtnetlink socket, a signalfd and
//! the workers' wake-up pipe (plus nftables events where available) — with a timeout that
//! is the earliest real deadline (debounce, the engine's next check or retry), so an idle
//! daemon does not wake at all. Decisions live in pure pieces: [`debounce`], the engine
//! behind [`services::Ddns`], the renderer behind [`services::Forwards`]; the loop only
//! routes events between them and the shell (worker threads, nft, status file).

pub mod clock;
pub mod compose;
pub mod ddns_driver;
pub mod debounce;
pub mod forward_driver;
mod lease_watch;
pub mod logging;
pub mod nft_events;
mod run;
pub mod services;
pub mod signals;
pub mod status_file;
mod thread_name;
pub mod workers;

use std::path::{Path, PathBuf};

pub use run::{DaemonError, run};
pub use services::{Ddns, Forwards, JobOutput, Rules, UpdateJob, WanSnapshot};

use crate::config::MainSettings;
use crate::diag::Diagnostic;
use crate::uci::Package;
use crate::wan;

/// How `homeport run` was started.
#[derive(Clone, Debug)]
pub struct Options {
    pub state_dir: PathBuf,
    /// Watch and print what would be sent and applied; change nothing.
    pub dry_run: bool,
    pub wan_sources: wan::Sources,
}

/// What one reading of the configuration gives the loop.
pub struct Setup {
    pub main: MainSettings,
    pub ddns: Box<dyn Ddns>,
    pub forwards: Box<dyn Forwards>,
    /// Configuration problems (bad sections were skipped); shown in the status.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the configuration and builds the engine and the renderer: at start and on SIGHUP.
pub trait Configure {
    fn load(&mut self) -> Result<Setup, String>;
    /// Reads and parses the UCI network package (for the WAN device prediction).
    fn load_network(&self, path: &Path) -> Result<Package, String> {
        wan::load_network(path)
    }
}
