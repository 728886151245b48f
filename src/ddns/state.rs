//! Per-host state files under `--state-dir`: `ddns-<section>.json`, written atomically
//! (temporary file, fsync, rename), so a power cut leaves the old state or the new one,
//! never half of either.
//!
//! Shell for the file IO; [`fingerprint`] and [`file_name`] are pure. The files hold
//! no secret: the fingerprint mixes the credentials into a 64-bit keyed hash, only so
//! that a changed password counts as a changed configuration (which lifts a fatal stop).

use std::fs;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use crate::config::DdnsHost;
use crate::ddns::engine::{Addrs, Persisted};
use crate::ddns::state_key::FingerprintKey;
use crate::diag::SectionRef;
use crate::json_fields::{Fields, FromJson};
use crate::status::HostStatus;
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

/// A keyed hash (HMAC-SHA-256 under the install's key, `state_key`, first 64 bits) over
/// everything that defines the host, credentials included: without the key, the value in
/// a state file says nothing about the secrets.
pub fn fingerprint(host: &DdnsHost, key: &FingerprintKey) -> u64 {
    // Secrets serialize as "***" and `update_url` redacted (it may hold a token), so the
    // credentials are added explicitly: fixing a token must lift a fatal stop.
    let mut text = serde_json::to_string(host).unwrap_or_default();
    let secrets = [&host.password, &host.key_secret, &host.password_ipv6].into_iter().flatten().map(Secret::expose);
    for s in secrets.chain(host.update_url.as_deref()) {
        text.push('\0');
        text.push_str(s);
    }
    key.mac64(text.as_bytes())
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
    parse(&bytes).map(Some).map_err(|err| StateError::Parse { path, err })
}

/// A state file's document, read field by field (json_fields: a derived `Deserialize`
/// would be another 12 KB of parser on mipsel), with the derive's rules: `names`
/// defaults to empty, the `Option` fields to `None`.
fn parse(bytes: &[u8]) -> Result<Persisted, String> {
    let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    Persisted::from_json(&v)
}

impl FromJson for Persisted {
    fn from_json(v: &serde_json::Value) -> Result<Self, String> {
        let f = Fields::of(v, "the state")?;
        Ok(Persisted {
            fingerprint: f.req("fingerprint")?,
            registered: f.opt("registered")?,
            names: f.or_default("names")?,
            confirmed_at: f.opt("confirmed_at")?,
            last_attempt: f.opt("last_attempt")?,
            last_success: f.opt("last_success")?,
            last_result: f.opt("last_result")?,
            failures: f.req("failures")?,
            retry_at: f.opt("retry_at")?,
            stopped: f.opt("stopped")?,
        })
    }
}

impl FromJson for Addrs {
    fn from_json(v: &serde_json::Value) -> Result<Self, String> {
        let f = Fields::of(v, "addresses")?;
        Ok(Addrs { v4: f.opt("v4")?, v6: f.opt("v6")? })
    }
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

/// Every state file in `dir` with its section (the file name's `<section>`), sorted;
/// unreadable or damaged files are skipped. For `homeport status` when no daemon wrote a
/// status: the results `homeport update` left.
pub fn load_all(dir: &Path) -> Vec<(String, Persisted)> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let names: Vec<String> = entries
        .filter_map(|e| Some(e.ok()?.file_name().to_str()?.strip_prefix("ddns-")?.strip_suffix(".json")?.to_string()))
        .collect();
    // Sorted as `&str` (an instance the binary already has: flash is tight).
    let mut order: Vec<&str> = names.iter().map(String::as_str).collect();
    order.sort_unstable();
    order
        .into_iter()
        .filter_map(|n| {
            let bytes = fs::read(dir.join(format!("ddns-{n}.json"))).ok()?;
            Some((n.to_string(), parse(&bytes).ok()?))
        })
        .collect()
}

