//! Classification by HTTP status alone, shared by every HTTP provider, and the
//! `Retry-After` header (RFC 9110 §10.2.3).
//!
//! Pure. 429 and 5xx are transient (honouring `Retry-After`); 401 and 403 mean the
//! credentials were refused, which more tries will not fix. Anything else is left to the
//! provider's body classifier.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

use std::time::Duration;

use crate::ddns::Outcome;
use crate::ddns::request::HttpResponse;

/// The outcome the status alone decides, if it does.
pub fn classify(resp: &HttpResponse) -> Option<Outcome> {
    match resp.status {
        429 => {
            Some(Outcome::Retry { after: retry_after(resp), reason: "rate limited by the provider (HTTP 429)".into() })
        }
        500..=599 => Some(Outcome::Retry {
            after: retry_after(resp),
            reason: format!("the provider's server failed (HTTP {})", resp.status),
        }),
        401 | 403 => {
            Some(Outcome::Fatal { reason: format!("the provider refused the credentials (HTTP {})", resp.status) })
        }
        _ => None,
    }
}

/// A redirect, for every provider: no documented update API answers with one, and the
/// HTTP shell does not follow it (it could carry credentials elsewhere), so it is a
/// configuration problem (a wrong `server`, `update_url` or `use_https`): fatal, naming
/// where it points.
pub fn redirect(resp: &HttpResponse) -> Option<Outcome> {
    if !(300..400).contains(&resp.status) || resp.status == 304 {
        return None;
    }
    let to = resp.header("location").map(location_host).unwrap_or_default();
    let to = if to.is_empty() { "an address it does not give".to_string() } else { to };
    Some(Outcome::Fatal {
        reason: format!(
            "the server redirects (HTTP {}) to {to}; put the final address in the configuration (server, update_url \
             or use_https)",
            resp.status
        ),
    })
}

/// The host (and port) of a `Location` value, without userinfo, path or query; empty for
/// a relative reference.
fn location_host(loc: &str) -> String {
    let Some((_, rest)) = loc.trim().split_once("://") else { return String::new() };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    host.chars().filter(|c| c.is_ascii_graphic()).take(100).collect()
}

/// `Retry-After` as a delay: delta-seconds, or an HTTP-date measured against the
/// response's own `Date` header (so the router's clock, possibly unset, plays no part).
pub fn retry_after(resp: &HttpResponse) -> Option<Duration> {
    let v = resp.header("retry-after")?.trim();
    if !v.is_empty() && v.len() <= 10 && v.bytes().all(|b| b.is_ascii_digit()) {
        return v.parse::<u64>().ok().map(Duration::from_secs);
    }
    let until = parse_http_date(v)?;
    let now = parse_http_date(resp.header("date")?.trim())?;
    Some(Duration::from_secs(until.saturating_sub(now)))
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) to Unix seconds; the obsolete formats
/// are not accepted (RFC 9110 §5.6.7 requires senders to use this one).
pub fn parse_http_date(s: &str) -> Option<u64> {
    let mut it = s.split_ascii_whitespace();
    let _weekday = it.next()?.strip_suffix(',')?;
    let day: u32 = it.next()?.parse().ok()?;
    let month = match it.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = it.next()?.parse().ok()?;
    let mut hms = it.next()?.split(':');
    let h: u64 = hms.next()?.parse().ok()?;
    let m: u64 = hms.next()?.parse().ok()?;
    let sec: u64 = hms.next()?.parse().ok()?;
    if it.next()? != "GMT" || it.next().is_some() || hms.next().is_some() {
        return None;
    }
    if !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 || !(1970..=9999).contains(&year) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    u64::try_from(days).ok().map(|d| d * 86_400 + h * 3600 + m * 60 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        for bad in ["", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37", "Sun, 32 Nov 1994 08:49:37 GMT"]
        {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn retry_after_forms() {
        let r = HttpResponse::new(429, "").with_header("Retry-After", "120");
        assert_eq!(retry_after(&r), Some(Duration::from_secs(120)));
        let r = HttpResponse::new(503, "")
            .with_header("Retry-After", "Sun, 06 Nov 1994 09:00:00 GMT")
            .with_header("Date", "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(retry_after(&r), Some(Duration::from_secs(623)));
        // A date without the server's own Date header cannot be turned into a delay.
        let r = HttpResponse::new(503, "").with_header("Retry-After", "Sun, 06 Nov 1994 09:00:00 GMT");
        assert_eq!(retry_after(&r), None);
        assert_eq!(retry_after(&HttpResponse::new(429, "").with_header("Retry-After", "soon")), None);
    }

    #[test]
    fn statuses() {
        assert!(matches!(classify(&HttpResponse::new(429, "")), Some(Outcome::Retry { after: None, .. })));
        assert!(matches!(classify(&HttpResponse::new(502, "")), Some(Outcome::Retry { .. })));
        assert!(matches!(classify(&HttpResponse::new(401, "")), Some(Outcome::Fatal { .. })));
        assert!(matches!(classify(&HttpResponse::new(403, "")), Some(Outcome::Fatal { .. })));
        assert_eq!(classify(&HttpResponse::new(200, "")), None);
        assert_eq!(classify(&HttpResponse::new(404, "")), None);
    }
}
