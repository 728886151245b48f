//! Per-host state files under `--state-dir`: `ddns-<section>.json`, written atomically
//! (temporary file, fsync, rename), so a power cut leaves the old state or the new one,
//! never half of either.
//!
//! Shell for the file IO; [`fingerprint`] and [`file_name`] are pure. The files hold
//! no secret: the fingerprint mixes the credentials into a 64-bit hash, only so that a
//! changed password counts as a changed configuration (which lifts a fatal stop).

use std::fs;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use crate::config::DdnsHost;
use crate::ddns::engine::Persisted;
use crate::diag::SectionRef;
use crate::types::Secret;

/// `ddns-<name>.json` for a named section, `ddns-@<index>.json` for an anonymous one
/// (UCI names are `[A-Za-z0-9_]`, so neither can escape the directory).
pub fn file_name(section: &SectionRef) -> String {
    match &section.name {
        Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
            format!("ddns-{n}.json")
        }
        _ => format!("ddns-@{}.json", section.index),
    }
}

/// FNV-1a (64-bit) over everything that defines the host, credentials included.
pub fn fingerprint(host: &DdnsHost) -> u64 {
    // Secrets serialize as "***" and `update_url` redacted (it may hold a token), so the
    // credentials are added explicitly: fixing a token must lift a fatal stop.
    let mut text = serde_json::to_string(host).unwrap_or_default();
    let secrets = [&host.password, &host.key_secret].into_iter().flatten().map(Secret::expose);
    for s in secrets.chain(host.update_url.as_deref()) {
        text.push('\0');
        text.push_str(s);
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[derive(Debug)]
pub enum StateError {
    Read { path: PathBuf, err: io::Error },
    Parse { path: PathBuf, err: String },
    Write { path: PathBuf, err: io::Error },
}

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StateError::Read { path, err } => write!(f, "cannot read state file {}: {err}", path.display()),
            StateError::Parse { path, err } => {
                write!(f, "state file {} is damaged ({err}); starting without it", path.display())
            }
            StateError::Write { path, err } => write!(f, "cannot write state file {}: {err}", path.display()),
        }
    }
}

impl std::error::Error for StateError {}

/// The host's state, `Ok(None)` when there is no file yet.
pub fn load(dir: &Path, section: &SectionRef) -> Result<Option<Persisted>, StateError> {
    let path = dir.join(file_name(section));
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(StateError::Read { path, err }),
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|e| StateError::Parse { path, err: e.to_string() })
}

/// Writes the host's state atomically (mode 0600; the directory is created 0700).
pub fn save(dir: &Path, section: &SectionRef, state: &Persisted) -> Result<(), StateError> {
    let path = dir.join(file_name(section));
    let werr = |err| StateError::Write { path: path.clone(), err };
    if !dir.is_dir() {
        fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(werr)?;
    }
    let mut text = serde_json::to_vec_pretty(state).map_err(|e| werr(io::Error::other(e)))?;
    text.push(b'\n');
    // A fresh temporary file (O_EXCL|O_NOFOLLOW), never one found in place.
    crate::statefile::write_atomic(&path, &text, 0o600).map_err(werr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Service;
    use crate::ddns::engine::Addrs;
    use crate::ddns::providers::testing::host;
    use crate::types::Secret;

    fn tempdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("homeport-state-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn round_trip_atomic_and_private() {
        let dir = tempdir("rt");
        let s = SectionRef { ty: "ddns".into(), index: 0, name: Some("home".into()) };
        assert!(load(&dir, &s).unwrap().is_none());
        let p = Persisted {
            fingerprint: 42,
            registered: Some(Addrs { v4: Some("81.2.69.160".parse().unwrap()), v6: None }),
            confirmed_at: Some(1),
            failures: 2,
            stopped: Some("badauth".into()),
            ..Persisted::default()
        };
        save(&dir, &s, &p).unwrap();
        assert_eq!(load(&dir, &s).unwrap(), Some(p));
        let path = dir.join("ddns-home.json");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(!dir.join(".ddns-home.json.tmp").exists());
        fs::write(&path, "{not json").unwrap();
        assert!(matches!(load(&dir, &s), Err(StateError::Parse { .. })));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_planted_symlink_is_not_written_through() {
        let dir = tempdir("link");
        fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim");
        fs::write(&victim, "precious").unwrap();
        // The temporary name earlier versions used, planted as a link to another file.
        std::os::unix::fs::symlink(&victim, dir.join(".ddns-home.json.tmp")).unwrap();
        let s = SectionRef { ty: "ddns".into(), index: 0, name: Some("home".into()) };
        save(&dir, &s, &Persisted::default()).unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(load(&dir, &s).unwrap(), Some(Persisted::default()));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_changed_update_url_is_a_new_fingerprint() {
        let mut h = host(Service::Custom, &["home.example.org"]);
        h.update_url = Some("https://webcall.example.net/update/OLDTOKEN?ip=[IP]".into());
        let before = fingerprint(&h);
        h.update_url = Some("https://webcall.example.net/update/NEWTOKEN?ip=[IP]".into());
        assert_ne!(before, fingerprint(&h));
    }

    #[test]
    fn names_and_fingerprints() {
        assert_eq!(file_name(&SectionRef { ty: "ddns".into(), index: 3, name: None }), "ddns-@3.json");
        assert_eq!(file_name(&SectionRef { ty: "ddns".into(), index: 3, name: Some("../x".into()) }), "ddns-@3.json");
        let a = host(Service::Noip, &["home.ddns.net"]);
        let mut b = a.clone();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        b.password = Some(Secret::new("other"));
        assert_ne!(fingerprint(&a), fingerprint(&b));
        let mut c = a.clone();
        c.domains = vec![crate::types::Hostname::parse("nas.ddns.net").unwrap()];
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }
}
