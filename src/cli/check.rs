//! `homeport check`: validate the configuration and say what is wrong with it.
//!
//! Shell around [`crate::config::from_text`]. Diagnostics go to stderr, one per line;
//! with `--show` the file is also printed on stdout as `uci show` prints it, after a
//! strict parse as `uci show` does, secrets masked unless `--reveal`. With `--json` the
//! diagnostics are one JSON document on stdout instead (what LuCI shows before Save &
//! Apply, issue 12 item 5). Exit status: 0
//! usable, 1 errors, 2 unreadable.

use std::fmt;
use std::io::{self, Write};
use std::path::PathBuf;

use crate::config;
use crate::diag::{Diagnostic, Severity};
use crate::uci::{self, ParseError};
use argh::FromArgs;
use serde::Serialize;

use super::common;
use super::{Failure, Outcome};
use crate::compose;
use crate::lint::Paths;

/// check the configuration and print every problem found
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "check")]
pub struct CheckArgs {
    /// the UCI file to read (default /etc/config/homeport)
    #[argh(option, short = 'c', default = "compose::default_config()")]
    pub config: PathBuf,
    /// also print the file on stdout as `uci show` does (parsing it strictly), with the
    /// values of password, key_secret and update_url as '***'
    #[argh(switch)]
    pub show: bool,
    /// print the problems on stdout as JSON
    #[argh(switch)]
    pub json: bool,
    /// with --show, print secret values as they are
    #[argh(switch)]
    pub reveal: bool,
    /// the network config, for the forward lint's LAN subnets (default /etc/config/network)
    #[argh(option, default = "compose::default_network()")]
    pub network: PathBuf,
    /// the DHCP config, for the forward lint's static leases (default /etc/config/dhcp)
    #[argh(option, default = "compose::default_dhcp()")]
    pub dhcp: PathBuf,
    /// the firewall config, for overlapping redirects (default /etc/config/firewall)
    #[argh(option, default = "compose::default_firewall()")]
    pub firewall: PathBuf,
}

#[derive(Debug)]
enum CheckError {
    /// `--show`: the strict parse failed, as `uci show` would.
    Syntax {
        path: PathBuf,
        error: ParseError,
    },
    Stdout(io::Error),
    /// `--show` and `--json` both want stdout.
    ShowAndJson,
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::Syntax { path, error } => write!(f, "{}: {}", path.display(), error),
            CheckError::Stdout(e) => write!(f, "cannot write to stdout: {e}"),
            CheckError::ShowAndJson => f.write_str("--show and --json cannot be combined"),
        }
    }
}

impl Failure for CheckError {
    fn exit_code(&self) -> u8 {
        match self {
            CheckError::ShowAndJson => super::EXIT_USAGE,
            _ => 1,
        }
    }
}

pub fn run(args: CheckArgs) -> Outcome {
    if args.show && args.json {
        return Err(CheckError::ShowAndJson.into());
    }
    let (bytes, real) = compose::read_config_file(&args.config)?;
    let name = uci::package_name(&args.config);
    if args.show {
        // docs/config.md: secrets are never printed unless asked for (`--reveal`, which
        // makes the output byte for byte `uci show`'s).
        let masked = |option: &str| !args.reveal && config::is_secret_option(option);
        let shown = uci::show_bytes_masked(&bytes, &name, uci::Mode::Strict, &masked)
            .map_err(|error| CheckError::Syntax { path: real.clone(), error })?;
        let mut out = io::stdout().lock();
        out.write_all(&shown.0).and_then(|()| out.flush()).map_err(CheckError::Stdout)?;
    }
    let loaded = config::from_text(&bytes, &name);
    // The forward safety lint (compose::check): conflicts, exposed services, targets.
    let paths = Paths {
        network: args.network,
        dhcp: args.dhcp,
        firewall: args.firewall,
        leases: crate::device::read::default_lease_files(),
    };
    let (ctx, mut diags) = compose::context(&loaded.config, &paths);
    diags.extend(compose::check(&loaded.config.forwards, &ctx));
    let mut all = loaded.diagnostics;
    all.extend(diags);
    if args.json {
        // The WAN's reachability is the status page's business, not the file's.
        super::json::print(&JsonReport::new(&all)).map_err(CheckError::Stdout)?;
    } else {
        common::print_diagnostics(&all);
        print_reachability(&loaded.config);
    }
    Ok(u8::from(config::has_errors(&all)))
}

/// `check --json`: the counts, and each diagnostic with stable field names. `section` is
/// the `@type[N]` form (N counts every section of the type, named ones too); `name` is
/// the section's name, if it has one; `value` is absent for secrets.
#[derive(Serialize)]
struct JsonReport<'a> {
    errors: usize,
    warnings: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    section: Option<String>,
    #[serde(rename = "type")]
    ty: Option<&'a str>,
    index: Option<usize>,
    name: Option<&'a str>,
    option: Option<&'a str>,
    value: Option<&'a str>,
    message: &'a str,
}

impl<'a> JsonReport<'a> {
    fn new(all: &'a [Diagnostic]) -> JsonReport<'a> {
        let errors = all.iter().filter(|d| d.is_error()).count();
        let diagnostics = all
            .iter()
            .map(|d| {
                let s = d.section.as_ref();
                JsonDiagnostic {
                    severity: d.severity,
                    section: s.map(|s| format!("@{}[{}]", s.ty, s.index)),
                    ty: s.map(|s| s.ty.as_str()),
                    index: s.map(|s| s.index),
                    name: s.and_then(|s| s.name.as_deref()),
                    option: d.option.as_deref(),
                    value: d.value.as_deref(),
                    message: &d.message,
                }
            })
            .collect();
        JsonReport { errors, warnings: all.len() - errors, diagnostics }
    }
}

/// What the WAN address means for the enabled ddns sections (CGNAT, private, no IPv6),
/// in plain words on stderr. Said only when the WAN device and its addresses are known
/// here (on the router); it never changes the exit status.
fn print_reachability(cfg: &config::Config) {
    if !cfg.ddns.iter().any(|h| h.enabled) {
        return;
    }
    let Ok(wan) = crate::wan::resolve(&cfg.main, &crate::wan::Sources::openwrt()) else { return };
    let Ok(addrs) = crate::netlink::dump_addresses(&wan.device) else { return };
    let mut err = io::stderr().lock();
    for w in crate::addr::reach::for_hosts(&cfg.ddns, &addrs) {
        let _ = writeln!(err, "warning: WAN {}: {}", wan.device, w.message);
    }
}
