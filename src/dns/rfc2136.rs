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

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use super::client::{self, Timeouts, Transport};
use super::tsig::{self, DEFAULT_FUDGE, TsigError, TsigKey};
use super::wire::{self, MessageBuilder, Name, RData, Rcode, Section, class, opcode, rtype};
use super::{DnsError, random_id};
use crate::config::DdnsHost;
use crate::daemon::logging as log;
use crate::ddns::Outcome;

/// TTL of the records written: short, as the address is dynamic.
pub const DEFAULT_TTL: u32 = 60;

/// How long to wait after BADTIME before trying again: long enough for NTP to fix the
/// router's clock after boot.
pub const BADTIME_RETRY: Duration = Duration::from_secs(300);

/// How long to wait after a BADKEY, BADSIG or BADTRUNC answer. Such an answer carries no
/// MAC (RFC 8945 §5.3.2: the server cannot sign with a key it does not know, or whose MAC
/// did not verify), so nothing proves it came from the server: one forged datagram must
/// not stop updates for good. A real key error costs one UPDATE per hour.
pub const UNVERIFIED_ERROR_RETRY: Duration = Duration::from_secs(3600);

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
            Err(e @ TsigError::Server { error, .. }) => {
                return retry(
                    Some(UNVERIFIED_ERROR_RETRY),
                    format!(
                        "the server said {error}, unsigned: check key_name, key_algorithm and key_secret ({e}); \
                         an unsigned answer may be forged, so updates go on, hourly"
                    ),
                );
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
    /// No UDP fallback after a failed TCP exchange.
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

/// TCP first, for the UPDATE and the SOA query alike: to answer over TCP a forger must
/// be on the path (an off-path one would have to guess the connection's sequence
/// numbers), while over UDP it only has to guess a 16-bit ID and a port. RFC 7766 §5:
/// "all general-purpose DNS implementations MUST support both UDP and TCP transport".
/// UDP remains the fallback when TCP cannot be had (refused, or no answer in time), for
/// servers that break that rule: with a key, what a forger can make of it is at most a
/// retry, since only an answer with a verified TSIG stops a host for good.
fn send(addr: SocketAddr, message: &[u8], opt: Options) -> Result<(Vec<u8>, Transport), DnsError> {
    match client::exchange_tcp(addr, message, opt.timeouts.tcp) {
        Ok(a) => Ok((a, Transport::Tcp)),
        Err(e) if opt.tcp_only => Err(e),
        Err(tcp) => {
            log::debug!("DNS over TCP to {addr} failed ({tcp}); trying UDP");
            client::exchange_udp(addr, message, opt.timeouts).map(|a| (a, Transport::Udp)).map_err(|_| tcp)
        }
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::config::TsigAlgorithm;
    use crate::dns::wire::flag;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn name(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    #[test]
    fn update_message_byte_for_byte() {
        let m = build_update(
            0x0102,
            &name("example.test"),
            &name("h.example.test"),
            Some(Ipv4Addr::new(192, 0, 2, 7)),
            Some("2001:db8::7".parse().unwrap()),
            60,
        );
        let mut want = vec![
            0x01, 0x02, // ID
            0x28, 0x00, // opcode UPDATE
            0, 1, 0, 0, 0, 4, 0, 0, // ZO=1 PR=0 UP=4 AD=0
        ];
        want.extend_from_slice(b"\x07example\x04test\x00\x00\x06\x00\x01"); // zone: example.test SOA IN
        let h = b"\x01h\x07example\x04test\x00";
        for (ty, class, ttl, data) in [
            (1u16, 255u16, 0u32, vec![]),   // delete A RRset (§2.5.2)
            (1, 1, 60, vec![192, 0, 2, 7]), // add A
            (28, 255, 0, vec![]),           // delete AAAA RRset
            (28, 1, 60, "2001:db8::7".parse::<Ipv6Addr>().unwrap().octets().to_vec()), // add AAAA
        ] {
            want.extend_from_slice(h);
            want.extend_from_slice(&ty.to_be_bytes());
            want.extend_from_slice(&class.to_be_bytes());
            want.extend_from_slice(&ttl.to_be_bytes());
            want.extend_from_slice(&(data.len() as u16).to_be_bytes());
            want.extend_from_slice(&data);
        }
        assert_eq!(m, want);

        // Only one family: the other RRset is left alone.
        let v4only =
            wire::parse(&build_update(1, &name("z"), &name("a.z"), Some(Ipv4Addr::LOCALHOST), None, 60)).unwrap();
        assert_eq!(v4only.authority.iter().map(|r| r.rtype).collect::<Vec<_>>(), vec![rtype::A, rtype::A]);
        let v6only =
            wire::parse(&build_update(1, &name("z"), &name("a.z"), None, Some(Ipv6Addr::LOCALHOST), 60)).unwrap();
        assert_eq!(v6only.authority.iter().map(|r| r.rtype).collect::<Vec<_>>(), vec![rtype::AAAA, rtype::AAAA]);
    }

    /// Captured from BIND 9.18 through a UDP relay: `nsupdate -k` sending
    /// `update delete host.example.test A` / `update add host.example.test 60 A 192.0.2.7`
    /// in zone example.test, key homeport-key (hmac-sha256), then BIND's answer.
    const KEY: &str = "7s/wB0eK1VHVUoQQZ5KJiGlpNtQdnrMWP5JivuqMIiU=";
    const OK_REQ: &str = "710e28000001000000020001076578616d706c650474657374000006000104686f7374c00c000100ff000000000000c01e000100010000003c0004c00002070c686f6d65706f72742d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006b083063012c002069a033628a58a6d127df41fed0757451b482280cf7a2c5e390932d66bbb20d3d710e00000000";
    const OK_RESP: &str = "710ea8000001000000000001076578616d706c65047465737400000600010c686f6d65706f72742d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006b083063012c00202fd2ecdc98fd3fbffaa4f71a544ffb19fc9505c176247137e058239e3190e3ae710e00000000";
    /// The same with a wrong secret: NOTAUTH, TSIG error BADSIG, unsigned.
    const BADSIG_RESP: &str = "e46ca8090001000000000001076578616d706c65047465737400000600010c686f6d65706f72742d6b65790000fa00ff00000000001d0b686d61632d7368613235360000006b083064012c0000e46c00100000";
    /// With a key name the server does not know: NOTAUTH, TSIG error BADKEY.
    const BADKEY_RESP: &str = "f669a8090001000000000001076578616d706c65047465737400000600010a6e6f626f64792d6b65790000fa00ff00000000001d0b686d61632d7368613235360000006b083065012c0000f66900110000";
    const T: u64 = 0x6b08_3063;

    fn key() -> TsigKey {
        TsigKey::from_base64(name("homeport-key"), TsigAlgorithm::HmacSha256, KEY).unwrap()
    }

    fn request_mac(req: &[u8]) -> Vec<u8> {
        let m = wire::parse(req).unwrap();
        match &m.additional.last().unwrap().data {
            RData::Tsig(t) => t.mac.clone(),
            _ => panic!("unsigned"),
        }
    }

    #[test]
    fn classifies_captured_bind_answers() {
        let k = key();
        let mac = request_mac(&hex(OK_REQ));
        let ok = hex(OK_RESP);
        assert_eq!(classify(&ok, 0x710e, Some((&k, &mac)), T + 10), Outcome::Updated { detail: "NOERROR".into() });
        // Unsigned classification ignores the TSIG.
        assert_eq!(classify(&ok, 0x710e, None, 0), Outcome::Updated { detail: "NOERROR".into() });
        // The answer checked against another request's MAC is not trusted: retry.
        assert!(matches!(classify(&ok, 0x710e, Some((&k, &[7; 32])), T), Outcome::Retry { .. }));
        // Too far from our clock: retry, not fatal.
        assert!(matches!(classify(&ok, 0x710e, Some((&k, &mac)), T + 301), Outcome::Retry { .. }));
        // Wrong ID: not our answer.
        assert!(matches!(classify(&ok, 0x710f, Some((&k, &mac)), T), Outcome::Retry { .. }));

        for (resp, id, word) in [(BADSIG_RESP, 0xe46c, "BADSIG"), (BADKEY_RESP, 0xf669, "BADKEY")] {
            // Issue 10 item 4: unsigned (RFC 8945 §5.3.2), so possibly forged: a long
            // wait and a clear warning, never a stop for good.
            match classify(&hex(resp), id, Some((&k, &mac)), T) {
                Outcome::Retry { after, reason } => {
                    assert_eq!(after, Some(UNVERIFIED_ERROR_RETRY));
                    assert!(reason.contains(&format!("the server said {word}, unsigned")), "{reason}");
                    assert!(reason.contains("key_name") && reason.contains("key_secret"), "{reason}");
                }
                o => panic!("{word}: {o:?}"),
            }
            // Without a key of ours the RCODE still says it: NOTAUTH is fatal.
            match classify(&hex(resp), id, None, T) {
                Outcome::Fatal { reason } => assert!(reason.contains("NOTAUTH"), "{reason}"),
                o => panic!("{word} unsigned: {o:?}"),
            }
        }
    }

    fn answer(rcode: u16) -> Vec<u8> {
        MessageBuilder::new(9, opcode::UPDATE, flag::QR | rcode)
            .question(&name("example.test"), rtype::SOA, class::IN)
            .finish()
    }

    #[test]
    fn rcode_table() {
        for (rcode, fatal) in [
            (Rcode::FORMERR, true),
            (Rcode::SERVFAIL, false),
            (Rcode::NXDOMAIN, false),
            (Rcode::NOTIMP, true),
            (Rcode::REFUSED, true),
            (Rcode::YXDOMAIN, false),
            (Rcode::YXRRSET, false),
            (Rcode::NXRRSET, false),
            (Rcode::NOTAUTH, true),
            (Rcode::NOTZONE, true),
            (Rcode(15), false),
        ] {
            let o = classify(&answer(rcode.0), 9, None, 0);
            let text = format!("{o:?}");
            assert!(text.contains(&rcode.name()), "{text}");
            match (fatal, o) {
                (true, Outcome::Fatal { .. }) | (false, Outcome::Retry { after: None, .. }) => {}
                (_, o) => panic!("{rcode}: {o:?}"),
            }
        }
        assert_eq!(classify(&answer(0), 9, None, 0), Outcome::Updated { detail: "NOERROR".into() });
        // An answer to a query (opcode 0), a non-response and garbage: retry.
        let q = MessageBuilder::new(9, opcode::QUERY, flag::QR).finish();
        assert!(matches!(classify(&q, 9, None, 0), Outcome::Retry { .. }));
        let not_resp = MessageBuilder::new(9, opcode::UPDATE, 0).finish();
        assert!(matches!(classify(&not_resp, 9, None, 0), Outcome::Retry { .. }));
        assert!(matches!(classify(&[1, 2, 3], 9, None, 0), Outcome::Retry { .. }));
        // Signed request, unsigned NOERROR answer: not trusted.
        let k = key();
        assert!(matches!(classify(&answer(0), 9, Some((&k, &[0; 32])), 0), Outcome::Retry { .. }));
    }

    #[test]
    fn badtime_retries_after_a_while() {
        let k = key();
        let mut b = MessageBuilder::new(9, opcode::UPDATE, flag::QR | 9);
        let mut rd = Vec::new();
        tsig::algorithm_name(TsigAlgorithm::HmacSha256).write(&mut rd);
        rd.extend_from_slice(&[0, 0, 0, 0, 0, 5, 1, 44, 0, 0, 0, 9, 0, 18, 0, 6, 0, 0, 0x6b, 0x08, 0x30, 0x63]);
        b.record(Section::Additional, k.name(), rtype::TSIG, class::ANY, 0, &rd);
        match classify(&b.finish(), 9, Some((&k, &[0; 32])), 5) {
            Outcome::Retry { after: Some(a), reason } => {
                assert_eq!(a, BADTIME_RETRY);
                assert!(
                    reason.contains("BADTIME") && reason.contains("clock") && reason.contains(&T.to_string()),
                    "{reason}"
                );
            }
            o => panic!("{o:?}"),
        }
    }

    #[test]
    fn zone_from_captured_soa_answers() {
        // Same captures as wire::tests::parses_captured_soa_answers.
        let apex = hex(
            "abcd84000001000100010001076578616d706c6504746573740000060001c00c000600010000012c0021026e73c00c0561646d696ec00c0000000100000e100000038400093a800000003cc00c000200010000012c0002c02ac02a000100010000012c00047f000001",
        );
        let below = hex(
            "12348403000100000001000004686f7374076578616d706c6504746573740000060001c01100060001000000000021026e73c0110561646d696ec0110000000100000e100000038400093a800000003c",
        );
        assert_eq!(zone_from_answer(&apex, 0xabcd, &name("example.test")), Some(name("example.test")));
        assert_eq!(zone_from_answer(&below, 0x1234, &name("host.example.test")), Some(name("example.test")));
        // An SOA for a zone the name is not in is ignored; so is a wrong ID.
        assert_eq!(zone_from_answer(&below, 0x1234, &name("host.other.test")), None);
        assert_eq!(zone_from_answer(&below, 0x1235, &name("host.example.test")), None);
        let refused = MessageBuilder::new(1, opcode::QUERY, flag::QR | 5).finish();
        assert_eq!(zone_from_answer(&refused, 1, &name("x.example.test")), None);
    }

    #[test]
    fn worst_outcome_wins() {
        let u = Outcome::Updated { detail: "NOERROR".into() };
        let r = Outcome::Retry { after: None, reason: "r".into() };
        let f = Outcome::Fatal { reason: "f".into() };
        assert_eq!(worse(u.clone(), r.clone()), r);
        assert_eq!(worse(r.clone(), u.clone()), r);
        assert_eq!(worse(r.clone(), f.clone()), f);
        assert_eq!(worse(f.clone(), r), f);
    }
}
