//! The provider registry and the exchange every update goes through.
//!
//! Pure. A provider is two functions: one builds the request(s) for a [`Target`] (a
//! host's configuration plus the addresses to publish), the other classifies a response
//! into an [`Outcome`]. Most providers need one request per update (or one per name or
//! address family); Cloudflare needs several that depend on earlier answers. Both shapes
//! are driven the same way, through [`Exchange`]: ask for the first [`Step`], send what
//! it says, hand back the response, repeat until [`Step::Done`].
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

pub mod cloudflare;
pub mod custom;
pub mod desec;
pub mod duckdns;
pub mod dyn_com;
pub mod dyndns2;
pub mod dynu;
pub mod freedns;
pub mod he;
pub mod http_status;
pub mod namecheap;
pub mod noip;

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::config::{DdnsHost, Service};
use crate::ddns::Outcome;
use crate::ddns::request::{HttpRequest, HttpResponse};
use crate::types::Secret;

/// `homeport/<version> <contact>`, the shape No-IP and Dyn ask for ("Company
/// NameOfProgram/Version maintainer-contact", noip.com/integrate/request). The contact is
/// the packager's, compiled in from `HOMEPORT_CONTACT` (an e-mail address or URL); a
/// build without it sends no contact rather than a made-up one.
pub fn user_agent() -> String {
    agent_with(option_env!("HOMEPORT_CONTACT"))
}

fn agent_with(contact: Option<&str>) -> String {
    match contact.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => format!("homeport/{} {c}", crate::VERSION),
        None => format!("homeport/{}", crate::VERSION),
    }
}

#[cfg(test)]
mod tests {
    /// Issue 11 item 8: no placeholder contact, the packager's when there is one.
    #[test]
    fn user_agent_has_a_real_contact_or_none() {
        let ua = super::user_agent();
        assert!(ua.starts_with(&format!("homeport/{}", crate::VERSION)), "{ua}");
        assert!(!ua.contains("example.invalid") && !ua.contains("(+"), "{ua}");
        assert_eq!(super::agent_with(None), format!("homeport/{}", crate::VERSION));
        assert_eq!(super::agent_with(Some(" ")), format!("homeport/{}", crate::VERSION));
        assert_eq!(
            super::agent_with(Some("ddns@example.net")),
            format!("homeport/{} ddns@example.net", crate::VERSION)
        );
    }
}

/// What to publish, for which host.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    pub host: &'a DdnsHost,
    pub ipv4: Option<Ipv4Addr>,
    pub ipv6: Option<Ipv6Addr>,
}

/// What the driver of an exchange does next.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Send(HttpRequest),
    Done(Outcome),
}

/// The provider-specific classifier of a one-request-at-a-time exchange.
type Classify = fn(&HttpResponse) -> Outcome;

/// One update in progress.
#[derive(Debug)]
pub enum Exchange {
    /// Independent requests sent in order; the first failure ends the exchange, except
    /// that with `independent`, a transient failure of one request (deSEC's per-domain
    /// 429) lets the others go ahead and is reported at the end.
    Sequence {
        pending: VecDeque<HttpRequest>,
        /// Per request, the names it updates (empty when the provider does not say).
        covers: VecDeque<Vec<String>>,
        classify: Classify,
        updated: Option<String>,
        unchanged: Option<String>,
        independent: bool,
        /// The addresses sent, to check a `good <address>` against.
        sent: Vec<IpAddr>,
        /// `custom`'s `answer`: text a successful answer must contain.
        answer: Option<String>,
        /// Names whose request succeeded.
        confirmed: Vec<String>,
        /// The transient failure to report once every request has been tried.
        failed: Option<Outcome>,
    },
    Cloudflare(cloudflare::Flow),
    /// Nothing to send: the outcome is known (a configuration problem).
    Finished(Option<Outcome>),
}

