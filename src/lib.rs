//! homeport: Dynamic DNS and nftables port forwarding for OpenWrt routers.
//!
//! The library is the functional core (parsing, validation, rendering, policy); the
//! binary in `main.rs` is the thin shell around it. See ../shared/STYLE.md.

pub mod addr;
pub mod config;
pub mod ddns;
pub mod diag;
pub mod netlink;
pub mod status;
pub mod types;
pub mod uci;

/// The version printed by `homeport --version` and sent in the User-Agent.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
