//! The dyndns2 protocol (Dyn's "remote access API", also spoken by No-IP, Dynu, deSEC, HE
//! and many self-hosted servers): `GET /nic/update?hostname=<names>&myip=<addresses>`
//! with HTTP Basic credentials; one result line per name.
//!
//! Pure. Generic form: `service dyndns2` with `server` (required). Result codes follow
//! help.dyn.com/return-codes and noip.com/integrate/response: `good` and `nochg` succeed;
//! every other code is an answer about the account or the client, which repeating the
//! request cannot change, so it is fatal, except `dnserr` and `911`, the provider's own
//! trouble, which are retried later.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

use std::time::Duration;

use super::{Target, base_url, domain_list, excerpt, http_status, require_password, require_server, require_username};
use crate::ddns::Outcome;
use crate::ddns::basic_auth;
use crate::ddns::percent::encode;
use crate::ddns::request::{HttpRequest, HttpResponse};

/// Generic dyndns2 against `server`: `myip` carries both families, comma-separated, as
/// Dyn's v3 API defines.
pub fn requests(t: &Target) -> Result<Vec<HttpRequest>, String> {
    require_server(t.host)?;
    let base = base_url(t.host, "");
    let myip = join_addrs(t);
    Ok(vec![get_with_basic(t, &format!("{base}/nic/update?hostname={}&myip={myip}", domain_list(t.host)?))?])
}

/// `v4`, `v6` or `v4,v6` (encoded), whichever the target has.
pub fn join_addrs(t: &Target) -> String {
    let parts: Vec<String> =
        t.ipv4.map(|a| a.to_string()).into_iter().chain(t.ipv6.map(|a| a.to_string())).map(|s| encode(&s)).collect();
    parts.join(",")
}

/// A GET with Basic credentials (`username`, `password`) and our User-Agent.
pub fn get_with_basic(t: &Target, url: &str) -> Result<HttpRequest, String> {
    let user = require_username(t.host)?;
    let password = require_password(t.host, "the account password or update key")?;
    Ok(HttpRequest::get(url.to_string())
        .header("Authorization", &basic_auth::header_value(user, password))
        .header("User-Agent", &super::user_agent()))
}

/// What one result code means.
pub fn code_outcome(code: &str, retry_911: Option<Duration>) -> Outcome {
    let c = code.to_ascii_lowercase();
    let fatal = |why: &str| Outcome::Fatal { reason: format!("{c}: {why}") };
    match c.as_str() {
        "good" => Outcome::Updated { detail: "good".into() },
        "nochg" => Outcome::Unchanged { detail: "nochg".into() },
        "badauth" => fatal("the provider refused the username or password"),
        "!donator" => fatal("the account does not include this feature"),
        "notfqdn" => fatal("the name is not a fully qualified domain name"),
        "nohost" => fatal("the name does not exist in this account"),
        "numhost" => fatal("too many names in one update (or a round-robin name)"),
        "abuse" => fatal("the provider blocked this name for abuse; unblock it on the provider's site"),
        "badagent" => fatal("the provider refused this client"),
        "badsys" => fatal("the provider does not support this update system"),
        // Dyn's return codes: the name belongs to another account, or is not activated.
        "!yours" => fatal("the name belongs to another account"),
        "!active" => fatal("the name is not activated on the provider's site"),
        "dnserr" => Outcome::Retry { after: None, reason: "dnserr: the provider's DNS failed".into() },
        "911" => Outcome::Retry { after: retry_911, reason: "911: the provider reports an outage".into() },
        _ => Outcome::Retry { after: None, reason: format!("unexpected answer: {}", excerpt(code)) },
    }
}

/// Classifies a dyndns2 response, `911` retried with the engine's own backoff.
pub fn classify(resp: &HttpResponse) -> Outcome {
    classify_with(resp, None)
}

/// Classifies a dyndns2 response; `retry_911` is the provider's minimum wait after `911`.
/// Several lines (one per name): the worst line decides.
pub fn classify_with(resp: &HttpResponse, retry_911: Option<Duration>) -> Outcome {
    let body = resp.text();
    let codes: Vec<&str> = body.lines().filter_map(|l| l.split_whitespace().next()).collect();
    if let Some(o) = http_status::classify(resp) {
        // A body code is more precise than the status (deSEC answers 401 with `badauth`).
        let from_body = codes.first().map(|c| code_outcome(c, retry_911));
        return match from_body {
            Some(b @ Outcome::Fatal { .. }) if matches!(o, Outcome::Fatal { .. }) => b,
            _ => o,
        };
    }
    if !(200..300).contains(&resp.status) {
        return Outcome::Retry { after: None, reason: format!("HTTP {}: {}", resp.status, excerpt(&body)) };
    }
    if codes.is_empty() {
        return Outcome::Retry { after: None, reason: "empty answer".into() };
    }
    let outcomes: Vec<Outcome> = codes.iter().map(|c| code_outcome(c, retry_911)).collect();
    worst(outcomes)
}

/// Checks a success against what was sent (help.dyn.com/return-codes):
/// `good 127.0.0.1` when 127.0.0.1 was not sent means the provider ignored the update
/// because of the client (bad agent): fatal. `good <other address>` succeeded, but the
/// provider reports an address that was not sent: the detail says so (a warning).
pub fn check_good(o: Outcome, body: &str, sent: &[std::net::IpAddr]) -> Outcome {
    let Outcome::Updated { detail } = o else { return o };
    for line in body.lines() {
        let mut words = line.split_whitespace();
        if !words.next().is_some_and(|c| c.eq_ignore_ascii_case("good")) {
            continue;
        }
        let reported: Vec<std::net::IpAddr> =
            words.flat_map(|w| w.split(',')).filter_map(|a| a.trim().parse().ok()).collect();
        if let Some(a) = reported.iter().find(|a| !sent.contains(a)) {
            if a.is_loopback() {
                return Outcome::Fatal {
                    reason: format!(
                        "good {a}: the provider ignored the update (its answer for a client it does not accept, as \
                         badagent)"
                    ),
                };
            }
            return Outcome::Updated { detail: format!("{detail}, but {} {a}", crate::ddns::REPORTS_OTHER) };
        }
    }
    Outcome::Updated { detail }
}

