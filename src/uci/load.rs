//! Reading a UCI file from disk, with libuci's runtime override directory.
//!
//! Shell: the only module of `uci` that does IO. Since January 2025 (openwrt/uci
//! fb3c234) libuci reads `/var/run/uci/<name>` instead of `/etc/config/<name>` when the
//! former exists; a daemon that parses its config itself must do the same, or it would
//! act on settings the rest of the system no longer uses. As in libuci, the override only
//! applies to configs addressed in the config directory, not to files elsewhere.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::error::ParseError;
use super::model::Package;
use super::parse::{Mode, parse_raw};

/// Where libuci looks: the config directory and the runtime override directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigDirs {
    /// `/etc/config`.
    pub config_dir: PathBuf,
    /// `/var/run/uci`.
    pub runtime_dir: PathBuf,
}

impl Default for ConfigDirs {
    fn default() -> ConfigDirs {
        ConfigDirs { config_dir: PathBuf::from("/etc/config"), runtime_dir: PathBuf::from("/var/run/uci") }
    }
}

/// A file read and parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    pub package: Package,
    /// Lenient mode: the errors skipped over (empty in strict mode).
    pub errors: Vec<ParseError>,
    /// The file actually read: the runtime override when there is one.
    pub path: PathBuf,
}

#[derive(Debug)]
pub enum LoadError {
    Io { path: PathBuf, source: io::Error },
    Parse { path: PathBuf, error: ParseError },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { path, source } => write!(f, "{}: {}", path.display(), source),
            LoadError::Parse { path, error } => write!(f, "{}: {}", path.display(), error),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Io { source, .. } => Some(source),
            LoadError::Parse { error, .. } => Some(error),
        }
    }
}

/// The package name libuci gives a file: its base name.
pub fn package_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The file libuci would read for `path`: `<runtime_dir>/<name>` if `path` is
/// `<config_dir>/<name>` and the override exists, else `path` itself.
pub fn resolve(path: &Path, dirs: &ConfigDirs) -> PathBuf {
    if let (Some(parent), Some(name)) = (path.parent(), path.file_name())
        && parent == dirs.config_dir
    {
        let over = dirs.runtime_dir.join(name);
        if over.exists() {
            return over;
        }
    }
    path.to_path_buf()
}

/// Reads `path`, but at most one byte more than [`MAX_FILE`](super::MAX_FILE): enough for
/// the parser to refuse an oversized file without it ever being held in memory whole.
pub fn read_bounded(path: &Path) -> io::Result<Vec<u8>> {
    // A plain loop rather than `take().read_to_end()`: the same, in a fraction of the code.
    let mut f = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    while bytes.len() <= super::MAX_FILE {
        match f.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(bytes)
}

/// Reads and parses `path` with the standard directories (`/etc/config`, `/var/run/uci`).
pub fn load(path: &Path, mode: Mode) -> Result<Loaded, LoadError> {
    load_in(path, &ConfigDirs::default(), mode)
}

/// Reads and parses `path`, honouring `dirs.runtime_dir` for files in `dirs.config_dir`.
/// The package is named after `path`'s base name.
pub fn load_in(path: &Path, dirs: &ConfigDirs, mode: Mode) -> Result<Loaded, LoadError> {
    let real = resolve(path, dirs);
    let bytes = read_bounded(&real).map_err(|source| LoadError::Io { path: real.clone(), source })?;
    match parse_raw(&bytes, &package_name(path), mode) {
        Ok((raw, errors)) => Ok(Loaded { package: raw.to_model(), errors, path: real }),
        Err(error) => Err(LoadError::Parse { path: real, error }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_files_by_base_name() {
        assert_eq!(package_name(Path::new("/etc/config/homeport")), "homeport");
        assert_eq!(package_name(Path::new("case.uci")), "case.uci");
    }

    #[test]
    fn reads_whole_small_files_and_stops_just_past_the_limit() {
        let path = std::env::temp_dir().join(format!("hp-read-bounded-{}", std::process::id()));
        std::fs::write(&path, b"config t\n").unwrap_or_default();
        assert_eq!(read_bounded(&path).ok(), Some(b"config t\n".to_vec()));
        std::fs::write(&path, vec![b'#'; 3 * super::super::MAX_FILE]).unwrap_or_default();
        let n = read_bounded(&path).map(|b| b.len()).unwrap_or_default();
        assert!(n > super::super::MAX_FILE && n <= super::super::MAX_FILE + 4096, "{n}");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn override_only_inside_config_dir() {
        let dirs = ConfigDirs { config_dir: PathBuf::from("/nonexistent/etc"), runtime_dir: std::env::temp_dir() };
        // Outside the config dir the path is taken as given, even if an override exists.
        assert_eq!(resolve(Path::new("/elsewhere/x"), &dirs), PathBuf::from("/elsewhere/x"));
    }
}
