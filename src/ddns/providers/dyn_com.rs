//! Dyn (help.dyn.com/remote-access-api/perform-update): dyndns2 v3 at
//! `members.dyndns.org/v3/update`, both families in `myip`; Basic credentials (user and
//! updater client key). Classified as dyndns2, except that Dyn's return-code page
//! (help.dyn.com/return-codes) makes every failed update fatal, `dnserr`
//! and `911` included: the client must stop until the user re-enables it. (HTTP-level
//! trouble, 429 and 5xx, is not an update answer and stays transient.)
//!
//! Pure. (`dyn` is a Rust keyword, hence the file name.)
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

use super::{Target, base_url, domain_list, dyndns2};
use crate::ddns::Outcome;
use crate::ddns::request::{HttpRequest, HttpResponse};

pub const DEFAULT_SERVER: &str = "members.dyndns.org";
/// Dyn blocks hosts for repeated `nochg` (help.dyn.com/return-codes), so
/// the default periodic refresh is ddclient's `max-interval` (25 days), not 72 h.
pub const DEFAULT_FORCE_SECS: u64 = 25 * 86_400;
/// Shortest wait after a transient (HTTP-level) failure: ddclient's `min-error-interval`
/// (5 minutes); faster retries risk Dyn's abuse block.
pub const MIN_RETRY_SECS: u64 = 300;

pub fn classify(resp: &HttpResponse) -> Outcome {
    let body = resp.text();
    let failed_update = body.lines().filter_map(|l| l.split_whitespace().next()).any(|c| c == "911" || c == "dnserr");
    match dyndns2::classify(resp) {
        Outcome::Retry { reason, .. } if failed_update && (200..300).contains(&resp.status) => {
            Outcome::Fatal { reason: format!("{reason} (Dyn: every failed update stops the client)") }
        }
        o => o,
    }
}

pub fn requests(t: &Target) -> Result<Vec<HttpRequest>, String> {
    let url = format!(
        "{}/v3/update?hostname={}&myip={}",
        base_url(t.host, DEFAULT_SERVER),
        domain_list(t.host)?,
        dyndns2::join_addrs(t)
    );
    Ok(vec![dyndns2::get_with_basic(t, &url)?])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Service;
    use crate::ddns::Outcome;
    use crate::ddns::providers::testing::{host, v4, v6};
    use crate::ddns::request::HttpResponse;

    #[test]
    fn request() {
        let h = host(Service::Dyn, &["home.dyndns.org"]);
        let r = &requests(&Target { host: &h, ipv4: v4(), ipv6: v6() }).unwrap()[0];
        assert_eq!(
            r.url,
            "https://members.dyndns.org/v3/update?hostname=home.dyndns.org&myip=198.51.100.7,2001%3Adb8%3A%3A7"
        );
        assert_eq!(r.header_value("Authorization"), Some("Basic dXNlcjpwQHNzIHcvcmQ="));
        assert!(matches!(classify(&HttpResponse::new(200, "abuse")), Outcome::Fatal { .. }));
    }

    /// Issue 11 item 9: Dyn's 911 and dnserr are failed updates, hence fatal.
    #[test]
    fn every_failed_update_is_fatal() {
        use crate::ddns::providers::{Exchange, Step};
        let h = host(Service::Dyn, &["home.dyndns.org"]);
        for body in ["911", "dnserr"] {
            let mut ex = Exchange::update(&Target { host: &h, ipv4: v4(), ipv6: None });
            ex.start();
            assert!(
                matches!(ex.on_response(&HttpResponse::new(200, body)), Step::Done(Outcome::Fatal { .. })),
                "{body}"
            );
        }
        let mut ex = Exchange::update(&Target { host: &h, ipv4: v4(), ipv6: None });
        ex.start();
        assert!(matches!(ex.on_response(&HttpResponse::new(503, "")), Step::Done(Outcome::Retry { .. })));
    }
}
