//! FreeDNS (afraid.org) v2 "randomized token" URLs: GET `sync.afraid.org/u/<token>/
//! ?address=<v4>` and `v6.sync.afraid.org/u/<token>/?address=<v6>`.
//!
//! Pure. The token (`password`) names the record, so `domain` is only used for lookups
//! and status. It sits in the URL path and is marked secret for redaction. Answers are
//! sentences: `Updated ...`, `No IP change detected ...`, or `ERROR: ...` (a bad token
//! or record: fatal).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

use super::{Target, base_url, excerpt, http_status, require_password, user_agent};
use crate::ddns::Outcome;
use crate::ddns::percent::encode;
use crate::ddns::request::{HttpRequest, HttpResponse};

pub const DEFAULT_SERVER_V4: &str = "sync.afraid.org";
pub const DEFAULT_SERVER_V6: &str = "v6.sync.afraid.org";

pub fn requests(t: &Target) -> Result<Vec<HttpRequest>, String> {
    let token = encode(require_password(t.host, "the FreeDNS update token")?.expose());
    let mut out = Vec::new();
    for (addr, server) in
        [(t.ipv4.map(|a| a.to_string()), DEFAULT_SERVER_V4), (t.ipv6.map(|a| a.to_string()), DEFAULT_SERVER_V6)]
    {
        if let Some(a) = addr {
            let url = format!("{}/u/{token}/?address={}", base_url(t.host, server), encode(&a));
            out.push(HttpRequest::get(url).header("User-Agent", &user_agent()).secret(&token));
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
        assert!(matches!(classify(&HttpResponse::new(503, "")), Outcome::Retry { .. }));
    }
}
