//! Pieces every subcommand shares: the default paths for `-c/--config` and
//! `--state-dir`, reading the configuration, and printing diagnostics.
//!
//! Shell. Subcommands declare the options themselves (argh has no flattening):
//!
//! ```ignore
//! /// the UCI file to read (default /etc/config/homeport)
//! #[argh(option, short = 'c', default = "common::default_config()")]
//! config: PathBuf,
//! /// where state is kept (default /var/run/homeport)
//! #[argh(option, default = "common::default_state_dir()")]
//! state_dir: PathBuf,
//! ```

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::config::{self, Loaded};
use crate::diag::Diagnostic;
use crate::uci;

use super::Failure;

pub const DEFAULT_CONFIG: &str = "/etc/config/homeport";
pub const DEFAULT_STATE_DIR: &str = "/var/run/homeport";

pub fn default_config() -> PathBuf {
    PathBuf::from(DEFAULT_CONFIG)
}

pub fn default_state_dir() -> PathBuf {
    PathBuf::from(DEFAULT_STATE_DIR)
}

/// The configuration file could not be read (missing, permissions, a directory).
#[derive(Debug)]
pub struct Unreadable {
    pub path: PathBuf,
    pub source: io::Error,
}

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read {}: {}", self.path.display(), self.source)
    }
}

impl Failure for Unreadable {
    /// `homeport check` documents 2 for an unreadable file; every command keeps it.
    fn exit_code(&self) -> u8 {
        2
    }
}

/// The bytes of the file libuci would read for `path` (`/var/run/uci/<name>` when it
/// exists for a file in `/etc/config`), and that file's path. A file over the reader's
/// bounds (1 MiB, or a line over 64 KiB) is unreadable as well: nothing of it is used.
pub fn read_config_file(path: &Path) -> Result<(Vec<u8>, PathBuf), Unreadable> {
    let real = uci::resolve(path, &uci::ConfigDirs::default());
    let bytes = match uci::read_bounded(&real) {
        Ok(bytes) => bytes,
        Err(source) => return Err(Unreadable { path: real, source }),
    };
    match uci::check_bounds(&bytes) {
        Ok(()) => Ok((bytes, real)),
        // As text: wrapping the error itself would add its `Debug` to the binary.
        Err(e) => Err(Unreadable { path: real, source: io::Error::new(io::ErrorKind::InvalidData, e.to_string()) }),
    }
}

/// Reads, parses (leniently, as init scripts do) and validates the configuration at
/// `path`. The package is named after the file, as libuci names it.
pub fn load_config(path: &Path) -> Result<Loaded, Unreadable> {
    let (bytes, _) = read_config_file(path)?;
    Ok(config::from_text(&bytes, &uci::package_name(path)))
}

/// Writes each diagnostic on its own line to stderr.
pub fn print_diagnostics(diags: &[Diagnostic]) {
    let mut err = io::stderr().lock();
    for d in diags {
        // A closed stderr leaves nothing better to do than carry on.
        let _ = writeln!(err, "{d}");
    }
}
