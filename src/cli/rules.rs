//! `homeport rules`: print the nftables ruleset `apply` would load. Changes nothing.
//!
//! Exit status: 0, or 1 when the configuration has errors (the sections in error are
//! left out of the ruleset, which is printed all the same), 2 when unreadable.

use std::io::{self, Write};
use std::path::PathBuf;

use argh::FromArgs;

use super::{Failure, Outcome, common, forwarding};
use crate::config;
use crate::lint::Paths;

/// print the nftables ruleset for the configured port forwards
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "rules")]
pub struct RulesArgs {
    /// the UCI file to read (default /etc/config/homeport)
    #[argh(option, short = 'c', default = "common::default_config()")]
    pub config: PathBuf,
    /// the network config, for LAN subnets and the WAN device (default /etc/config/network)
    #[argh(option, default = "forwarding::default_network()")]
    pub network: PathBuf,
    /// the DHCP config, for static leases (default /etc/config/dhcp)
    #[argh(option, default = "forwarding::default_dhcp()")]
    pub dhcp: PathBuf,
    /// the firewall config, for overlapping redirects (default /etc/config/firewall)
    #[argh(option, default = "forwarding::default_firewall()")]
    pub firewall: PathBuf,
}

#[derive(Debug)]
pub struct StdoutError(io::Error);

impl std::fmt::Display for StdoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write to stdout: {}", self.0)
    }
}

impl Failure for StdoutError {}

pub fn run(args: RulesArgs) -> Outcome {
    let loaded = common::load_config(&args.config)?;
    let paths = Paths {
        network: args.network.clone(),
        dhcp: args.dhcp,
        firewall: args.firewall,
        leases: crate::device::read::default_lease_files(),
    };
    let (ctx, mut diags) = forwarding::context(&loaded.config, &paths);
    // A preview still makes sense without a WAN device: say so, render without it.
    let net = match forwarding::network(&loaded.config, &ctx, &args.network) {
        Ok(n) => n,
        Err(e) => {
            diags.push(crate::diag::Diagnostic::warning(format!("{e}; the ruleset below has no WAN side")));
            crate::nft::Network {
                wan_devices: vec![],
                lan_devices: ctx.lan_devices.clone(),
                lan_subnets: ctx.lan_subnets.clone(),
            }
        }
    };
    let prepared = forwarding::compute(&loaded.config, &ctx, &net);
    let mut all = loaded.diagnostics;
    all.extend(diags);
    all.extend(prepared.diagnostics);
    common::print_diagnostics(&all);
    let mut out = io::stdout().lock();
    out.write_all(prepared.ruleset.text.as_bytes()).and_then(|()| out.flush()).map_err(StdoutError)?;
    Ok(u8::from(config::has_errors(&all)))
}
