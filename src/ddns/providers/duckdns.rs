//! DuckDNS (duckdns.org/spec.jsp): GET `www.duckdns.org/update?domains=<names>&token=<t>
//! &ip=<v4>&ipv6=<v6>&verbose=true`.
//!
//! Pure. Names may be given as `home` or `home.duckdns.org`; DuckDNS wants the former.
//! The token travels in the query (the only form DuckDNS accepts), so it is marked secret
//! for redaction. Answers: `KO` (bad token or name: fatal) or `OK` followed, with
//! `verbose`, by the addresses and `UPDATED` or `NOCHANGE`.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

use super::{Target, base_url, excerpt, http_status, require_password, user_agent};
use crate::ddns::Outcome;
use crate::ddns::percent::encode;
use crate::ddns::request::{HttpRequest, HttpResponse};

pub const DEFAULT_SERVER: &str = "www.duckdns.org";

pub fn requests(t: &Target) -> Result<Vec<HttpRequest>, String> {
    if t.host.domains.is_empty() {
        return Err("option 'domain' is required".into());
    }
    let token = encode(require_password(t.host, "the DuckDNS token")?.expose());
    let names: Vec<String> =
        t.host.domains.iter().map(|d| encode(d.as_str().strip_suffix(".duckdns.org").unwrap_or(d.as_str()))).collect();
    let mut url = format!("{}/update?domains={}&token={token}", base_url(t.host, DEFAULT_SERVER), names.join(","));
    if let Some(a) = t.ipv4 {
        url.push_str(&format!("&ip={}", encode(&a.to_string())));
    }
    if let Some(a) = t.ipv6 {
        url.push_str(&format!("&ipv6={}", encode(&a.to_string())));
    }
    url.push_str("&verbose=true");
    Ok(vec![HttpRequest::get(url).header("User-Agent", &user_agent()).secret(&token)])
}

pub fn classify(resp: &HttpResponse) -> Outcome {
    if let Some(o) = http_status::classify(resp) {
        return o;
    }
    let body = resp.text();
    let mut lines = body.lines().map(str::trim);
    match lines.next() {
        Some("OK") if (200..300).contains(&resp.status) => {
            if body.lines().any(|l| l.trim() == "NOCHANGE") {
                Outcome::Unchanged { detail: "OK (NOCHANGE)".into() }
            } else {
                Outcome::Updated { detail: "OK".into() }
            }
        }
        Some("KO") => Outcome::Fatal { reason: "KO: DuckDNS refused the token or a domain name".into() },
        _ => Outcome::Retry {
            after: None,
            reason: format!("unexpected answer (HTTP {}): {}", resp.status, excerpt(&body)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Service;
    use crate::ddns::providers::testing::{host, v4, v6};
    use crate::types::Secret;

    #[test]
    fn request() {
        let mut h = host(Service::Duckdns, &["home.duckdns.org", "nas"]);
        h.password = Some(Secret::new("a7c4d0ad-114e-40ef-ba1d-d217904a50f2"));
        let r = &requests(&Target { host: &h, ipv4: v4(), ipv6: v6() }).unwrap()[0];
        assert_eq!(
            r.url,
            "https://www.duckdns.org/update?domains=home,nas&token=a7c4d0ad-114e-40ef-ba1d-d217904a50f2&ip=198.51.100.7&ipv6=2001%3Adb8%3A%3A7&verbose=true"
        );
        assert_eq!(r.header_value("Authorization"), None);
        assert!(!r.redacted_url().contains("a7c4d0ad"));
        let r = &requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap()[0];
        assert!(r.url.ends_with("&ip=198.51.100.7&verbose=true"));
    }

    #[test]
    fn classification() {
        assert_eq!(
            classify(&HttpResponse::new(200, "OK\n198.51.100.7\n\nUPDATED")),
            Outcome::Updated { detail: "OK".into() }
        );
        assert_eq!(
            classify(&HttpResponse::new(200, "OK\n198.51.100.7\n\nNOCHANGE")),
            Outcome::Unchanged { detail: "OK (NOCHANGE)".into() }
        );
        assert_eq!(classify(&HttpResponse::new(200, "OK")), Outcome::Updated { detail: "OK".into() });
        assert!(matches!(classify(&HttpResponse::new(200, "KO")), Outcome::Fatal { .. }));
        assert!(matches!(classify(&HttpResponse::new(200, "<html>")), Outcome::Retry { .. }));
        assert!(matches!(classify(&HttpResponse::new(502, "")), Outcome::Retry { .. }));
    }
}
