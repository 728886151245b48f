//! `homeport flush`: remove `table inet homeport` (a no-op when it is absent). firewall4's
//! table and everyone else's are untouched.

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
    Nft { program: args.nft, ..Nft::default() }.flush().map_err(ApplyError::Nft)?;
    println!("port-forward table removed");
    Ok(0)
}
