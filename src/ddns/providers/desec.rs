//! deSEC (desec-stack docs/dyndns/update-api.rst): GET `update.dedyn.io/` with
//! `hostname`, `myipv4`, `myipv6`; Basic credentials: `username` (or, without one, the
//! deSEC domain being updated, which deSEC accepts) and the token.
//!
//! Pure. deSEC deletes the record of a family whose parameter is absent when the request
//! did not arrive over that family, so a family we do not publish (or have no address
//! for right now) is always sent as `preserve`. `hostname` takes a comma-separated list,
//! applied atomically, and deSEC's dyndns rate limit (2 requests per 2 minutes) counts
//! per domain (docs/rate-limits.rst), so there is one request per deSEC domain carrying
//! all of that domain's names; a 429 for one domain does not hold back the others, and
//! only the names that failed are retried (after `Retry-After`).
//!
//! Answers: `good` (deSEC never says `nochg`); 401 `badauth`; 404 `nohost` (the domain is
//! not in this account) and 400 (the hostname cannot be determined) are about the
//! configuration, so they are fatal, with deSEC's own words; 429 with `Retry-After`.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

use super::{Target, base_url, dyndns2, excerpt, require_password, user_agent};
use crate::ddns::Outcome;
use crate::ddns::basic_auth;
use crate::ddns::percent::encode;
use crate::ddns::request::{HttpRequest, HttpResponse};

pub const DEFAULT_SERVER: &str = "update.dedyn.io";

/// The deSEC domain a name belongs to: `zone` when set (and the name is in it), else the
/// name's label under `dedyn.io`, else its last two labels (set `zone` for a domain under
/// a public suffix of two labels, such as `example.co.uk`).
pub fn domain_of(name: &str, zone: Option<&str>) -> String {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if let Some(z) = zone.map(|z| z.trim_end_matches('.').to_ascii_lowercase()) {
        if name == z || name.ends_with(&format!(".{z}")) {
            return z;
        }
    }
    let labels: Vec<&str> = name.split('.').collect();
    let keep = if name.ends_with(".dedyn.io") { 3 } else { 2 };
    labels.iter().skip(labels.len().saturating_sub(keep)).copied().collect::<Vec<_>>().join(".")
}

/// One request per deSEC domain, each with the names it carries.
pub fn calls(t: &Target) -> Result<Vec<(HttpRequest, Vec<String>)>, String> {
    if t.host.domains.is_empty() {
        return Err("option 'domain' is required".into());
    }
    let v4 = t.ipv4.map(|a| encode(&a.to_string())).unwrap_or_else(|| "preserve".into());
    let v6 = t.ipv6.map(|a| encode(&a.to_string())).unwrap_or_else(|| "preserve".into());
    let token = require_password(t.host, "the deSEC token")?;
    let base = base_url(t.host, DEFAULT_SERVER);
    let zone = t.host.zone.as_ref().map(|z| z.as_str());
    // Domains in the order their first name appears.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for d in &t.host.domains {
        let dom = domain_of(d.as_str(), zone);
        match groups.iter_mut().find(|(g, _)| *g == dom) {
            Some((_, names)) => names.push(d.to_string()),
            None => groups.push((dom, vec![d.to_string()])),
        }
    }
    Ok(groups
        .into_iter()
        .map(|(dom, names)| {
            let list: Vec<String> = names.iter().map(|n| encode(n)).collect();
            let url = format!("{base}/?hostname={}&myipv4={v4}&myipv6={v6}", list.join(","));
            let user = t.host.username.as_deref().filter(|u| !u.is_empty()).unwrap_or(&dom);
            let req = HttpRequest::get(url)
                .header("Authorization", &basic_auth::header_value(user, token))
                .header("User-Agent", &user_agent());
            (req, names)
        })
        .collect())
}

pub fn requests(t: &Target) -> Result<Vec<HttpRequest>, String> {
    calls(t).map(|c| c.into_iter().map(|(r, _)| r).collect())
}

