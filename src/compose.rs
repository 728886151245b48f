//! What `rules`, `apply`, `check`, `doctor` and the daemon compose before they act: the
//! default paths, reading the configuration, the lint's view of the router, the WAN side,
//! and the prepared ruleset (plan, lint, render in one pure step).
//!
//! Below both `cli` and `daemon`, so each entry point composes the same pieces. File
//! reading and WAN resolution are shell; [`prepare`] and [`check`] are pure, every
//! decision in `nft::plan`, `lint` and `nft::render`.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::config::{self, Config, Forward, Loaded};
use crate::diag::Diagnostic;
use crate::lint::{self, Context, Paths};
use crate::nft::{Network, Plan, Ruleset, fw4, plan, render};
use crate::types::UciName;
use crate::uci::{self, LoadError, Mode, Package};
use crate::wan::{self, Sources, WanError};

pub const DEFAULT_CONFIG: &str = "/etc/config/homeport";
pub const DEFAULT_STATE_DIR: &str = "/var/run/homeport";

pub fn default_config() -> PathBuf {
    PathBuf::from(DEFAULT_CONFIG)
}

pub fn default_state_dir() -> PathBuf {
    PathBuf::from(DEFAULT_STATE_DIR)
}

pub fn default_network() -> PathBuf {
    PathBuf::from("/etc/config/network")
}

pub fn default_dhcp() -> PathBuf {
    PathBuf::from("/etc/config/dhcp")
}

pub fn default_firewall() -> PathBuf {
    PathBuf::from("/etc/config/firewall")
}

/// The configuration file could not be read (missing, permissions, a directory).
#[derive(Debug)]
pub struct Unreadable {
    pub path: PathBuf,
    pub source: io::Error,
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read {}: {}", self.path.display(), self.source)
    }
}

/// The bytes of the file libuci would read for `path` (`/var/run/uci/<name>` when it
/// exists for a file in `/etc/config`), and that file's path. A file over the reader's
/// bounds (1 MiB, or a line over 64 KiB) is unreadable as well: nothing of it is used.
pub fn read_config_file(path: &Path) -> Result<(Vec<u8>, PathBuf), Unreadable> {
    let real = uci::resolve(path, &uci::ConfigDirs::default());
    let bytes = match uci::read_bounded(&real) {
        Ok(bytes) => bytes,
        Err(source) => return Err(Unreadable { path: real, source }),
    };
    match uci::check_bounds(&bytes) {
        Ok(()) => Ok((bytes, real)),
        // As text: wrapping the error itself would add its `Debug` to the binary.
        Err(e) => Err(Unreadable { path: real, source: io::Error::new(io::ErrorKind::InvalidData, e.to_string()) }),
    }
}

/// Reads, parses (leniently, as init scripts do) and validates the configuration at
/// `path`. The package is named after the file, as libuci names it.
pub fn load_config(path: &Path) -> Result<Loaded, Unreadable> {
    let (bytes, _) = read_config_file(path)?;
    Ok(config::from_text(&bytes, &uci::package_name(path)))
}

/// Reads a package leniently (as init scripts do); `Ok(None)` when the file is absent.
pub fn load_package(path: &Path) -> Result<Option<Package>, String> {
    match uci::load(path, Mode::Lenient) {
        Ok(l) => Ok(Some(l.package)),
        Err(LoadError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// The lint's view of the router, and warnings for files that could not be read.
pub fn context(cfg: &Config, paths: &Paths) -> (Context, Vec<Diagnostic>) {
    lint::load_context(&cfg.main, paths, load_package)
}

/// The WAN side for the renderer: `main.device`, else netifd, else the network config.
pub fn network(cfg: &Config, ctx: &Context, network_config: &Path) -> Result<Network, WanError> {
    let sources = Sources { network_config: network_config.to_path_buf(), ..Sources::openwrt() };
    let wan = wan::resolve(&cfg.main, &sources)?;
    Ok(Network { wan_devices: vec![wan.device], ..lan_side(ctx) })
}

/// The LAN side alone (no WAN device known): what a preview renders without a WAN.
pub fn lan_side(ctx: &Context) -> Network {
    Network { wan_devices: vec![], lan_devices: ctx.lan_devices.clone(), lan_subnets: ctx.lan_subnets.clone() }
}

/// Everything computed before touching the system: plan, lint, render.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    pub plan: Plan,
    pub ruleset: Ruleset,
    /// Planner errors (conflicts), lint warnings, then renderer notes.
    pub diagnostics: Vec<Diagnostic>,
}

impl Prepared {
    /// Forward names by plan index, for naming the forward in an nft error.
    pub fn names(&self) -> Vec<String> {
        self.plan.forwards.iter().map(|f| f.name.clone()).collect()
    }
}

/// Plan, lint and render `forwards`. Pure.
pub fn prepare(forwards: &[Forward], net: &Network, ctx: &Context) -> Prepared {
    let (plan, mut diagnostics) = plan(forwards);
    diagnostics.extend(lint::lint(forwards, ctx));
    let ruleset = render(&plan, net);
    diagnostics.extend(ruleset.diagnostics.iter().cloned());
    Prepared { plan, ruleset, diagnostics }
}

/// The forward diagnostics alone, for `homeport check` (no WAN side needed). Pure.
pub fn check(forwards: &[Forward], ctx: &Context) -> Vec<Diagnostic> {
    let (_, mut diags) = plan(forwards);
    diags.extend(lint::lint(forwards, ctx));
    diags
}

/// Warnings for firewall4 include files of ours that are missing or different under
/// `root` (only where fw4's include directory exists, that is on a router with firewall4).
pub fn missing_includes(root: &Path, zone: &UciName) -> Vec<Diagnostic> {
    if !root.is_dir() {
        return vec![];
    }
    fw4::includes(zone)
        .into_iter()
        .filter(|inc| std::fs::read_to_string(root.join(&inc.path)).map(|t| t != inc.text).unwrap_or(true))
        .map(|inc| {
            Diagnostic::warning(format!(
                "{} is missing or different: firewall4 rejects forwarded connections from zone '{zone}' \
                 without it; create it containing: {}",
                root.join(&inc.path).display(),
                inc.text.trim()
            ))
        })
        .collect()
}
