//! Namecheap dynamic DNS: GET `dynamicdns.park-your-domain.com/update?host=<host>
//! &domain=<domain>&password=<ddns password>&ip=<v4>`. IPv4 only.
//!
//! Pure. Namecheap splits the name into the record (`host`: `@` for the apex, `www`,
//! `vpn.home`) and the domain registered at Namecheap (`domain`: `example.com`,
//! `example.co.uk`, never cut inside a public suffix). Only the configuration can say
//! where that cut is: `zone` names the registered domain and every `domain` is a full
//! name inside it (`vpn.home.example.com` with zone `example.com` → `host=vpn.home`); with
//! `username` set, it is the record and each `domain` is the registered domain (the
//! ddns-scripts spelling, which `homeport migrate` turns into `zone`); without either,
//! only a two-label name is unambiguous (the apex). `check` refuses the rest. The password only travels in the query,
//! so it is marked secret. The answer is XML: `<ErrCount>0</ErrCount>` is success (there
//! is no separate "no change"); otherwise `<Err1>` says why, and the error is about the
//! account or the name, so it is fatal.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

use super::{Target, base_url, excerpt, http_status, require_password, user_agent};
use crate::ddns::Outcome;
use crate::ddns::percent::encode;
use crate::ddns::request::{HttpRequest, HttpResponse};

pub const DEFAULT_SERVER: &str = "dynamicdns.park-your-domain.com";

pub fn requests(t: &Target) -> Result<Vec<HttpRequest>, String> {
    let Some(v4) = t.ipv4 else {
        return Err("Namecheap's dynamic DNS updates IPv4 only (set family ipv4)".into());
    };
    if t.host.domains.is_empty() {
        return Err("option 'domain' is required".into());
    }
    let password = encode(require_password(t.host, "the domain's Dynamic DNS password")?.expose());
    let base = base_url(t.host, DEFAULT_SERVER);
    let mut out = Vec::new();
    let zone = t.host.zone.as_ref().map(|z| z.as_str());
    for d in &t.host.domains {
        let (record, domain) =
            split(zone, t.host.username.as_deref(), d.as_str()).map_err(|why| format!("domain '{d}' {why}"))?;
        let url = format!(
            "{base}/update?host={}&domain={}&password={password}&ip={}",
            encode(record),
            encode(domain),
            encode(&v4.to_string())
        );
        out.push(HttpRequest::get(url).header("User-Agent", &user_agent()).secret(&password));
    }
    Ok(out)
}

/// `(host, domain)` for one name; an error when the configuration does not say where the
/// registered domain starts.
pub fn split<'a>(
    zone: Option<&'a str>,
    username: Option<&'a str>,
    name: &'a str,
) -> Result<(&'a str, &'a str), String> {
    if let Some(z) = zone {
        if name.eq_ignore_ascii_case(z) {
            return Ok(("@", z));
        }
        let cut = name.len().saturating_sub(z.len() + 1);
        return match (name.get(..cut), name.get(cut..)) {
            (Some(host), Some(rest))
                if rest.get(1..).is_some_and(|r| r.eq_ignore_ascii_case(z)) && rest.starts_with('.') =>
            {
                Ok((host, z))
            }
            _ => Err(format!("is not inside zone '{z}'")),
        };
    }
    if let Some(u) = username.filter(|u| !u.is_empty()) {
        return Ok((u, name));
    }
    if name.split('.').count() == 2 {
        return Ok(("@", name));
    }
    Err("is ambiguous: set option 'zone' to the domain registered at Namecheap (e.g. 'example.com' or \
         'example.co.uk')"
        .into())
}

