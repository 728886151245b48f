//! Following the kernel's links and addresses as they change.
//!
//! [`Tables`] is pure: the link and address tables, updated by messages in kernel order.
//! Every update is a keyed upsert or delete, so replaying events that a later dump already
//! contains is harmless — which is what makes "subscribe, then dump, then read events"
//! correct without sequence bookkeeping. After a loss (ENOBUFS) that no longer holds: the
//! queue may hold an "add" whose "delete" was dropped, so the queue is discarded before
//! the dump that replaces it.
//! [`Watcher`] is the shell: one subscribed non-blocking socket for events, a short-lived
//! one for dumps.

use std::io;
use std::net::IpAddr;
use std::os::fd::{AsFd, BorrowedFd};

use super::socket::RTMGRP_NEIGH;
use super::socket::{RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR, RTMGRP_LINK, Socket};
use super::wire::Message;
use super::{AddrInfo, LinkInfo, NeighInfo, dump_all_addresses, dump_links, dump_neighbours};
use crate::daemon::logging as log;

/// The kernel's links (by index) and addresses, as far as messages told us.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tables {
    /// Sorted by index, one entry per index. A plain vector: a router has tens of links,
    /// and a map type of its own would cost flash for nothing.
    links: Vec<LinkInfo>,
    addrs: Vec<AddrInfo>,
    /// Neighbour entries that name a device (`NeighInfo::names_device`), by device and
    /// address (unique per pair); only kept once [`Watcher::watch_neighbours`] was
    /// called. A plain vector: a home LAN has tens of entries, and a map type of its own
    /// would cost flash for nothing.
    neighbours: Vec<NeighInfo>,
}

/// What one message changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Change {
    pub links: bool,
    pub addrs: bool,
    /// Which MAC an address on a device belongs to changed (not a mere NUD state change:
    /// REACHABLE/STALE/DELAY/PROBE flip all the time and change no target).
    pub neighbours: bool,
}

impl Change {
    pub fn any(self) -> bool {
        self.links || self.addrs || self.neighbours
    }

    pub fn merge(self, other: Change) -> Change {
        Change {
            links: self.links || other.links,
            addrs: self.addrs || other.addrs,
            neighbours: self.neighbours || other.neighbours,
        }
    }
}

/// Puts `l` into `links` (sorted by index) in place of the entry with its index, if any;
/// says whether that changed anything.
fn put_link(links: &mut Vec<LinkInfo>, l: LinkInfo) -> bool {
    match links.binary_search_by_key(&l.ifindex, |x| x.ifindex) {
        Ok(i) => match links.get_mut(i) {
            Some(old) if *old != l => {
                *old = l;
                true
            }
            _ => false,
        },
        Err(i) => {
            links.insert(i, l);
            true
        }
    }
}

impl Tables {
    pub fn from_dump(links: Vec<LinkInfo>, addrs: Vec<AddrInfo>) -> Tables {
        let mut t = Tables::default();
        t.replace(links, addrs);
        t
    }

    /// Replaces everything with a fresh dump; says what differs from before.
    pub fn replace(&mut self, links: Vec<LinkInfo>, addrs: Vec<AddrInfo>) -> Change {
        let mut fresh = Vec::with_capacity(links.len());
        for l in links {
            put_link(&mut fresh, l);
        }
        let links = fresh;
        // Sorted by key, the first of a repeated key kept: inserted one by one with the
        // search `apply` uses (no sort instance for `AddrInfo`; a dump has tens).
        let mut sorted: Vec<AddrInfo> = Vec::with_capacity(addrs.len());
        for a in addrs {
            if let Err(i) = sorted.binary_search_by(|x| key(x).cmp(&key(&a))) {
                sorted.insert(i, a);
            }
        }
        let addrs = sorted;
        let change = Change { links: links != self.links, addrs: addrs != self.addrs, neighbours: false };
        self.links = links;
        self.addrs = addrs;
        change
    }

