//! Address lookups (A/AAAA) against a chosen DNS server, for learning which address a
//! name is registered with (`lookup_host` via `dns_server`).
//!
//! `query` and `addresses` are pure; `lookup` is the shell around them.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::net::IpAddr;

use super::client::{self, Timeouts};
use super::wire::{self, Message, MessageBuilder, Name, RData, Rcode, class, flag, opcode, rtype};
use super::{DnsError, random_id};
use crate::config::AddrFamily;
use crate::types::{HostPort, Hostname};

/// A recursive query (RD set, so a resolver such as dnsmasq answers too) for `qtype`.
pub fn query(id: u16, name: &Name, qtype: u16) -> Vec<u8> {
    query_rd(id, name, qtype, true)
}

/// A query with recursion desired or not (RFC 1035 §4.1.1's RD bit): without it, a
/// server answers from its own data only, as `authority` wants of a zone's servers.
pub fn query_rd(id: u16, name: &Name, qtype: u16, rd: bool) -> Vec<u8> {
    MessageBuilder::new(id, opcode::QUERY, if rd { flag::RD } else { 0 }).question(name, qtype, class::IN).finish()
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
    lookup_rd(name, server, family, t, true)
}

/// [`lookup_with`], recursion desired (`rd`) or not.
pub fn lookup_rd(
    name: &Hostname,
    server: &HostPort,
    family: AddrFamily,
    t: Timeouts,
    rd: bool,
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
            let result = client::exchange(addr, &query_rd(id, &qname, qtype, rd), t)
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::dns::wire::Section;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn name(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    fn answer(id: u16, q: &str, qtype: u16, rcode: u16, records: &[(&str, u16, &[u8])]) -> Vec<u8> {
        let mut b = MessageBuilder::new(id, opcode::QUERY, flag::QR | flag::RD | rcode);
        b.question(&name(q), qtype, class::IN);
        for (owner, ty, data) in records {
            b.record(Section::Answer, &name(owner), *ty, class::IN, 60, data);
        }
        b.finish()
    }

    #[test]
    fn query_shape() {
        let q = wire::parse(&query(5, &name("h.example.test"), rtype::AAAA)).unwrap();
        assert_eq!((q.header.id, q.header.flags, q.questions.len()), (5, flag::RD, 1));
        assert_eq!(q.questions[0].qtype, rtype::AAAA);
    }

    #[test]
    fn addresses_through_a_cname_chain() {
        let mut cname = Vec::new();
        name("real.example.test").write(&mut cname);
        let a = answer(
            7,
            "h.example.test",
            rtype::A,
            0,
            &[
                ("h.example.test", rtype::CNAME, &cname),
                ("real.example.test", rtype::A, &[192, 0, 2, 1]),
                ("real.example.test", rtype::A, &[192, 0, 2, 2]),
                // A stray AAAA in an A answer is not an answer to the question.
                ("real.example.test", rtype::AAAA, &Ipv6Addr::LOCALHOST.octets()),
            ],
        );
        let got = check_answer(&a, 7, &name("H.Example.Test"), rtype::A).unwrap().unwrap();
        assert_eq!(got, vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2))]);
    }

    #[test]
    fn empty_errors_and_mismatches() {
        // NXDOMAIN and NODATA: no addresses.
        let nx = answer(1, "h.test", rtype::A, 3, &[]);
        assert_eq!(check_answer(&nx, 1, &name("h.test"), rtype::A), Ok(Ok(vec![])));
        let nodata = answer(1, "h.test", rtype::AAAA, 0, &[]);
        assert_eq!(check_answer(&nodata, 1, &name("h.test"), rtype::AAAA), Ok(Ok(vec![])));
        // SERVFAIL and REFUSED are reported as such.
        let sf = answer(1, "h.test", rtype::A, 2, &[]);
        assert_eq!(check_answer(&sf, 1, &name("h.test"), rtype::A), Ok(Err(Rcode::SERVFAIL)));
        // Wrong ID, wrong question, not a response.
        assert!(matches!(check_answer(&nx, 2, &name("h.test"), rtype::A), Err(DnsError::Mismatch(_))));
        assert!(matches!(check_answer(&nx, 1, &name("other.test"), rtype::A), Err(DnsError::Mismatch(_))));
        assert!(matches!(check_answer(&nx, 1, &name("h.test"), rtype::AAAA), Err(DnsError::Mismatch(_))));
        let q = query(1, &name("h.test"), rtype::A);
        assert!(matches!(check_answer(&q, 1, &name("h.test"), rtype::A), Err(DnsError::Mismatch(_))));
        assert!(matches!(check_answer(&[0; 5], 1, &name("h.test"), rtype::A), Err(DnsError::Malformed(_))));
    }
}
