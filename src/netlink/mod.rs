//! rtnetlink: the kernel's view of interfaces and addresses.
//!
//! The wire parser is pure; the socket code is the shell. See docs/ for the protocol notes.

use std::net::IpAddr;

use serde::Serialize;

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
pub const IFA_F_DADFAILED: u32 = 0x08;
pub const IFA_F_DEPRECATED: u32 = 0x20;
pub const IFA_F_TENTATIVE: u32 = 0x40;
pub const IFA_F_PERMANENT: u32 = 0x80;
