//! Certificates for the tests' own HTTPS servers: a CA and a server certificate signed by
//! it, made with the `openssl` CLI (the tests skip with a reason when it is missing), and
//! a rustls server configuration that serves them. Homeport trusts the CA through a
//! section's `cacert`; nothing here is trusted by the system.
//!
//! Files in the directory: `ca.pem` (the CA certificate), `srv.pem` and `srv.key` (the
//! server's certificate and key, PEM). The CA's key is P-256.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The server key's algorithm.
#[derive(Clone, Copy)]
pub enum Key {
    P256,
    /// Not allowed by homeport's verifier (src/ddns/http.rs, `VERIFY_ALGS`).
    Ed25519,
}

/// Whether the `openssl` CLI is there.
pub fn openssl_available() -> bool {
    Command::new("openssl").arg("version").output().map(|o| o.status.success()).unwrap_or(false)
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("run openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// Makes the CA and a server certificate for `names` (each an IP address or a DNS
/// name, as subjectAltName; the first also the subject's CN) in `dir`, which it creates.
pub fn make_pki(dir: &Path, names: &[&str], key: Key) {
    std::fs::create_dir_all(dir).expect("pki dir");
    openssl(dir, &["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"]);
    openssl(
        dir,
        &["req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=homeport test CA", "-days", "2", "-out", "ca.pem"],
    );
    match key {
        Key::P256 => openssl(dir, &["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "srv.key"]),
        Key::Ed25519 => openssl(dir, &["genpkey", "-algorithm", "ed25519", "-out", "srv.key"]),
    }
    let cn = format!("/CN={}", names.first().copied().unwrap_or("homeport test server"));
    openssl(dir, &["req", "-new", "-key", "srv.key", "-subj", &cn, "-out", "srv.csr"]);
    let san: Vec<String> = names
        .iter()
        .map(|n| if n.parse::<IpAddr>().is_ok() { format!("IP:{n}") } else { format!("DNS:{n}") })
        .collect();
    let ext = format!(
        "basicConstraints=CA:FALSE\nsubjectAltName={}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n",
        san.join(",")
    );
    std::fs::write(dir.join("ext.cnf"), ext).expect("ext.cnf");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "srv.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
            "-out",
            "srv.pem",
        ],
    );
}

/// As [`make_pki`], in a fresh directory `homeport-tls-<tag>-<pid>` under the temporary
/// directory (the caller removes it); `None` when there is no openssl CLI.
pub fn temp_pki(tag: &str, names: &[&str], key: Key) -> Option<PathBuf> {
    if !openssl_available() {
        return None;
    }
    let dir = std::env::temp_dir().join(format!("homeport-tls-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    make_pki(&dir, names, key);
    Some(dir)
}

/// A rustls server configuration (ring, TLS 1.2 and 1.3) serving the certificate in `dir`.
pub fn server_config(dir: &Path) -> Arc<rustls::ServerConfig> {
    let certs = vec![CertificateDer::from_pem_file(dir.join("srv.pem")).expect("srv.pem")];
    let key = PrivateKeyDer::from_pem_file(dir.join("srv.key")).expect("srv.key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server certificate");
    Arc::new(config)
}
