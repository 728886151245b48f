//! `homeport check`: validate the configuration and say what is wrong with it.
//!
//! Shell around [`crate::config::from_text`]. Diagnostics go to stderr, one per line;
//! with `--show` the file is also printed on stdout as `uci show` prints it, after a
//! strict parse as `uci show` does, secrets masked unless `--reveal`. Exit status: 0
//! usable, 1 errors, 2 unreadable.

use std::fmt;
use std::io::{self, Write};
use std::path::PathBuf;

use crate::config;
use crate::uci::{self, ParseError};
use argh::FromArgs;

use super::{Failure, Outcome};
use super::{common, forwarding};
use crate::lint::Paths;

/// check the configuration and print every problem found
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "check")]
pub struct CheckArgs {
    /// the UCI file to read (default /etc/config/homeport)
    #[argh(option, short = 'c', default = "common::default_config()")]
    pub config: PathBuf,
    /// also print the file on stdout as `uci show` does (parsing it strictly), with the
    /// values of password, key_secret and update_url as '***'
    #[argh(switch)]
    pub show: bool,
    /// with --show, print secret values as they are
    #[argh(switch)]
    pub reveal: bool,
    /// the network config, for the forward lint's LAN subnets (default /etc/config/network)
    #[argh(option, default = "forwarding::default_network()")]
    pub network: PathBuf,
    /// the DHCP config, for the forward lint's static leases (default /etc/config/dhcp)
    #[argh(option, default = "forwarding::default_dhcp()")]
    pub dhcp: PathBuf,
    /// the firewall config, for overlapping redirects (default /etc/config/firewall)
    #[argh(option, default = "forwarding::default_firewall()")]
    pub firewall: PathBuf,
}

#[derive(Debug)]
enum CheckError {
    /// `--show`: the strict parse failed, as `uci show` would.
    Syntax {
        path: PathBuf,
        error: ParseError,
    },
    Stdout(io::Error),
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::Syntax { path, error } => write!(f, "{}: {}", path.display(), error),
            CheckError::Stdout(e) => write!(f, "cannot write to stdout: {e}"),
        }
    }
}

impl Failure for CheckError {}

pub fn run(args: CheckArgs) -> Outcome {
    let (bytes, real) = common::read_config_file(&args.config)?;
    let name = uci::package_name(&args.config);
    if args.show {
        // docs/config.md: secrets are never printed unless asked for (`--reveal`, which
        // makes the output byte for byte `uci show`'s).
        let masked = |option: &str| !args.reveal && config::is_secret_option(option);
        let shown = uci::show_bytes_masked(&bytes, &name, uci::Mode::Strict, &masked)
            .map_err(|error| CheckError::Syntax { path: real.clone(), error })?;
        let mut out = io::stdout().lock();
        out.write_all(&shown.0).and_then(|()| out.flush()).map_err(CheckError::Stdout)?;
    }
    let loaded = config::from_text(&bytes, &name);
    // The forward safety lint (nft::prepare::check): conflicts, exposed services, targets.
    let paths = Paths { network: args.network, dhcp: args.dhcp, firewall: args.firewall };
    let (ctx, mut diags) = forwarding::context(&loaded.config, &paths);
    diags.extend(crate::nft::prepare::check(&loaded.config.forwards, &ctx));
    let mut all = loaded.diagnostics;
    all.extend(diags);
    common::print_diagnostics(&all);
    print_reachability(&loaded.config);
    Ok(u8::from(config::has_errors(&all)))
}

/// What the WAN address means for the enabled ddns sections (CGNAT, private, no IPv6),
/// in plain words on stderr. Said only when the WAN device and its addresses are known
/// here (on the router); it never changes the exit status.
fn print_reachability(cfg: &config::Config) {
    if !cfg.ddns.iter().any(|h| h.enabled) {
        return;
    }
    let Ok(wan) = crate::wan::resolve(&cfg.main, &crate::wan::Sources::openwrt()) else { return };
    let Ok(addrs) = crate::netlink::dump_addresses(&wan.device) else { return };
    let mut err = io::stderr().lock();
    for w in crate::addr::reach::for_hosts(&cfg.ddns, &addrs) {
        let _ = writeln!(err, "warning: WAN {}: {}", wan.device, w.message);
    }
}
