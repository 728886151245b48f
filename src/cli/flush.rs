//! `homeport flush`: remove `table inet homeport` (a no-op when it is absent) and empty
//! the IPv6 pinhole sets homeport fills in firewall4's table (`homeport_pinholes6`,
//! `homeport_deny6`; nothing when fw4 has not loaded them). The init script runs it after
//! the daemon stopped, so a daemon that died leaves no port open. Nothing else in fw4's
//! table, or anyone else's, is touched.

use crate::compose;
use std::path::PathBuf;

use argh::FromArgs;

use super::Outcome;
use super::apply::ApplyError;
use crate::nft::apply::Nft;

/// remove the port-forward table
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "flush")]
pub struct FlushArgs {
    /// the UCI file (default /etc/config/homeport); accepted for symmetry, not needed
    #[argh(option, short = 'c', default = "compose::default_config()")]
    pub config: PathBuf,
    /// the nft program (default nft)
    #[argh(option, default = "PathBuf::from(\"nft\")")]
    pub nft: PathBuf,
}

pub fn run(args: FlushArgs) -> Outcome {
    let _ = args.config;
    let nft = Nft { program: args.nft, ..Nft::default() };
    // Pinholes first: they open ports without our table.
    nft.close_pinholes().map_err(ApplyError::Nft)?;
    nft.flush().map_err(ApplyError::Nft)?;
    println!("port-forward table removed");
    Ok(0)
}
