//! Dynu (dynu.com/DynamicDNS/IP-Update-Protocol): dyndns2-style GET at
//! `api.dynu.com/nic/update` with `myip` and `myipv6`; a family not published is sent as
//! `no`, so that an IPv6-only update does not register the router's (perhaps CGNAT) IPv4
//! from the connection (openwrt/packages PR #26025).
//!
//! Pure. Dynu asks for at least 10 minutes after `911`.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

use std::time::Duration;

use super::{Target, base_url, domain_list, dyndns2};
use crate::ddns::Outcome;
use crate::ddns::percent::encode;
use crate::ddns::request::{HttpRequest, HttpResponse};

pub const DEFAULT_SERVER: &str = "api.dynu.com";
pub const WAIT_AFTER_911: Duration = Duration::from_secs(10 * 60);

pub fn requests(t: &Target) -> Result<Vec<HttpRequest>, String> {
    let v4 = t.ipv4.map(|a| encode(&a.to_string())).unwrap_or_else(|| "no".into());
    let v6 = t.ipv6.map(|a| encode(&a.to_string())).unwrap_or_else(|| "no".into());
    let url = format!(
        "{}/nic/update?hostname={}&myip={v4}&myipv6={v6}",
        base_url(t.host, DEFAULT_SERVER),
        domain_list(t.host)?
    );
    Ok(vec![dyndns2::get_with_basic(t, &url)?])
}

pub fn classify(resp: &HttpResponse) -> Outcome {
    dyndns2::classify_with(resp, Some(WAIT_AFTER_911))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Service;
    use crate::ddns::providers::testing::{host, v4, v6};

    #[test]
    fn request_says_no_for_missing_family() {
        let h = host(Service::Dynu, &["home.dynu.net"]);
        let r = &requests(&Target { host: &h, ipv4: None, ipv6: v6() }).unwrap()[0];
        assert_eq!(r.url, "https://api.dynu.com/nic/update?hostname=home.dynu.net&myip=no&myipv6=2001%3Adb8%3A%3A7");
        let r = &requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap()[0];
        assert_eq!(r.url, "https://api.dynu.com/nic/update?hostname=home.dynu.net&myip=198.51.100.7&myipv6=no");
        assert_eq!(r.header_value("Authorization"), Some("Basic dXNlcjpwQHNzIHcvcmQ="));
    }

    #[test]
    fn classification() {
        assert_eq!(classify(&HttpResponse::new(200, "good 198.51.100.7")), Outcome::Updated { detail: "good".into() });
        assert_eq!(classify(&HttpResponse::new(200, "nochg")), Outcome::Unchanged { detail: "nochg".into() });
        assert!(
            matches!(classify(&HttpResponse::new(200, "911")), Outcome::Retry { after: Some(d), .. } if d == WAIT_AFTER_911)
        );
        for code in ["badauth", "notfqdn", "nohost", "abuse"] {
            assert!(matches!(classify(&HttpResponse::new(200, code)), Outcome::Fatal { .. }), "{code}");
        }
    }
}
