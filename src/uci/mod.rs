//! UCI: OpenWrt's configuration file format, read and written as libuci does.
//!
//! Pure apart from [`load`]'s file reading. See docs/config.md and
//! ../shared/reference/openwrt.md §1 for the grammar this follows.

pub mod model;

pub use model::{Package, Section, UciOption, Value};
