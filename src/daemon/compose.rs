//! The real [`Configure`]: reads `/etc/config/homeport`, builds the typed config, and
//! plugs the DDNS engine and the nft forward table into the loop.
//!
//! Shell (file reading); the building itself is `config::build`.

use std::path::PathBuf;
use std::time::SystemTime;

use super::ddns_driver::EngineDriver;
use super::forward_driver::NftDriver;
use super::{Configure, Setup};
use crate::compose::{self, load_config};
use crate::config::Config;
use crate::daemon::logging as log;
use crate::diag::{Diagnostic, Severity};
use crate::lint::Paths;
use crate::nft::apply::Nft;

pub struct FromFiles {
    pub config: PathBuf,
    pub state_dir: PathBuf,
    pub dry_run: bool,
    pub nft: Nft,
    /// network, dhcp and firewall packages, for the forward lint and LAN subnets.
    pub lint_paths: Paths,
    /// A configuration has been handed to the daemon: from now on a file with syntax
    /// errors is refused as a whole instead of being read around them.
    pub running: bool,
}

impl FromFiles {
    /// Reads and builds the configuration; problems are logged, bad sections skipped.
    ///
    /// Once running, a file with any syntax error does not replace the running
    /// configuration (docs/config.md, "Reloading"): a file turned to garbage would read as
    /// an empty one and remove every forward, and a broken `config` line moves options
    /// between sections. At start there is nothing to keep: the sections next to the
    /// errors are left out and the rest is used.
    pub fn read(&self) -> Result<(Config, Vec<Diagnostic>), String> {
        let loaded = load_config(&self.config).map_err(|e| e.to_string())?;
        if self.running
            && let Some(first) = loaded.syntax.first()
        {
            return Err(format!(
                "{} has {} syntax error(s), the first: {first}; fix it (homeport check) and reload",
                self.config.display(),
                loaded.syntax.len()
            ));
        }
        let (cfg, diags) = (loaded.config, loaded.diagnostics);
        for d in &diags {
            match d.severity {
                Severity::Error => log::error!("{}", d.body()),
                Severity::Warning => log::warn!("{}", d.body()),
            }
        }
        Ok((cfg, diags))
    }
}

impl Configure for FromFiles {
    fn load(&mut self) -> Result<Setup, String> {
        let (cfg, mut diagnostics) = self.read()?;
        let (ctx, more) = compose::context(&cfg, &self.lint_paths);
        for d in &more {
            match d.severity {
                Severity::Error => log::error!("{}", d.body()),
                Severity::Warning => log::warn!("{}", d.body()),
            }
        }
        diagnostics.extend(more);
        if self.dry_run {
            // What `homeport check` would say about the forwards (docs/forwarding.md,
            // "Safety lint"), so a dry run shows it; the status carries it per forward.
            for d in compose::check(&cfg.forwards, &ctx) {
                log::warn!("{}", d.body());
            }
        }
        self.running = true;
        Ok(Setup {
            ddns: Box::new(EngineDriver::new(&cfg.ddns, self.state_dir.clone(), self.dry_run, SystemTime::now())),
            forwards: Box::new(
                NftDriver::new(&cfg.forwards, ctx, self.nft.clone(), self.lint_paths.leases.clone())
                    .following(ddns_devices(&cfg)),
            ),
            main: cfg.main,
            diagnostics,
        })
    }
}

/// The devices enabled DDNS hosts publish the IPv6 address of (`ip_source 'device'`).
pub fn ddns_devices(cfg: &Config) -> Vec<crate::device::Device> {
    let by_device = |h: &&crate::config::DdnsHost| h.enabled && h.ip_source == crate::config::IpSource::Device;
    cfg.ddns.iter().filter(by_device).filter_map(|h| h.ip_device.clone()).collect()
}