/// A host's status from its state file alone (no configuration, no daemon): its names,
/// what they hold, the last result, and whether it is stopped or waiting.
pub fn summary(section: &str, p: &Persisted, now: u64) -> HostStatus {
    let reg = p.registered.unwrap_or_default();
    let (state, next) = if p.stopped.is_some() {
        ("stopped", None)
    } else if let Some(t) = p.retry_at.filter(|t| *t > now) {
        ("backoff", Some(t))
    } else if p.registered.is_some() && p.last_result.is_some() {
        ("ok", None)
    } else {
        ("pending", None)
    };
    HostStatus {
        section: section.to_string(),
        domains: p.names.iter().map(|(n, _)| n.clone()).collect(),
        state: state.into(),
        enabled: true,
        registered_ipv4: reg.v4,
        registered_ipv6: reg.v6,
        last_attempt: p.last_attempt,
        last_result: p.last_result.clone(),
        last_success: p.last_success,
        next_action: next.map(|_| "retry".to_string()),
        next_at: next,
        error: p.stopped.clone(),
        ..HostStatus::default()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_state_reader_accepts_and_refuses_what_the_derived_one_does() {
        use serde_json::{Value, json};
        let good = json!({
            "fingerprint": 18446744073709551615u64,
            "registered": {"v4": "198.51.100.7", "v6": "2001:db8::7"},
            "names": [["a.example.org", {"v4": "198.51.100.7", "v6": null}], ["b.example.org", {}]],
            "confirmed_at": 1, "last_attempt": 2, "last_success": 3, "last_result": "updated (good)",
            "failures": 4, "retry_at": 5, "stopped": "badauth"
        });
        let mut cases = vec![good.clone(), json!({"fingerprint": 1, "failures": 0}), json!([]), json!(null)];
        let keys: Vec<String> = good.as_object().unwrap().keys().cloned().collect();
        for key in keys {
            for change in [None, Some(Value::Null), Some(json!(-1)), Some(json!("x")), Some(json!(4294967296u64))] {
                let mut v = good.clone();
                match change {
                    None => v.as_object_mut().unwrap().remove(&key),
                    Some(c) => v.as_object_mut().unwrap().insert(key.clone(), c),
                };
                cases.push(v);
            }
        }
        for bad in [json!([["a"]]), json!([["a", {"v4": "::1"}]]), json!([["a", {}, 1]]), json!({"a": {}})] {
            let mut v = good.clone();
            v["names"] = bad;
            cases.push(v);
        }
        let mut v = good.clone();
        v["unknown"] = json!(true);
        cases.push(v);
        for case in cases {
            let text = case.to_string();
            let by_hand = super::parse(text.as_bytes());
            let derived = serde_json::from_str::<super::Persisted>(&text).map_err(|e| e.to_string());
            assert_eq!(by_hand.is_ok(), derived.is_ok(), "{case}: {by_hand:?} / {derived:?}");
            if let (Ok(a), Ok(b)) = (by_hand, derived) {
                assert_eq!(a, b, "{case}");
            }
        }
    }

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

    fn key() -> FingerprintKey {
        FingerprintKey::from_bytes(&[7; 32])
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
        let before = fingerprint(&h, &key());
        h.update_url = Some("https://webcall.example.net/update/NEWTOKEN?ip=[IP]".into());
        assert_ne!(before, fingerprint(&h, &key()));
    }

    /// Issue 10 item 14: the fingerprint depends on the install's key, and what a state
    /// file holds is not an unkeyed hash of the configuration and its secrets.
    #[test]
    fn fingerprints_are_keyed() {
        let mut h = host(Service::Noip, &["home.ddns.net"]);
        h.password = Some(Secret::new("hunter2"));
        let other = FingerprintKey::from_bytes(&[8; 32]);
        assert_ne!(fingerprint(&h, &key()), fingerprint(&h, &other));
        assert_eq!(fingerprint(&h, &key()), fingerprint(&h.clone(), &key()));

        let dir = tempdir("keyed");
        let s = SectionRef { ty: "ddns".into(), index: 0, name: Some("home".into()) };
        save(&dir, &s, &Persisted { fingerprint: fingerprint(&h, &key()), ..Persisted::default() }).unwrap();
        let text = fs::read_to_string(dir.join("ddns-home.json")).unwrap();
        // The unkeyed hashes a guesser could recompute from a candidate password: FNV-1a
        // (what this file held before) and the first 64 bits of SHA-256, over the same text.
        let mut material = serde_json::to_string(&h).unwrap();
        material.push('\0');
        material.push_str("hunter2");
        let fnv =
            material.bytes().fold(0xcbf2_9ce4_8422_2325u64, |a, b| (a ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        let sha = ring::digest::digest(&ring::digest::SHA256, material.as_bytes());
        let sha64 = u64::from_be_bytes(sha.as_ref()[..8].try_into().unwrap());
        for unkeyed in [fnv, sha64] {
            assert!(!text.contains(&unkeyed.to_string()), "state file holds an unkeyed hash: {text}");
        }
        assert!(!text.contains("hunter2"));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn names_and_fingerprints() {
        assert_eq!(file_name(&SectionRef { ty: "ddns".into(), index: 3, name: None }), "ddns-@3.json");
        assert_eq!(file_name(&SectionRef { ty: "ddns".into(), index: 3, name: Some("../x".into()) }), "ddns-@3.json");
        let a = host(Service::Noip, &["home.ddns.net"]);
        let mut b = a.clone();
        assert_eq!(fingerprint(&a, &key()), fingerprint(&b, &key()));
        b.password = Some(Secret::new("other"));
        assert_ne!(fingerprint(&a, &key()), fingerprint(&b, &key()));
        let mut c = a.clone();
        c.domains = vec![crate::types::Hostname::parse("nas.ddns.net").unwrap()];
        assert_ne!(fingerprint(&a, &key()), fingerprint(&c, &key()));
    }
}
