//! RFC 2136 dynamic update: replace the A and/or AAAA RRset of a name, signed with TSIG.
//!
//! Pure parts: [`build_update`] writes the UPDATE (zone section = the zone; update
//! section = "delete the RRset" (RFC 2136 §2.5.2) then "add this RR" (§2.5.1), which the
//! server applies atomically, §3.4.2), [`zone_from_answer`] reads the zone out of an SOA
//! answer, and [`classify`] turns the server's answer into an [`Outcome`]. The shell,
//! [`update`], adds the sockets: zone discovery, sending, one UPDATE per name.
//!
//! Zone choice: `zone` when configured; otherwise an SOA query for the name to the same
//! server, whose answer (answer section at the apex, authority section below it) names
//! the enclosing zone; if that gives nothing, the parent of the name.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use super::client::{self, Timeouts, Transport};
use super::tsig::{self, DEFAULT_FUDGE, TsigError, TsigKey};
use super::wire::{self, MessageBuilder, Name, RData, Rcode, Section, class, opcode, rtype};
use super::{DnsError, random_id};
use crate::config::DdnsHost;
use crate::ddns::Outcome;

/// TTL of the records written: short, as the address is dynamic.
pub const DEFAULT_TTL: u32 = 60;

/// How long to wait after BADTIME before trying again: long enough for NTP to fix the
/// router's clock after boot.
pub const BADTIME_RETRY: Duration = Duration::from_secs(300);

/// The UPDATE for `name` in `zone`: for each family given, delete its RRset and add the
/// new address. A family given as `None` is left as it is.
pub fn build_update(
    id: u16,
    zone: &Name,
    name: &Name,
    v4: Option<Ipv4Addr>,
    v6: Option<Ipv6Addr>,
    ttl: u32,
) -> Vec<u8> {
    let mut b = MessageBuilder::new(id, opcode::UPDATE, 0);
    b.question(zone, rtype::SOA, class::IN);
    if let Some(a) = v4 {
        // §2.5.2: class ANY, TTL 0, no data = delete the whole RRset of this type.
        b.record(Section::Authority, name, rtype::A, class::ANY, 0, &[]);
        b.record(Section::Authority, name, rtype::A, class::IN, ttl, &a.octets());
    }
    if let Some(a) = v6 {
        b.record(Section::Authority, name, rtype::AAAA, class::ANY, 0, &[]);
        b.record(Section::Authority, name, rtype::AAAA, class::IN, ttl, &a.octets());
    }
    b.finish()
}

/// A non-recursive SOA query for `name`, sent to the primary to learn the zone.
pub fn soa_query(id: u16, name: &Name) -> Vec<u8> {
    MessageBuilder::new(id, opcode::QUERY, 0).question(name, rtype::SOA, class::IN).finish()
}

/// The zone enclosing `name`, from an answer to [`soa_query`]: the owner of an SOA record
/// in the answer or authority section that `name` is below. `None` when there is none
/// (a refusal, a referral, an unrelated SOA).
pub fn zone_from_answer(answer: &[u8], id: u16, name: &Name) -> Option<Name> {
    let m = wire::parse(answer).ok()?;
    if m.header.id != id || !m.header.is_response() || !matches!(m.header.rcode(), Rcode::NOERROR | Rcode::NXDOMAIN) {
        return None;
    }
    m.answers
        .iter()
        .chain(&m.authority)
        .find(|rr| rr.rtype == rtype::SOA && matches!(rr.data, RData::Soa(_)) && name.is_subdomain_of(&rr.name))
        .map(|rr| rr.name.clone())
}

