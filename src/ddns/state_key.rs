//! The per-install key of the configuration fingerprint (`state::fingerprint`):
//! `<state-dir>/fingerprint.key`, 32 random bytes, mode 0600.
//!
//! Shell (file IO, the system's random source). Why a key: the fingerprint covers the
//! credentials (so that fixing a password lifts a fatal stop), and an unkeyed fast hash
//! of a password is a cheap offline guessing target for whoever reads a state file
//! (backups, support bundles). Keyed with HMAC-SHA-256 under a key that never leaves the
//! state directory, the fingerprint says nothing about the secrets (issue 10 item 14).
//!
//! The file is created with `O_CREAT | O_EXCL | O_NOFOLLOW` and mode 0600: a file or
//! symlink planted at the path beforehand is never written through; two processes
//! racing to create it end up with the one that won. When no key can be read or made
//! (a read-only or foreign directory), a fresh key lives in memory for this run: saved
//! states then do not match at the next start, which costs one lookup, nothing worse.

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// The key file's name in the state directory.
pub const FILE_NAME: &str = "fingerprint.key";
const LEN: usize = 32;

/// An HMAC-SHA-256 key; its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct FingerprintKey(hmac::Key);

impl fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FingerprintKey(***)")
    }
}

#[derive(Debug)]
pub enum KeyError {
    Random,
    Io {
        path: PathBuf,
        err: io::Error,
    },
    /// The file exists but is not 32 bytes: damaged, or not ours.
    Length {
        path: PathBuf,
        len: usize,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Random => f.write_str("the system's random source failed"),
            KeyError::Io { path, err } => write!(f, "{}: {err}", path.display()),
            KeyError::Length { path, len } => {
                write!(f, "{}: {len} bytes, not {LEN}: damaged or not homeport's", path.display())
            }
        }
    }
}

impl std::error::Error for KeyError {}

impl FingerprintKey {
    pub fn from_bytes(bytes: &[u8]) -> FingerprintKey {
        FingerprintKey(hmac::Key::new(hmac::HMAC_SHA256, bytes))
    }

    /// A key for this run only.
    pub fn ephemeral() -> Result<FingerprintKey, KeyError> {
        random().map(|b| FingerprintKey::from_bytes(&b))
    }

    /// The first 64 bits of HMAC-SHA-256(key, data).
    pub fn mac64(&self, data: &[u8]) -> u64 {
        let tag = hmac::sign(&self.0, data);
        let mut first = [0u8; 8];
        first.copy_from_slice(tag.as_ref().get(..8).unwrap_or(&[0; 8]));
        u64::from_be_bytes(first)
    }

    /// The key of `dir`, read; `Ok(None)` when there is none yet.
    pub fn read(dir: &Path) -> Result<Option<FingerprintKey>, KeyError> {
        let path = dir.join(FILE_NAME);
        let err = |err| KeyError::Io { path: path.clone(), err };
        let mut f = match fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(err(e)),
        };
        // One byte more than a key, to tell a longer file from a key. A regular file
        // this small comes whole in one read.
        let mut buf = [0u8; LEN + 1];
        let len = f.read(&mut buf).map_err(err)?;
        let Some(key) = buf.get(..LEN).filter(|_| len == LEN) else {
            return Err(KeyError::Length { path, len });
        };
        Ok(Some(FingerprintKey::from_bytes(key)))
    }

    /// The key of `dir`, created (with the directory, mode 0700) when there is none.
    pub fn load_or_create(dir: &Path) -> Result<FingerprintKey, KeyError> {
        if let Some(k) = FingerprintKey::read(dir)? {
            return Ok(k);
        }
        let path = dir.join(FILE_NAME);
        let err = |err| KeyError::Io { path: path.clone(), err };
        if !dir.is_dir() {
            fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(err)?;
        }
        let bytes = random()?;
        let created =
            fs::OpenOptions::new().write(true).create_new(true).mode(0o600).custom_flags(libc::O_NOFOLLOW).open(&path);
        match created {
            Ok(mut f) => {
                if let Err(e) = f.write_all(&bytes).and_then(|_| f.sync_all()) {
                    // A half-written key would be read back as damaged: leave none.
                    let _ = fs::remove_file(&path);
                    return Err(err(e));
                }
                Ok(FingerprintKey::from_bytes(&bytes))
            }
            // Another process made it between our read and our create: use theirs.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                FingerprintKey::read(dir)?.ok_or_else(|| err(io::ErrorKind::NotFound.into()))
            }
            Err(e) => Err(err(e)),
        }
    }

    /// What the daemon and `update` use: the directory's key (created unless `create` is
    /// false, as under `--dry-run`, which writes nothing), else a key for this run, with
    /// the reason in `warn`.
    pub fn for_state_dir(dir: &Path, create: bool, warn: &mut dyn FnMut(String)) -> FingerprintKey {
        let found = if create { FingerprintKey::load_or_create(dir).map(Some) } else { FingerprintKey::read(dir) };
        match found {
            Ok(Some(k)) => return k,
            Ok(None) => {}
            Err(e) => warn(format!("state key: {e}; saved DDNS state will not be recognised after a restart")),
        }
        FingerprintKey::ephemeral().unwrap_or_else(|_| {
            // getrandom(2) does not fail on the kernels OpenWrt ships. Should it, this
            // run's clock and process id key the fingerprints: weaker than random, but
            // still nothing a state file holds.
            let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            let mut seed = t.as_nanos().to_le_bytes().to_vec();
            seed.extend_from_slice(&std::process::id().to_le_bytes());
            FingerprintKey::from_bytes(&seed)
        })
    }
}

