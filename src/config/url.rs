//! Checking URLs from the config: `update_url` templates and `ip_url` endpoints.
//!
//! Pure. A checked URL is absolute `http` or `https`, printable ASCII without spaces, has
//! a valid host (never a placeholder: a substituted value must not choose the server),
//! and uses only the placeholders homeport fills in. Messages never repeat the URL, which
//! may carry a token.

use crate::types::HostPort;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

/// The values a `custom` service's `update_url` may ask for; each is percent-encoded
/// when substituted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placeholder {
    Username,
    Password,
    Domain,
    Ip,
    Ip6,
}

impl Placeholder {
    const ALL: [(&'static str, Placeholder); 5] = [
        ("USERNAME", Placeholder::Username),
        ("PASSWORD", Placeholder::Password),
        ("DOMAIN", Placeholder::Domain),
        ("IP", Placeholder::Ip),
        ("IP6", Placeholder::Ip6),
    ];

    fn known_list() -> String {
        Placeholder::ALL.iter().map(|(n, _)| format!("[{n}]")).collect::<Vec<_>>().join(" ")
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedUrl {
    pub scheme: Scheme,
    pub host: HostPort,
    /// Placeholders in order of appearance (repeats kept).
    pub placeholders: Vec<Placeholder>,
}

impl CheckedUrl {
    pub fn uses(&self, p: Placeholder) -> bool {
        self.placeholders.contains(&p)
    }
}

/// Checks `s`; `templates` allows placeholders (in user info, path and query).
pub fn check(s: &str, templates: bool) -> Result<CheckedUrl, String> {
    if s.bytes().any(|b| !b.is_ascii_graphic()) {
        return Err("contains spaces, control or non-ASCII characters (percent-encode them)".to_string());
    }
    let (scheme, rest) = split_scheme(s).ok_or("is not an http:// or https:// URL")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (u, h),
        None => ("", authority),
    };
    if hostport.is_empty() {
        return Err("has no host".to_string());
    }
    let host = HostPort::parse(hostport).map_err(|_| {
        if hostport.contains('[') && !hostport.starts_with('[') {
            "has a placeholder in its host; only user info, path and query may hold placeholders".to_string()
        } else {
            "does not name a valid host (host or host:port)".to_string()
        }
    })?;
    if tail.starts_with('#') || tail.contains('#') {
        return Err("has a '#' fragment, which is never sent to the server".to_string());
    }
    let mut placeholders = Vec::new();
    for part in [userinfo, tail] {
        scan_placeholders(part, templates, &mut placeholders)?;
    }
    Ok(CheckedUrl { scheme, host, placeholders })
}

fn split_scheme(s: &str) -> Option<(Scheme, &str)> {
    let (scheme, rest) = s.split_once("://")?;
    match scheme.to_ascii_lowercase().as_str() {
        "http" => Some((Scheme::Http, rest)),
        "https" => Some((Scheme::Https, rest)),
        _ => None,
    }
}

fn scan_placeholders(part: &str, templates: bool, out: &mut Vec<Placeholder>) -> Result<(), String> {
    let mut rest = part;
    while let Some(open) = rest.find(['[', ']']) {
        let after = rest.get(open..).unwrap_or("");
        if after.starts_with(']') {
            return Err("has a ']' without a matching '['".to_string());
        }
        if !templates {
            return Err("contains '[' (write it as %5B)".to_string());
        }
        let inner_and_rest = after.get(1..).unwrap_or("");
        let close = inner_and_rest.find(']').ok_or("has a '[' without a matching ']'")?;
        let inner = inner_and_rest.get(..close).unwrap_or("");
        match Placeholder::ALL.iter().find(|(n, _)| n.eq_ignore_ascii_case(inner)) {
            Some((n, p)) if *n == inner => out.push(*p),
            Some((n, _)) => return Err(format!("has placeholder '[{inner}]'; placeholders are upper case: [{n}]")),
            None => {
                return Err(format!(
                    "has unknown placeholder '[{}]' (known: {})",
                    inner.chars().take(20).collect::<String>(),
                    Placeholder::known_list()
                ));
            }
        }
        rest = inner_and_rest.get(close + 1..).unwrap_or("");
    }
    Ok(())
}

/// `url` as it may be shown (JSON dump, `Debug`): scheme and host only. A template may
/// hold a token or password literally, in its user info, path or query, so all of those
/// become `***`.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((_, h)) => ("***@", h),
        None => ("", authority),
    };
    let tail = if tail.is_empty() || tail == "/" { tail } else { "/***" };
    format!("{scheme}://{userinfo}{host}{tail}")
}

