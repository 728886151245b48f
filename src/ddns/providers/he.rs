//! Hurricane Electric (dns.he.net): dyndns2 at `dyn.dns.he.net/nic/update`, one name
//! and one address per request, authenticated with that record's own DDNS key. The key
//! goes in Basic credentials with the name as user (which HE accepts like its `password`
//! query parameter), so it never appears in a URL.
//!
//! Pure. Answers are dyndns2 codes (`good`, `nochg`, `badauth`...).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

use super::{Target, base_url, require_password, user_agent};
use crate::ddns::basic_auth;
use crate::ddns::percent::encode;
use crate::ddns::request::HttpRequest;

pub const DEFAULT_SERVER: &str = "dyn.dns.he.net";

pub fn requests(t: &Target) -> Result<Vec<HttpRequest>, String> {
    if t.host.domains.is_empty() {
        return Err("option 'domain' is required".into());
    }
    let key = require_password(t.host, "the record's DDNS key")?;
    let base = base_url(t.host, DEFAULT_SERVER);
    let addrs: Vec<String> = t.ipv4.map(|a| a.to_string()).into_iter().chain(t.ipv6.map(|a| a.to_string())).collect();
    let mut out = Vec::new();
    for d in &t.host.domains {
        for a in &addrs {
            let url = format!("{base}/nic/update?hostname={}&myip={}", encode(d.as_str()), encode(a));
            out.push(
                HttpRequest::get(url)
                    .header("Authorization", &basic_auth::header_value(d.as_str(), key))
                    .header("User-Agent", &user_agent()),
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Service;
    use crate::ddns::Outcome;
    use crate::ddns::providers::dyndns2;
    use crate::ddns::providers::testing::{host, v4, v6};
    use crate::ddns::request::HttpResponse;
    use crate::types::Secret;

    #[test]
    fn one_request_per_name_and_family() {
        let mut h = host(Service::He, &["home.example.org"]);
        h.username = None;
        h.password = Some(Secret::new("key"));
        let reqs = requests(&Target { host: &h, ipv4: v4(), ipv6: v6() }).unwrap();
        assert_eq!(reqs.len(), 2);
        assert_eq!(reqs[0].url, "https://dyn.dns.he.net/nic/update?hostname=home.example.org&myip=198.51.100.7");
        assert_eq!(reqs[1].url, "https://dyn.dns.he.net/nic/update?hostname=home.example.org&myip=2001%3Adb8%3A%3A7");
        // "home.example.org:key"
        assert_eq!(reqs[0].header_value("Authorization"), Some("Basic aG9tZS5leGFtcGxlLm9yZzprZXk="));
        for (body, ok) in [("good 198.51.100.7", true), ("nochg 198.51.100.7", true), ("badauth", false)] {
            let o = dyndns2::classify(&HttpResponse::new(200, body));
            assert_eq!(matches!(o, Outcome::Updated { .. } | Outcome::Unchanged { .. }), ok, "{body}");
        }
    }
}
