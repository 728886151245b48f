//! Writing homeport's files safely: state and status files, the config `migrate` rewrites,
//! and the private directory of a dry run.
//!
//! Shell. Every write is atomic and follows no link another user may have planted:
//! a temporary file in the target's directory is created fresh with
//! `O_CREAT|O_EXCL|O_NOFOLLOW` (an existing file or symlink of that name fails the open
//! instead of being followed or truncated; another name is then tried), written, synced,
//! and renamed over the target (`rename` replaces a symlink rather than follows it); the
//! directory is synced so that the rename survives a power cut. A reader sees the old file
//! or the new one, never half of either.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// Temporary names tried before giving up: each taken one means someone else made a file
/// of that name in our directory.
const TEMP_TRIES: u32 = 16;

static SEQ: AtomicU32 = AtomicU32::new(0);

/// Writes `bytes` to `path` atomically, the file getting `mode` (not reduced by the umask).
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let (tmp, mut f) = create_temp(dir, &name.to_string_lossy(), mode)?;
    let result = (|| {
        f.set_permissions(fs::Permissions::from_mode(mode))?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result?;
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A new file `.<name>.<pid>.<n>` in `dir`, created exclusively, never through a link.
fn create_temp(dir: &Path, name: &str, mode: u32) -> io::Result<(PathBuf, File)> {
    let mut taken = None;
    for _ in 0..TEMP_TRIES {
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{n}", std::process::id()));
        let open = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&tmp);
        match open {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => taken = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(taken.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists)))
}

/// A new directory `<tmp>/<prefix>XXXXXX` that only we can enter: `mkdtemp(3)` picks a
/// name nobody had and creates it with mode 0700, so no other user can have prepared it.
pub fn private_dir(prefix: &str) -> io::Result<PathBuf> {
    let template = std::env::temp_dir().join(format!("{prefix}XXXXXX"));
    nix::unistd::mkdtemp(&template).map_err(io::Error::from)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn scratch(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("hp-statefile-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn planted_temp_names_and_symlinks_are_never_followed() {
        let dir = scratch("links");
        let victim = dir.join("victim");
        fs::write(&victim, "precious").unwrap();
        // Every name the next writes could try is a symlink to the victim.
        let next = SEQ.load(Ordering::Relaxed);
        for n in next..next + 64 {
            let name = format!(".state.json.{}.{n}", std::process::id());
            std::os::unix::fs::symlink(&victim, dir.join(name)).unwrap();
        }
        // The target itself is a symlink too: it is replaced, not written through.
        std::os::unix::fs::symlink(&victim, dir.join("state.json")).unwrap();
        let got = write_atomic(&dir.join("state.json"), b"new", 0o600);
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        if got.is_ok() {
            // Only possible when another test took sequence numbers in between.
            assert!(!fs::symlink_metadata(dir.join("state.json")).unwrap().file_type().is_symlink());
        }
        // With the planted names used up, a write goes to a fresh name, replaces the link.
        SEQ.fetch_add(64, Ordering::Relaxed);
        write_atomic(&dir.join("state.json"), b"new", 0o600).unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        let meta = fs::symlink_metadata(dir.join("state.json")).unwrap();
        assert!(meta.file_type().is_file());
        assert_eq!(meta.mode() & 0o7777, 0o600);
        assert_eq!(fs::read_to_string(dir.join("state.json")).unwrap(), "new");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn private_dirs_are_new_and_0700() {
        let a = private_dir("hp-private-test-").unwrap();
        let b = private_dir("hp-private-test-").unwrap();
        assert_ne!(a, b);
        let meta = fs::symlink_metadata(&a).unwrap();
        assert!(meta.is_dir());
        assert_eq!(meta.mode() & 0o7777, 0o700);
        assert_eq!(meta.uid(), nix::unistd::geteuid().as_raw());
        fs::remove_dir(&a).unwrap();
        fs::remove_dir(&b).unwrap();
    }
}
