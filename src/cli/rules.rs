//! `homeport rules`: print the nftables ruleset `apply` would load. Changes nothing.
//!
//! Exit status: 0, or 1 when the configuration has errors (the sections in error are
//! left out of the ruleset, which is printed all the same), 2 when unreadable.

use std::io::{self, Write};
use std::path::PathBuf;

use argh::FromArgs;

use super::{Failure, Outcome, common};
use crate::lint::Paths;
use crate::{compose, config};

/// print the nftables ruleset for the configured port forwards
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "rules")]
pub struct RulesArgs {
    /// the UCI file to read (default /etc/config/homeport)
    #[argh(option, short = 'c', default = "compose::default_config()")]
    pub config: PathBuf,
    /// the network config, for LAN subnets and the WAN device (default /etc/config/network)
    #[argh(option, default = "compose::default_network()")]
    pub network: PathBuf,
    /// the DHCP config, for static leases (default /etc/config/dhcp)
    #[argh(option, default = "compose::default_dhcp()")]
    pub dhcp: PathBuf,
    /// the firewall config, for overlapping redirects (default /etc/config/firewall)
    #[argh(option, default = "compose::default_firewall()")]
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
    let loaded = compose::load_config(&args.config)?;
    let paths = Paths {
        network: args.network.clone(),
        dhcp: args.dhcp,
        firewall: args.firewall,
        leases: crate::device::read::default_lease_files(),
    };
    let (ctx, mut diags) = compose::context(&loaded.config, &paths);
    // A preview still makes sense without a WAN device: say so, render without it.
    let net = match compose::network(&loaded.config, &ctx, &args.network) {
        Ok(n) => n,
        Err(e) => {
            diags.push(crate::diag::Diagnostic::warning(format!("{e}; the ruleset below has no WAN side")));
            compose::lan_side(&ctx)
        }
    };
    let prepared = compose::prepare(&loaded.config.forwards, &net, &ctx);
    let (pinholes, holes) = crate::nft::fw4::pinholes(&loaded.config.forwards, &ctx.devices);
    let mut all = loaded.diagnostics;
    all.extend(diags);
    all.extend(prepared.diagnostics);
    all.extend(holes);
    common::print_diagnostics(&all);
    let mut text = prepared.ruleset.text;
    if let Some(p) = pinholes {
        text.push_str(PINHOLES_HEAD);
        text.push_str(&p);
    }
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(StdoutError)?;
    Ok(u8::from(config::has_errors(&all)))
}

/// Introduces the pinhole script (`nft::fw4::pinholes`) after the table, as an nft
/// comment: it goes into firewall4's table, not ours (docs/forwarding.md).
const PINHOLES_HEAD: &str = "\n# IPv6 pinholes, set by 'homeport run' and 'homeport apply' in table inet fw4\n\
                             # (its sets come from homeport's include table-pre/30-homeport.nft):\n";