impl Exchange {
    /// The exchange that publishes `t`'s addresses with `t.host.service`.
    pub fn update(t: &Target) -> Exchange {
        if t.ipv4.is_none() && t.ipv6.is_none() {
            return Exchange::Finished(Some(Outcome::Fatal { reason: "no address to publish".into() }));
        }
        if t.host.service == Service::Desec {
            return match desec::calls(t) {
                Ok(calls) => {
                    let (reqs, covers): (Vec<_>, Vec<_>) = calls.into_iter().unzip();
                    Exchange::sequence(reqs, covers, desec::classify, true).checking(t)
                }
                Err(reason) => Exchange::Finished(Some(Outcome::Fatal { reason })),
            };
        }
        let built: Result<(Vec<HttpRequest>, Classify), String> = match t.host.service {
            Service::Dyndns2 => dyndns2::requests(t).map(|r| (r, dyndns2::classify as Classify)),
            Service::Noip => noip::requests(t).map(|r| (r, noip::classify as Classify)),
            Service::Dyn => dyn_com::requests(t).map(|r| (r, dyn_com::classify as Classify)),
            Service::Dynu => dynu::requests(t).map(|r| (r, dynu::classify as Classify)),
            Service::Desec => desec::requests(t).map(|r| (r, desec::classify as Classify)),
            Service::He => he::requests(t).map(|r| (r, dyndns2::classify as Classify)),
            Service::Duckdns => duckdns::requests(t).map(|r| (r, duckdns::classify as Classify)),
            Service::Freedns => freedns::requests(t).map(|r| (r, freedns::classify as Classify)),
            Service::Namecheap => namecheap::requests(t).map(|r| (r, namecheap::classify as Classify)),
            Service::Custom => custom::requests(t).map(|r| (r, custom::classify as Classify)),
            Service::Cloudflare => {
                return match cloudflare::Flow::update(t) {
                    Ok(f) => Exchange::Cloudflare(f),
                    Err(e) => Exchange::Finished(Some(Outcome::Fatal { reason: e })),
                };
            }
            Service::Rfc2136 => {
                Err("rfc2136 is a DNS update: ddns::run::run_update sends it, not an HTTP exchange".into())
            }
        };
        match built {
            Ok((reqs, classify)) => Exchange::sequence(reqs, Vec::new(), classify, false).checking(t),
            Err(reason) => Exchange::Finished(Some(Outcome::Fatal { reason })),
        }
    }

    fn sequence(reqs: Vec<HttpRequest>, covers: Vec<Vec<String>>, classify: Classify, independent: bool) -> Exchange {
        Exchange::Sequence {
            pending: reqs.into(),
            covers: covers.into(),
            classify,
            updated: None,
            unchanged: None,
            independent,
            sent: Vec::new(),
            answer: None,
            confirmed: Vec::new(),
            failed: None,
        }
    }

    /// Adds what successes are checked against: the addresses sent, `custom`'s `answer`.
    fn checking(mut self, t: &Target) -> Exchange {
        if let Exchange::Sequence { sent, answer, .. } = &mut self {
            *sent = t.ipv4.map(IpAddr::V4).into_iter().chain(t.ipv6.map(IpAddr::V6)).collect();
            if t.host.service == Service::Custom {
                *answer = t.host.answer.clone().filter(|a| !a.is_empty());
            }
        }
        self
    }

    /// The names whose own request succeeded, whatever the whole exchange came to (only
    /// for providers whose requests each cover known names).
    pub fn confirmed(&self) -> Vec<String> {
        match self {
            Exchange::Sequence { confirmed, .. } => confirmed.clone(),
            _ => Vec::new(),
        }
    }

    /// The first step.
    pub fn start(&mut self) -> Step {
        match self {
            Exchange::Sequence { pending, .. } => match pending.front() {
                Some(r) => Step::Send(r.clone()),
                None => Step::Done(Outcome::Fatal { reason: "nothing to send".into() }),
            },
            Exchange::Cloudflare(f) => f.start(),
            Exchange::Finished(o) => {
                Step::Done(o.take().unwrap_or(Outcome::Fatal { reason: "exchange already finished".into() }))
            }
        }
    }

