//! Carrying out the engine's actions for one host: run a provider exchange over a
//! [`Transport`], learn what is registered, ask the echo service.
//!
//! Shell (it does IO through the transport and the resolver), but with no policy: what to
//! do and when is the engine's; what a response means is the provider's.

use std::net::{IpAddr, ToSocketAddrs};

use crate::config::{AddrFamily, DdnsHost, IpSource, Service};
use crate::ddns::Outcome;
use crate::ddns::engine::{Addrs, HostPolicy, Lookup};
use crate::ddns::http::Transport;
use crate::ddns::providers::{Exchange, Step, Target, cloudflare};
use crate::ddns::request::HttpRequest;
use crate::ddns::state_key::FingerprintKey;

/// More steps than any provider needs (Cloudflare with two families and several names
/// stays well below); a guard against a loop, not a limit in practice.
const MAX_STEPS: usize = 64;

/// The engine's view of a host; `key` is the install's fingerprint key.
pub fn policy(host: &DdnsHost, key: &FingerprintKey) -> HostPolicy {
    HostPolicy {
        label: label(host),
        fingerprint: crate::ddns::state::fingerprint(host, key),
        force_interval: host.force_interval.secs(),
        retry_interval: host.retry_interval.secs().max(min_retry(host.service)),
        lookup: lookup_kind(host),
        names: host.domains.iter().map(|d| d.to_string()).collect(),
    }
}

/// The shortest first retry the provider's rules allow.
fn min_retry(service: Service) -> u64 {
    match service {
        Service::Dyn => crate::ddns::providers::dyn_com::MIN_RETRY_SECS,
        _ => 0,
    }
}

/// How to learn what the provider holds: Cloudflare's API (a DNS lookup of a proxied name
/// shows Cloudflare's edge, not the record), else DNS.
pub fn lookup_kind(host: &DdnsHost) -> Lookup {
    match host.service {
        Service::Cloudflare => Lookup::Api,
        _ => Lookup::Dns,
    }
}

/// The section and its first name, for log lines: `home (home.example.org)`.
pub fn label(host: &DdnsHost) -> String {
    let section = host.section.name.clone().unwrap_or_else(|| format!("@ddns[{}]", host.section.index));
    match host.domains.first() {
        Some(d) => format!("{section} ({d})"),
        None => section,
    }
}

/// Publishes `addrs` for `host`. `now` (Unix seconds) is for protocols that sign the
/// time (TSIG).
pub fn run_update(host: &DdnsHost, addrs: Addrs, transport: &mut dyn Transport, now: u64) -> Outcome {
    update_names(host, addrs, &[], None, transport, now).0
}

/// Publishes `addrs` for those of `host`'s names in `names` (all of them when `names`
/// is empty or names none of them). Also returns the names a failed exchange did update
/// (see [`Exchange::confirmed`]). `known`: what a read-back ([`lookup_registered`]) found
/// just before, so that the update does not ask for it again.
pub fn update_names(
    host: &DdnsHost,
    addrs: Addrs,
    names: &[String],
    known: Option<Known>,
    transport: &mut dyn Transport,
    now: u64,
) -> (Outcome, Vec<String>) {
    let subset = only(host, names);
    let host = subset.as_ref().unwrap_or(host);
    if host.service == Service::Rfc2136 {
        // Not HTTP: the dns module speaks to the name server itself (TCP, UDP fallback).
        return (crate::dns::rfc2136::update(host, addrs.v4, addrs.v6, now), Vec::new());
    }
    let t = Target { host, ipv4: addrs.v4, ipv6: addrs.v6 };
    let mut ex = match (Exchange::update(&t), known) {
        (Exchange::Cloudflare(f), Some(k)) => Exchange::Cloudflare(f.knowing(k)),
        (ex, _) => ex,
    };
    let outcome = drive(&mut ex, transport);
    (outcome, ex.confirmed())
}

/// The host with only the domains in `names`, when that is fewer than all of them.
fn only(host: &DdnsHost, names: &[String]) -> Option<DdnsHost> {
    let keep: Vec<_> = host.domains.iter().filter(|d| names.iter().any(|n| n == d.as_str())).cloned().collect();
    if keep.is_empty() || keep.len() == host.domains.len() {
        return None;
    }
    Some(DdnsHost { domains: keep, ..host.clone() })
}

