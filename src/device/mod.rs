//! Forwards that follow a device: who a `dest_mac`/`dest_host` is, and where it is now.
//!
//! Pure. [`leases`] parses what the DHCP servers write (dnsmasq's lease file, odhcpd's
//! state file) and the static leases of /etc/config/dhcp; [`resolve`] combines them with
//! the kernel's neighbour table into the one IPv4 address a device forward points at.
//! [`read`] is the shell that reads the files and the neighbour dump.

pub mod leases;
pub mod read;
pub mod resolve;

use std::fmt;

use crate::types::Mac;

/// The device a forward points at instead of an address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Device {
    /// `dest_mac`.
    Mac(Mac),
    /// `dest_host`: a DHCP host name (as the client sent it, or a `config host` name).
    Host(HostName),
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Mac(m) => write!(f, "{m}"),
            Device::Host(h) => f.write_str(h.as_str()),
        }
    }
}

/// Written as its MAC or name, as the user wrote it.
impl serde::Serialize for Device {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A DHCP host name: 1-63 bytes of letters, digits, `-`, `_` and `.` (what dnsmasq and
/// odhcpd keep of a client's option 12/FQDN; anything else they replace or drop).
/// Compared case-insensitively, stored lower-case.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostName(String);

impl HostName {
    pub const MAX_LEN: usize = 63;

    pub fn parse(s: &str) -> Result<HostName, String> {
        let ok = !s.is_empty()
            && s.len() <= HostName::MAX_LEN
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if ok {
            Ok(HostName(s.to_ascii_lowercase()))
        } else {
            Err("is not a DHCP host name (1-63 letters, digits, '-', '_' or '.')".to_string())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}
