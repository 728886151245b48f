//! The HTTP exchange as plain data: what a provider asks to send ([`HttpRequest`]) and
//! what came back ([`HttpResponse`]).
//!
//! Pure. No ureq type appears here, so providers stay testable without a network. A
//! request knows which of its parts are secret ([`HttpRequest::redacted_url`]), so that the
//! shell can log and report it without leaking a password or token.

use std::fmt;

/// HTTP methods the providers use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
        })
    }
}

/// One request, ready to send.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    /// Absolute `http://` or `https://` URL, every variable part already percent-encoded.
    pub url: String,
    /// Header names in their canonical spelling; values never contain CR or LF.
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// Substrings of `url` that are secret (in the form they appear in the URL); the
    /// shell replaces them with `***` before the URL reaches a log or an error.
    pub secret_parts: Vec<String>,
}

impl HttpRequest {
    pub fn get(url: String) -> HttpRequest {
        HttpRequest { method: Method::Get, url, headers: Vec::new(), body: None, secret_parts: Vec::new() }
    }

    pub fn header(mut self, name: &str, value: &str) -> HttpRequest {
        // Header values come from config; a CR or LF would end the header early.
        let clean: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        self.headers.push((name.to_string(), clean));
        self
    }

    /// Marks a part of the URL as secret (ignored when empty).
    pub fn secret(mut self, part: &str) -> HttpRequest {
        if !part.is_empty() {
            self.secret_parts.push(part.to_string());
        }
        self
    }

    /// The URL with every secret part replaced by `***`: the only form that may be logged.
    pub fn redacted_url(&self) -> String {
        redact(&self.url, &self.secret_parts)
    }

    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Replaces every occurrence of each secret in `text` by `***` (longest secrets first, so
/// that a secret containing another is not half-revealed).
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut sorted: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for s in sorted {
        out = out.replace(s.as_str(), "***");
    }
    out
}

// The derived Debug would print the URL and an Authorization header in full.
impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| if is_secret_header(n) { (n.as_str(), "***") } else { (n.as_str(), v.as_str()) })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.redacted_url())
            .field("headers", &headers)
            .field("body", &self.body.as_ref().map(|b| redact(b, &self.secret_parts)))
            .finish()
    }
}

/// Headers whose values are credentials.
pub fn is_secret_header(name: &str) -> bool {
    ["authorization", "x-auth-key", "x-api-key"].iter().any(|h| name.eq_ignore_ascii_case(h))
}

/// A response as the shell received it; `body` is already cut at the size cap.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn new(status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, headers: Vec::new(), body: body.as_bytes().to_vec() }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> HttpResponse {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// First header of that name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as text; invalid UTF-8 is replaced, never an error.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_secret_parts_and_auth_headers() {
        let r = HttpRequest::get("https://x.example/u/tok%2Fen/?a=1&p=tok%2Fen".into())
            .secret("tok%2Fen")
            .header("Authorization", "Bearer abc");
        assert_eq!(r.redacted_url(), "https://x.example/u/***/?a=1&p=***");
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("tok") && !dbg.contains("abc"), "{dbg}");
    }

    #[test]
    fn header_values_lose_line_breaks() {
        let r = HttpRequest::get("http://a/".into()).header("X", "a\r\nEvil: 1");
        assert_eq!(r.header_value("x"), Some("aEvil: 1"));
    }

    #[test]
    fn longer_secret_wins() {
        assert_eq!(redact("abcdef", &["abc".into(), "abcdef".into()]), "***");
    }
}
