//! Value types that cannot hold invalid values.
//!
//! Pure. Every type here is built only through `parse` (or a checked constructor) at the
//! edge, so code past the config layer never re-validates strings. Parse errors are short
//! human reasons ("is not a port (1-65535)") that the config layer wraps with the section,
//! option and value.

pub mod duration;
mod mac;
mod name;
mod net;
mod port;
mod secret;

pub use duration::Interval;
pub use mac::Mac;
pub use name::{Hostname, IfName, UciName};
pub use net::{AddrMatch, Cidr, Host, HostPort};
pub use port::{Port, PortRange};
pub use secret::Secret;