/// Runs an exchange to its end. A request that gets no answer is a transient failure
/// (or, for a configuration problem such as a missing CA bundle, a fatal one).
pub fn drive(ex: &mut Exchange, transport: &mut dyn Transport) -> Outcome {
    let mut step = ex.start();
    for _ in 0..MAX_STEPS {
        match step {
            Step::Done(o) => return o,
            Step::Send(req) => match transport.send(&req) {
                Ok(resp) => match crate::ddns::providers::http_status::redirect(&resp) {
                    Some(fatal) => return fatal,
                    None => step = ex.on_response(&resp),
                },
                Err(e) if e.is_transient() => {
                    return Outcome::Retry { after: None, reason: format!("{}: {e}", req.redacted_url()) };
                }
                Err(e) => return Outcome::Fatal { reason: e.to_string() },
            },
        }
    }
    Outcome::Retry { after: None, reason: "the provider exchange did not finish".into() }
}

/// Why a lookup told nothing; `after`: the provider asked to wait that long (seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupError {
    pub reason: String,
    pub after: Option<u64>,
}

impl From<String> for LookupError {
    fn from(reason: String) -> LookupError {
        LookupError { reason, after: None }
    }
}

/// What a read-back found beyond the addresses: Cloudflare's zone and record ids.
pub type Known = cloudflare::Records;

/// A read-back's findings: what each name holds, and what an update can start from.
pub type ReadBack = (Vec<(String, Addrs)>, Option<Known>);

/// What the provider holds for each of the host's names (a name that could not be looked
/// up is left out; an error when none could), and what an update right after can start
/// from. `prefer`: when a name has several addresses
/// of a family, the one to report if it is among them (the address we would publish).
/// The DNS lookup asks for every name; `lookup_host` stands in for the first one.
pub fn lookup_registered(
    host: &DdnsHost,
    how: Lookup,
    prefer: Addrs,
    transport: &mut dyn Transport,
) -> Result<ReadBack, LookupError> {
    match how {
        Lookup::Api => {
            let mut ex = Exchange::Cloudflare(cloudflare::Flow::read(host)?);
            match drive(&mut ex, transport) {
                Outcome::Updated { .. } | Outcome::Unchanged { .. } => match ex {
                    Exchange::Cloudflare(f) => Ok((f.registered(), f.into_records())),
                    _ => Err(LookupError::from("unexpected exchange".to_string())),
                },
                Outcome::Retry { reason, after } => {
                    Err(LookupError { reason, after: after.map(|d| d.as_secs().max(1)) })
                }
                Outcome::Fatal { reason } => Err(reason.into()),
            }
        }
        Lookup::Dns => {
            let mut found = Vec::new();
            let mut first_err = None;
            for (i, d) in host.domains.iter().enumerate() {
                let name = if i == 0 { host.lookup_host.as_ref().unwrap_or(d) } else { d };
                let answer = match lookup_server(host) {
                    Some(server) => crate::dns::lookup(name, server, host.family)
                        .map_err(|e| format!("looking up {name} at {server}: {e}")),
                    None => resolve(name.as_str()),
                };
                match answer {
                    Ok(a) => found.push((d.to_string(), pick(&a, host.family, prefer))),
                    Err(e) => {
                        first_err.get_or_insert(e);
                    }
                }
            }
            match first_err {
                Some(e) if found.is_empty() => Err(e.into()),
                _ if host.domains.is_empty() => Err(LookupError::from("no name to look up".to_string())),
                _ => Ok((found, None)),
            }
        }
        Lookup::None => Err(LookupError::from("no way to learn the registered address".to_string())),
    }
}

/// The DNS server to ask what is registered: `dns_server`; for `rfc2136`, whose
/// `server` is the zone's primary, that server (it answers for the zone with no cache in
/// between). `None`: the system resolver.
fn lookup_server(host: &DdnsHost) -> Option<&crate::types::HostPort> {
    match host.service {
        Service::Rfc2136 => host.server.as_ref().or(host.dns_server.as_ref()),
        _ => host.dns_server.as_ref(),
    }
}

