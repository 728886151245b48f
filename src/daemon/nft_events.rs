//! Noticing when something else removes our forward table, so the daemon restores it.
//!
//! Why netlink events rather than a procd trigger: a procd trigger fires on a firewall
//! *config* change, but `service firewall restart`, `fw4 reload` or a hand-typed
//! `nft flush ruleset` change no config and still delete `table inet homeport`. The kernel
//! reports every committed nftables change to the NFNLGRP_NFTABLES group within
//! milliseconds, whoever made it, at the cost of one more socket and no polling.
//!
//! Each commit arrives as a batch: one message per object changed, then NFT_MSG_NEWGEN.
//! A batch that deletes something of `inet homeport` and adds nothing to it is a removal
//! by someone else: our own apply re-adds what it flushes in the same transaction, and our
//! own removal happens only as we exit. [`Batches`] is the pure classifier; [`NftEvents`]
//! the socket. Parsing follows `linux/netfilter/nf_tables.h` and `nfnetlink.h`; nftables
//! attribute integers are big-endian. Never panics on any input.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use nix::errno::Errno;
use nix::sys::socket::{self, AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType};

use crate::netlink::wire::parse_header;

const NFNL_SUBSYS_NFTABLES: u16 = 10;
const NFT_MSG_NEWGEN: u16 = 15;
/// Operations whose messages name a table in attribute 1 (NFTA_TABLE_NAME,
/// NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE, NFTA_SET_ELEM_LIST_TABLE,
/// NFTA_OBJ_TABLE, NFTA_FLOWTABLE_TABLE all equal 1), split into additions and deletions.
const ADDITIONS: [u16; 7] = [0, 3, 6, 9, 12, 18, 22];
const DELETIONS: [u16; 7] = [2, 5, 8, 11, 14, 20, 24];
const NFPROTO_INET: u8 = 1;
/// nfnetlink multicast group NFNLGRP_NFTABLES (7), as a `nl_groups` bit.
const NFTABLES_GROUP_BIT: u32 = 1 << (7 - 1);

/// What a message of one commit did to our table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Touch {
    added: bool,
    deleted: bool,
}

/// Accumulates messages until the commit's NEWGEN and classifies the commit.
#[derive(Debug)]
pub struct Batches {
    table: String,
    current: Touch,
}

impl Batches {
    /// Watches `inet <table>`.
    pub fn new(table: &str) -> Batches {
        Batches { table: table.to_string(), current: Touch::default() }
    }

    /// Feeds one datagram; returns how many completed commits removed (part of) our table
    /// without re-adding it.
    pub fn feed(&mut self, datagram: &[u8]) -> usize {
        let mut removals = 0usize;
        let mut rest = datagram;
        while let Ok(h) = parse_header(rest) {
            let len = usize::try_from(h.len).unwrap_or(usize::MAX);
            let Some(body) = rest.get(16..len) else { break };
            if h.msg_type >> 8 == NFNL_SUBSYS_NFTABLES {
                let op = h.msg_type & 0xff;
                if op == NFT_MSG_NEWGEN {
                    if self.current.deleted && !self.current.added {
                        removals = removals.saturating_add(1);
                    }
                    self.current = Touch::default();
                } else if self.names_our_table(body) {
                    self.current.added |= ADDITIONS.contains(&op);
                    self.current.deleted |= DELETIONS.contains(&op);
                }
            }
            let next = len.checked_add(3).map_or(usize::MAX, |n| n & !3);
            rest = rest.get(next..).unwrap_or_default();
        }
        removals
    }

    /// nfgenmsg family is inet and attribute 1 is our table's name.
    fn names_our_table(&self, body: &[u8]) -> bool {
        if body.first() != Some(&NFPROTO_INET) {
            return false;
        }
        let mut attrs = body.get(4..).unwrap_or_default();
        while attrs.len() >= 4 {
            let len = usize::from(u16::from_ne_bytes([*attrs.first().unwrap_or(&0), *attrs.get(1).unwrap_or(&0)]));
            let ty = u16::from_ne_bytes([*attrs.get(2).unwrap_or(&0), *attrs.get(3).unwrap_or(&0)]) & 0x3fff;
            if len < 4 {
                return false;
            }
            let Some(data) = attrs.get(4..len) else { return false };
            if ty == 1 {
                let name = data.split(|&b| b == 0).next().unwrap_or_default();
                return name == self.table.as_bytes();
            }
            attrs = attrs.get(len.saturating_add(3) & !3..).unwrap_or_default();
        }
        false
    }
}