fn random() -> Result<[u8; LEN], KeyError> {
    let mut b = [0u8; LEN];
    SystemRandom::new().fill(&mut b).map_err(|_| KeyError::Random)?;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn tempdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("homeport-key-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn created_once_private_and_kept() {
        let dir = tempdir("create");
        assert!(FingerprintKey::read(&dir).unwrap().is_none());
        let a = FingerprintKey::load_or_create(&dir).unwrap();
        let path = dir.join(FILE_NAME);
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(fs::read(&path).unwrap().len(), LEN);
        let b = FingerprintKey::load_or_create(&dir).unwrap();
        assert_eq!(a.mac64(b"x"), b.mac64(b"x"), "the same key the second time");
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn two_installs_two_keys() {
        let (d1, d2) = (tempdir("one"), tempdir("two"));
        let (a, b) = (FingerprintKey::load_or_create(&d1).unwrap(), FingerprintKey::load_or_create(&d2).unwrap());
        assert_ne!(a.mac64(b"same config"), b.mac64(b"same config"));
        let _ = (fs::remove_dir_all(&d1), fs::remove_dir_all(&d2));
    }

    #[test]
    fn a_planted_symlink_or_bad_file_is_not_used() {
        let dir = tempdir("planted");
        fs::create_dir_all(&dir).unwrap();
        let target = dir.join("elsewhere");
        std::os::unix::fs::symlink(&target, dir.join(FILE_NAME)).unwrap();
        assert!(matches!(FingerprintKey::load_or_create(&dir), Err(KeyError::Io { .. })));
        assert!(!target.exists(), "written through the symlink");
        fs::remove_file(dir.join(FILE_NAME)).unwrap();
        fs::write(dir.join(FILE_NAME), b"short").unwrap();
        assert!(matches!(FingerprintKey::load_or_create(&dir), Err(KeyError::Length { len: 5, .. })));
        // The shell's fallback: a key for this run, and a warning saying why.
        let mut warned = Vec::new();
        let k = FingerprintKey::for_state_dir(&dir, true, &mut |w| warned.push(w));
        assert_eq!(warned.len(), 1, "{warned:?}");
        assert!(warned[0].contains("5 bytes"), "{warned:?}");
        assert_ne!(k.mac64(b"x"), FingerprintKey::from_bytes(b"short").mac64(b"x"));
        assert!(!format!("{k:?}").contains("short"));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn dry_run_reads_but_never_creates() {
        let dir = tempdir("dry");
        let _ = FingerprintKey::for_state_dir(&dir, false, &mut |w| panic!("{w}"));
        assert!(!dir.join(FILE_NAME).exists());
        let made = FingerprintKey::load_or_create(&dir).unwrap();
        let read = FingerprintKey::for_state_dir(&dir, false, &mut |w| panic!("{w}"));
        assert_eq!(made.mac64(b"y"), read.mac64(b"y"));
        let _ = fs::remove_dir_all(&dir);
    }
}