/// The system resolver (getaddrinfo through musl: `/etc/resolv.conf`).
pub fn resolve(name: &str) -> Result<Vec<IpAddr>, String> {
    (name, 0u16)
        .to_socket_addrs()
        .map(|it| it.map(|sa| sa.ip()).collect())
        .map_err(|e| format!("looking up {name}: {e}"))
}

/// One address per wanted family from a lookup's answers, `prefer` when present.
pub fn pick(found: &[IpAddr], family: AddrFamily, prefer: Addrs) -> Addrs {
    let v4s: Vec<_> = found.iter().filter_map(|a| if let IpAddr::V4(v) = a { Some(*v) } else { None }).collect();
    let v6s: Vec<_> = found.iter().filter_map(|a| if let IpAddr::V6(v) = a { Some(*v) } else { None }).collect();
    Addrs {
        v4: family.wants_v4().then(|| prefer.v4.filter(|p| v4s.contains(p)).or(v4s.first().copied())).flatten(),
        v6: family.wants_v6().then(|| prefer.v6.filter(|p| v6s.contains(p)).or(v6s.first().copied())).flatten(),
    }
}

/// Asks the echo service (`ip_url`) which address of the family the internet sees.
pub fn ask_echo(host: &DdnsHost, v6: bool, transport: &mut dyn Transport) -> Result<IpAddr, String> {
    let req: HttpRequest = crate::addr::web::request(host.ip_url.as_deref(), v6, host.use_https)?;
    let resp = transport.send(&req).map_err(|e| format!("{}: {e}", req.redacted_url()))?;
    crate::addr::web::parse_answer(&resp, v6)
}

