//! A custom update URL (`update_url`), for "webcall" services (cPanel, routers, home-made
//! endpoints): a template with `[USERNAME] [PASSWORD] [DOMAIN] [IP] [IP6]`.
//!
//! Pure. Every substituted value is percent-encoded, and substitution is one pass over
//! the template, so a value that itself contains `[IP]` is not expanded again. Several
//! domains become a comma-separated list. Credentials written as userinfo
//! (`https://[USERNAME]:[PASSWORD]@host/...`, the ddns-scripts form) are sent as HTTP
//! Basic instead of in the URL. `http://` is upgraded to `https://` unless `use_https 0`;
//! `server` replaces the template's host. The answer: a dyndns2 code when the body starts
//! with one, else any 2xx is success, 429/5xx transient and other statuses fatal.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

use super::{Target, dyndns2, excerpt, http_status, user_agent};
use crate::ddns::Outcome;
use crate::ddns::basic_auth;
use crate::ddns::percent::encode;
use crate::ddns::request::{HttpRequest, HttpResponse};
use crate::types::Secret;

pub fn requests(t: &Target) -> Result<Vec<HttpRequest>, String> {
    let template = t.host.update_url.as_deref().ok_or("option 'update_url' is required for service custom")?;
    Ok(vec![request(t, template)?])
}

/// The values of the placeholders, unencoded.
struct Values {
    username: String,
    password: String,
    domain: Vec<String>,
    ip: String,
    ip6: String,
}

pub fn request(t: &Target, template: &str) -> Result<HttpRequest, String> {
    let bad = |why: &str| format!("option 'update_url': {why}");
    let (scheme, rest) = match template.split_once("://") {
        Some((s, r)) if s.eq_ignore_ascii_case("https") => ("https", r),
        Some((s, r)) if s.eq_ignore_ascii_case("http") => (if t.host.use_https { "https" } else { "http" }, r),
        _ => return Err(bad("must start with https:// (or http:// with use_https 0)")),
    };
    let split_at = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split_at);
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let v = Values {
        username: t.host.username.clone().unwrap_or_default(),
        password: t.host.password.as_ref().map(|p| p.expose().to_string()).unwrap_or_default(),
        domain: t.host.domains.iter().map(|d| d.as_str().to_string()).collect(),
        ip: t.ipv4.map(|a| a.to_string()).unwrap_or_default(),
        ip6: t.ipv6.map(|a| a.to_string()).unwrap_or_default(),
    };
    if hostport.contains(|c: char| c.is_whitespace() || c.is_control() || !c.is_ascii()) {
        return Err(bad("has an unusable host"));
    }
    let hostport = match &t.host.server {
        Some(s) => s.authority(),
        None => substitute(hostport, &v),
    };
    if hostport.is_empty() {
        return Err(bad("has no host"));
    }
    // A fragment never reaches the server; drop it rather than send it.
    let path = path.split('#').next().unwrap_or("");
    let url = format!("{scheme}://{hostport}{}", substitute(path, &v));
    // The template's literal path and query may carry a token of its own (webcall URLs):
    // only scheme and host may be logged.
    let mut req = HttpRequest::get(url)
        .header("User-Agent", &user_agent())
        .secret(&encode(&v.password))
        .secret(substitute(path, &v).trim_start_matches('/'));
    if let Some(ui) = userinfo {
        let (u, p) = ui.split_once(':').unwrap_or((ui, ""));
        let user = substitute_raw(u, &v);
        let pass = Secret::new(substitute_raw(p, &v));
        req = req.header("Authorization", &basic_auth::header_value(&user, &pass));
    }
    Ok(req)
}

/// Replaces placeholders with percent-encoded values, in one pass.
fn substitute(template: &str, v: &Values) -> String {
    expand(template, v, true)
}

/// Replaces placeholders with raw values (for Basic credentials, which are not a URL).
fn substitute_raw(template: &str, v: &Values) -> String {
    expand(template, v, false)
}

