//! The `homeport` command: parse arguments, set up logging, dispatch, map errors to exit codes.

use argh::FromArgs;

/// Dynamic DNS and port forwarding for OpenWrt routers.
#[derive(FromArgs)]
struct Args {
    /// print the version and exit
    #[argh(switch)]
    version: bool,
}

fn main() {
    let args: Args = argh::from_env();
    if args.version {
        println!("homeport {}", homeport::VERSION);
    }
}