/// `serde` hook for an optional URL template: written [`redacted`].
pub fn serialize_redacted<S: serde::Serializer>(url: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match url {
        Some(u) => s.serialize_str(&redacted(u)),
        None => s.serialize_none(),
    }
}

/// `url` with its scheme replaced by `https` (the caller has checked it is `http`).
pub fn upgrade_to_https(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => format!("https://{rest}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        let u =
            check("https://[USERNAME]:[PASSWORD]@dyn.example.net:8443/nic/update?hostname=[DOMAIN]&myip=[IP]", true)
                .unwrap();
        assert_eq!(u.scheme, Scheme::Https);
        assert_eq!(u.host.authority(), "dyn.example.net:8443");
        assert_eq!(
            u.placeholders,
            [Placeholder::Username, Placeholder::Password, Placeholder::Domain, Placeholder::Ip]
        );
        let u = check("HTTP://[2001:db8::1]/u?a=[IP6]", true).unwrap();
        assert_eq!((u.scheme, u.placeholders.as_slice()), (Scheme::Http, [Placeholder::Ip6].as_slice()));
        assert!(check("https://sync.afraid.org/u/abc/", true).unwrap().placeholders.is_empty());
    }

    #[test]
    fn bad_templates() {
        for (url, why) in [
            ("ftp://x.example/", "is not an http"),
            ("x.example/update", "is not an http"),
            ("https:///update", "has no host"),
            ("https://[DOMAIN]/update", "does not name a valid host"),
            ("https://api.[DOMAIN]/update", "placeholder in its host"),
            ("https://x.example/u?ip=[ip]", "upper case: [IP]"),
            ("https://x.example/u?p=[PARAMENC]", "unknown placeholder '[PARAMENC]'"),
            ("https://x.example/u?p=[IP", "without a matching ']'"),
            ("https://x.example/u?p=IP]", "without a matching '['"),
            ("https://x.example/u?a=b c", "spaces"),
            ("https://x.example/u?a=\n", "control"),
            ("https://x.example/u#[IP]", "fragment"),
            ("https://bad host/", "spaces"),
            ("https://ex_ample..org/", "valid host"),
        ] {
            let err = check(url, true).unwrap_err();
            assert!(err.contains(why), "{url:?}: {err}");
        }
        assert!(check("https://x.example/?a=[IP]", false).unwrap_err().contains("%5B"));
    }

    #[test]
    fn redaction_keeps_only_scheme_and_host() {
        for (url, shown) in [
            ("https://[USERNAME]:hunter2@dyn.example.net:8443/nic/update?p=x", "https://***@dyn.example.net:8443/***"),
            ("https://sync.afraid.org/u/hunter2/", "https://sync.afraid.org/***"),
            ("http://192.0.2.1:8080?token=hunter2", "http://192.0.2.1:8080/***"),
            ("https://x.example/", "https://x.example/"),
            ("https://x.example", "https://x.example"),
            ("hunter2", "***"),
        ] {
            assert_eq!(redacted(url), shown, "{url}");
        }
    }

    #[test]
    fn upgrade() {
        assert_eq!(upgrade_to_https("http://x.example/a"), "https://x.example/a");
        assert_eq!(upgrade_to_https("HTTP://x.example/a"), "https://x.example/a");
    }
}