fn expand(template: &str, v: &Values, encoded: bool) -> String {
    let enc = |s: &str| if encoded { encode(s) } else { s.to_string() };
    let lit = |s: &str| if encoded { literal(s) } else { s.to_string() };
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('[') {
        let (before, from) = rest.split_at(open);
        out.push_str(&lit(before));
        let value = [
            ("[USERNAME]", enc(&v.username)),
            ("[PASSWORD]", enc(&v.password)),
            ("[DOMAIN]", v.domain.iter().map(|d| enc(d)).collect::<Vec<_>>().join(",")),
            ("[IP6]", enc(&v.ip6)),
            ("[IP]", enc(&v.ip)),
        ]
        .into_iter()
        .find(|(p, _)| from.starts_with(p));
        match value {
            Some((p, val)) => {
                out.push_str(&val);
                rest = from.get(p.len()..).unwrap_or("");
            }
            None => {
                out.push_str(&lit("["));
                rest = from.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(&lit(rest));
    out
}

/// The template's own text, with every byte that may not appear in a URL path or query
/// (RFC 3986 §3.3, §3.4: spaces, controls, non-ASCII, brackets, quotes...) escaped.
fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/?%".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            out.push_str(&encode(c.encode_utf8(&mut buf)));
        }
    }
    out
}