/// The nftables event socket (needs CAP_NET_ADMIN).
pub struct NftEvents {
    fd: OwnedFd,
    batches: Batches,
    /// The receive buffer of one read, sized by its largest datagram (3.7 KiB for an
    /// apply of 100 forwards) and released when the read ends: events come only with
    /// commits, and an idle daemon held the last one's buffer (bench/daemon.md).
    buf: Vec<u8>,
}

impl NftEvents {
    pub fn open(table: &str) -> io::Result<NftEvents> {
        let fd = socket::socket(
            AddressFamily::Netlink,
            SockType::Raw,
            SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
            SockProtocol::NetlinkNetFilter,
        )
        .map_err(io::Error::from)?;
        socket::bind(fd.as_raw_fd(), &NetlinkAddr::new(0, NFTABLES_GROUP_BIT)).map_err(io::Error::from)?;
        Ok(NftEvents { fd, batches: Batches::new(table), buf: Vec::new() })
    }

    /// The queue is empty: the buffer goes back to the allocator until the next commit.
    fn drained(&mut self, removed: bool) -> bool {
        self.buf = Vec::new();
        removed
    }

    /// Reads pending events; true when a commit by someone else removed our table (or
    /// events were lost, in which case restoring is the safe answer: it is idempotent).
    pub fn read(&mut self) -> io::Result<bool> {
        let mut removed = false;
        loop {
            // Peek at the datagram's true size first: the buffer grows only as needed
            // and nothing is ever cut short.
            let size = match socket::recv(self.fd.as_raw_fd(), &mut [], MsgFlags::MSG_PEEK | MsgFlags::MSG_TRUNC) {
                Ok(n) => n,
                Err(Errno::EINTR) => continue,
                Err(Errno::EAGAIN) => return Ok(self.drained(removed)),
                Err(Errno::ENOBUFS) => {
                    self.batches = Batches::new(&self.batches.table);
                    removed = true;
                    continue;
                }
                Err(e) => return Err(io::Error::from(e)),
            };
            if self.buf.len() < size {
                self.buf.resize(size, 0);
            }
            match socket::recv(self.fd.as_raw_fd(), &mut self.buf, MsgFlags::empty()) {
                Ok(n) => removed |= self.batches.feed(self.buf.get(..n).unwrap_or_default()) > 0,
                Err(Errno::EINTR) => continue,
                Err(Errno::EAGAIN) => return Ok(self.drained(removed)),
                Err(Errno::ENOBUFS) => {
                    self.batches = Batches::new(&self.batches.table);
                    removed = true;
                }
                Err(e) => return Err(io::Error::from(e)),
            }
        }
    }
}

impl AsFd for NftEvents {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// One nftables notification: header, nfgenmsg, attribute 1 = `table`.
    fn msg(op: u16, family: u8, table: &str) -> Vec<u8> {
        let mut attr = Vec::new();
        let name = format!("{table}\0");
        attr.extend_from_slice(&((4 + name.len()) as u16).to_ne_bytes());
        attr.extend_from_slice(&1u16.to_ne_bytes());
        attr.extend_from_slice(name.as_bytes());
        attr.resize((attr.len() + 3) & !3, 0);
        let mut m = Vec::new();
        let len = 16 + 4 + attr.len();
        m.extend_from_slice(&(len as u32).to_ne_bytes());
        m.extend_from_slice(&((NFNL_SUBSYS_NFTABLES << 8) | op).to_ne_bytes());
        m.extend_from_slice(&[0; 10]);
        m.extend_from_slice(&[family, 0, 0, 0]);
        m.extend_from_slice(&attr);
        m
    }

    fn newgen() -> Vec<u8> {
        msg(NFT_MSG_NEWGEN, 0, "")
    }