    pub fn apply(&mut self, m: &Message) -> Change {
        match m {
            Message::NewLink(l) => {
                let changed = put_link(&mut self.links, l.clone());
                Change { links: changed, ..Change::default() }
            }
            Message::DelLink(l) => {
                let before_links = self.links.len();
                self.links.retain(|x| x.ifindex != l.ifindex);
                let links = self.links.len() != before_links;
                let before = (self.addrs.len(), self.neighbours.len());
                self.addrs.retain(|a| a.ifindex != l.ifindex);
                self.neighbours.retain(|n| n.ifindex != l.ifindex);
                Change { links, addrs: self.addrs.len() != before.0, neighbours: self.neighbours.len() != before.1 }
            }
            Message::NewAddr(a) => match self.addrs.binary_search_by(|x| key(x).cmp(&key(a))) {
                Ok(i) => match self.addrs.get_mut(i) {
                    Some(old) if old != a => {
                        *old = a.clone();
                        Change { addrs: true, ..Change::default() }
                    }
                    _ => Change::default(),
                },
                Err(i) => {
                    self.addrs.insert(i, a.clone());
                    Change { addrs: true, ..Change::default() }
                }
            },
            Message::DelAddr(a) => match self.addrs.binary_search_by(|x| key(x).cmp(&key(a))) {
                Ok(i) => {
                    self.addrs.remove(i);
                    Change { addrs: true, ..Change::default() }
                }
                Err(_) => Change::default(),
            },
            Message::NewNeigh(n) | Message::DelNeigh(n) => {
                let at = self.neighbours.iter().position(|o| (o.ifindex, o.addr) == (n.ifindex, n.addr));
                let old = at.map(|i| self.neighbours.swap_remove(i));
                // A failed or incomplete entry names no device any more: as good as deleted.
                let new = matches!(m, Message::NewNeigh(_)) && n.names_device();
                if new {
                    self.neighbours.push(n.clone());
                }
                let moved = match old {
                    Some(o) => !new || o.mac != n.mac,
                    None => new,
                };
                Change { neighbours: moved, ..Change::default() }
            }
            _ => Change::default(),
        }
    }

    /// Replaces the neighbour entries with a fresh dump; says whether a target moved.
    pub fn replace_neighbours(&mut self, mut dump: Vec<NeighInfo>) -> bool {
        dump.retain(NeighInfo::names_device);
        let same = |a: &NeighInfo, b: &NeighInfo| (a.ifindex, a.addr, a.mac) == (b.ifindex, b.addr, b.mac);
        let moved =
            dump.len() != self.neighbours.len() || dump.iter().any(|n| !self.neighbours.iter().any(|o| same(n, o)));
        self.neighbours = dump;
        moved
    }

    pub fn neighbours(&self) -> impl Iterator<Item = &NeighInfo> {
        self.neighbours.iter()
    }

    pub fn link_by_name(&self, name: &str) -> Option<&LinkInfo> {
        self.links.iter().find(|l| l.name.as_deref() == Some(name))
    }

    pub fn links(&self) -> impl Iterator<Item = &LinkInfo> {
        self.links.iter()
    }

    pub fn addresses(&self) -> impl Iterator<Item = &AddrInfo> {
        self.addrs.iter()
    }

    /// The addresses of the device called `name` now; empty when it does not exist.
    pub fn addresses_of(&self, name: &str) -> Vec<AddrInfo> {
        match self.link_by_name(name) {
            Some(l) => self.addrs.iter().filter(|a| a.ifindex == l.ifindex).cloned().collect(),
            None => Vec::new(),
        }
    }
}

/// An address is identified by its device, address and prefix (as `ip addr` treats it).
fn key(a: &AddrInfo) -> (u32, IpAddr, u8) {
    (a.ifindex, a.addr, a.prefix_len)
}

/// Links and IPv4/IPv6 addresses: always watched.
const GROUPS: u32 = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;

/// The subscribed socket and the tables it keeps current.
pub struct Watcher {
    socket: Socket,
    tables: Tables,
    /// Full re-dumps after lost events, for the status and the tests.
    pub resyncs: u64,
    /// Subscribed to neighbour events too ([`Self::watch_neighbours`]).
    neighbours: bool,
}

impl Watcher {
    /// Subscribes to links and IPv4/IPv6 addresses, then dumps both (in that order, so
    /// nothing that happens in between is missed).
    pub fn open() -> io::Result<Watcher> {
        let socket = Socket::open(GROUPS, true)?;
        let tables = Tables::from_dump(dump_links()?, dump_all_addresses()?);
        Ok(Watcher { socket, tables, resyncs: 0, neighbours: false })
    }

