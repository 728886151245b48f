//! IP prefixes, address matches with `!` negation, and `host[:port]` endpoints.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use super::{Hostname, Port};

/// An address with a prefix length; the host bits are cleared on parse so that equal
/// networks compare equal. A bare address is a /32 or /128.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Cidr> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then(|| Cidr { addr: mask(addr, prefix), prefix })
    }

    pub fn addr(self) -> IpAddr {
        self.addr
    }

    pub fn prefix(self) -> u8 {
        self.prefix
    }

    pub fn is_ipv4(self) -> bool {
        self.addr.is_ipv4()
    }

    pub fn is_host(self) -> bool {
        self.prefix == if self.addr.is_ipv4() { 32 } else { 128 }
    }

    pub fn contains(self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.addr.is_ipv4() && mask(ip, self.prefix) == self.addr
    }

    /// `192.0.2.0/24`, `2001:db8::/32`, `192.0.2.7`; also a dotted netmask
    /// (`192.0.2.0/255.255.255.0`) as firewall4 accepts.
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let bad = || "is not an IP address or prefix (like 192.0.2.0/24 or 2001:db8::/32)".to_string();
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().map_err(|_| bad())?;
        let max: u8 = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().map_err(|_| bad())?
            }
            Some(p) => match (addr, p.parse::<Ipv4Addr>()) {
                (IpAddr::V4(_), Ok(m)) => netmask_len(m).ok_or_else(bad)?,
                _ => return Err(bad()),
            },
        };
        Cidr::new(addr, prefix).ok_or_else(bad)
    }
}

fn netmask_len(m: Ipv4Addr) -> Option<u8> {
    let bits = u32::from(m);
    let len = bits.leading_ones();
    (bits.checked_shl(len).unwrap_or(0) == 0).then_some(len as u8)
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let m = u32::MAX.checked_shl(32 - u32::from(prefix.min(32))).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from(u32::from(v4) & m))
        }
        IpAddr::V6(v6) => {
            let m = u128::MAX.checked_shl(128 - u32::from(prefix.min(128))).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & m))
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_host() { write!(f, "{}", self.addr) } else { write!(f, "{}/{}", self.addr, self.prefix) }
    }
}

impl Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One `src_ip` entry: a prefix, optionally negated with a leading `!` as firewall4 allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AddrMatch {
    pub negate: bool,
    pub cidr: Cidr,
}

impl AddrMatch {
    pub fn parse(s: &str) -> Result<AddrMatch, String> {
        let t = s.trim();
        match t.strip_prefix('!') {
            Some(rest) => Ok(AddrMatch { negate: true, cidr: Cidr::parse(rest.trim_start())? }),
            None => Ok(AddrMatch { negate: false, cidr: Cidr::parse(t)? }),
        }
    }
}

impl fmt::Display for AddrMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negate { write!(f, "!{}", self.cidr) } else { write!(f, "{}", self.cidr) }
    }
}

impl Serialize for AddrMatch {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A server endpoint: a host name or IP literal, optionally with a port
/// (`example.org`, `example.org:8443`, `192.0.2.1:53`, `[2001:db8::1]:53`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HostPort {
    pub host: Host,
    pub port: Option<Port>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    Name(Hostname),
    Ip(IpAddr),
}

impl HostPort {
    pub fn parse(s: &str) -> Result<HostPort, String> {
        let bad = || "is not a server (host or host:port, IPv6 in brackets)".to_string();
        if let Some(rest) = s.strip_prefix('[') {
            let (ip, tail) = rest.split_once(']').ok_or_else(bad)?;
            let ip: Ipv6Addr = ip.parse().map_err(|_| bad())?;
            let port = match tail {
                "" => None,
                t => Some(Port::parse(t.strip_prefix(':').ok_or_else(bad)?).map_err(|_| bad())?),
            };
            return Ok(HostPort { host: Host::Ip(IpAddr::V6(ip)), port });
        }
        if let Ok(ip) = s.parse::<IpAddr>() {
            return Ok(HostPort { host: Host::Ip(ip), port: None });
        }
        let (h, port) = match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(Port::parse(p).map_err(|_| bad())?)),
            None => (s, None),
        };
        let host = match h.parse::<Ipv4Addr>() {
            Ok(ip) => Host::Ip(IpAddr::V4(ip)),
            Err(_) => Host::Name(Hostname::parse(h).map_err(|_| bad())?),
        };
        Ok(HostPort { host, port })
    }

    /// The authority as it goes into a URL (`host`, `host:port`, `[v6]:port`).
    pub fn authority(&self) -> String {
        let h = match &self.host {
            Host::Name(n) => n.to_string(),
            Host::Ip(IpAddr::V6(v6)) => format!("[{v6}]"),
            Host::Ip(ip) => ip.to_string(),
        };
        match self.port {
            Some(p) => format!("{h}:{p}"),
            None => h,
        }
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.authority())
    }
}

impl Serialize for HostPort {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        let c = Cidr::parse("192.0.2.77/24").unwrap();
        assert_eq!(c.to_string(), "192.0.2.0/24");
        assert!(c.contains("192.0.2.1".parse().unwrap()));
        assert!(!c.contains("192.0.3.1".parse().unwrap()));
        assert!(!c.contains("::1".parse().unwrap()));
        assert_eq!(Cidr::parse("10.0.0.0/255.0.0.0").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(Cidr::parse("2001:db8::1/32").unwrap().to_string(), "2001:db8::/32");
        assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().prefix(), 0);
        for bad in
            ["", "1.2.3", "1.2.3.4/33", "::/129", "1.2.3.4/", "1.2.3.4/255.0.255.0", "x", "1.2.3.4/-1", "::1/255.0.0.0"]
        {
            assert!(Cidr::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn addr_match() {
        let m = AddrMatch::parse("!10.0.0.0/8").unwrap();
        assert!(m.negate);
        assert_eq!(m.to_string(), "!10.0.0.0/8");
        assert!(AddrMatch::parse("!").is_err());
    }

    #[test]
    fn host_port() {
        assert_eq!(HostPort::parse("example.org:8443").unwrap().authority(), "example.org:8443");
        assert_eq!(HostPort::parse("[::1]:53").unwrap().authority(), "[::1]:53");
        assert_eq!(HostPort::parse("::1").unwrap().authority(), "[::1]");
        assert_eq!(HostPort::parse("127.0.0.1:8080").unwrap().authority(), "127.0.0.1:8080");
        for bad in ["", ":80", "a b", "h:0", "h:x", "[::1", "[::1]x", "a/b:1", "h:80/x"] {
            assert!(HostPort::parse(bad).is_err(), "{bad:?}");
        }
    }
}
