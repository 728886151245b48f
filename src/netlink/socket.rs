//! The NETLINK_ROUTE socket: the shell around [`super::wire`].
//!
//! One socket type serves both uses: a short-lived one answers a dump
//! ([`dump_addresses`], [`dump_links`]), and the daemon keeps one subscribed to the link
//! and address groups. Decisions (what an event means) live elsewhere; this only moves
//! bytes and maps kernel errors to `io::Error`.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::time::Duration;

use nix::errno::Errno;
use nix::sys::socket::{
    self, AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, setsockopt, sockopt,
};
use nix::sys::time::{TimeVal, TimeValLike};

use super::wire::{self, Message, RTM_GETADDR, RTM_GETLINK};
use super::{AddrInfo, LinkInfo};
use crate::daemon::logging as log;
use crate::types::IfName;

/// Multicast groups (`RTMGRP_*` bits of `sockaddr_nl.nl_groups`).
pub const RTMGRP_LINK: u32 = 0x1;
pub const RTMGRP_IPV4_IFADDR: u32 = 0x10;
pub const RTMGRP_IPV6_IFADDR: u32 = 0x100;
pub const RTMGRP_NEIGH: u32 = 0x4;

/// A dump answer never takes this long; the bound keeps a wedged kernel from hanging
/// `homeport update`.
const DUMP_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Socket {
    fd: OwnedFd,
    seq: u32,
    buf: Vec<u8>,
}

impl Socket {
    /// A socket subscribed to `groups` (0 for none). Non-blocking sockets suit a poll loop.
    pub fn open(groups: u32, nonblocking: bool) -> io::Result<Socket> {
        let mut flags = SockFlag::SOCK_CLOEXEC;
        if nonblocking {
            flags |= SockFlag::SOCK_NONBLOCK;
        }
        let fd = socket::socket(AddressFamily::Netlink, SockType::Raw, flags, SockProtocol::NetlinkRoute)
            .map_err(io::Error::from)?;
        socket::bind(fd.as_raw_fd(), &NetlinkAddr::new(0, groups)).map_err(io::Error::from)?;
        if groups != 0 {
            // A burst of changes (a flapping link) must not overflow a small default buffer;
            // when it still does, the caller sees ENOBUFS and dumps again.
            let _ = setsockopt(&fd, sockopt::RcvBuf, &(1 << 20));
        }
        Ok(Socket { fd, seq: 1, buf: Vec::new() })
    }

    /// Subscribes a bound socket to exactly `groups`: binding again with the port id the
    /// kernel assigned replaces the group mask (netlink(7); `netlink_bind`), no unsafe
    /// NETLINK_ADD_MEMBERSHIP needed.
    pub fn set_groups(&self, groups: u32) -> io::Result<()> {
        let me: NetlinkAddr = socket::getsockname(self.fd.as_raw_fd()).map_err(io::Error::from)?;
        socket::bind(self.fd.as_raw_fd(), &NetlinkAddr::new(me.pid(), groups)).map_err(io::Error::from)
    }

    /// Sets SO_RCVBUF (the kernel doubles it and enforces a minimum). A small buffer makes
    /// event loss (ENOBUFS) easy to provoke in tests.
    pub fn set_receive_buffer(&self, bytes: usize) -> io::Result<()> {
        setsockopt(&self.fd, sockopt::RcvBuf, &bytes).map_err(io::Error::from)
    }

    /// Sends a dump request (`RTM_GETLINK` or `RTM_GETADDR`); returns its sequence number.
    pub fn request_dump(&mut self, msg_type: u16) -> io::Result<u32> {
        self.seq = self.seq.wrapping_add(1);
        let req = wire::dump_request(msg_type, self.seq);
        let kernel = NetlinkAddr::new(0, 0);
        socket::sendto(self.fd.as_raw_fd(), &req, &kernel, MsgFlags::empty()).map_err(io::Error::from)?;
        Ok(self.seq)
    }

    /// Receives one datagram and parses it. `WouldBlock` when a non-blocking socket has
    /// nothing; `ENOBUFS` (raw OS error) when the kernel dropped events for us.
    pub fn recv(&mut self) -> io::Result<Vec<Result<Message, wire::WireError>>> {
        // Peek with MSG_TRUNC for the true size so no datagram is ever cut short.
        let mut probe = [0u8; 0];
        let size = loop {
            match socket::recv(self.fd.as_raw_fd(), &mut probe, MsgFlags::MSG_PEEK | MsgFlags::MSG_TRUNC) {
                Err(Errno::EINTR) => continue,
                r => break r.map_err(io::Error::from)?,
            }
        };
        if self.buf.len() < size {
            self.buf.resize(size, 0);
        }
        let n = loop {
            match socket::recv(self.fd.as_raw_fd(), &mut self.buf, MsgFlags::empty()) {
                Err(Errno::EINTR) => continue,
                r => break r.map_err(io::Error::from)?,
            }
        };
        let data = self.buf.get(..n).unwrap_or_default();
        Ok(wire::messages(data).map(|m| m.map(|(_, msg)| msg)).collect())
    }