    /// Follows the neighbour table too (`on`, for forwards to a device), or no longer:
    /// joins the neighbour group, then dumps it (events queued meanwhile are upserts, so
    /// replaying them over the dump converges, as for addresses). Only while needed: on a
    /// busy LAN the neighbour table changes often, and a daemon without device forwards
    /// need not wake for it.
    ///
    /// When the neighbour table cannot be dumped, the group is left again and the error
    /// returned: the socket then carries only link and address events, so a kernel (or an
    /// emulator: qemu-user before its 2025 neighbour support in `linux-user/fd-trans.c`, such
    /// as Debian 12's 7.2, refuses RTM_GETNEIGH and fails every receive that holds an
    /// RTM_NEWNEIGH) that cannot give neighbours never disturbs
    /// the address watch.
    pub fn watch_neighbours(&mut self, on: bool) -> io::Result<()> {
        if on != self.neighbours {
            self.socket.set_groups(if on { GROUPS | RTMGRP_NEIGH } else { GROUPS })?;
            self.neighbours = on;
        }
        let dump = if on {
            match dump_neighbours() {
                Ok(d) => d,
                Err(e) => {
                    self.socket.set_groups(GROUPS)?;
                    self.neighbours = false;
                    self.tables.replace_neighbours(Vec::new());
                    return Err(e);
                }
            }
        } else {
            Vec::new()
        };
        self.tables.replace_neighbours(dump);
        Ok(())
    }