/// Whether the host needs the echo service at all.
pub fn uses_web(host: &DdnsHost) -> bool {
    host.ip_source == IpSource::Web
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ddns::http::TransportError;
    use crate::ddns::providers::testing::host;
    use crate::ddns::request::HttpResponse;
    use std::collections::VecDeque;

    /// Answers from a script, records what was sent.
    struct Script {
        answers: VecDeque<Result<HttpResponse, TransportError>>,
        sent: Vec<HttpRequest>,
    }

    impl Transport for Script {
        fn send(&mut self, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
            self.sent.push(req.clone());
            self.answers.pop_front().unwrap_or(Err(TransportError::Failed("script ran out".into())))
        }
    }

    fn script(answers: Vec<Result<HttpResponse, TransportError>>) -> Script {
        Script { answers: answers.into(), sent: vec![] }
    }

    #[test]
    fn drives_sequences_and_maps_transport_errors() {
        let mut h = host(Service::He, &["a.example.org", "b.example.org"]);
        h.username = None;
        let addrs = Addrs { v4: Some("81.2.69.160".parse().unwrap()), v6: None };
        let mut s = script(vec![Ok(HttpResponse::new(200, "nochg 81.2.69.160")), Ok(HttpResponse::new(200, "good"))]);
        assert_eq!(run_update(&h, addrs, &mut s, 0), Outcome::Updated { detail: "good".into() });
        assert_eq!(s.sent.len(), 2);
        let mut s = script(vec![Ok(HttpResponse::new(200, "badauth"))]);
        assert!(matches!(run_update(&h, addrs, &mut s, 0), Outcome::Fatal { .. }));
        assert_eq!(s.sent.len(), 1, "stops at the first failure");
        let mut s = script(vec![Err(TransportError::Failed("timed out".into()))]);
        assert!(matches!(run_update(&h, addrs, &mut s, 0), Outcome::Retry { .. }));
        let mut s = script(vec![Err(TransportError::PlainHttpRefused)]);
        assert!(matches!(run_update(&h, addrs, &mut s, 0), Outcome::Fatal { .. }));
    }

    #[test]
    fn cloudflare_lookup_reads_records() {
        let mut h = host(Service::Cloudflare, &["home.example.com"]);
        h.cloudflare_zone = Some("023e105f4ecef8ad9ca31a8372d0c353".into());
        let mut s = script(vec![Ok(HttpResponse::new(
            200,
            r#"{"success":true,"result":[{"id":"r","content":"81.2.69.160","proxied":true}]}"#,
        ))]);
        let got = lookup_registered(&h, Lookup::Api, Addrs::default(), &mut s).unwrap().0;
        assert_eq!(
            got,
            vec![("home.example.com".into(), Addrs { v4: Some("81.2.69.160".parse().unwrap()), v6: None })]
        );
    }

    /// Issue 11 follow-up: the update right after a read-back PATCHes the record the read
    /// found; it asks for neither the zone nor the record list again.
    #[test]
    fn cloudflare_update_after_a_read_back_sends_only_the_patch() {
        let mut h = host(Service::Cloudflare, &["home.example.com"]);
        h.cloudflare_zone = Some("example.com".into());
        let mut s = script(vec![
            Ok(HttpResponse::new(200, r#"{"success":true,"result":[{"id":"z1","name":"example.com"}]}"#)),
            Ok(HttpResponse::new(200, r#"{"success":true,"result":[{"id":"r1","content":"81.2.69.1"}]}"#)),
        ]);
        let (_, known) = lookup_registered(&h, Lookup::Api, Addrs::default(), &mut s).unwrap();
        assert_eq!(s.sent.len(), 2);
        let mut s = script(vec![Ok(HttpResponse::new(200, r#"{"success":true,"result":{"id":"r1"}}"#))]);
        let addrs = Addrs { v4: Some("81.2.69.160".parse().unwrap()), v6: None };
        let (outcome, _) = update_names(&h, addrs, &[], known, &mut s, 0);
        assert!(matches!(outcome, Outcome::Updated { .. }), "{outcome:?}");
        let sent: Vec<String> = s.sent.iter().map(|r| format!("{:?} {}", r.method, r.redacted_url())).collect();
        assert_eq!(sent, ["Patch https://api.cloudflare.com/client/v4/zones/z1/dns_records/r1"]);
        assert_eq!(s.sent[0].body.as_deref(), Some(r#"{"content":"81.2.69.160"}"#));
    }

    #[test]
    fn pick_prefers_the_wanted_address() {
        let found: Vec<IpAddr> =
            ["81.2.69.1", "81.2.69.2", "2a00:1450::1"].iter().map(|s| s.parse().unwrap()).collect();
        let want = Addrs { v4: Some("81.2.69.2".parse().unwrap()), v6: None };
        assert_eq!(pick(&found, AddrFamily::Ipv4, want).v4, want.v4);
        assert_eq!(pick(&found, AddrFamily::Ipv4, Addrs::default()).v4, Some("81.2.69.1".parse().unwrap()));
        assert_eq!(pick(&found, AddrFamily::Ipv4, Addrs::default()).v6, None);
        assert_eq!(pick(&found, AddrFamily::Both, Addrs::default()).v6, Some("2a00:1450::1".parse().unwrap()));
    }

    #[test]
    fn echo() {
        let h = host(Service::Noip, &["home.ddns.net"]);
        let mut s = script(vec![Ok(HttpResponse::new(200, "81.2.69.160\n"))]);
        assert_eq!(ask_echo(&h, false, &mut s), Ok("81.2.69.160".parse().unwrap()));
        assert_eq!(s.sent[0].url, "https://api.ipify.org");
    }

    /// Issue 11 item 11: a redirect is fatal for every provider, naming where it points.
    #[test]
    fn redirects_are_fatal_naming_the_host() {
        let h = host(Service::He, &["a.example.org"]);
        let addrs = Addrs { v4: Some("81.2.69.160".parse().unwrap()), v6: None };
        let moved = HttpResponse::new(302, "").with_header("Location", "https://user:pw@login.example.net/x?y");
        let mut s = script(vec![Ok(moved)]);
        match run_update(&h, addrs, &mut s, 0) {
            Outcome::Fatal { reason } => {
                assert!(reason.contains("to login.example.net;"), "{reason}");
                assert!(!reason.contains("pw"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let mut s = script(vec![Ok(HttpResponse::new(301, ""))]);
        assert!(matches!(run_update(&h, addrs, &mut s, 0), Outcome::Fatal { .. }));
    }

    /// Issue 11 item 9: Dyn's own minimum wait after a failure.
    #[test]
    fn dyn_retries_no_sooner_than_five_minutes() {
        let h = host(Service::Dyn, &["home.dyndns.org"]);
        let key = crate::ddns::state_key::FingerprintKey::from_bytes(&[7; 32]);
        assert_eq!(policy(&h, &key).retry_interval, 300);
        assert_eq!(policy(&host(Service::Noip, &["home.ddns.net"]), &key).retry_interval, 60);
    }
}
