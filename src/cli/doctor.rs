//! `homeport doctor [NAME...]`: why the router cannot be reached from outside.
//!
//! Shell: gathers the facts (WAN addresses over netlink, status.json or else the state
//! files `homeport update` left, the system
//! resolver, `nft list`, `/proc/net/arp`, TCP connects, fw4's include directory) and
//! hands them to the pure checks in [`crate::doctor`]. Contacts nothing outside the
//! router but the configured resolver, unless asked to: the zone's authoritative servers
//! (`authoritative`, rfc2136 sections) and the outside probe (`probe_url`). Exit status: 0 when no check found a problem,
//! 1 otherwise, 2 when the configuration is unreadable.

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use argh::FromArgs;

use super::{Failure, Outcome};
use crate::compose;
use crate::config::Probe;
use crate::daemon::status_file;
use crate::ddns::http::{HttpClient, Transport};
use crate::ddns::request::HttpRequest;
use crate::diag::Diagnostic;
use crate::dns::DnsError;
use crate::doctor::outside::{self, Outside};
use crate::doctor::{self, Authoritative, CONNECT_TIMEOUT_SECS, Connect, Facts, Probed, Wan};
use crate::lint::Paths;
use crate::nft::apply::Nft;
use crate::nft::fw4;

/// say why the router cannot be reached from outside: every check, one sentence each
#[derive(FromArgs, Debug)]
#[argh(subcommand, name = "doctor")]
pub struct DoctorArgs {
    /// ddns sections, domains or forwards to check (default: all)
    #[argh(positional)]
    pub names: Vec<String>,
    /// print the findings on stdout as JSON
    #[argh(switch)]
    pub json: bool,
    /// the UCI file to read (default /etc/config/homeport)
    #[argh(option, short = 'c', default = "compose::default_config()")]
    pub config: PathBuf,
    /// where the daemon keeps status.json (default /var/run/homeport)
    #[argh(option, default = "compose::default_state_dir()")]
    pub state_dir: PathBuf,
    /// the network config, for LAN subnets and the WAN device (default /etc/config/network)
    #[argh(option, default = "compose::default_network()")]
    pub network: PathBuf,
    /// the DHCP config, for static leases (default /etc/config/dhcp)
    #[argh(option, default = "compose::default_dhcp()")]
    pub dhcp: PathBuf,
    /// the firewall config, for overlapping redirects (default /etc/config/firewall)
    #[argh(option, default = "compose::default_firewall()")]
    pub firewall: PathBuf,
    /// the nft program (default nft)
    #[argh(option, default = "PathBuf::from(\"nft\")")]
    pub nft: PathBuf,
    /// firewall4's include directory (default /usr/share/nftables.d)
    #[argh(option, default = "PathBuf::from(fw4::INCLUDE_ROOT)")]
    pub includes: PathBuf,
    /// the IPv4 neighbour table (default /proc/net/arp)
    #[argh(option, default = "PathBuf::from(\"/proc/net/arp\")")]
    pub neighbours: PathBuf,
    /// send nothing: no name lookups, no connects to forward targets, no outside probe (for a config that
    /// is not this machine's, as `make run`'s demo)
    #[argh(switch)]
    pub offline: bool,
}

#[derive(Debug)]
struct StdoutError(io::Error);

impl std::fmt::Display for StdoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write to stdout: {}", self.0)
    }
}

impl Failure for StdoutError {}