pub fn classify(resp: &HttpResponse) -> Outcome {
    if let Some(o) = http_status::classify(resp) {
        return o;
    }
    let body = resp.text();
    match element(&body, "ErrCount").map(|c| c.trim().parse::<u32>()) {
        Some(Ok(0)) if (200..300).contains(&resp.status) => Outcome::Updated { detail: "ErrCount 0".into() },
        Some(Ok(_)) => Outcome::Fatal {
            reason: format!(
                "Namecheap refused the update: {}",
                excerpt(element(&body, "Err1").unwrap_or("(no reason given)"))
            ),
        },
        _ => Outcome::Retry {
            after: None,
            reason: format!("unexpected answer (HTTP {}): {}", resp.status, excerpt(&body)),
        },
    }
}

/// The text of the first `<name>…</name>` element; enough for Namecheap's flat answer.
fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let rest = xml.get(start..)?;
    rest.find(&close).and_then(|end| rest.get(..end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AddrFamily, Service};
    use crate::ddns::providers::testing::{host, v4, v6};

    /// Issue 11 item 3: multi-label hosts and public suffixes.
    #[test]
    fn zone_gives_the_registered_domain() {
        let mut h = host(Service::Namecheap, &["vpn.home.example.com", "example.com"]);
        h.username = None;
        h.zone = Some(crate::types::Hostname::parse("example.com").unwrap());
        let reqs = requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap();
        assert!(reqs[0].url.contains("?host=vpn.home&domain=example.com&"), "{}", reqs[0].url);
        assert!(reqs[1].url.contains("?host=%40&domain=example.com&"), "{}", reqs[1].url);
        let mut h = host(Service::Namecheap, &["example.co.uk"]);
        h.username = None;
        h.zone = Some(crate::types::Hostname::parse("example.co.uk").unwrap());
        let reqs = requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap();
        assert!(reqs[0].url.contains("?host=%40&domain=example.co.uk&"), "{}", reqs[0].url);
        // Without zone, a name of three labels or more is ambiguous: refused, not guessed.
        h.zone = None;
        assert!(requests(&Target { host: &h, ipv4: v4(), ipv6: None }).is_err());
        assert!(split(Some("example.com"), None, "vpn.example.net").is_err());
        assert!(split(Some("example.com"), None, "xexample.com").is_err());
    }

    #[test]
    fn request_splits_names() {
        let mut h = host(Service::Namecheap, &["example.net"]);
        h.username = None;
        let reqs = requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap();
        assert_eq!(
            reqs[0].url,
            "https://dynamicdns.park-your-domain.com/update?host=%40&domain=example.net&password=p%40ss%20w%2Frd&ip=198.51.100.7"
        );
        let mut h = host(Service::Namecheap, &["home.example.com"]);
        assert!(!reqs[0].redacted_url().contains("p%40ss"));
        h.username = Some("www".into());
        let reqs = requests(&Target { host: &h, ipv4: v4(), ipv6: v6() }).unwrap();
        assert!(reqs[0].url.contains("?host=www&domain=home.example.com&"));
        h.family = AddrFamily::Ipv6;
        assert!(requests(&Target { host: &h, ipv4: None, ipv6: v6() }).is_err());
    }

    #[test]
    fn classification() {
        let ok = r#"<?xml version="1.0" encoding="utf-16"?><interface-response><Command>SETDNSHOST</Command><Language>eng</Language><IP>198.51.100.7</IP><ErrCount>0</ErrCount><ResponseCount>0</ResponseCount><Done>true</Done></interface-response>"#;
        assert_eq!(classify(&HttpResponse::new(200, ok)), Outcome::Updated { detail: "ErrCount 0".into() });
        let bad = r#"<?xml version="1.0"?><interface-response><ErrCount>1</ErrCount><errors><Err1>Passwords do not match</Err1></errors><Done>true</Done></interface-response>"#;
        assert_eq!(
            classify(&HttpResponse::new(200, bad)),
            Outcome::Fatal { reason: "Namecheap refused the update: Passwords do not match".into() }
        );
        assert!(matches!(classify(&HttpResponse::new(200, "<html>")), Outcome::Retry { .. }));
        assert!(matches!(classify(&HttpResponse::new(200, "<ErrCount>x</ErrCount>")), Outcome::Retry { .. }));
    }
}
