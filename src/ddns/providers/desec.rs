//! deSEC (desec-stack docs/dyndns/update-api.rst): GET `update.dedyn.io/` with
//! `hostname`, `myipv4`, `myipv6`; Basic credentials: `username` (or, without one, the
//! name being updated, which deSEC accepts) and the token.
//!
//! Pure. deSEC deletes the record of a family whose parameter is absent when the request
//! did not arrive over that family, so a family we do not publish (or have no address
//! for right now) is always sent as `preserve`. One request per name. Answers: `good`
//! (deSEC never says `nochg`), 401 for bad credentials, 429 with `Retry-After` when the
//! account's update rate is exceeded.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

use super::{Target, base_url, dyndns2, require_password, user_agent};
use crate::ddns::Outcome;
use crate::ddns::basic_auth;
use crate::ddns::percent::encode;
use crate::ddns::request::{HttpRequest, HttpResponse};

pub const DEFAULT_SERVER: &str = "update.dedyn.io";

pub fn requests(t: &Target) -> Result<Vec<HttpRequest>, String> {
    if t.host.domains.is_empty() {
        return Err("option 'domain' is required".into());
    }
    let v4 = t.ipv4.map(|a| encode(&a.to_string())).unwrap_or_else(|| "preserve".into());
    let v6 = t.ipv6.map(|a| encode(&a.to_string())).unwrap_or_else(|| "preserve".into());
    let token = require_password(t.host, "the deSEC token")?;
    let base = base_url(t.host, DEFAULT_SERVER);
    Ok(t.host
        .domains
        .iter()
        .map(|d| {
            let url = format!("{base}/?hostname={}&myipv4={v4}&myipv6={v6}", encode(d.as_str()));
            let user = t.host.username.as_deref().filter(|u| !u.is_empty()).unwrap_or(d.as_str());
            HttpRequest::get(url)
                .header("Authorization", &basic_auth::header_value(user, token))
                .header("User-Agent", &user_agent())
        })
        .collect())
}

pub fn classify(resp: &HttpResponse) -> Outcome {
    dyndns2::classify(resp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Service;
    use crate::ddns::providers::testing::{host, v4, v6};
    use std::time::Duration;

    #[test]
    fn preserve_rule() {
        let h = host(Service::Desec, &["home.dedyn.io", "nas.dedyn.io"]);
        let reqs = requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap();
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].url, "https://update.dedyn.io/?hostname=home.dedyn.io&myipv4=198.51.100.7&myipv6=preserve");
        assert_eq!(reqs[1].url, "https://update.dedyn.io/?hostname=nas.dedyn.io&myipv4=198.51.100.7&myipv6=preserve");
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

    #[test]
    fn classification() {
        assert_eq!(classify(&HttpResponse::new(200, "good")), Outcome::Updated { detail: "good".into() });
        assert!(matches!(classify(&HttpResponse::new(401, "badauth")), Outcome::Fatal { .. }));
        let r = HttpResponse::new(429, "").with_header("Retry-After", "3600");
        assert!(matches!(classify(&r), Outcome::Retry { after: Some(d), .. } if d == Duration::from_secs(3600)));
    }
}
