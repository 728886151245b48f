//! FreeDNS (afraid.org) v2 "randomized token" URLs: GET `sync.afraid.org/u/<token>/
//! ?address=<v4>` and `v6.sync.afraid.org/u/<token>/?address=<v6>`.
//!
//! Pure. The token names the record, so `domain` is only used for lookups and status.
//! FreeDNS gives the A and the AAAA record separate tokens: `password` is the token of
//! the family published (the A record's with `family both`), `password_ipv6` the AAAA
//! record's with `family both`. A token sits in the URL path and is marked secret for redaction. Answers are
//! sentences: `Updated ...`, `No IP change detected ...`, or `ERROR: ...` (a bad token
//! or record: fatal).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

use super::{Target, base_url, excerpt, http_status, require_password, user_agent};
use crate::config::AddrFamily;
use crate::ddns::Outcome;
use crate::ddns::percent::encode;
use crate::ddns::request::{HttpRequest, HttpResponse};

pub const DEFAULT_SERVER_V4: &str = "sync.afraid.org";
pub const DEFAULT_SERVER_V6: &str = "v6.sync.afraid.org";

pub fn requests(t: &Target) -> Result<Vec<HttpRequest>, String> {
    let token = encode(require_password(t.host, "the FreeDNS update token")?.expose());
    let token6 = match (&t.host.password_ipv6, t.host.family) {
        (Some(p), AddrFamily::Both) if !p.expose().is_empty() => encode(p.expose()),
        (_, AddrFamily::Both) => {
            return Err("option 'password_ipv6' (the AAAA record's FreeDNS token) is required with family both".into());
        }
        _ => token.clone(),
    };
    let mut out = Vec::new();
    for (addr, server, token) in [
        (t.ipv4.map(|a| a.to_string()), DEFAULT_SERVER_V4, &token),
        (t.ipv6.map(|a| a.to_string()), DEFAULT_SERVER_V6, &token6),
    ] {
        if let Some(a) = addr {
            let url = format!("{}/u/{token}/?address={}", base_url(t.host, server), encode(&a));
            out.push(HttpRequest::get(url).header("User-Agent", &user_agent()).secret(token));
        }
    }
    Ok(out)
}

pub fn classify(resp: &HttpResponse) -> Outcome {
    if let Some(o) = http_status::classify(resp) {
        return o;
    }
    let body = resp.text();
    let t = body.trim_start();
    if t.starts_with("Updated") && (200..300).contains(&resp.status) {
        Outcome::Updated { detail: "Updated".into() }
    } else if t.starts_with("No IP change detected") {
        Outcome::Unchanged { detail: "No IP change detected".into() }
    } else if t.starts_with("ERROR: Address") && t.contains("has not changed") {
        // The legacy (update.php) wording of "no change", still seen from afraid.org;
        // not an error (clients document it as "no update": ytakefuji/dyDNS README).
        Outcome::Unchanged { detail: "Address has not changed".into() }
    } else if t.starts_with("ERROR") {
        Outcome::Fatal { reason: format!("FreeDNS refused the update: {}", excerpt(t)) }
    } else {
        Outcome::Retry { after: None, reason: format!("unexpected answer (HTTP {}): {}", resp.status, excerpt(t)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Service;
    use crate::ddns::providers::testing::{host, v4, v6};
    use crate::types::{HostPort, Secret};

    #[test]
    fn request_per_family() {
        let mut h = host(Service::Freedns, &["home.mooo.com"]);
        h.password = Some(Secret::new("Tok3n/x"));
        let reqs = requests(&Target { host: &h, ipv4: v4(), ipv6: v6() }).unwrap();
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].url, "https://sync.afraid.org/u/Tok3n%2Fx/?address=198.51.100.7");
        assert_eq!(reqs[1].url, "https://v6.sync.afraid.org/u/Tok3n%2Fx/?address=2001%3Adb8%3A%3A7");
        assert_eq!(reqs[0].redacted_url(), "https://sync.afraid.org/u/***/?address=198.51.100.7");
        h.server = Some(HostPort::parse("127.0.0.1:9000").unwrap());
        h.use_https = false;
        let reqs = requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap();
        assert_eq!(reqs[0].url, "http://127.0.0.1:9000/u/Tok3n%2Fx/?address=198.51.100.7");
    }

    /// Issue 11 item 4: A and AAAA records have separate tokens.
    #[test]
    fn a_token_per_family() {
        let mut h = host(Service::Freedns, &["home.mooo.com"]);
        h.family = crate::config::AddrFamily::Both;
        h.password = Some(Secret::new("V4tok"));
        assert!(requests(&Target { host: &h, ipv4: v4(), ipv6: v6() }).is_err(), "one token cannot do both");
        h.password_ipv6 = Some(Secret::new("V6tok"));
        let reqs = requests(&Target { host: &h, ipv4: v4(), ipv6: v6() }).unwrap();
        assert_eq!(reqs[0].url, "https://sync.afraid.org/u/V4tok/?address=198.51.100.7");
        assert_eq!(reqs[1].url, "https://v6.sync.afraid.org/u/V6tok/?address=2001%3Adb8%3A%3A7");
        assert_eq!(reqs[1].redacted_url(), "https://v6.sync.afraid.org/u/***/?address=2001%3Adb8%3A%3A7");
    }

    #[test]
    fn classification() {
        let c = |b: &str| classify(&HttpResponse::new(200, b));
        assert_eq!(
            c("Updated 1 host(s) [home.mooo.com] to 198.51.100.7 in 0.21 seconds"),
            Outcome::Updated { detail: "Updated".into() }
        );
        assert_eq!(
            c("No IP change detected for home.mooo.com with IP 198.51.100.7, skipping update"),
            Outcome::Unchanged { detail: "No IP change detected".into() }
        );
        assert!(matches!(c("ERROR: Unable to locate this record (changed password?)."), Outcome::Fatal { .. }));
        assert!(matches!(c("maintenance"), Outcome::Retry { .. }));
        // The legacy wording of "no change" does not stop the section.
        assert!(matches!(c("ERROR: Address 198.51.100.7 has not changed."), Outcome::Unchanged { .. }));
        assert!(matches!(classify(&HttpResponse::new(503, "")), Outcome::Retry { .. }));
    }
}
