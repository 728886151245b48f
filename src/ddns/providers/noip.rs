//! No-IP (noip.com/integrate/request): dyndns2 at `dynupdate.no-ip.com`, both families in
//! `myip`, comma-separated (`myip=<v4>,<v6>`; the IPv6 address alone for an IPv6-only
//! section), as No-IP's update reference (developer.noip.com/reference/nic_update, in
//! ../shared/reference/ddns.md) gives it and ddclient 4's `nic_noip_update` sends it;
//! No-IP's answers list both addresses the same way (noip.com/integrate/response).
//! Basic credentials (a DDNS key, or the account's).
//!
//! Pure. No-IP asks clients to wait at least 30 minutes after `911`
//! (noip.com/integrate/response), so that answer carries that minimum.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

use std::time::Duration;

use super::{Target, base_url, domain_list, dyndns2};
use crate::ddns::Outcome;
use crate::ddns::request::{HttpRequest, HttpResponse};

pub const DEFAULT_SERVER: &str = "dynupdate.no-ip.com";
pub const WAIT_AFTER_911: Duration = Duration::from_secs(30 * 60);

pub fn requests(t: &Target) -> Result<Vec<HttpRequest>, String> {
    let url = format!(
        "{}/nic/update?hostname={}&myip={}",
        base_url(t.host, DEFAULT_SERVER),
        domain_list(t.host)?,
        dyndns2::join_addrs(t)
    );
    Ok(vec![dyndns2::get_with_basic(t, &url)?])
}

pub fn classify(resp: &HttpResponse) -> Outcome {
    dyndns2::classify_with(resp, Some(WAIT_AFTER_911))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AddrFamily, Service};
    use crate::ddns::providers::testing::{host, v4, v6};

    #[test]
    fn request() {
        let mut h = host(Service::Noip, &["home.ddns.net"]);
        h.family = AddrFamily::Both;
        let r = &requests(&Target { host: &h, ipv4: v4(), ipv6: v6() }).unwrap()[0];
        assert_eq!(
            r.url,
            "https://dynupdate.no-ip.com/nic/update?hostname=home.ddns.net&myip=198.51.100.7,2001%3Adb8%3A%3A7"
        );
        assert_eq!(r.header_value("Authorization"), Some("Basic dXNlcjpwQHNzIHcvcmQ="));
        assert!(r.header_value("User-Agent").unwrap().starts_with("homeport/"));
        let r = &requests(&Target { host: &h, ipv4: None, ipv6: v6() }).unwrap()[0];
        assert_eq!(r.url, "https://dynupdate.no-ip.com/nic/update?hostname=home.ddns.net&myip=2001%3Adb8%3A%3A7");
    }

    #[test]
    fn no_ip_911_waits_half_an_hour() {
        assert_eq!(
            classify(&HttpResponse::new(200, "911")),
            Outcome::Retry { after: Some(WAIT_AFTER_911), reason: "911: the provider reports an outage".into() }
        );
        assert_eq!(classify(&HttpResponse::new(200, "good 198.51.100.7")), Outcome::Updated { detail: "good".into() });
        assert_eq!(
            classify(&HttpResponse::new(200, "nochg 198.51.100.7")),
            Outcome::Unchanged { detail: "nochg".into() }
        );
        for code in ["badauth", "!donator", "nohost", "abuse", "badagent"] {
            assert!(matches!(classify(&HttpResponse::new(200, code)), Outcome::Fatal { .. }), "{code}");
        }
    }

    /// Issue 11 item 6: `good 127.0.0.1` is Dyn's and No-IP's way of ignoring a client;
    /// `good` with another address than the one sent is a success with a warning.
    #[test]
    fn good_is_checked_against_what_was_sent() {
        use crate::ddns::providers::{Exchange, Step};
        let h = host(Service::Noip, &["home.ddns.net"]);
        let answer = |body: &str| {
            let mut ex = Exchange::update(&Target { host: &h, ipv4: v4(), ipv6: None });
            ex.start();
            match ex.on_response(&HttpResponse::new(200, body)) {
                Step::Done(o) => o,
                other => panic!("{other:?}"),
            }
        };
        assert!(matches!(answer("good 127.0.0.1"), Outcome::Fatal { .. }));
        assert_eq!(answer("good 198.51.100.7"), Outcome::Updated { detail: "good".into() });
        match answer("good 203.0.113.9") {
            Outcome::Updated { detail } => {
                assert!(detail.contains("reports 203.0.113.9"), "{detail}")
            }
            other => panic!("{other:?}"),
        }
    }
}