    /// Reads and drops everything queued (a non-blocking socket only), including further
    /// ENOBUFS reports: after a loss the queue is stale, and a dump replaces it.
    pub fn discard_pending(&mut self) -> io::Result<()> {
        loop {
            match socket::recv(self.fd.as_raw_fd(), &mut [0u8; 0], MsgFlags::MSG_TRUNC) {
                Ok(_) | Err(Errno::EINTR | Errno::ENOBUFS) => continue,
                Err(Errno::EAGAIN) => return Ok(()),
                Err(e) => return Err(io::Error::from(e)),
            }
        }
    }

    /// Sends a dump request and collects every message of the answer up to NLMSG_DONE.
    /// On a subscribed socket, events that arrive meanwhile are returned too, in order.
    /// A message that does not parse is logged and skipped, as the watcher does with
    /// events: one bad message must not cost every other interface and address.
    pub fn dump(&mut self, msg_type: u16) -> io::Result<Vec<Message>> {
        let seq = self.request_dump(msg_type)?;
        let mut out = Vec::new();
        loop {
            for m in self.recv()? {
                let m = match m {
                    Ok(m) => m,
                    Err(e) => {
                        log::warn!("ignoring a malformed netlink message in a dump: {e}");
                        continue;
                    }
                };
                match m {
                    Message::Done { seq: s } if s == seq => return Ok(out),
                    Message::Error { seq: s, errno } if s == seq && errno != 0 => {
                        return Err(io::Error::from_raw_os_error(errno));
                    }
                    other => out.push(other),
                }
            }
        }
    }

    fn with_timeout(self, t: Duration) -> io::Result<Socket> {
        let secs = i64::try_from(t.as_secs()).unwrap_or(i64::MAX);
        setsockopt(&self.fd, sockopt::ReceiveTimeout, &TimeVal::seconds(secs)).map_err(io::Error::from)?;
        Ok(self)
    }
}

impl AsFd for Socket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for Socket {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// Every address of every device.
pub fn dump_all_addresses() -> io::Result<Vec<AddrInfo>> {
    let mut s = Socket::open(0, false)?.with_timeout(DUMP_TIMEOUT)?;
    Ok(s.dump(RTM_GETADDR)?
        .into_iter()
        .filter_map(|m| match m {
            Message::NewAddr(a) => Some(a),
            _ => None,
        })
        .collect())
}

/// Every device: index, name, flags.
pub fn dump_links() -> io::Result<Vec<LinkInfo>> {
    let mut s = Socket::open(0, false)?.with_timeout(DUMP_TIMEOUT)?;
    Ok(s.dump(RTM_GETLINK)?
        .into_iter()
        .filter_map(|m| match m {
            Message::NewLink(l) => Some(l),
            _ => None,
        })
        .collect())
}

/// The addresses of one device, IPv4 and IPv6, in the kernel's order. A device that does
/// not exist is `ErrorKind::NotFound` with the name in the message (a PPPoE WAN that is
/// down has no device).
pub fn dump_addresses(ifname: &IfName) -> io::Result<Vec<AddrInfo>> {
    let links = dump_links()?;
    let Some(link) = links.iter().find(|l| l.name.as_deref() == Some(ifname.as_str())) else {
        return Err(io::Error::new(io::ErrorKind::NotFound, format!("network device '{ifname}' does not exist")));
    };
    let index = link.ifindex;
    Ok(dump_all_addresses()?.into_iter().filter(|a| a.ifindex == index).collect())
}

/// The kernel's neighbour (ARP and NDP) table, both families.
pub fn dump_neighbours() -> io::Result<Vec<super::NeighInfo>> {
    let mut s = Socket::open(0, false)?.with_timeout(DUMP_TIMEOUT)?;
    Ok(s.dump(super::wire::RTM_GETNEIGH)?
        .into_iter()
        .filter_map(|m| match m {
            Message::NewNeigh(n) => Some(n),
            _ => None,
        })
        .collect())
}
