//! ddns-scripts `service_name` → homeport `service`.
//!
//! Pure. The names are the file names of ddns-scripts' provider catalogue
//! (`/usr/share/ddns/default/<name>.json`) and of its extension packages' scripts.

use crate::config::Service;

/// The homeport service for a ddns-scripts `service_name`, if homeport has one.
pub fn map_service(service_name: &str) -> Option<Service> {
    let s = service_name.trim().to_ascii_lowercase();
    Some(match s.as_str() {
        "dyndns.org" => Service::Dyn,
        "no-ip.com" => Service::Noip,
        "dynu.com" => Service::Dynu,
        "desec.io" => Service::Desec,
        "he.net" => Service::He,
        "duckdns.org" => Service::Duckdns,
        "afraid.org-v2-token" => Service::Freedns,
        "namecheap.com" => Service::Namecheap,
        "cloudflare.com-v4" => Service::Cloudflare,
        "bind-nsupdate" => Service::Rfc2136,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_names_map() {
        assert_eq!(map_service("dyndns.org"), Some(Service::Dyn));
        assert_eq!(map_service("No-IP.com"), Some(Service::Noip));
        assert_eq!(map_service("cloudflare.com-v4"), Some(Service::Cloudflare));
        assert_eq!(map_service("bind-nsupdate").map(Service::name), Some("rfc2136"));
        assert_eq!(map_service("route53-v1"), None);
        // Basic-auth afraid.org is not the token protocol homeport speaks.
        assert_eq!(map_service("afraid.org-v2-basic"), None);
        assert_eq!(map_service(""), None);
    }
}