/// What the server's answer to an UPDATE means. `signed` is the key and the request's
/// MAC when the request was signed; `now` is the local clock (seconds since the epoch).
pub fn classify(answer: &[u8], id: u16, signed: Option<(&TsigKey, &[u8])>, now: u64) -> Outcome {
    let m = match wire::parse(answer) {
        Ok(m) => m,
        Err(e) => return retry(None, format!("the DNS server's answer is malformed: {e}")),
    };
    if m.header.id != id || !m.header.is_response() || m.header.opcode() != opcode::UPDATE {
        return retry(None, "the DNS server's answer does not belong to the update".into());
    }
    let rcode = m.header.rcode();
    if let Some((key, mac)) = signed {
        match tsig::verify(answer, &m, key, Some(mac), now) {
            Ok(()) => {}
            Err(e @ TsigError::Server { error: Rcode::BADTIME, .. }) => {
                return retry(Some(BADTIME_RETRY), format!("{e}; check the router's clock (NTP)"));
            }
            Err(e @ TsigError::Server { .. }) => {
                return Outcome::Fatal { reason: format!("{e}; check key_name, key_algorithm and key_secret") };
            }
            // The answer is not provably from the server: do not believe its RCODE, and
            // do not give up for good on the word of a possible forger.
            Err(e) => return retry(None, format!("{e} (RCODE {rcode})")),
        }
    }
    let fatal = |words: &str| Outcome::Fatal { reason: format!("{words} ({rcode})") };
    match rcode {
        Rcode::NOERROR => Outcome::Updated { detail: "NOERROR".into() },
        Rcode::SERVFAIL => retry(None, "the DNS server failed to apply the update (SERVFAIL)".into()),
        Rcode::REFUSED => fatal("the DNS server refused the update: this key (or no key) may not update this name"),
        Rcode::NOTAUTH => fatal("the DNS server is not authoritative for the zone, or did not accept the key"),
        Rcode::NOTZONE => fatal("the name is not inside the zone named in the update; check the 'zone' option"),
        Rcode::NOTIMP => fatal("the DNS server does not support dynamic updates"),
        Rcode::FORMERR => fatal("the DNS server could not understand the update"),
        // Prerequisite failures: this client sends no prerequisites, so the server is
        // confused; a later attempt may fare better.
        Rcode::NXDOMAIN | Rcode::YXDOMAIN | Rcode::YXRRSET | Rcode::NXRRSET => {
            retry(None, format!("the DNS server reported an unexpected prerequisite failure ({rcode})"))
        }
        other => retry(None, format!("the DNS server answered {other}")),
    }
}

fn retry(after: Option<Duration>, reason: String) -> Outcome {
    Outcome::Retry { after, reason }
}

/// Options for the shell; tests shorten the timeouts and force TCP.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub timeouts: Timeouts,
    /// Skip UDP (the exchange then starts over TCP).
    pub tcp_only: bool,
}

/// Replaces the A (when `v4`) and AAAA (when `v6`) records of every name of `host`, one
/// UPDATE per name, against `server` (else `dns_server`), signed with the host's key when
/// one is configured. The worst outcome of all names is returned (Fatal, then Retry,
/// then Updated); its reason starts with the name concerned.
pub fn update(host: &DdnsHost, v4: Option<Ipv4Addr>, v6: Option<Ipv6Addr>, now_unix: u64) -> Outcome {
    update_with(host, v4, v6, now_unix, Options::default())
}

