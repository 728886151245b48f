//! `homeport migrate`: brings a ddns-scripts setup (`/etc/config/ddns`) over as
//! `config ddns` sections of the homeport config. The conversion is `migrate::migrate`
//! (pure); this is the shell: read both files, add, write atomically, report.

use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use argh::FromArgs;

use super::{Failure, Outcome, common};
use crate::diag::Diagnostic;
use crate::migrate;
use crate::uci::{self, Mode, Package, Value};

/// convert ddns-scripts' /etc/config/ddns into homeport `config ddns` sections
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "migrate")]
pub struct MigrateArgs {
    /// homeport config to add the sections to (default /etc/config/homeport)
    #[argh(option, short = 'c', default = "common::default_config()")]
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

pub fn run(args: MigrateArgs) -> Outcome {
    let ddns = uci::load(&args.from, Mode::Lenient).map_err(MigrateError::Read)?;
    let migration = migrate::migrate(&ddns.package);
    let mut notes: Vec<Diagnostic> = Vec::new();
    for e in &ddns.errors {
        notes.push(Diagnostic::warning(format!("{}: {e}: line skipped", ddns.path.display())));
    }

    if args.dry_run {
        let shown =
            Package { name: "homeport".into(), sections: migration.sections.iter().cloned().map(mask).collect() };
        notes.extend(migration.notes);
        print!("{}", uci::write(&shown));
        report(&notes);
        return Ok(0);
    }

    let target = uci::load(&args.config, Mode::Strict).map_err(MigrateError::Target)?;
    let mut package = target.package;
    let before = package.sections.len();
    notes.extend(migrate::add_to(&mut package, migration));
    let added: Vec<String> = package.sections.iter().skip(before).filter_map(|s| s.name.clone()).collect();
    if !added.is_empty() {
        write_atomic(&target.path, &uci::write(&package))?;
    }
    report(&notes);
    if added.is_empty() {
        println!("nothing added to {}", target.path.display());
    } else {
        println!("added to {}: {}", target.path.display(), added.join(", "));
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

/// Writes as `uci commit` does: a temporary file in the same directory, the old file's
/// mode (0600 for a new one), fsync, rename over.
fn write_atomic(path: &Path, text: &str) -> Result<(), MigrateError> {
    let wrap = |source| MigrateError::Write { path: path.to_path_buf(), source };
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("homeport");
    let tmp = dir.join(format!(".{name}.homeport-migrate"));
    let mode = fs::metadata(path).map(|m| m.permissions().mode() & 0o7777).unwrap_or(0o600);
    let result = (|| {
        let mut f = fs::OpenOptions::new().write(true).create(true).truncate(true).open(&tmp)?;
        f.set_permissions(fs::Permissions::from_mode(mode))?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(wrap)
}