    /// The step after the response to the last `Send`.
    pub fn on_response(&mut self, resp: &HttpResponse) -> Step {
        match self {
            Exchange::Sequence {
                pending,
                covers,
                classify,
                updated,
                unchanged,
                independent,
                sent,
                answer,
                confirmed,
                failed,
            } => {
                pending.pop_front();
                let names = covers.pop_front().unwrap_or_default();
                let body = resp.text();
                let outcome = match (classify(resp), answer.as_deref()) {
                    // ddns-scripts' `answer`: a success must say so in the body (a
                    // DuckDNS-style `KO` comes with HTTP 200).
                    (Outcome::Updated { .. } | Outcome::Unchanged { .. }, Some(want)) if !body.contains(want) => {
                        Outcome::Fatal {
                            reason: format!("the answer does not contain '{}': {}", excerpt(want), excerpt(&body)),
                        }
                    }
                    (o, _) => dyndns2::check_good(o, &body, sent),
                };
                match outcome {
                    Outcome::Updated { detail } => {
                        *updated = Some(detail);
                        confirmed.extend(names);
                    }
                    Outcome::Unchanged { detail } => {
                        *unchanged = Some(detail);
                        confirmed.extend(names);
                    }
                    Outcome::Retry { after, reason } if *independent => {
                        // The longest wait any request was asked for.
                        let after = match failed.take() {
                            Some(Outcome::Retry { after: earlier, .. }) => after.max(earlier),
                            _ => after,
                        };
                        *failed = Some(Outcome::Retry { after, reason });
                    }
                    other => return Step::Done(other),
                }
                match pending.front() {
                    Some(r) => Step::Send(r.clone()),
                    None if failed.is_some() => {
                        Step::Done(failed.take().unwrap_or(Outcome::Fatal { reason: "no response classified".into() }))
                    }
                    // Updated wins over unchanged: one name moved, so the host was updated.
                    None => Step::Done(match (updated.take(), unchanged.take()) {
                        (Some(detail), _) => Outcome::Updated { detail },
                        (None, Some(detail)) => Outcome::Unchanged { detail },
                        (None, None) => Outcome::Fatal { reason: "no response classified".into() },
                    }),
                }
            }
            Exchange::Cloudflare(f) => f.on_response(resp),
            Exchange::Finished(o) => {
                Step::Done(o.take().unwrap_or(Outcome::Fatal { reason: "exchange already finished".into() }))
            }
        }
    }
}

/// `scheme://authority` for a provider: `server` when set, else the provider's own host;
/// https unless the user set `use_https 0`.
pub fn base_url(host: &DdnsHost, default_authority: &str) -> String {
    let scheme = if host.use_https { "https" } else { "http" };
    match &host.server {
        Some(s) => format!("{scheme}://{}", s.authority()),
        None => format!("{scheme}://{default_authority}"),
    }
}

/// The password, or a reason naming the option.
pub fn require_password<'a>(host: &'a DdnsHost, what: &str) -> Result<&'a Secret, String> {
    match &host.password {
        Some(p) if !p.expose().is_empty() => Ok(p),
        _ => Err(format!("option 'password' ({what}) is required for this service")),
    }
}

pub fn require_username(host: &DdnsHost) -> Result<&str, String> {
    match host.username.as_deref() {
        Some(u) if !u.is_empty() => Ok(u),
        _ => Err("option 'username' is required for this service".into()),
    }
}

pub fn require_server(host: &DdnsHost) -> Result<(), String> {
    match host.server {
        Some(_) => Ok(()),
        None => Err("option 'server' (host[:port] of the dyndns2 endpoint) is required for this service".into()),
    }
}

/// The domains joined by commas, each percent-encoded (the dyndns2 `hostname` list).
pub fn domain_list(host: &DdnsHost) -> Result<String, String> {
    if host.domains.is_empty() {
        return Err("option 'domain' is required".into());
    }
    Ok(host.domains.iter().map(|d| crate::ddns::percent::encode(d.as_str())).collect::<Vec<_>>().join(","))
}

/// A short, single-line excerpt of a response body for messages: control characters
/// dropped, at most 120 characters.
pub fn excerpt(body: &str) -> String {
    let one_line: String =
        body.split_whitespace().collect::<Vec<_>>().join(" ").chars().filter(|c| !c.is_control()).take(120).collect();
    if one_line.is_empty() { "(empty)".into() } else { one_line }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A `DdnsHost` with every option at its default, for provider tests.
    use crate::config::{DdnsHost, Service};
    use crate::types::{Hostname, Secret};

    pub fn host(service: Service, domains: &[&str]) -> DdnsHost {
        let domains = domains.iter().map(|d| Hostname::parse(d).unwrap()).collect();
        DdnsHost {
            username: Some("user".into()),
            password: Some(Secret::new("p@ss w/rd")),
            ..DdnsHost::new_for(service, domains)
        }
    }

    pub fn v4() -> Option<std::net::Ipv4Addr> {
        Some("198.51.100.7".parse().unwrap())
    }

    pub fn v6() -> Option<std::net::Ipv6Addr> {
        Some("2001:db8::7".parse().unwrap())
    }
}