pub fn classify(resp: &HttpResponse) -> Outcome {
    let body = resp.text();
    let first = body.split_whitespace().next().unwrap_or("");
    if matches!(
        first.to_ascii_lowercase().as_str(),
        "good"
            | "nochg"
            | "badauth"
            | "!donator"
            | "notfqdn"
            | "nohost"
            | "numhost"
            | "abuse"
            | "badagent"
            | "badsys"
            | "dnserr"
            | "911"
    ) {
        return dyndns2::classify(resp);
    }
    if let Some(o) = http_status::classify(resp) {
        return o;
    }
    match resp.status {
        200..=299 => Outcome::Updated { detail: format!("HTTP {}", resp.status) },
        300..=399 => Outcome::Fatal {
            reason: format!("the server redirects (HTTP {}); put the final address in update_url", resp.status),
        },
        s => Outcome::Fatal { reason: format!("HTTP {s}: {}", excerpt(&body)) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Service;
    use crate::ddns::providers::testing::{host, v4, v6};
    use crate::types::HostPort;

    fn with(template: &str) -> crate::config::DdnsHost {
        let mut h = host(Service::Custom, &["home.example.org", "nas.example.org"]);
        h.update_url = Some(template.into());
        h
    }

    #[test]
    fn substitutes_encoded_values() {
        let h = with(
            "https://cpanel.example.net:2083/cpsess/update?u=[USERNAME]&p=[PASSWORD]&d=[DOMAIN]&a=[IP]&b=[IP6]&x=[OTHER]",
        );
        let r = &requests(&Target { host: &h, ipv4: v4(), ipv6: v6() }).unwrap()[0];
        assert_eq!(
            r.url,
            "https://cpanel.example.net:2083/cpsess/update?u=user&p=p%40ss%20w%2Frd&d=home.example.org,nas.example.org&a=198.51.100.7&b=2001%3Adb8%3A%3A7&x=%5BOTHER%5D"
        );
        assert_eq!(r.redacted_url().matches("***").count(), 1);
        assert!(!r.redacted_url().contains("p%40ss"));
        let r = &requests(&Target { host: &h, ipv4: None, ipv6: v6() }).unwrap()[0];
        assert!(r.url.contains("&a=&b=2001"));
    }

    #[test]
    fn literal_tokens_in_the_template_are_never_logged() {
        let h = with("https://webcall.example.net/update/Tok3nL1teral?host=[DOMAIN]&ip=[IP]");
        let r = &requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap()[0];
        assert!(r.url.contains("Tok3nL1teral"));
        assert_eq!(r.redacted_url(), "https://webcall.example.net/***");
    }

    #[test]
    fn values_are_not_expanded_twice() {
        let mut h = with("https://x.example/?p=[PASSWORD]&i=[IP]");
        h.password = Some(Secret::new("[IP]&evil=1"));
        let r = &requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap()[0];
        assert_eq!(r.url, "https://x.example/?p=%5BIP%5D%26evil%3D1&i=198.51.100.7");
    }

    #[test]
    fn userinfo_becomes_basic_auth() {
        let h = with("http://[USERNAME]:[PASSWORD]@members.example.org/nic/update?hostname=[DOMAIN]&myip=[IP]");
        let r = &requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap()[0];
        assert_eq!(
            r.url,
            "https://members.example.org/nic/update?hostname=home.example.org,nas.example.org&myip=198.51.100.7"
        );
        assert_eq!(r.header_value("Authorization"), Some("Basic dXNlcjpwQHNzIHcvcmQ="));
    }

    #[test]
    fn scheme_and_server() {
        let mut h = with("http://upd.example.net/u?ip=[IP]");
        h.use_https = false;
        h.server = Some(HostPort::parse("127.0.0.1:8081").unwrap());
        let r = &requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap()[0];
        assert_eq!(r.url, "http://127.0.0.1:8081/u?ip=198.51.100.7");
        let h = with("https://x.example/a b#frag");
        assert_eq!(requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap()[0].url, "https://x.example/a%20b");
        for bad in ["ftp://x/", "upd.example.net/u", "https:///path", "", "https://a b/"] {
            let h = with(bad);
            assert!(requests(&Target { host: &h, ipv4: v4(), ipv6: None }).is_err(), "{bad}");
        }
        let mut h = with("https://x/");
        h.update_url = None;
        assert!(requests(&Target { host: &h, ipv4: v4(), ipv6: None }).is_err());
    }

    #[test]
    fn classification() {
        assert_eq!(classify(&HttpResponse::new(200, "whatever")), Outcome::Updated { detail: "HTTP 200".into() });
        assert_eq!(classify(&HttpResponse::new(200, "nochg 1.2.3.4")), Outcome::Unchanged { detail: "nochg".into() });
        assert!(matches!(classify(&HttpResponse::new(200, "badauth")), Outcome::Fatal { .. }));
        assert!(matches!(classify(&HttpResponse::new(302, "")), Outcome::Fatal { .. }));
        assert!(matches!(classify(&HttpResponse::new(404, "")), Outcome::Fatal { .. }));
        assert!(matches!(classify(&HttpResponse::new(401, "")), Outcome::Fatal { .. }));
        assert!(matches!(classify(&HttpResponse::new(500, "")), Outcome::Retry { .. }));
        assert!(matches!(classify(&HttpResponse::new(429, "")), Outcome::Retry { .. }));
    }

    /// Issue 11 item 12: `answer` must appear in a successful answer.
    #[test]
    fn answer_must_match() {
        use crate::ddns::providers::{Exchange, Step};
        let mut h = with("https://www.duckdns.org/update?domains=h&token=[PASSWORD]&ip=[IP]");
        h.answer = Some("OK".into());
        let answer = |h: &crate::config::DdnsHost, body: &str| {
            let mut ex = Exchange::update(&Target { host: h, ipv4: v4(), ipv6: None });
            ex.start();
            match ex.on_response(&HttpResponse::new(200, body)) {
                Step::Done(o) => o,
                other => panic!("{other:?}"),
            }
        };
        assert!(matches!(answer(&h, "KO"), Outcome::Fatal { reason } if reason.contains("'OK'")));
        assert!(matches!(answer(&h, "OK"), Outcome::Updated { .. }));
        h.answer = None;
        assert!(matches!(answer(&h, "KO"), Outcome::Updated { .. }), "without answer, any 2xx");
    }
}
