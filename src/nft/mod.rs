//! Port forwarding in nftables: plan, render, and apply `table inet homeport`.
//!
//! The pure core is [`plan`] (forwards → conflict-free entries), [`render`] (entries +
//! WAN side → the whole ruleset text), [`quote`] (the only way text reaches nft) and
//! [`fw4`] (the firewall4 include files). [`apply`] is the shell: it pipes the text to
//! `nft` on stdin, never through a shell; [`child`] keeps the daemon's one nft child
//! within its reach. [`linear`] renders the same forwards one rule per forward, as
//! firewall4 would, for the benchmark's comparison.
//! Plan, lint and render are composed in `crate::compose`. Design and priorities:
//! docs/forwarding.md.

pub mod apply;
pub mod child;
pub mod counters;
pub mod fw4;
pub mod linear;
pub mod plan;
pub mod quote;
pub mod render;

pub use plan::{Entry, Family, L4, Plan, plan};
pub use render::{Network, Ruleset, TABLE, render, render_flush};
