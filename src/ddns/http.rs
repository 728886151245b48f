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

use rustls::SignatureScheme;
use rustls::crypto::{CryptoProvider, KeyProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::PrivateKeyDer;
use rustls::sign::SigningKey;
use ureq::Agent;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{Connector, RustlsConnector, TcpConnector};
use webpki::ring as alg;

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
    CryptoProvider {
        key_provider: &NoClientKey,
        signature_verification_algorithms: VERIFY_ALGS,
        ..rustls::crypto::ring::default_provider()
    }
}

/// The signature algorithms certificates and handshakes are verified with: rustls' *ring*
/// table (rustls 0.23 `crypto::ring::SUPPORTED_SIG_ALGS`) without Ed25519. The CA/Browser
/// Forum Baseline Requirements (§6.1.5, §7.1.3.2) allow publicly trusted certificates only
/// RSA and ECDSA P-256/P-384/P-521 keys, so no DDNS provider's chain can use Ed25519; left
/// out, ring's Ed25519 verification code leaves the binary (cross/README.md, "After the
/// device and doctor merges"). A server whose own certificate has an Ed25519 key (a private
/// CA given by `cacert`) is refused in the handshake rather than trusted less: nothing is
/// accepted that the full table would reject.
static VERIFY_ALGS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        alg::ECDSA_P256_SHA256,
        alg::ECDSA_P256_SHA384,
        alg::ECDSA_P384_SHA256,
        alg::ECDSA_P384_SHA384,
        alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        alg::RSA_PKCS1_2048_8192_SHA256,
        alg::RSA_PKCS1_2048_8192_SHA384,
        alg::RSA_PKCS1_2048_8192_SHA512,
        alg::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        alg::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        alg::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    ],
    mapping: &[
        // As in rustls: for TLS 1.2 the curve is not fixed by the scheme, for TLS 1.3 it is.
        (SignatureScheme::ECDSA_NISTP384_SHA384, &[alg::ECDSA_P384_SHA384, alg::ECDSA_P256_SHA384]),
        (SignatureScheme::ECDSA_NISTP256_SHA256, &[alg::ECDSA_P256_SHA256, alg::ECDSA_P384_SHA256]),
        (SignatureScheme::RSA_PSS_SHA512, &[alg::RSA_PSS_2048_8192_SHA512_LEGACY_KEY]),
        (SignatureScheme::RSA_PSS_SHA384, &[alg::RSA_PSS_2048_8192_SHA384_LEGACY_KEY]),
        (SignatureScheme::RSA_PSS_SHA256, &[alg::RSA_PSS_2048_8192_SHA256_LEGACY_KEY]),
        (SignatureScheme::RSA_PKCS1_SHA512, &[alg::RSA_PKCS1_2048_8192_SHA512]),
        (SignatureScheme::RSA_PKCS1_SHA384, &[alg::RSA_PKCS1_2048_8192_SHA384]),
        (SignatureScheme::RSA_PKCS1_SHA256, &[alg::RSA_PKCS1_2048_8192_SHA256]),
    ],
};

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

    /// homeport's verification table is rustls' *ring* table less Ed25519, entry for entry:
    /// every RSA and ECDSA algorithm and scheme is still there, in rustls' order.
    #[test]
    fn verify_algs_are_rustls_ring_less_ed25519() {
        let ids = |a: &[&dyn rustls::pki_types::SignatureVerificationAlgorithm]| {
            a.iter().map(|a| (a.public_key_alg_id(), a.signature_alg_id())).collect::<Vec<_>>()
        };
        let full = rustls::crypto::ring::default_provider().signature_verification_algorithms;
        let ed = ids(&[alg::ED25519]);
        let want_all: Vec<_> = ids(full.all).into_iter().filter(|x| !ed.contains(x)).collect();
        assert_eq!(ids(VERIFY_ALGS.all), want_all);
        assert_eq!(want_all.len() + 1, full.all.len());
        let want_map: Vec<_> =
            full.mapping.iter().filter(|(s, _)| *s != SignatureScheme::ED25519).map(|(s, a)| (*s, ids(a))).collect();
        let got_map: Vec<_> = VERIFY_ALGS.mapping.iter().map(|(s, a)| (*s, ids(a))).collect();
        assert_eq!(got_map, want_map);
        let offered = client_crypto().signature_verification_algorithms.supported_schemes();
        assert!(!offered.contains(&SignatureScheme::ED25519), "{offered:?}");
        assert_eq!(offered.len(), full.supported_schemes().len() - 1);
    }

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
