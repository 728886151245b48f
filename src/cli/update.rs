//! `homeport update [--force] [SECTION...]`: one update pass for the chosen ddns sections
//! with the current WAN address; one line per section on stdout, reachability warnings on
//! stderr; exit status 1 when any section failed (or has nothing to publish).
//!
//! Shell around [`crate::ddns::oneshot::run_pass`]: reads the configuration, finds the WAN
//! device and its addresses, gives each section an HTTP client for its TLS settings.

use crate::compose;
use std::fmt;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use argh::FromArgs;

use crate::config::{DdnsHost, IpSource};
use crate::ddns::http::{HttpClient, Transport};
use crate::ddns::oneshot::{Pass, run_pass};
use crate::netlink::{self, AddrInfo};
use crate::wan::{self, Sources};

use super::common;
use super::{EXIT_USAGE, Failure, Outcome};

/// update the Dynamic DNS names now, once
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "update")]
pub struct UpdateArgs {
    /// update even if the provider already holds the address (also lifts a stop after a
    /// fatal answer, and any backoff)
    #[argh(switch)]
    pub force: bool,
    /// the UCI file to read (default /etc/config/homeport)
    #[argh(option, short = 'c', default = "compose::default_config()")]
    pub config: PathBuf,
    /// where state is kept (default /var/run/homeport)
    #[argh(option, default = "compose::default_state_dir()")]
    pub state_dir: PathBuf,
    /// the ddns sections to update, by name or as @ddns[N] (default: every enabled one)
    #[argh(positional)]
    pub sections: Vec<String>,
}

#[derive(Debug)]
enum UpdateError {
    UnknownSection { name: String, known: Vec<String> },
}

impl fmt::Display for UpdateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpdateError::UnknownSection { name, known } if known.is_empty() => {
                write!(f, "no ddns section '{name}': the configuration has no usable ddns sections")
            }
            UpdateError::UnknownSection { name, known } => {
                write!(f, "no ddns section '{name}' (there are: {})", known.join(", "))
            }
        }
    }
}

impl Failure for UpdateError {
    fn exit_code(&self) -> u8 {
        EXIT_USAGE
    }
}

fn names(h: &DdnsHost) -> [Option<String>; 2] {
    [h.section.name.clone(), Some(format!("@ddns[{}]", h.section.index))]
}

pub fn run(args: UpdateArgs) -> Outcome {
    let loaded = compose::load_config(&args.config)?;
    common::print_diagnostics(&loaded.diagnostics);
    let all = &loaded.config.ddns;
    let mut chosen: Vec<&DdnsHost> = Vec::new();
    let mut out = io::stdout().lock();
    if args.sections.is_empty() {
        chosen.extend(all.iter().filter(|h| h.enabled));
    } else {
        for want in &args.sections {
            let Some(h) = all.iter().find(|h| names(h).iter().flatten().any(|n| n == want)) else {
                let known = all.iter().filter_map(|h| names(h).into_iter().flatten().next()).collect();
                return Err(UpdateError::UnknownSection { name: want.clone(), known }.into());
            };
            if !h.enabled {
                let _ = writeln!(out, "{}: disabled (enabled 0), not updated", crate::ddns::run::label(h));
            } else if !chosen.iter().any(|c| std::ptr::eq(*c, h)) {
                chosen.push(h);
            }
        }
    }
    if chosen.is_empty() {
        if args.sections.is_empty() {
            let _ = writeln!(out, "no enabled ddns sections");
        }
        return Ok(0);
    }

    let device: Result<Vec<AddrInfo>, String> = wan::resolve(&loaded.config.main, &Sources::openwrt())
        .map_err(|e| e.to_string())
        .and_then(|w| netlink::dump_addresses(&w.device).map_err(|e| format!("WAN device {}: {e}", w.device)));
    // Only sections reading the WAN device need it; a web-sourced section does not care.
    let needs_device = chosen.iter().any(|h| h.ip_source != IpSource::Web);
    // `ip_source 'device'`: the LAN devices from the DHCP leases and the neighbour table.
    let mut devices = crate::device::resolve::Devices::default();
    if chosen.iter().any(|h| h.ip_source == IpSource::Device) {
        let files = crate::device::read::default_lease_files();
        common::print_diagnostics(&crate::device::read::current(&mut devices, &files, None));
    }
    let device_ref: Result<&[AddrInfo], String> = match &device {
        Ok(d) => Ok(d.as_slice()),
        Err(e) if needs_device => Err(e.clone()),
        Err(_) => Err(String::new()),
    };
    let unix = || SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let now = unix().as_secs();
    // Rounded up: a wait an answer asks for must not end before it is over (as the daemon).
    let answered = || {
        let d = unix();
        d.as_secs() + u64::from(d.subsec_nanos() > 0)
    };
    let pass =
        Pass { state_dir: &args.state_dir, force: args.force, now, answered: &answered, devices: Some(&devices) };
    let mut transport_for =
        |h: &DdnsHost| Box::new(HttpClient::new(h.cacert.as_deref(), !h.use_https)) as Box<dyn Transport>;
    let report = run_pass(&chosen, device_ref, &pass, &mut transport_for, &mut |_, _| {});

    for h in &report.hosts {
        let _ = writeln!(out, "{}: {}", h.label, h.line);
        for n in h.notes.iter().filter(|n| !n.is_empty()) {
            let _ = writeln!(out, "  note: {n}");
        }
    }
    let _ = out.flush();
    let mut err = io::stderr().lock();
    for w in &report.warnings {
        let _ = writeln!(err, "warning: {}", w.message);
    }
    Ok(u8::from(!report.all_ok()))
}
