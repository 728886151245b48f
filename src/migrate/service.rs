//! ddns-scripts `service_name` → homeport `service`.
//!
//! Pure. The names are the file names of ddns-scripts' provider catalogue
//! (`/usr/share/ddns/default/<name>.json`) and of its extension packages' scripts.

/// What a ddns-scripts service becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceMap {
    Dyn,
    Noip,
    Dynu,
    Desec,
    He,
    Duckdns,
    Freedns,
    Namecheap,
    Cloudflare,
    Rfc2136,
    Custom,
}

impl ServiceMap {
    /// The homeport `service` value.
    pub fn service(self) -> &'static str {
        match self {
            ServiceMap::Dyn => "dyn",
            ServiceMap::Noip => "noip",
            ServiceMap::Dynu => "dynu",
            ServiceMap::Desec => "desec",
            ServiceMap::He => "he",
            ServiceMap::Duckdns => "duckdns",
            ServiceMap::Freedns => "freedns",
            ServiceMap::Namecheap => "namecheap",
            ServiceMap::Cloudflare => "cloudflare",
            ServiceMap::Rfc2136 => "rfc2136",
            ServiceMap::Custom => "custom",
        }
    }
}

/// The homeport service for a ddns-scripts `service_name`, if homeport has one.
pub fn map_service(service_name: &str) -> Option<ServiceMap> {
    let s = service_name.trim().to_ascii_lowercase();
    Some(match s.as_str() {
        "dyndns.org" => ServiceMap::Dyn,
        "no-ip.com" => ServiceMap::Noip,
        "dynu.com" => ServiceMap::Dynu,
        "desec.io" => ServiceMap::Desec,
        "he.net" => ServiceMap::He,
        "duckdns.org" => ServiceMap::Duckdns,
        "afraid.org-v2-token" => ServiceMap::Freedns,
        "namecheap.com" => ServiceMap::Namecheap,
        "cloudflare.com-v4" => ServiceMap::Cloudflare,
        "bind-nsupdate" => ServiceMap::Rfc2136,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_names_map() {
        assert_eq!(map_service("dyndns.org"), Some(ServiceMap::Dyn));
        assert_eq!(map_service("No-IP.com"), Some(ServiceMap::Noip));
        assert_eq!(map_service("cloudflare.com-v4"), Some(ServiceMap::Cloudflare));
        assert_eq!(map_service("bind-nsupdate").map(ServiceMap::service), Some("rfc2136"));
        assert_eq!(map_service("route53-v1"), None);
        // Basic-auth afraid.org is not the token protocol homeport speaks.
        assert_eq!(map_service("afraid.org-v2-basic"), None);
        assert_eq!(map_service(""), None);
    }
}