    /// See [`Socket::set_receive_buffer`].
    pub fn set_receive_buffer(&self, bytes: usize) -> io::Result<()> {
        self.socket.set_receive_buffer(bytes)
    }

    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    /// Reads every pending event and applies it. On ENOBUFS (the kernel dropped events
    /// for us) it dumps again and reconciles. Returns what changed.
    pub fn read(&mut self) -> io::Result<Change> {
        let mut change = Change::default();
        loop {
            match self.socket.recv() {
                Ok(msgs) => {
                    for m in msgs {
                        match m {
                            Ok(Message::Overrun) => {
                                change = change.merge(self.resync()?);
                                break;
                            }
                            Ok(m) => change = change.merge(self.tables.apply(&m)),
                            Err(e) => log::warn!("ignoring a malformed netlink message: {e}"),
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(change),
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                    log::info!("netlink events were lost (ENOBUFS); reading interfaces and addresses again");
                    change = change.merge(self.resync()?);
                }
                // What was read before the error still counts: returning only the error
                // would lose an address change already applied to the tables.
                Err(e) if change.any() => {
                    log::error!("reading netlink events: {e}");
                    return Ok(change);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Discards queued events, dumps links and addresses again and replaces the tables.
    pub fn resync(&mut self) -> io::Result<Change> {
        self.resyncs = self.resyncs.saturating_add(1);
        self.socket.discard_pending()?;
        let links = dump_links()?;
        let addrs = dump_all_addresses()?;
        let mut change = self.tables.replace(links, addrs);
        if self.neighbours {
            change.neighbours = self.tables.replace_neighbours(dump_neighbours()?);
        }
        Ok(change)
    }
}

impl AsFd for Watcher {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.socket.as_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::captured::{self, host_order};
    use crate::netlink::wire::messages;

    fn msg(bytes: &[u8]) -> Message {
        messages(&host_order(bytes)).next().unwrap().unwrap().1
    }

    fn link(ifindex: u32, name: &str) -> LinkInfo {
        LinkInfo { ifindex, name: Some(name.into()), flags: 0x41, oper_state: Some(6) }
    }

    /// A dump in any order gives the links by index and the addresses by key, the last
    /// of a repeated link index and the first of a repeated address key kept (what the
    /// map and the stable sort + dedup did).
    #[test]
    fn a_dump_is_sorted_and_without_repeats() {
        let a = |ifindex: u32, addr: &str, valid_lft: u32| AddrInfo {
            ifindex,
            addr: addr.parse().unwrap(),
            prefix_len: 24,
            flags: 0,
            preferred_lft: valid_lft,
            valid_lft,
        };
        let mut renamed = link(3, "hpv1");
        renamed.flags = 0x1043;
        let links = vec![link(3, "hpv0"), link(1, "lo"), renamed.clone(), link(2, "eth0")];
        let addrs =
            vec![a(3, "198.51.100.7", 10), a(1, "127.0.0.1", 1), a(3, "198.51.100.7", 20), a(2, "192.0.2.1", 5)];
        let t = Tables::from_dump(links, addrs);
        assert_eq!(t.links().cloned().collect::<Vec<_>>(), [link(1, "lo"), link(2, "eth0"), renamed]);
        assert_eq!(
            t.addresses().cloned().collect::<Vec<_>>(),
            [a(1, "127.0.0.1", 1), a(2, "192.0.2.1", 5), a(3, "198.51.100.7", 10)]
        );
    }

    #[test]
    fn events_update_the_tables() {
        let mut t = Tables::from_dump(vec![link(3, "hpv0")], vec![]);
        assert!(t.apply(&msg(&captured::NEWADDR_V4)).addrs);
        assert!(!t.apply(&msg(&captured::NEWADDR_V4)).any(), "the same address again is no change");
        assert!(t.apply(&msg(&captured::NEWADDR_V6_LIFETIMES)).addrs);
        let got: Vec<String> = t.addresses_of("hpv0").iter().map(|a| a.addr.to_string()).collect();
        assert_eq!(got, ["198.51.100.7", "2001:db8::7"]);
        assert!(t.apply(&msg(&captured::DELADDR_V4)).addrs);
        assert_eq!(t.addresses_of("hpv0").len(), 1);
        assert!(t.addresses_of("eth0").is_empty());
    }

    #[test]
    fn a_deleted_link_takes_its_addresses_along() {
        let mut t = Tables::from_dump(vec![link(3, "hpv0"), link(1, "lo")], vec![]);
        t.apply(&msg(&captured::NEWADDR_V6_LIFETIMES));
        t.apply(&msg(&captured::DUMP_ADDR_LO));
        let c = t.apply(&msg(&captured::DELLINK));
        assert_eq!(c, Change { links: true, addrs: true, neighbours: false });
        assert!(t.link_by_name("hpv0").is_none());
        assert_eq!(t.addresses_of("lo").len(), 1);
        // The device comes back (a PPPoE reconnect) under a new index.
        let mut back = link(7, "hpv0");
        back.flags = 0x1043;
        assert!(t.apply(&Message::NewLink(back)).links);
        assert_eq!(t.link_by_name("hpv0").map(|l| l.ifindex), Some(7));
    }

    #[test]
    fn replaying_events_over_a_newer_dump_converges() {
        // Events e1..e3 were queued; the dump was taken after e2. Applying all three over the
        // dump must give the state after e3.
        let add = msg(&captured::NEWADDR_V4);
        let del = msg(&captured::DELADDR_V4);
        let add6 = msg(&captured::NEWADDR_V6_LIFETIMES);
        let mut truth = Tables::from_dump(vec![link(3, "hpv0")], vec![]);
        for m in [&add, &del, &add6] {
            truth.apply(m);
        }
        let mut t = Tables::from_dump(vec![link(3, "hpv0")], vec![]); // dump after e2: empty
        for m in [&add, &del, &add6] {
            t.apply(m);
        }
        assert_eq!(t, truth);
    }

    #[test]
    fn neighbour_events_change_targets_only_when_a_mac_moves() {
        let mut t = Tables::default();
        assert!(t.apply(&msg(&captured::NEWNEIGH_V4)).neighbours);
        assert!(!t.apply(&msg(&captured::NEWNEIGH_V4)).any(), "the same entry again is no change");
        let Message::NewNeigh(mut stale) = msg(&captured::NEWNEIGH_V4) else { panic!() };
        stale.state = 0x04;
        assert!(!t.apply(&Message::NewNeigh(stale.clone())).any(), "REACHABLE to STALE moves nothing");
        stale.mac = Some(crate::types::Mac([2, 0, 0, 0, 0, 1]));
        assert!(t.apply(&Message::NewNeigh(stale)).neighbours, "another MAC on the address");
        // Deleting: a FAILED entry first (removes it), then RTM_DELNEIGH (nothing left).
        assert!(t.apply(&msg(&captured::NEWNEIGH_V4_FAILED)).neighbours);
        assert!(!t.apply(&msg(&captured::DELNEIGH_V4)).any());
        assert_eq!(t.neighbours().count(), 0);
        t.apply(&msg(&captured::NEWNEIGH_V6_STALE));
        assert!(!t.replace_neighbours(t.neighbours().cloned().collect()));
        assert!(t.replace_neighbours(vec![]));
    }

    #[test]
    fn replace_reports_differences_only() {
        let mut t = Tables::from_dump(vec![link(3, "hpv0")], vec![]);
        assert_eq!(t.replace(vec![link(3, "hpv0")], vec![]), Change::default());
        let Message::NewAddr(a) = msg(&captured::NEWADDR_V4) else { panic!() };
        assert_eq!(t.replace(vec![link(3, "hpv0")], vec![a.clone(), a]), Change { addrs: true, ..Change::default() });
        assert_eq!(t.addresses_of("hpv0").len(), 1, "duplicates in a dump collapse");
    }
}
