//! DDNS service names: homeport's short names and ddns-scripts' `service_name` spellings.
//!
//! Pure. One table maps every accepted spelling to a [`Service`]; the same table gives the
//! canonical name used in messages and docs.

use super::Service;

/// Every accepted spelling, canonical (short) name first for each service.
const NAMES: &[(&str, Service)] = &[
    ("dyndns2", Service::Dyndns2),
    ("noip", Service::Noip),
    ("no-ip", Service::Noip),
    ("no-ip.com", Service::Noip),
    ("dyn", Service::Dyn),
    ("dyn.com", Service::Dyn),
    ("dyndns.org", Service::Dyn),
    ("dyndns.com", Service::Dyn),
    ("dynu", Service::Dynu),
    ("dynu.com", Service::Dynu),
    ("desec", Service::Desec),
    ("desec.io", Service::Desec),
    ("dedyn.io", Service::Desec),
    ("he", Service::He),
    ("he.net", Service::He),
    ("dns.he.net", Service::He),
    ("duckdns", Service::Duckdns),
    ("duckdns.org", Service::Duckdns),
    ("freedns", Service::Freedns),
    ("afraid.org-v2-token", Service::Freedns),
    ("freedns.afraid.org", Service::Freedns),
    ("namecheap", Service::Namecheap),
    ("namecheap.com", Service::Namecheap),
    ("cloudflare", Service::Cloudflare),
    ("cloudflare.com-v4", Service::Cloudflare),
    ("cloudflare.com", Service::Cloudflare),
    ("custom", Service::Custom),
    ("rfc2136", Service::Rfc2136),
    ("nsupdate", Service::Rfc2136),
    ("bind-nsupdate", Service::Rfc2136),
];

impl Service {
    /// The short name, as `service` is best written and as messages say it.
    pub fn name(self) -> &'static str {
        NAMES.iter().find(|(_, s)| *s == self).map_or("?", |(n, _)| n)
    }

    /// Every service's short name, in table order.
    pub fn short_names() -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for (n, s) in NAMES {
            if !out.iter().any(|o| Service::parse(o).ok() == Some(*s)) {
                out.push(n);
            }
        }
        out
    }

    /// Accepts a short name or a ddns-scripts `service_name`, case-insensitive.
    pub fn parse(s: &str) -> Result<Service, String> {
        let lower = s.trim().to_ascii_lowercase();
        if let Some((_, svc)) = NAMES.iter().find(|(n, _)| *n == lower) {
            return Ok(*svc);
        }
        if lower.starts_with("afraid.org") {
            return Err("is an afraid.org protocol homeport does not speak; use service 'freedns' with the \
                        v2 update token in 'password'"
                .to_string());
        }
        Err(format!("is not a known service (one of: {})", Service::short_names().join(", ")))
    }

    /// The provider as LuCI names it in the provider list.
    pub fn label(self) -> &'static str {
        match self {
            Service::Cloudflare => "Cloudflare (API token)",
            Service::Duckdns => "Duck DNS",
            Service::Desec => "deSEC (dedyn.io)",
            Service::Dynu => "Dynu",
            Service::Dyn => "Dyn / Oracle",
            Service::Freedns => "FreeDNS (afraid.org)",
            Service::He => "Hurricane Electric (dns.he.net)",
            Service::Namecheap => "Namecheap",
            Service::Noip => "No-IP",
            Service::Dyndns2 => "Other dyndns2 provider (server)",
            Service::Rfc2136 => "Own DNS server (RFC 2136 with TSIG key)",
            Service::Custom => "Custom update URL",
        }
    }

    /// Every spelling of this service, the short name first.
    pub fn spellings(self) -> impl Iterator<Item = &'static str> {
        NAMES.iter().filter(move |(_, s)| *s == self).map(|(n, _)| *n)
    }

    /// Whether the service is reached over HTTP(S) (everything but RFC 2136).
    pub fn is_http(self) -> bool {
        self != Service::Rfc2136
    }

    /// What `password` holds for this service, for messages and docs.
    pub fn password_means(self) -> &'static str {
        match self {
            Service::Duckdns | Service::Desec | Service::Cloudflare => "the API token",
            Service::Freedns => "the v2 update token",
            Service::He => "the per-host update key",
            Service::Namecheap => "the Dynamic DNS password",
            Service::Dyn => "the updater client key",
            _ => "the account password",
        }
    }

    /// Whether `username` is required.
    pub fn needs_username(self) -> bool {
        matches!(self, Service::Dyndns2 | Service::Noip | Service::Dyn | Service::Dynu)
    }

    /// Whether `password` is required (RFC 2136 and custom have their own rules).
    pub fn needs_password(self) -> bool {
        !matches!(self, Service::Custom | Service::Rfc2136)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        for (s, want) in [
            ("dyndns2", Service::Dyndns2),
            ("No-IP.com", Service::Noip),
            ("dyn.com", Service::Dyn),
            ("dynu.com", Service::Dynu),
            ("desec.io", Service::Desec),
            ("he.net", Service::He),
            ("duckdns.org", Service::Duckdns),
            ("afraid.org-v2-token", Service::Freedns),
            ("freedns.afraid.org", Service::Freedns),
            ("namecheap.com", Service::Namecheap),
            ("cloudflare.com-v4", Service::Cloudflare),
            ("custom", Service::Custom),
            ("nsupdate", Service::Rfc2136),
            ("rfc2136", Service::Rfc2136),
        ] {
            assert_eq!(Service::parse(s), Ok(want), "{s}");
        }
        assert!(Service::parse("afraid.org-keyauth").unwrap_err().contains("freedns"));
        assert!(Service::parse("example").unwrap_err().contains("dyndns2, noip, dyn"));
    }

    #[test]
    fn names_round_trip() {
        let names = Service::short_names();
        assert_eq!(names.len(), 12);
        for n in names {
            assert_eq!(Service::parse(n).map(Service::name), Ok(n));
        }
    }
}
