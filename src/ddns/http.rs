//! The HTTP shell: carries an [`HttpRequest`] over ureq and hands back an
//! [`HttpResponse`]. No decisions here beyond transport safety:
//!
//! - every request has timeouts (connect 10 s, whole exchange 30 s);
//! - response bodies are cut at [`BODY_CAP`] bytes;
//! - redirects are not followed (a redirect could carry credentials elsewhere, or to
//!   plain HTTP); providers classify a 3xx themselves;
//! - TLS certificates are always verified, against `cacert` (a PEM file or a directory of
//!   them) or the system bundle [`SYSTEM_CA_BUNDLE`] (OpenWrt's `ca-bundle` package);
//!   with the `builtin-roots` feature, Mozilla's roots compiled in are the fallback when
//!   no bundle exists. There is no switch to turn verification off.
//! - plain `http://` is refused unless the caller allows it (the host's `use_https 0`);
//! - proxy settings from the environment are ignored;
//! - error messages are redacted with the request's secret parts.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::{CryptoProvider, KeyProvider};
use rustls::pki_types::PrivateKeyDer;
use rustls::sign::SigningKey;
use ureq::Agent;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{Connector, RustlsConnector, TcpConnector};

use crate::ddns::request::{HttpRequest, HttpResponse, Method, redact};

/// Where OpenWrt (and Debian) keep the CA bundle.
pub const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
/// Largest response body kept; provider answers are a few hundred bytes, a Cloudflare
/// zone list a few dozen kilobytes.
pub const BODY_CAP: u64 = 256 * 1024;
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends one request; implemented by [`HttpClient`] and by test fakes.
pub trait Transport {
    fn send(&mut self, req: &HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// Why a request got no response. Messages never hold a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// `http://` while plain HTTP is not allowed.
    PlainHttpRefused,
    /// No CA certificates to verify against.
    NoRoots(String),
    /// DNS, connect, TLS, timeout, protocol: the redacted reason.
    Failed(String),
}

impl TransportError {
    /// Whether trying again later may help (a configuration problem will not go away).
    pub fn is_transient(&self) -> bool {
        matches!(self, TransportError::Failed(_))
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TransportError::PlainHttpRefused => {
                f.write_str("refusing plain http:// (set use_https 0 to allow it for this host)")
            }
            TransportError::NoRoots(why) => f.write_str(why),
            TransportError::Failed(why) => f.write_str(why),
        }
    }
}

/// An HTTP client for one host's settings.
pub struct HttpClient {
    total_timeout: Duration,
    allow_plain_http: bool,
    cacert: Option<PathBuf>,
    plain: Option<Agent>,
    tls: Option<Agent>,
}

impl HttpClient {
    /// `cacert`: the host's CA override; `allow_plain_http`: the host's `use_https 0`.
    pub fn new(cacert: Option<&Path>, allow_plain_http: bool) -> HttpClient {
        HttpClient {
            total_timeout: TOTAL_TIMEOUT,
            allow_plain_http,
            cacert: cacert.map(Path::to_path_buf),
            plain: None,
            tls: None,
        }
    }

    /// A shorter limit for the whole exchange (tests of a server that never answers).
    pub fn with_total_timeout(mut self, t: Duration) -> HttpClient {
        self.total_timeout = t;
        self
    }

    fn agent(&mut self, https: bool) -> Result<&Agent, TransportError> {
        if https {
            if self.tls.is_none() {
                let roots = load_roots(self.cacert.as_deref())?;
                self.tls = Some(build_agent(Some(roots), self.total_timeout));
            }
            self.tls.as_ref().ok_or(TransportError::Failed("no TLS client".into()))
        } else {
            if !self.allow_plain_http {
                return Err(TransportError::PlainHttpRefused);
            }
            let t = self.total_timeout;
            Ok(self.plain.get_or_insert_with(|| build_agent(None, t)))
        }
    }
}

fn build_agent(roots: Option<RootCerts>, total: Duration) -> Agent {
    let mut cfg = Agent::config_builder()
        .timeout_global(Some(total))
        .timeout_connect(Some(CONNECT_TIMEOUT.min(total)))
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        // Proxies from the environment (HTTPS_PROXY...) are not followed: where update
        // requests and credentials go is the configuration's decision alone.
        .proxy(None)
        .https_only(roots.is_some());
    // The plain-HTTP agent never speaks TLS; it gets an empty root set rather than
    // ureq's default (compiled-in roots, absent from this build).
    let roots = roots.unwrap_or_else(|| RootCerts::Specific(Arc::new(Vec::new())));
    let tls = TlsConfig::builder().root_certs(roots).unversioned_rustls_crypto_provider(Arc::new(client_crypto()));
    cfg = cfg.tls_config(tls.build());
    // The transports homeport uses: TCP, then TLS by rustls for https. ureq's default
    // chain also holds the HTTP CONNECT proxy step (never taken: `proxy(None)` above) and
    // two steps that only warn about TLS and SOCKS providers this build does not have;
    // left out, their code leaves the binary (cross/README.md, "Savings of 2026-12-07").
    let connector = ().chain(TcpConnector::default()).chain(RustlsConnector::default());
    Agent::with_parts(cfg.build(), connector, DefaultResolver::default())
}

