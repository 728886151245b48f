//! Dyn (help.dyn.com/remote-access-api/perform-update): dyndns2 v3 at
//! `members.dyndns.org/v3/update`, both families in `myip`; Basic credentials (user and
//! updater client key). Classified as plain dyndns2.
//!
//! Pure. (`dyn` is a Rust keyword, hence the file name.)
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

use super::{Target, base_url, domain_list, dyndns2};
use crate::ddns::request::HttpRequest;

pub const DEFAULT_SERVER: &str = "members.dyndns.org";

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
        assert!(matches!(dyndns2::classify(&HttpResponse::new(200, "abuse")), Outcome::Fatal { .. }));
    }
}
