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
        retry_interval: host.retry_interval.secs(),
        lookup: lookup_kind(host),
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
    if host.service == Service::Rfc2136 {
        // Not HTTP: the dns module speaks to the name server itself (TCP, UDP fallback).
        return crate::dns::rfc2136::update(host, addrs.v4, addrs.v6, now);
    }
    let t = Target { host, ipv4: addrs.v4, ipv6: addrs.v6 };
    drive(&mut Exchange::update(&t), transport)
}

/// Runs an exchange to its end. A request that gets no answer is a transient failure
/// (or, for a configuration problem such as a missing CA bundle, a fatal one).
pub fn drive(ex: &mut Exchange, transport: &mut dyn Transport) -> Outcome {
    let mut step = ex.start();
    for _ in 0..MAX_STEPS {
        match step {
            Step::Done(o) => return o,
            Step::Send(req) => match transport.send(&req) {
                Ok(resp) => step = ex.on_response(&resp),
                Err(e) if e.is_transient() => {
                    return Outcome::Retry { after: None, reason: format!("{}: {e}", req.redacted_url()) };
                }
                Err(e) => return Outcome::Fatal { reason: e.to_string() },
            },
        }
    }
    Outcome::Retry { after: None, reason: "the provider exchange did not finish".into() }
}

/// What the provider holds for the host. `prefer`: when a name has several addresses of
/// a family, the one to report if it is among them (the address we would publish).
pub fn lookup_registered(
    host: &DdnsHost,
    how: Lookup,
    prefer: Addrs,
    transport: &mut dyn Transport,
) -> Result<Addrs, String> {
    match how {
        Lookup::Api => {
            let mut ex = Exchange::Cloudflare(cloudflare::Flow::read(host)?);
            match drive(&mut ex, transport) {
                Outcome::Updated { .. } | Outcome::Unchanged { .. } => match ex {
                    Exchange::Cloudflare(f) => {
                        let (v4, v6) = f.registered();
                        Ok(Addrs { v4, v6 })
                    }
                    _ => Err("unexpected exchange".into()),
                },
                Outcome::Retry { reason, .. } | Outcome::Fatal { reason } => Err(reason),
            }
        }
        Lookup::Dns => {
            let name = host.lookup_host.as_ref().or(host.domains.first()).ok_or("no name to look up")?;
            let found = match lookup_server(host) {
                Some(server) => crate::dns::lookup(name, server, host.family)
                    .map_err(|e| format!("looking up {name} at {server}: {e}"))?,
                None => resolve(name.as_str())?,
            };
            Ok(pick(&found, host.family, prefer))
        }
        Lookup::None => Err("no way to learn the registered address".into()),
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
fn resolve(name: &str) -> Result<Vec<IpAddr>, String> {
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
        let got = lookup_registered(&h, Lookup::Api, Addrs::default(), &mut s).unwrap();
        assert_eq!(got, Addrs { v4: Some("81.2.69.160".parse().unwrap()), v6: None });
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
}