pub fn run(args: DoctorArgs) -> Outcome {
    let loaded = compose::load_config(&args.config)?;
    let cfg = &loaded.config;
    let only = &args.names;
    let paths = Paths {
        network: args.network.clone(),
        dhcp: args.dhcp.clone(),
        firewall: args.firewall.clone(),
        leases: crate::device::read::default_lease_files(),
    };
    let (ctx, unread) = compose::context(cfg, &paths);
    let mut diagnostics = loaded.diagnostics;
    diagnostics.extend(unread);
    diagnostics.extend(compose::check(&cfg.forwards, &ctx));
    if args.offline {
        diagnostics.push(Diagnostic::warning(
            "offline (--offline): no name was looked up and no forward target was connected to",
        ));
    }
    let nft = Nft { program: args.nft.clone(), ..Nft::default() };
    let any_forward = cfg.forwards.iter().any(|f| f.enabled);
    // Connect first: the attempts make the kernel ask ARP, so the neighbour table read
    // afterwards is fresh.
    // One thread per connect and per question to the outside probe (only when probe_url
    // is set), each adding its result (in any order: the checks look results up by
    // address or port); one closure type for both, and threads returning nothing share
    // the scope code `nft`'s apply instantiates: each spawned type costs flash.
    let probe = cfg.main.probe.as_ref().filter(|_| !args.offline);
    let results = std::sync::Mutex::new(Vec::new());
    let answers = std::sync::Mutex::new(Vec::new());
    // Ok: a connect; Err: a question to the probe about that port.
    let mut jobs: Vec<Result<SocketAddr, u16>> = Vec::new();
    if !args.offline {
        jobs.extend(doctor::probes(cfg, &ctx.devices, only).into_iter().map(Ok));
    }
    if probe.is_some() {
        jobs.extend(outside::ports(cfg, only).into_iter().map(Err));
    }
    std::thread::scope(|s| {
        for job in jobs {
            let (results, answers) = (&results, &answers);
            s.spawn(move || match (job, probe) {
                (Ok(a), _) => results.lock().unwrap_or_else(|e| e.into_inner()).push((a, connect(a))),
                (Err(port), Some(p)) => {
                    answers.lock().unwrap_or_else(|e| e.into_inner()).push((port, ask_outside(p, port)))
                }
                (Err(_), None) => {}
            });
        }
    });
    let connects = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let answers = answers.into_inner().unwrap_or_else(|e| e.into_inner());
    let (names, authoritative) = if args.offline { Default::default() } else { names(cfg, only) };
    let facts = Facts {
        wan: Some(wan(cfg, &args.network)),
        status: status_file::read(&args.state_dir).ok().or_else(|| from_state_files(&args.state_dir)),
        names,
        live: any_forward.then(|| nft.listing().map_err(|e| e.to_string())),
        neighbours: std::fs::read_to_string(&args.neighbours).ok().map(|t| doctor::parse_arp(&t)),
        connects,
        fw4_missing: (any_forward && args.includes.is_dir())
            .then(|| compose::missing_includes(&args.includes, &cfg.main.zone)),
        upnp: if any_forward { nft.list_in("chain", "inet", "fw4", "upnp_prerouting").ok().flatten() } else { None },
        pinholes: cfg
            .forwards
            .iter()
            .any(|f| fw4::pinhole_device(f).is_some())
            .then(|| nft.list_in("set", "inet", "fw4", fw4::PINHOLES).map_err(|e| e.to_string())),
        diagnostics,
        devices: ctx.devices,
        outside: probe.map(|p| Probed { host: outside::host(&p.url).to_string(), answers }),
        authoritative,
    };
    let findings = doctor::diagnose(cfg, &facts, only);
    let text = if args.json {
        super::json::ascii(&doctor::render_json(&findings)) + "\n"
    } else {
        doctor::render_text(&findings)
    };
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush()).map_err(StdoutError)?;
    Ok(u8::from(doctor::problems(&findings) > 0))
}

fn wan(cfg: &crate::config::Config, network: &std::path::Path) -> Result<Wan, String> {
    let sources = crate::wan::Sources { network_config: network.to_path_buf(), ..crate::wan::Sources::openwrt() };
    let device = crate::wan::resolve(&cfg.main, &sources).map_err(|e| e.to_string())?.device;
    let addrs =
        crate::netlink::dump_addresses(&device).map_err(|e| format!("reading the addresses of {device}: {e}"))?;
    Ok(Wan {
        device: device.to_string(),
        v4: crate::addr::choose_v4(&addrs, None),
        v6: crate::addr::choose_v6(&addrs, None),
    })
}

/// No daemon status: the results `homeport update` left per section (stopped and why,
/// retrying, last result), as `homeport status` shows them then.
fn from_state_files(dir: &std::path::Path) -> Option<crate::status::Status> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let state = crate::ddns::state::load_all(dir);
    let hosts: Vec<_> = state.iter().map(|(section, p)| crate::ddns::state::summary(section, p, now)).collect();
    (!hosts.is_empty()).then(|| crate::status::Status { hosts, ..Default::default() })
}

