//! DNS of our own: wire format, TSIG, RFC 2136 dynamic update and address lookups.
//!
//! Layout: `wire` (messages, never panics on input), `base64` (TSIG secrets), `tsig`
//! (RFC 8945 signing and verification), `rfc2136` (UPDATE messages and what their answers
//! mean, plus the `update` entry point), `lookup` (A/AAAA queries), `client` (the only
//! module with sockets: UDP and TCP, one deadline per exchange; lookups start with UDP,
//! updates with TCP), `authority` (a name's authoritative servers, for `homeport
//! doctor`). Everything but `client` and the entry points `rfc2136::update`,
//! `lookup::lookup` and `authority::ask` is pure.

pub mod authority;
pub mod base64;
pub mod client;
pub mod lookup;
pub mod rfc2136;
pub mod tsig;
pub mod wire;

use std::fmt;
use std::net::SocketAddr;

pub use client::Transport;
pub use lookup::lookup;
use wire::{Rcode, WireError};

/// Why a DNS exchange gave no usable answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DnsError {
    /// The server's own name did not resolve.
    Resolve { server: String, detail: String },
    /// No answer in time.
    Timeout { server: SocketAddr, transport: Transport },
    /// A socket error (connection refused, network unreachable...).
    Io { server: SocketAddr, op: &'static str, detail: String },
    /// The answer is not a DNS message.
    Malformed(WireError),
    /// The answer is a DNS message but not an answer to our question.
    Mismatch(&'static str),
    /// The server answered with an error code.
    Rcode { server: SocketAddr, rcode: Rcode },
}

impl DnsError {
    /// Whether trying again later may help (network trouble, SERVFAIL) as opposed to a
    /// refusal that needs a configuration change.
    pub fn is_transient(&self) -> bool {
        match self {
            DnsError::Rcode { rcode, .. } => {
                !matches!(*rcode, Rcode::REFUSED | Rcode::NOTAUTH | Rcode::NOTIMP | Rcode::FORMERR)
            }
            _ => true,
        }
    }
}

impl fmt::Display for DnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DnsError::Resolve { server, detail } => write!(f, "cannot resolve DNS server name {server}: {detail}"),
            DnsError::Timeout { server, transport } => {
                let t = if *transport == Transport::Udp { "UDP" } else { "TCP" };
                write!(f, "no answer from DNS server {server} over {t} in time")
            }
            DnsError::Io { server, op, detail } => write!(f, "DNS server {server}: {op} failed: {detail}"),
            DnsError::Malformed(e) => write!(f, "the DNS server's answer is malformed: {e}"),
            DnsError::Mismatch(what) => write!(f, "the DNS server's answer does not match the question ({what})"),
            DnsError::Rcode { server, rcode } => write!(f, "DNS server {server} answered {rcode}"),
        }
    }
}

impl std::error::Error for DnsError {}

/// A fresh message ID from the system's random source (RFC 5452 §9.2: unpredictable IDs
/// make forged answers harder). Falls back to the clock's nanoseconds, which only
/// happens if the kernel's random source fails.
pub fn random_id() -> u16 {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut b = [0u8; 2];
    match SystemRandom::new().fill(&mut b) {
        Ok(()) => u16::from_be_bytes(b),
        Err(_) => {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos() as u16)
        }
    }
}