/// rustls' *ring* provider for a client that never presents a certificate: ring's cipher
/// suites (TLS 1.3 and 1.2), key exchange groups, signature verification and random
/// numbers, with a key provider that loads no private key. Nothing then reaches ring's
/// private-key code (RSA, ECDSA and Ed25519 signing and PKCS#8 parsing), which the
/// linker drops: 45 KB of the mipsel binary (cross/README.md, "Release size").
fn client_crypto() -> CryptoProvider {
    CryptoProvider { key_provider: &NoClientKey, ..rustls::crypto::ring::default_provider() }
}

#[derive(Debug)]
struct NoClientKey;

impl KeyProvider for NoClientKey {
    fn load_private_key(&self, _key: PrivateKeyDer<'static>) -> Result<Arc<dyn SigningKey>, rustls::Error> {
        Err(rustls::Error::General("homeport uses no client certificate".into()))
    }
}

/// The CA certificates to trust: `cacert` (file or directory of PEM files), else the
/// system bundle, else (feature `builtin-roots`) the compiled-in Mozilla roots.
pub fn load_roots(cacert: Option<&Path>) -> Result<RootCerts, TransportError> {
    let path = cacert.unwrap_or(Path::new(SYSTEM_CA_BUNDLE));
    match read_pem_certs(path) {
        Ok(certs) if !certs.is_empty() => return Ok(RootCerts::Specific(Arc::new(certs))),
        Ok(_) if cacert.is_some() => {
            return Err(TransportError::NoRoots(format!("cacert {}: no PEM certificates in it", path.display())));
        }
        Err(e) if cacert.is_some() => {
            return Err(TransportError::NoRoots(format!("cacert {}: {e}", path.display())));
        }
        _ => {}
    }
    builtin_roots().ok_or_else(|| {
        TransportError::NoRoots(format!(
            "no CA certificates at {SYSTEM_CA_BUNDLE} to verify HTTPS with: install the ca-bundle package, or set \
             cacert"
        ))
    })
}

#[cfg(feature = "builtin-roots")]
fn builtin_roots() -> Option<RootCerts> {
    Some(RootCerts::WebPki)
}

#[cfg(not(feature = "builtin-roots"))]
fn builtin_roots() -> Option<RootCerts> {
    None
}

fn read_pem_certs(path: &Path) -> std::io::Result<Vec<Certificate<'static>>> {
    let files: Vec<PathBuf> = if path.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "pem" || x == "crt"))
            .collect();
        // All in one directory: byte order of the whole path is the order of the file
        // names, as `Path`'s component order would be, without linking that comparison.
        v.sort_by(|a, b| a.as_os_str().cmp(b.as_os_str()));
        v
    } else {
        vec![path.to_path_buf()]
    };
    let mut certs = Vec::new();
    for f in files {
        let pem = std::fs::read(&f)?;
        certs.extend(ureq::tls::parse_pem(&pem).filter_map(|item| match item {
            Ok(PemItem::Certificate(c)) => Some(c),
            _ => None,
        }));
    }
    Ok(certs)
}

impl Transport for HttpClient {
    fn send(&mut self, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let https = req.url.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://"));
        let agent = self.agent(https)?.clone();
        let fail = |e: ureq::Error| TransportError::Failed(redact(&e.to_string(), &req.secret_parts));
        let result = match (req.method, &req.body) {
            (Method::Get, _) => {
                let mut b = agent.get(&req.url);
                for (k, v) in &req.headers {
                    b = b.header(k.as_str(), v.as_str());
                }
                b.call()
            }
            (m, body) => {
                let mut b = match m {
                    Method::Post => agent.post(&req.url),
                    Method::Put => agent.put(&req.url),
                    _ => agent.patch(&req.url),
                };
                for (k, v) in &req.headers {
                    b = b.header(k.as_str(), v.as_str());
                }
                b.send(body.as_deref().unwrap_or("").as_bytes())
            }
        };
        let mut resp = result.map_err(fail)?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let mut body = Vec::new();
        resp.body_mut()
            .as_reader()
            .take(BODY_CAP)
            .read_to_end(&mut body)
            .map_err(|e| TransportError::Failed(redact(&format!("reading the answer: {e}"), &req.secret_parts)))?;
        Ok(HttpResponse { status, headers, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_needs_opt_in() {
        let mut c = HttpClient::new(None, false);
        assert_eq!(c.send(&HttpRequest::get("http://127.0.0.1:9/".into())), Err(TransportError::PlainHttpRefused));
    }

    #[test]
    fn bad_cacert_is_a_clear_error() {
        let mut c = HttpClient::new(Some(Path::new("/nonexistent/ca.pem")), false);
        match c.send(&HttpRequest::get("https://127.0.0.1:9/".into())) {
            Err(TransportError::NoRoots(m)) => assert!(m.contains("/nonexistent/ca.pem"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn connection_errors_are_redacted() {
        let mut c = HttpClient::new(None, true);
        // Port 9 (discard) on loopback: nothing listens, the connection is refused.
        let r = HttpRequest::get("http://127.0.0.1:9/u/s3cr3t/".into()).secret("s3cr3t");
        match c.send(&r) {
            Err(e @ TransportError::Failed(_)) => {
                assert!(!e.to_string().contains("s3cr3t"), "{e}");
                assert!(e.is_transient());
            }
            other => panic!("{other:?}"),
        }
    }
}