pub fn classify(resp: &HttpResponse) -> Outcome {
    let body = resp.text();
    match resp.status {
        404 => {
            Outcome::Fatal { reason: format!("deSEC: {} (HTTP 404: no such domain in this account)", excerpt(&body)) }
        }
        400 => Outcome::Fatal {
            reason: format!("deSEC: {} (HTTP 400: the hostname could not be determined)", excerpt(&body)),
        },
        _ => dyndns2::classify(resp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Service;
    use crate::ddns::providers::testing::{host, v4, v6};
    use crate::ddns::providers::{Exchange, Step};
    use std::time::Duration;

    #[test]
    fn preserve_rule() {
        let h = host(Service::Desec, &["home.dedyn.io"]);
        let reqs = requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap();
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].url, "https://update.dedyn.io/?hostname=home.dedyn.io&myipv4=198.51.100.7&myipv6=preserve");
        let reqs = requests(&Target { host: &h, ipv4: None, ipv6: v6() }).unwrap();
        assert_eq!(
            reqs[0].url,
            "https://update.dedyn.io/?hostname=home.dedyn.io&myipv4=preserve&myipv6=2001%3Adb8%3A%3A7"
        );
        let reqs = requests(&Target { host: &h, ipv4: v4(), ipv6: v6() }).unwrap();
        assert_eq!(
            reqs[0].url,
            "https://update.dedyn.io/?hostname=home.dedyn.io&myipv4=198.51.100.7&myipv6=2001%3Adb8%3A%3A7"
        );
        assert_eq!(reqs[0].header_value("Authorization"), Some("Basic dXNlcjpwQHNzIHcvcmQ="));
        let mut h = h.clone();
        h.username = None;
        let reqs = requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap();
        // "home.dedyn.io:p@ss w/rd"
        assert_eq!(reqs[0].header_value("Authorization"), Some("Basic aG9tZS5kZWR5bi5pbzpwQHNzIHcvcmQ="));
    }

    /// Issue 11 item 2: deSEC's limit is per domain and `hostname` takes a list.
    #[test]
    fn names_of_one_domain_share_a_request() {
        let h = host(Service::Desec, &["home.dedyn.io", "www.home.dedyn.io"]);
        let reqs = requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap();
        let urls: Vec<&str> = reqs.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(
            urls,
            vec![
                "https://update.dedyn.io/?hostname=home.dedyn.io,www.home.dedyn.io&myipv4=198.51.100.7&myipv6=preserve"
            ]
        );
    }

    #[test]
    fn one_request_per_desec_domain() {
        let mut h = host(Service::Desec, &["home.dedyn.io", "www.home.dedyn.io", "nas.other.dedyn.io", "example.com"]);
        h.username = None;
        let calls = calls(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap();
        let urls: Vec<&str> = calls.iter().map(|(r, _)| r.url.as_str()).collect();
        assert_eq!(
            urls,
            vec![
                "https://update.dedyn.io/?hostname=home.dedyn.io,www.home.dedyn.io&myipv4=198.51.100.7&myipv6=preserve",
                "https://update.dedyn.io/?hostname=nas.other.dedyn.io&myipv4=198.51.100.7&myipv6=preserve",
                "https://update.dedyn.io/?hostname=example.com&myipv4=198.51.100.7&myipv6=preserve",
            ]
        );
        assert_eq!(calls[0].1, vec!["home.dedyn.io".to_string(), "www.home.dedyn.io".to_string()]);
        // "other.dedyn.io:p@ss w/rd": the deSEC domain is the user.
        assert_eq!(calls[1].0.header_value("Authorization"), Some("Basic b3RoZXIuZGVkeW4uaW86cEBzcyB3L3Jk"));
        assert_eq!(domain_of("vpn.home.example.co.uk", Some("example.co.uk")), "example.co.uk");
        assert_eq!(domain_of("vpn.home.example.com", None), "example.com");
    }

    #[test]
    fn a_throttled_domain_does_not_hold_back_the_others() {
        let h = host(Service::Desec, &["a.dedyn.io", "b.dedyn.io"]);
        let mut ex = Exchange::update(&Target { host: &h, ipv4: v4(), ipv6: None });
        assert!(matches!(ex.start(), Step::Send(r) if r.url.contains("hostname=a.dedyn.io&")));
        let r429 = HttpResponse::new(429, "").with_header("Retry-After", "90");
        assert!(matches!(ex.on_response(&r429), Step::Send(r) if r.url.contains("hostname=b.dedyn.io&")));
        match ex.on_response(&HttpResponse::new(200, "good")) {
            Step::Done(Outcome::Retry { after, .. }) => assert_eq!(after, Some(Duration::from_secs(90))),
            other => panic!("{other:?}"),
        }
        assert_eq!(ex.confirmed(), vec!["b.dedyn.io".to_string()]);
    }

    #[test]
    fn classification() {
        assert_eq!(classify(&HttpResponse::new(200, "good")), Outcome::Updated { detail: "good".into() });
        assert!(matches!(classify(&HttpResponse::new(401, "badauth")), Outcome::Fatal { .. }));
        let r = HttpResponse::new(429, "").with_header("Retry-After", "3600");
        assert!(matches!(classify(&r), Outcome::Retry { after: Some(d), .. } if d == Duration::from_secs(3600)));
        // deSEC's words for an unknown domain and an undeterminable hostname: stop.
        match classify(&HttpResponse::new(404, "nohost")) {
            Outcome::Fatal { reason } => assert!(reason.contains("nohost"), "{reason}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(classify(&HttpResponse::new(400, "Bad Request")), Outcome::Fatal { .. }));
    }
}
