//! Dynu (dynu.com/DynamicDNS/IP-Update-Protocol): dyndns2-style GET at
//! `api.dynu.com/nic/update` with `myip` and `myipv6`; a family not published is sent as
//! `no`, so that an IPv6-only update does not register the router's (perhaps CGNAT) IPv4
//! from the connection (openwrt/packages PR #26025).
//!
//! Names under a user's own domain: with `zone` set, each name is its own request,
//! `hostname=<zone>&alias=<name less the zone>` (the zone itself: `hostname=<zone>`), the
//! form Dynu's IP update protocol gives for them (dynu.com/DynamicDNS/IP-Update-Protocol,
//! as ddclient's `nic_dynu_update` sends it; docs/providers.md, "Points settled"). Without
//! `zone`, every name goes in `hostname`, comma-listed.
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
    let base = base_url(t.host, DEFAULT_SERVER);
    let Some(zone) = &t.host.zone else {
        let url = format!("{base}/nic/update?hostname={}&myip={v4}&myipv6={v6}", domain_list(t.host)?);
        return Ok(vec![dyndns2::get_with_basic(t, &url)?]);
    };
    let mut out = Vec::new();
    for d in &t.host.domains {
        // The same cut as Namecheap's record/domain: `@` for the zone itself.
        let (sub, z) = super::namecheap::split(Some(zone.as_str()), None, d.as_str())
            .map_err(|why| format!("domain '{d}' {why}"))?;
        let alias = if sub == "@" { String::new() } else { format!("&alias={}", encode(sub)) };
        let url = format!("{base}/nic/update?hostname={}{alias}&myip={v4}&myipv6={v6}", encode(z));
        out.push(dyndns2::get_with_basic(t, &url)?);
    }
    Ok(out)
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
    fn zone_sends_each_name_as_an_alias_of_it() {
        let mut h = host(Service::Dynu, &["example.org", "home.example.org", "vpn.home.example.org"]);
        h.zone = Some(crate::types::Hostname::parse("example.org").unwrap());
        let urls: Vec<String> =
            requests(&Target { host: &h, ipv4: v4(), ipv6: None }).unwrap().into_iter().map(|r| r.url).collect();
        assert_eq!(
            urls,
            [
                "https://api.dynu.com/nic/update?hostname=example.org&myip=198.51.100.7&myipv6=no",
                "https://api.dynu.com/nic/update?hostname=example.org&alias=home&myip=198.51.100.7&myipv6=no",
                "https://api.dynu.com/nic/update?hostname=example.org&alias=vpn.home&myip=198.51.100.7&myipv6=no",
            ]
        );
        // "notexample.org" ends with "example.org" but is not inside it.
        h.domains = vec![crate::types::Hostname::parse("notexample.org").unwrap()];
        assert!(requests(&Target { host: &h, ipv4: v4(), ipv6: None }).is_err());
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
