//! `homeport migrate`: brings a ddns-scripts setup (`/etc/config/ddns`) over as
//! `config ddns` sections of the homeport config. The conversion is `migrate::migrate`
//! (pure); this is the shell: read both files, add, write atomically, report.

use crate::compose;
use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use argh::FromArgs;

use super::{Failure, Outcome};
use crate::diag::Diagnostic;
use crate::migrate;
use crate::uci::{self, Package, Value};

/// convert ddns-scripts' /etc/config/ddns into homeport `config ddns` sections
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "migrate")]
pub struct MigrateArgs {
    /// homeport config to add the sections to (default /etc/config/homeport)
    #[argh(option, short = 'c', default = "compose::default_config()")]
    pub config: PathBuf,
    /// ddns-scripts config to read (default /etc/config/ddns)
    #[argh(option, default = "PathBuf::from(\"/etc/config/ddns\")")]
    pub from: PathBuf,
    /// print the sections that would be added, secrets masked, and change nothing
    #[argh(switch, short = 'n')]
    pub dry_run: bool,
}

#[derive(Debug)]
pub enum MigrateError {
    Read(uci::LoadError),
    /// The homeport config does not parse strictly: writing it back would drop lines.
    Target(uci::LoadError),
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl fmt::Display for MigrateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MigrateError::Read(e) => write!(f, "{e}"),
            MigrateError::Target(e) => write!(f, "{e} (fix it first: homeport check; nothing was changed)"),
            MigrateError::Write { path, source } => write!(f, "{}: {source} (nothing was changed)", path.display()),
        }
    }
}

impl Failure for MigrateError {
    fn exit_code(&self) -> u8 {
        2
    }
}

/// Reads the file libuci would read for `path`, within the reader's bounds.
fn read(path: &Path) -> Result<(Vec<u8>, PathBuf), uci::LoadError> {
    let real = uci::resolve(path, &uci::ConfigDirs::default());
    match uci::read_bounded(&real) {
        Ok(bytes) => Ok((bytes, real)),
        Err(source) => Err(uci::LoadError::Io { path: real, source }),
    }
}

pub fn run(args: MigrateArgs) -> Outcome {
    let (bytes, from) = read(&args.from).map_err(MigrateError::Read)?;
    let ddns = uci::parse_checked(&bytes, &uci::package_name(&args.from))
        .map_err(|error| MigrateError::Read(uci::LoadError::Parse { path: from.clone(), error }))?;
    let migration = migrate::migrate_parsed(&ddns);
    let mut notes: Vec<Diagnostic> = Vec::new();
    for e in &ddns.errors {
        notes.push(Diagnostic::warning(format!("{}: {e}: line skipped", from.display())));
    }

    if args.dry_run {
        let shown =
            Package { name: "homeport".into(), sections: migration.sections.iter().cloned().map(mask).collect() };
        notes.extend(migration.notes);
        print!("{}", uci::write(&shown));
        report(&notes);
        return Ok(0);
    }

    let (text, target) = read(&args.config).map_err(MigrateError::Target)?;
    let name = uci::package_name(&args.config);
    let parse_err = |error| MigrateError::Target(uci::LoadError::Parse { path: target.clone(), error });
    let mut package = uci::parse_strict(&text, &name).map_err(parse_err)?;
    let before = package.sections.len();
    notes.extend(migrate::add_to(&mut package, migration));
    let added = package.sections.get(before..).unwrap_or_default();
    if !added.is_empty() {
        // From the file's bytes, not the model: a value that is not UTF-8 in a section
        // left as it was stays byte for byte what it was (as `uci commit` keeps it).
        write_atomic(&target, &uci::write_adding(&text, &name, added).map_err(parse_err)?)?;
    }
    let added: Vec<String> = added.iter().filter_map(|s| s.name.clone()).collect();
    report(&notes);
    if added.is_empty() {
        println!("nothing added to {}", target.display());
    } else {
        println!("added to {}: {}", target.display(), added.join(", "));
        println!("next: homeport check; stop ddns-scripts so the two do not both update the same names");
        println!("      (/etc/init.d/ddns stop; /etc/init.d/ddns disable); then /etc/init.d/homeport reload");
    }
    Ok(0)
}

fn mask(mut s: uci::Section) -> uci::Section {
    for o in &mut s.options {
        // As `check --show` does (`update_url` often embeds a token).
        if crate::config::is_secret_option(&o.name) {
            o.value = Value::Single("***".into());
        }
    }
    s
}

fn report(notes: &[Diagnostic]) {
    let mut err = std::io::stderr().lock();
    for n in notes {
        let _ = writeln!(err, "{n}");
    }
}

/// Writes as `uci commit` does: a temporary file in the same directory (created fresh,
/// never through a link), the old file's mode (0600 for a new one), fsync, rename over.
fn write_atomic(path: &Path, text: &[u8]) -> Result<(), MigrateError> {
    let mode = fs::metadata(path).map(|m| m.permissions().mode() & 0o7777).unwrap_or(0o600);
    crate::statefile::write_atomic(path, text, mode)
        .map_err(|source| MigrateError::Write { path: path.to_path_buf(), source })
}
