//! `ip_source web`: ask an HTTPS echo service which address the internet sees.
//!
//! Pure: the request to send and the validation of the answer. The answer must be
//! exactly one address of the asked family (surrounding whitespace allowed, or, for
//! services that answer with a sentence such as checkip's `Current IP Address: x`, one
//! unambiguous address in the text); anything else is refused rather than published.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

use std::net::IpAddr;

use crate::ddns::providers::user_agent;
use crate::ddns::request::{HttpRequest, HttpResponse};

/// Echo services used when `ip_url` is not set; both answer in plain text over HTTPS.
pub const DEFAULT_URL_V4: &str = "https://api.ipify.org";
pub const DEFAULT_URL_V6: &str = "https://api6.ipify.org";

/// The echo request: `ip_url` (or the default for the family); `http://` is upgraded to
/// `https://` unless `use_https` is off.
pub fn request(ip_url: Option<&str>, v6: bool, use_https: bool) -> Result<HttpRequest, String> {
    let url = ip_url.unwrap_or(if v6 { DEFAULT_URL_V6 } else { DEFAULT_URL_V4 });
    let url = match url.split_once("://") {
        Some((s, rest)) if s.eq_ignore_ascii_case("https") => format!("https://{rest}"),
        Some((s, rest)) if s.eq_ignore_ascii_case("http") => {
            format!("{}://{rest}", if use_https { "https" } else { "http" })
        }
        _ => return Err("option 'ip_url' must start with https:// (or http:// with use_https 0)".into()),
    };
    let host_part = url.split_once("://").map(|(_, r)| r).unwrap_or("");
    if host_part.is_empty() || host_part.starts_with('/') || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("option 'ip_url' is not a usable URL".into());
    }
    Ok(HttpRequest::get(url).header("User-Agent", &user_agent()))
}

/// The address in an echo service's answer, of the wanted family.
pub fn parse_answer(resp: &HttpResponse, v6: bool) -> Result<IpAddr, String> {
    if !(200..300).contains(&resp.status) {
        return Err(format!("the address echo service answered HTTP {}", resp.status));
    }
    let body = resp.text();
    let family_ok = |a: &IpAddr| a.is_ipv6() == v6;
    if let Ok(a) = body.trim().parse::<IpAddr>() {
        return if family_ok(&a) {
            Ok(a)
        } else {
            Err(format!("the address echo service returned {a}, not an {} address", if v6 { "IPv6" } else { "IPv4" }))
        };
    }
    let mut found: Vec<IpAddr> = body
        .split(|c: char| !(c.is_ascii_hexdigit() || c == '.' || c == ':'))
        .filter(|t| t.contains('.') || t.contains(':'))
        .filter_map(|t| t.trim_matches(|c| c == '.' || c == ':').parse::<IpAddr>().ok())
        .filter(family_ok)
        .collect();
    found.dedup();
    match found.as_slice() {
        [a] => Ok(*a),
        [] => Err("the address echo service's answer holds no address".into()),
        _ => Err("the address echo service's answer holds several addresses".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests() {
        assert_eq!(request(None, false, true).unwrap().url, "https://api.ipify.org");
        assert_eq!(request(None, true, true).unwrap().url, "https://api6.ipify.org");
        assert_eq!(request(Some("http://ip.example.net/"), false, true).unwrap().url, "https://ip.example.net/");
        assert_eq!(request(Some("http://127.0.0.1:8080/"), false, false).unwrap().url, "http://127.0.0.1:8080/");
        for bad in ["ftp://x", "x", "https://", "https:///p", "https://a b/"] {
            assert!(request(Some(bad), false, true).is_err(), "{bad}");
        }
    }

    #[test]
    fn answers() {
        let ok = |b: &str, v6: bool| parse_answer(&HttpResponse::new(200, b), v6);
        assert_eq!(ok("81.2.69.160\n", false), Ok("81.2.69.160".parse().unwrap()));
        assert_eq!(ok("2a00:1450::1", true), Ok("2a00:1450::1".parse().unwrap()));
        assert_eq!(
            ok("<html><body>Current IP Address: 81.2.69.160</body></html>", false),
            Ok("81.2.69.160".parse().unwrap())
        );
        assert!(ok("81.2.69.160", true).is_err());
        assert!(ok("2a00:1450::1", false).is_err());
        assert!(ok("", false).is_err());
        assert!(ok("1.2.3.4 5.6.7.8", false).is_err());
        assert!(ok("999.1.1.1", false).is_err());
        assert!(parse_answer(&HttpResponse::new(500, "81.2.69.160"), false).is_err());
    }
}