    fn batch(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn a_foreign_delete_is_a_removal() {
        let mut b = Batches::new("homeport");
        // `nft delete table inet homeport`
        assert_eq!(b.feed(&batch(&[msg(2, NFPROTO_INET, "homeport"), newgen()])), 1);
        // `nft flush ruleset`: rules, chains and tables of everyone, ours among them.
        let flush = batch(&[
            msg(8, NFPROTO_INET, "fw4"),
            msg(8, NFPROTO_INET, "homeport"),
            msg(5, NFPROTO_INET, "homeport"),
            msg(2, NFPROTO_INET, "homeport"),
            msg(2, NFPROTO_INET, "fw4"),
            msg(0, NFPROTO_INET, "fw4"),
            newgen(),
        ]);
        assert_eq!(b.feed(&flush), 1);
    }

    #[test]
    fn our_own_apply_and_other_tables_are_not() {
        let mut b = Batches::new("homeport");
        // Our apply: flush table (rule deletions) and re-add everything, one commit.
        let apply = batch(&[
            msg(0, NFPROTO_INET, "homeport"),
            msg(8, NFPROTO_INET, "homeport"),
            msg(6, NFPROTO_INET, "homeport"),
            newgen(),
        ]);
        assert_eq!(b.feed(&apply), 0);
        assert_eq!(b.feed(&batch(&[msg(2, NFPROTO_INET, "fw4"), newgen()])), 0);
        // Same name, other family: not ours.
        assert_eq!(b.feed(&batch(&[msg(2, 2, "homeport"), newgen()])), 0);
    }

    #[test]
    fn a_commit_split_over_datagrams_is_one_batch() {
        let mut b = Batches::new("homeport");
        assert_eq!(b.feed(&msg(8, NFPROTO_INET, "homeport")), 0);
        assert_eq!(b.feed(&newgen()), 1);
    }

    #[test]
    fn garbage_never_panics() {
        let mut b = Batches::new("homeport");
        let good = batch(&[msg(2, NFPROTO_INET, "homeport"), newgen()]);
        let mut x = 0x1234_5678_u32;
        for i in 0..20_000 {
            let mut m = good.clone();
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let at = (x as usize) % m.len();
            m[at] = (x >> 8) as u8;
            m.truncate(m.len() - (i % 7));
            b.feed(&m);
        }
    }

    /// A read leaves no receive buffer behind: an idle daemon held the 3.7 KiB buffer of
    /// its last apply's events until the next commit (bench/daemon.md). Root only: the
    /// commit is made in a network namespace of this test's own thread.
    #[test]
    fn a_read_keeps_no_buffer() {
        let t = std::thread::spawn(|| {
            // SAFETY: unshare(2) with CLONE_NEWNET moves only the calling thread (this
            // test's own) into a new, empty network namespace; nft runs in it as a child.
            if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
                return Err(format!("no network namespace: {}", io::Error::last_os_error()));
            }
            let mut ev = NftEvents::open("homeport").map_err(|e| format!("no nftables events: {e}"))?;
            // A commit whose notifications fill datagrams: a rule with 1000 ports.
            let ports = (1000..2000).map(|p| p.to_string()).collect::<Vec<_>>().join(", ");
            let script = format!("table inet hp_buf_test {{\n chain c {{\n tcp dport {{ {ports} }} accept\n }}\n}}\n");
            let path = std::env::temp_dir().join(format!("hp-buf-test-{}.nft", std::process::id()));
            std::fs::write(&path, script).map_err(|e| e.to_string())?;
            let run = std::process::Command::new("nft").arg("-f").arg(&path).output();
            let _ = std::fs::remove_file(&path);
            match run {
                Ok(o) if o.status.success() => {}
                Ok(o) => return Err(format!("nft -f failed: {}", String::from_utf8_lossy(&o.stderr))),
                Err(e) => return Err(format!("nft not runnable: {e}")),
            }
            assert!(!ev.read().map_err(|e| e.to_string())?, "another table's commit is no removal");
            Ok(ev.buf.capacity())
        });
        match t.join().unwrap() {
            Ok(cap) => assert_eq!(cap, 0, "receive buffer kept after the read"),
            Err(why) => eprintln!("skipped: {why}"),
        }
    }
}