/// A domain and the system resolver's answer.
type Answered = (String, Result<Vec<IpAddr>, String>);

/// The system resolver's answers for each domain of the selected, enabled ddns sections;
/// and, for the sections that ask for them (every one with `authoritative '1'` in the main
/// section, else the rfc2136 ones: docs/doctor.md, "Authoritative answers"), what the
/// domain's authoritative servers answer (A and/or AAAA, as the section's `family`).
fn names(cfg: &crate::config::Config, only: &[String]) -> (Vec<Answered>, Vec<Authoritative>) {
    use crate::dns::{authority, client::Timeouts};
    let t = Timeouts { udp: Duration::from_secs(2), udp_attempts: 1, tcp: Duration::from_secs(3) };
    let resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let resolver = authority::nameserver(&resolv);
    let (mut out, mut auth) = (Vec::new(), Vec::new());
    for h in cfg.ddns.iter().filter(|h| h.enabled) {
        let all = only.is_empty() || h.section.name.as_ref().is_some_and(|n| only.contains(n));
        let asked = cfg.main.authoritative || h.service == crate::config::Service::Rfc2136;
        for d in h.domains.iter().filter(|d| all || only.iter().any(|n| n == d.as_str())) {
            out.push((d.to_string(), crate::ddns::run::resolve(d.as_str())));
            if asked {
                let answers = resolver
                    .ok_or(DnsError::Mismatch("no nameserver in /etc/resolv.conf"))
                    .and_then(|r| authority::ask(d, h.family, r, t));
                auth.push(Authoritative { domain: d.to_string(), answers });
            }
        }
    }
    (out, auth)
}

/// Asks the outside probe about `port` (docs/doctor.md, "From outside"): the certificate
/// verified against `cacert` or the system's bundle, plain http only with `use_https '0'`.
/// echoip waits 2 s for the connect back; 15 s bounds the whole exchange.
fn ask_outside(p: &Probe, port: u16) -> Result<Outside, String> {
    let mut client = HttpClient::new(p.cacert.as_deref(), p.plain_http).with_total_timeout(Duration::from_secs(15));
    let resp = client.send(&HttpRequest::get(outside::request_url(&p.url, port))).map_err(|e| e.to_string())?;
    outside::parse(resp.status, &resp.body, port)
}

/// A blocking connect bounded by SO_SNDTIMEO, which Linux applies to connect(2)
/// (socket(7): on timeout it fails with EINPROGRESS). The outcome is the syscall's own
/// errno, never getsockopt(SO_ERROR)'s value, as `TcpStream::connect_timeout` reads it:
/// qemu-user passes that value to the guest untranslated (the host's 111 for a refusal
/// on MIPS, whose ECONNREFUSED is 146), while it translates a syscall's errno.
fn connect(a: SocketAddr) -> Connect {
    use nix::errno::Errno;
    use nix::sys::socket::{self, AddressFamily, SockFlag, SockType, SockaddrStorage, sockopt};
    use std::os::fd::AsRawFd;
    let family = if a.is_ipv4() { AddressFamily::Inet } else { AddressFamily::Inet6 };
    let timeout = nix::sys::time::TimeVal::new(CONNECT_TIMEOUT_SECS as _, 0);
    let result = socket::socket(family, SockType::Stream, SockFlag::SOCK_CLOEXEC, None).and_then(|fd| {
        socket::setsockopt(&fd, sockopt::SendTimeout, &timeout)?;
        socket::connect(fd.as_raw_fd(), &SockaddrStorage::from(a))
    });
    match result {
        Ok(()) => Connect::Open,
        Err(Errno::ECONNREFUSED) => Connect::Refused,
        Err(Errno::EINPROGRESS | Errno::ETIMEDOUT) => Connect::NoAnswer,
        Err(Errno::EHOSTUNREACH | Errno::ENETUNREACH) => Connect::Unreachable,
        Err(e) => Connect::Failed(io::Error::from(e).to_string()),
    }
}