/// Fatal beats Retry beats Updated beats Unchanged.
pub fn worst(outcomes: Vec<Outcome>) -> Outcome {
    let rank = |o: &Outcome| match o {
        Outcome::Fatal { .. } => 3,
        Outcome::Retry { .. } => 2,
        Outcome::Updated { .. } => 1,
        Outcome::Unchanged { .. } => 0,
    };
    outcomes
        .into_iter()
        .max_by_key(|o| rank(o))
        .unwrap_or(Outcome::Retry { after: None, reason: "empty answer".into() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AddrFamily, Service};
    use crate::ddns::providers::testing::{host, v4, v6};
    use crate::types::HostPort;

    #[test]
    fn generic_request_uses_server_and_basic_auth() {
        let mut h = host(Service::Dyndns2, &["home.example.org", "nas.example.org"]);
        h.server = Some(HostPort::parse("dyn.example.net:8245").unwrap());
        h.family = AddrFamily::Both;
        let reqs = requests(&Target { host: &h, ipv4: v4(), ipv6: v6() }).unwrap();
        assert_eq!(reqs.len(), 1);
        let r = &reqs[0];
        assert_eq!(r.method, crate::ddns::request::Method::Get);
        assert_eq!(
            r.url,
            "https://dyn.example.net:8245/nic/update?hostname=home.example.org,nas.example.org&myip=198.51.100.7,2001%3Adb8%3A%3A7"
        );
        // "user:p@ss w/rd"
        assert_eq!(r.header_value("Authorization"), Some("Basic dXNlcjpwQHNzIHcvcmQ="));
        assert_eq!(r.header_value("User-Agent"), Some(crate::ddns::providers::user_agent().as_str()));
        assert_eq!(r.body, None);
        assert!(!r.url.contains("p%40ss"));
    }

    #[test]
    fn plain_http_only_when_asked() {
        let mut h = host(Service::Dyndns2, &["home.example.org"]);
        h.server = Some(HostPort::parse("127.0.0.1:8080").unwrap());
        h.use_https = false;
        let reqs = requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap();
        assert_eq!(reqs[0].url, "http://127.0.0.1:8080/nic/update?hostname=home.example.org&myip=198.51.100.7");
    }

    #[test]
    fn generic_needs_server_and_credentials() {
        let h = host(Service::Dyndns2, &["home.example.org"]);
        assert!(requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap_err().contains("'server'"));
        let mut h = host(Service::Dyndns2, &["home.example.org"]);
        h.server = Some(HostPort::parse("dyn.example.net").unwrap());
        h.password = None;
        assert!(requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap_err().contains("'password'"));
    }

    fn c(body: &str) -> Outcome {
        classify(&HttpResponse::new(200, body))
    }

    #[test]
    fn every_result_code() {
        assert_eq!(c("good 198.51.100.7"), Outcome::Updated { detail: "good".into() });
        assert_eq!(c("nochg 198.51.100.7\n"), Outcome::Unchanged { detail: "nochg".into() });
        for code in ["badauth", "!donator", "notfqdn", "nohost", "numhost", "abuse", "badagent", "badsys"] {
            match c(code) {
                Outcome::Fatal { reason } => assert!(reason.starts_with(code), "{reason}"),
                o => panic!("{code}: {o:?}"),
            }
        }
        // Issue 11 item 7: Dyn's !yours and !active stop the host.
        for code in ["!yours", "!active"] {
            assert!(matches!(c(code), Outcome::Fatal { .. }), "{code}");
        }
        assert!(matches!(c("dnserr"), Outcome::Retry { after: None, .. }));
        assert!(matches!(c("911"), Outcome::Retry { after: None, .. }));
        assert!(matches!(c("<html>gateway</html>"), Outcome::Retry { .. }));
        assert!(matches!(c(""), Outcome::Retry { .. }));
    }

    #[test]
    fn worst_line_decides() {
        assert_eq!(c("nochg 1.2.3.4\ngood 1.2.3.4"), Outcome::Updated { detail: "good".into() });
        assert!(matches!(c("good 1.2.3.4\nnohost"), Outcome::Fatal { .. }));
        assert!(matches!(c("good 1.2.3.4\n911"), Outcome::Retry { .. }));
    }

    #[test]
    fn http_errors() {
        assert!(
            matches!(classify(&HttpResponse::new(401, "badauth")), Outcome::Fatal { reason } if reason.starts_with("badauth"))
        );
        assert!(matches!(classify(&HttpResponse::new(401, "")), Outcome::Fatal { .. }));
        let r = HttpResponse::new(429, "").with_header("Retry-After", "600");
        assert_eq!(
            classify(&r),
            Outcome::Retry {
                after: Some(Duration::from_secs(600)),
                reason: "rate limited by the provider (HTTP 429)".into()
            }
        );
        assert!(matches!(classify(&HttpResponse::new(503, "good")), Outcome::Retry { .. }));
        assert!(matches!(classify(&HttpResponse::new(404, "not found")), Outcome::Retry { .. }));
    }
}
