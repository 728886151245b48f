//! homeport: Dynamic DNS and nftables port forwarding for OpenWrt routers.
//!
//! The library is the functional core (parsing, validation, rendering, policy) plus, in
//! [`cli`], the thin shell of each subcommand; `main.rs` only parses arguments and
//! dispatches. See ../shared/STYLE.md.

pub mod addr;
pub mod cli;
pub mod compose;
pub mod config;
pub mod daemon;
pub mod ddns;
pub mod device;
pub mod diag;
pub mod dns;
pub mod doctor;
pub mod json_fields;
pub mod lint;
pub mod migrate;
pub mod netlink;
pub mod nft;
pub mod statefile;
pub mod status;
pub mod types;
pub mod uci;
pub mod wan;

/// The version printed by `homeport --version` and sent in the User-Agent.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
