//! What a name's authoritative servers answer, past every cache: the zone found through
//! the system resolver (an SOA query, walking up the labels: RFC 1034 §4.3.2, the SOA
//! of a name's zone comes back in the answer at the apex and in the authority section
//! below it, RFC 2308 §2), the zone's NS set and the servers' addresses from the same
//! resolver, then each server asked directly without recursion (RD clear, RFC 1035
//! §4.1.1) for A or AAAA.
//!
//! Pure: [`nameservers`] (resolv.conf), [`ns_names`]. The shell, [`ask`], sends through
//! `client` and reads answers with `lookup::check_answer` and `rfc2136::zone_from_answer`:
//! no second DNS code path.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::net::{IpAddr, SocketAddr};

use super::client::{self, DNS_PORT, Timeouts};
use super::wire::{self, MessageBuilder, Name, RData, class, opcode, rtype};
use super::{DnsError, lookup, random_id, rfc2136};
use crate::config::AddrFamily;
use crate::types::{Host, HostPort, Hostname};

/// At most this many of a zone's servers are asked (each may take a timeout).
pub const MAX_SERVERS: usize = 4;

/// One authoritative server's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The server's name from the NS set.
    pub server: String,
    /// The address it was asked at.
    pub addr: IpAddr,
    pub addrs: Result<Vec<IpAddr>, String>,
}

/// The `nameserver` addresses of a resolv.conf (resolv.conf(5)), port 53.
pub fn nameservers(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("nameserver"))
        .filter_map(|rest| rest.split_whitespace().next()?.parse::<IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, DNS_PORT))
        .collect()
}

/// The server names of `zone`'s NS set in an answer to an NS query with `id`.
pub fn ns_names(answer: &[u8], id: u16, zone: &Name) -> Vec<Name> {
    let Ok(m) = wire::parse(answer) else { return Vec::new() };
    if m.header.id != id || !m.header.is_response() {
        return Vec::new();
    }
    m.answers
        .into_iter()
        .filter(|rr| rr.name == *zone && rr.class == class::IN)
        .filter_map(|rr| if let RData::Ns(n) = rr.data { Some(n) } else { None })
        .collect()
}

fn query(server: SocketAddr, name: &Name, qtype: u16, recursive: bool, t: Timeouts) -> Result<(Vec<u8>, u16), DnsError> {
    let id = random_id();
    let flags = if recursive { wire::flag::RD } else { 0 };
    let q = MessageBuilder::new(id, opcode::QUERY, flags).question(name, qtype, class::IN).finish();
    client::exchange(server, &q, t).map(|(a, _)| (a, id))
}

/// The zone enclosing `name`, asking `resolver` for the SOA of `name`, then of each
/// parent in turn until one answers with it.
fn zone(resolver: SocketAddr, name: &Name, t: Timeouts) -> Result<Name, DnsError> {
    let mut at = Some(name.clone());
    let mut last = DnsError::Mismatch("no SOA record for the name or a parent");
    while let Some(n) = at.filter(|n| !n.is_root()) {
        match query(resolver, &n, rtype::SOA, true, t) {
            Ok((answer, id)) => {
                if let Some(z) = rfc2136::zone_from_answer(&answer, id, &n) {
                    return Ok(z);
                }
            }
            Err(e) => last = e,
        }
        at = n.parent();
    }
    Err(last)
}

/// Asks `name`'s authoritative servers for its `qtype` records (see the module docs),
/// through the first of `resolvers` that gives the zone.
pub fn ask(name: &Hostname, qtype: u16, resolvers: &[SocketAddr], t: Timeouts) -> Result<Vec<Answer>, DnsError> {
    let qname = Name::from_hostname(name);
    let mut last = DnsError::Mismatch("no nameserver in /etc/resolv.conf");
    for &resolver in resolvers {
        let zone = match zone(resolver, &qname, t) {
            Ok(z) => z,
            Err(e) => {
                last = e;
                continue;
            }
        };
        let servers = match query(resolver, &zone, rtype::NS, true, t) {
            Ok((answer, id)) => ns_names(&answer, id, &zone),
            Err(e) => {
                last = e;
                continue;
            }
        };
        if servers.is_empty() {
            last = DnsError::Mismatch("no NS records for the zone");
            continue;
        }
        let resolver_hp = HostPort { host: Host::Ip(resolver.ip()), port: crate::types::Port::new(resolver.port()) };
        let mut out = Vec::new();
        for server in servers.iter().take(MAX_SERVERS) {
            let Ok(host) = Hostname::parse(server.to_string().trim_end_matches('.')) else { continue };
            // IPv4 first (a router without IPv6 upstream still reaches it), else IPv6.
            let found = |f| lookup::lookup_with(&host, &resolver_hp, f, t).ok()?.into_iter().next();
            let Some(addr) = found(AddrFamily::Ipv4).or_else(|| found(AddrFamily::Ipv6)) else { continue };
            let asked = query(SocketAddr::new(addr, DNS_PORT), &qname, qtype, false, t)
                .and_then(|(answer, id)| lookup::check_answer(&answer, id, &qname, qtype))
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|rcode| format!("it answered {rcode}")));
            out.push(Answer { server: host.to_string(), addr, addrs: asked });
        }
        if out.is_empty() {
            last = DnsError::Mismatch("no address for any of the zone's servers");
            continue;
        }
        return Ok(out);
    }
    Err(last)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::dns::wire::{Section, flag};

    #[test]
    fn resolv_conf_nameservers() {
        let text = "# generated by netifd\nsearch lan\nnameserver 127.0.0.1\nnameserver ::1\n\
                    nameserver fe80::1%eth0\noptions timeout:1\nnameserverx 192.0.2.1\n";
        let want: Vec<SocketAddr> = vec!["127.0.0.1:53".parse().unwrap(), "[::1]:53".parse().unwrap()];
        assert_eq!(nameservers(text), want);
    }

    #[test]
    fn ns_set_of_the_zone_only() {
        let zone = Name::parse("example.test").unwrap();
        let mut b = MessageBuilder::new(9, opcode::QUERY, flag::QR | flag::RD);
        b.question(&zone, rtype::NS, class::IN);
        for (owner, target) in [("example.test", "ns1.example.test"), ("other.test", "ns.other.test"), ("example.test", "ns2.example.net")] {
            let mut data = Vec::new();
            Name::parse(target).unwrap().write(&mut data);
            b.record(Section::Answer, &Name::parse(owner).unwrap(), rtype::NS, class::IN, 300, &data);
        }
        let answer = b.finish();
        let got: Vec<String> = ns_names(&answer, 9, &zone).iter().map(|n| n.to_string()).collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].starts_with("ns1.example.test") && got[1].starts_with("ns2.example.net"), "{got:?}");
        assert!(ns_names(&answer, 10, &zone).is_empty(), "another ID");
        assert!(ns_names(&answer[..20], 9, &zone).is_empty(), "truncated");
    }
}
