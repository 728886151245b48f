//! `homeport apply`: check the ruleset with `nft -c`, then load it in one transaction.
//!
//! On any failure the previous table stays exactly as it was, and the error names the
//! forward nft complained about where it can. An identical live table is left alone
//! (`--force` rebuilds it). With `enabled 0` in the main section, our table is removed.
//! Then fw4's IPv6 pinhole sets are set (`nft::fw4::pinholes`), or emptied when no forward
//! has an IPv6 device side; sets fw4 has not declared are a warning, like a missing include.
//! Exit status: 0 applied (or unchanged), 1 applied but the configuration has errors
//! (their sections were left out) or nft refused, 2 unreadable configuration.

use std::fmt;
use std::path::PathBuf;

use argh::FromArgs;

use super::{Failure, Outcome, common};
use crate::lint::Paths;
use crate::nft::apply::{Applied, Nft, NftError};
use crate::nft::fw4;
use crate::wan::WanError;
use crate::{compose, config};

/// check and load the port-forward table (nft -c, then nft -f in one transaction)
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "apply")]
pub struct ApplyArgs {
    /// the UCI file to read (default /etc/config/homeport)
    #[argh(option, short = 'c', default = "compose::default_config()")]
    pub config: PathBuf,
    /// rebuild the table even when the live one is identical
    #[argh(switch)]
    pub force: bool,
    /// the nft program (default nft)
    #[argh(option, default = "PathBuf::from(\"nft\")")]
    pub nft: PathBuf,
    /// the network config, for LAN subnets and the WAN device (default /etc/config/network)
    #[argh(option, default = "compose::default_network()")]
    pub network: PathBuf,
    /// the DHCP config, for static leases (default /etc/config/dhcp)
    #[argh(option, default = "compose::default_dhcp()")]
    pub dhcp: PathBuf,
    /// the firewall config, for overlapping redirects (default /etc/config/firewall)
    #[argh(option, default = "compose::default_firewall()")]
    pub firewall: PathBuf,
    /// firewall4's include directory, checked for our include files
    /// (default /usr/share/nftables.d)
    #[argh(option, default = "PathBuf::from(fw4::INCLUDE_ROOT)")]
    pub includes: PathBuf,
}

#[derive(Debug)]
pub enum ApplyError {
    Wan(WanError),
    Nft(NftError),
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplyError::Wan(e) => write!(f, "{e}; nothing was changed"),
            ApplyError::Nft(e) => write!(f, "{e}"),
        }
    }
}

impl Failure for ApplyError {}

pub fn run(args: ApplyArgs) -> Outcome {
    let loaded = compose::load_config(&args.config)?;
    let nft = Nft { program: args.nft.clone(), ..Nft::default() };
    if !loaded.config.main.enabled {
        common::print_diagnostics(&loaded.diagnostics);
        nft.flush().map_err(ApplyError::Nft)?;
        nft.close_pinholes().map_err(ApplyError::Nft)?;
        println!("homeport is disabled (option enabled '0'): port-forward table removed");
        return Ok(0);
    }
    let paths = Paths {
        network: args.network.clone(),
        dhcp: args.dhcp,
        firewall: args.firewall,
        leases: crate::device::read::default_lease_files(),
    };
    let (ctx, mut diags) = compose::context(&loaded.config, &paths);
    let net = compose::network(&loaded.config, &ctx, &args.network).map_err(ApplyError::Wan)?;
    let prepared = compose::prepare(&loaded.config.forwards, &net, &ctx);
    diags.extend(compose::missing_includes(&args.includes, &loaded.config.main.zone));
    let (pinholes, holes) = fw4::pinholes(&loaded.config.forwards, &ctx.devices);
    let mut all = loaded.diagnostics;
    all.extend(diags);
    all.extend(prepared.diagnostics.iter().cloned());
    all.extend(holes);
    common::print_diagnostics(&all);
    let outcome = nft.apply(&prepared.ruleset, &prepared.names(), args.force).map_err(ApplyError::Nft)?;
    let n = prepared.plan.forwards.len();
    match outcome {
        Applied::Replaced => println!("port-forward table applied: {n} forward(s)"),
        Applied::Unchanged => println!("port-forward table unchanged: {n} forward(s)"),
    }
    // After the table, as the daemon does (docs/forwarding.md "IPv6 pinholes to a device").
    match pinholes.map(|p| nft.update(&p)) {
        None => nft.close_pinholes().map_err(ApplyError::Nft)?,
        Some(Ok(())) => println!("IPv6 pinholes set in table inet fw4 ('homeport rules' lists them)"),
        // Sets not declared: like a missing include file, a warning (exit status unchanged).
        Some(Err(NftError::Rejected { message, .. })) if message.contains("No such file or directory") => {
            common::print_diagnostics(&[crate::diag::Diagnostic::warning(
                "the IPv6 pinholes were not set: table inet fw4 has no homeport_pinholes6 set (firewall4 \
                 declares it from homeport's include table-pre/30-homeport.nft at its next reload); \
                 run 'service firewall reload', then 'homeport apply' again",
            )]);
        }
        Some(Err(e)) => return Err(ApplyError::Nft(e).into()),
    }
    Ok(u8::from(config::has_errors(&all)))
}