pub fn update_with(
    host: &DdnsHost,
    v4: Option<Ipv4Addr>,
    v6: Option<Ipv6Addr>,
    now_unix: u64,
    opt: Options,
) -> Outcome {
    if v4.is_none() && v6.is_none() {
        return Outcome::Unchanged { detail: "no address to publish".into() };
    }
    let Some(server) = host.server.as_ref().or(host.dns_server.as_ref()) else {
        return Outcome::Fatal { reason: "RFC 2136 needs 'server' (the zone's primary DNS server)".into() };
    };
    let key = match (&host.key_name, &host.key_secret) {
        (Some(name), Some(secret)) => {
            match TsigKey::from_base64(Name::from_hostname(name), host.key_algorithm, secret.expose()) {
                Ok(k) => Some(k),
                Err(e) => return Outcome::Fatal { reason: format!("option 'key_secret' {e}") },
            }
        }
        (None, None) => None,
        _ => return Outcome::Fatal { reason: "options 'key_name' and 'key_secret' must be given together".into() },
    };
    let addrs = match client::server_addrs(server) {
        Ok(a) => a,
        Err(e) => return retry(None, e.to_string()),
    };
    let mut worst: Option<Outcome> = None;
    for domain in &host.domains {
        let name = Name::from_hostname(domain);
        let outcome = match update_name(
            &addrs,
            host.zone.as_ref().map(Name::from_hostname),
            &name,
            v4,
            v6,
            key.as_ref(),
            now_unix,
            opt,
        ) {
            Outcome::Retry { after, reason } => Outcome::Retry { after, reason: format!("{domain}: {reason}") },
            Outcome::Fatal { reason } => Outcome::Fatal { reason: format!("{domain}: {reason}") },
            o => o,
        };
        log::debug!("{domain}: RFC 2136 update: {outcome:?}");
        worst = Some(match worst {
            None => outcome,
            Some(w) => worse(w, outcome),
        });
    }
    worst.unwrap_or(Outcome::Unchanged { detail: "no domain configured".into() })
}

fn rank(o: &Outcome) -> u8 {
    match o {
        Outcome::Unchanged { .. } => 0,
        Outcome::Updated { .. } => 1,
        Outcome::Retry { .. } => 2,
        Outcome::Fatal { .. } => 3,
    }
}

fn worse(a: Outcome, b: Outcome) -> Outcome {
    if rank(&b) > rank(&a) { b } else { a }
}

/// One name: find the zone if needed, send, classify. Server addresses are tried in
/// turn while the failure is transport trouble.
#[allow(clippy::too_many_arguments)]
fn update_name(
    addrs: &[SocketAddr],
    zone: Option<Name>,
    name: &Name,
    v4: Option<Ipv4Addr>,
    v6: Option<Ipv6Addr>,
    key: Option<&TsigKey>,
    now: u64,
    opt: Options,
) -> Outcome {
    let mut last = retry(None, "no server address".into());
    for &addr in addrs {
        let zone = match &zone {
            Some(z) => z.clone(),
            None => discover_zone(addr, name, opt),
        };
        let id = random_id();
        let unsigned = build_update(id, &zone, name, v4, v6, DEFAULT_TTL);
        let (message, mac) = match key {
            Some(k) => match tsig::sign(&unsigned, k, now, DEFAULT_FUDGE) {
                Ok(s) => (s.message, Some(s.mac)),
                Err(e) => return Outcome::Fatal { reason: format!("cannot sign the update: {e}") },
            },
            None => (unsigned, None),
        };
        match send(addr, &message, opt) {
            Ok((answer, transport)) => {
                log::debug!("{name}: update answer from {addr} over {transport:?}");
                return classify(&answer, id, key.zip(mac.as_deref()), now);
            }
            Err(e) => last = retry(None, e.to_string()),
        }
    }
    last
}

fn send(addr: SocketAddr, message: &[u8], opt: Options) -> Result<(Vec<u8>, Transport), DnsError> {
    if opt.tcp_only {
        client::exchange_tcp(addr, message, opt.timeouts.tcp).map(|a| (a, Transport::Tcp))
    } else {
        client::exchange(addr, message, opt.timeouts)
    }
}

/// The zone of `name` per the module docs: SOA query, else the parent.
pub fn discover_zone(addr: SocketAddr, name: &Name, opt: Options) -> Name {
    let id = random_id();
    let found = send(addr, &soa_query(id, name), opt).ok().and_then(|(answer, _)| zone_from_answer(&answer, id, name));
    match found {
        Some(z) => z,
        None => {
            log::debug!("{name}: no SOA from {addr}; using the parent as the zone");
            name.parent().filter(|p| !p.is_root()).unwrap_or_else(|| name.clone())
        }
    }
}
