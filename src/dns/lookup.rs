//! Address lookups (A/AAAA) against a chosen DNS server, for learning which address a
//! name is registered with (`lookup_host` via `dns_server`).
//!
//! `query` and `addresses` are pure; `lookup` is the shell around them.

use std::net::IpAddr;

use super::client::{self, Timeouts};
use super::wire::{self, Message, MessageBuilder, Name, RData, Rcode, class, flag, opcode, rtype};
use super::{DnsError, random_id};
use crate::config::AddrFamily;
use crate::types::{HostPort, Hostname};

/// A recursive query (RD set, so a resolver such as dnsmasq answers too) for `qtype`.
pub fn query(id: u16, name: &Name, qtype: u16) -> Vec<u8> {
    MessageBuilder::new(id, opcode::QUERY, flag::RD).question(name, qtype, class::IN).finish()
}

/// The addresses of type `qtype` in a parsed answer. CNAME chains are followed the way
/// resolvers present them: every A/AAAA record of that type in the answer section counts.
pub fn addresses(m: &Message, qtype: u16) -> Vec<IpAddr> {
    m.answers
        .iter()
        .filter(|rr| rr.rtype == qtype && rr.class == class::IN)
        .filter_map(|rr| match rr.data {
            RData::A(a) => Some(IpAddr::V4(a)),
            RData::Aaaa(a) => Some(IpAddr::V6(a)),
            _ => None,
        })
        .collect()
}

/// Checks that `answer` answers [`query`]`(id, name, qtype)` and returns its addresses.
pub fn check_answer(answer: &[u8], id: u16, name: &Name, qtype: u16) -> Result<Result<Vec<IpAddr>, Rcode>, DnsError> {
    let m = wire::parse(answer).map_err(DnsError::Malformed)?;
    if m.header.id != id || !m.header.is_response() || m.header.opcode() != opcode::QUERY {
        return Err(DnsError::Mismatch("ID or opcode"));
    }
    let rcode = m.header.rcode();
    if !matches!(rcode, Rcode::NOERROR | Rcode::NXDOMAIN) {
        // Error answers may omit the question (FORMERR often does).
        return Ok(Err(rcode));
    }
    // RFC 5452 §9.1: the question must be echoed back.
    match m.questions.as_slice() {
        [q] if q.name == *name && q.qtype == qtype && q.qclass == class::IN => {}
        _ => return Err(DnsError::Mismatch("question")),
    }
    // NXDOMAIN and NODATA: the name has no such address.
    Ok(Ok(addresses(&m, qtype)))
}

/// The addresses `name` has at `server` (host[:port], port 53 by default): A for
/// `Ipv4`, AAAA for `Ipv6`, both for `Both` (A first). UDP with TCP fallback.
pub fn lookup(name: &Hostname, server: &HostPort, family: AddrFamily) -> Result<Vec<IpAddr>, DnsError> {
    lookup_with(name, server, family, Timeouts::default())
}

pub fn lookup_with(
    name: &Hostname,
    server: &HostPort,
    family: AddrFamily,
    t: Timeouts,
) -> Result<Vec<IpAddr>, DnsError> {
    let qname = Name::from_hostname(name);
    let mut types = Vec::new();
    if family.wants_v4() {
        types.push(rtype::A);
    }
    if family.wants_v6() {
        types.push(rtype::AAAA);
    }
    let addrs = client::server_addrs(server)?;
    let mut found = Vec::new();
    for qtype in types {
        let mut last_err = None;
        let mut done = false;
        // A server name may resolve to several addresses: try them in turn while the
        // failure is transport trouble.
        for &addr in &addrs {
            let id = random_id();
            let result = client::exchange(addr, &query(id, &qname, qtype), t)
                .and_then(|(answer, _)| check_answer(&answer, id, &qname, qtype));
            match result {
                Ok(Ok(list)) => {
                    found.extend(list);
                    done = true;
                    break;
                }
                Ok(Err(rcode)) => return Err(DnsError::Rcode { server: addr, rcode }),
                Err(e) => last_err = Some(e),
            }
        }
        if !done {
            if let Some(e) = last_err {
                return Err(e);
            }
        }
    }
    Ok(found)
}
