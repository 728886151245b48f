//! What `rules`, `apply`, `flush` and `check` share for port forwarding: reading the
//! router's other packages for the lint, finding the WAN device, and computing the
//! ruleset.
//!
//! Shell: file reading and WAN resolution here, every decision in `nft::prepare` and
//! `lint`.

use std::io;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::lint::{self, Context, Paths};
use crate::nft::{Network, Prepared, prepare};
use crate::uci::{self, LoadError, Mode, Package};
use crate::wan::{self, Sources, WanError};

pub fn default_network() -> PathBuf {
    PathBuf::from("/etc/config/network")
}

pub fn default_dhcp() -> PathBuf {
    PathBuf::from("/etc/config/dhcp")
}

pub fn default_firewall() -> PathBuf {
    PathBuf::from("/etc/config/firewall")
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
/// With a forward to a device, the leases and neighbours too.
pub fn context(cfg: &Config, paths: &Paths) -> (Context, Vec<Diagnostic>) {
    let (mut ctx, mut diags) = lint::load_context(&cfg.main, paths, load_package);
    if cfg.forwards.iter().any(|f| f.enabled && f.dest_device.is_some()) {
        let lan = ctx.lan_devices.clone();
        diags.extend(crate::device::read::current(&mut ctx.devices, &paths.leases, lan.as_deref()));
    }
    (ctx, diags)
}

/// The WAN side for the renderer: `main.device`, else netifd, else the network config.
pub fn network(cfg: &Config, ctx: &Context, network_config: &Path) -> Result<Network, WanError> {
    let sources = Sources { network_config: network_config.to_path_buf(), ..Sources::openwrt() };
    let wan = wan::resolve(&cfg.main, &sources)?;
    Ok(Network {
        wan_devices: vec![wan.device],
        lan_devices: ctx.lan_devices.clone(),
        lan_subnets: ctx.lan_subnets.clone(),
    })
}

/// Plan, lint and render the forwards of `cfg`.
pub fn compute(cfg: &Config, ctx: &Context, net: &Network) -> Prepared {
    prepare(&cfg.forwards, net, ctx)
}
