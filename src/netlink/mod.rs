//! rtnetlink: the kernel's view of interfaces and addresses.
//!
//! [`wire`] is the pure parser (bytes → [`wire::Message`]); [`socket`] is the shell (one
//! NETLINK_ROUTE socket: dump requests, event subscription). Types here are plain data.

pub mod socket;
pub mod watch;
pub mod wire;

#[cfg(test)]
mod captured;

use std::net::IpAddr;

use serde::Serialize;

use crate::types::Mac;

pub use socket::{Socket, dump_addresses, dump_all_addresses, dump_links, dump_neighbours};
pub use watch::{Change, Tables, Watcher};

/// One address of one interface, as an RTM_NEWADDR message (or a dump) reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AddrInfo {
    pub ifindex: u32,
    pub addr: IpAddr,
    pub prefix_len: u8,
    /// IFA_F_* flags (IFA_FLAGS when present, else ifa_flags): temporary 0x01, nodad 0x02,
    /// optimistic 0x04, dadfailed 0x08, homeaddress 0x10, deprecated 0x20, tentative 0x40,
    /// permanent 0x80, managetempaddr 0x100, noprefixroute 0x200.
    pub flags: u32,
    /// Seconds, from IFA_CACHEINFO; `u32::MAX` means forever.
    pub preferred_lft: u32,
    pub valid_lft: u32,
}

pub const IFA_F_TEMPORARY: u32 = 0x01;
pub const IFA_F_NODAD: u32 = 0x02;
pub const IFA_F_DADFAILED: u32 = 0x08;
pub const IFA_F_DEPRECATED: u32 = 0x20;
pub const IFA_F_TENTATIVE: u32 = 0x40;
pub const IFA_F_PERMANENT: u32 = 0x80;
pub const IFA_F_MANAGETEMPADDR: u32 = 0x100;
pub const IFA_F_NOPREFIXROUTE: u32 = 0x200;

/// One network device, as an RTM_NEWLINK/RTM_DELLINK message (or a dump) reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinkInfo {
    pub ifindex: u32,
    /// IFLA_IFNAME; the kernel always sends it, but the parser does not insist.
    pub name: Option<String>,
    /// IFF_* flags (`ifi_flags`).
    pub flags: u32,
    /// IFLA_OPERSTATE (RFC 2863: 6 = up, 2 = down, 7 = testing, 5 = dormant, 0 = unknown).
    pub oper_state: Option<u8>,
}

/// One neighbour (ARP/NDP) entry, as an RTM_NEWNEIGH/RTM_DELNEIGH message reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeighInfo {
    pub ifindex: u32,
    pub addr: IpAddr,
    /// NDA_LLADDR when it is 6 bytes; absent for incomplete and failed entries.
    pub mac: Option<Mac>,
    /// NUD_* state (`ndm_state`, linux/neighbour.h).
    pub state: u16,
}

pub const NUD_INCOMPLETE: u16 = 0x01;
pub const NUD_FAILED: u16 = 0x20;
pub const NUD_NOARP: u16 = 0x40;

impl NeighInfo {
    /// The entry says the address is (or recently was) used by `mac`: not incomplete,
    /// not failed (the kernel keeps those while it resolves or after it gave up), and not
    /// a NOARP entry (multicast, point-to-point), which names no device.
    pub fn names_device(&self) -> bool {
        self.mac.is_some() && self.state & (NUD_INCOMPLETE | NUD_FAILED | NUD_NOARP) == 0
    }
}

pub const IFF_UP: u32 = 0x1;
pub const IFF_RUNNING: u32 = 0x40;
pub const IFF_LOWER_UP: u32 = 0x1_0000;

impl LinkInfo {
    /// Administratively up (`ip link set … up`).
    pub fn is_up(&self) -> bool {
        self.flags & IFF_UP != 0
    }

    /// Up and with carrier: the device can pass traffic.
    pub fn is_running(&self) -> bool {
        self.is_up() && self.flags & IFF_RUNNING != 0
    }
}
