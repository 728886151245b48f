//! The forward safety lint: what `homeport check` and `homeport apply` warn about before
//! a port is opened to the internet.
//!
//! Pure ([`lint`]) apart from [`load_context`], which reads the router's other UCI
//! packages through a loader the caller supplies. Every finding is a [`Diagnostic`]
//! naming the forward section and option. Conflicts between our own forwards are errors
//! found by the planner (`nft::plan`), since they decide what is rendered.

pub mod ports;
pub mod system;

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use crate::config::{Forward, MainSettings};
use crate::diag::Diagnostic;
use crate::nft::plan::{Family, L4};
use crate::types::{Cidr, IfName, UciName};
use crate::uci::Package;
pub use system::Redirect;

/// Where the router's other configuration lives (configurable for tests and `-c` use).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    pub network: PathBuf,
    pub dhcp: PathBuf,
    pub firewall: PathBuf,
    /// DHCP lease files, for forwards to a device (`dest_mac`, `dest_host`).
    pub leases: Vec<PathBuf>,
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            network: "/etc/config/network".into(),
            dhcp: "/etc/config/dhcp".into(),
            firewall: "/etc/config/firewall".into(),
            leases: crate::device::read::default_lease_files(),
        }
    }
}

/// What the lint knows about the router. `None` means the source was not available and
/// the checks depending on it are skipped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Context {
    /// The WAN firewall zone (`main.zone`): fw4 redirects from it may overlap ours.
    pub zone: Option<UciName>,
    pub lan_subnets: Option<Vec<Cidr>>,
    /// The devices of the same LAN-side interfaces: reflection comes only from these.
    pub lan_devices: Option<Vec<IfName>>,
    pub static_leases: Option<Vec<IpAddr>>,
    pub redirects: Vec<Redirect>,
    /// LAN devices for `dest_mac`/`dest_host` targets: the `config host` sections here,
    /// leases and neighbours filled in by the caller (`device::read`).
    pub devices: crate::device::resolve::Devices,
    /// The dhcp file's path, for the advice text.
    pub dhcp_path: String,
    pub firewall_path: String,
}

/// Reads network, dhcp and firewall with `load` (`Ok(None)`: the file does not exist).
/// Unreadable files are reported as warnings and their checks skipped.
pub fn load_context(
    main: &MainSettings,
    paths: &Paths,
    load: impl Fn(&Path) -> Result<Option<Package>, String>,
) -> (Context, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut get = |p: &Path| match load(p) {
        Ok(pkg) => pkg,
        Err(e) => {
            diags.push(Diagnostic::warning(format!("cannot read {}: {e}; its checks are skipped", p.display())));
            None
        }
    };
    let firewall = get(&paths.firewall);
    let network = get(&paths.network);
    let dhcp = get(&paths.dhcp);
    let mut wan_ifaces = vec![main.interface.to_string()];
    if let Some(fw) = &firewall {
        wan_ifaces.extend(system::zone_networks(fw, &main.zone));
    }
    let ctx = Context {
        zone: Some(main.zone.clone()),
        lan_subnets: network.as_ref().map(|n| system::lan_subnets(n, &wan_ifaces)),
        lan_devices: network.as_ref().map(|n| system::lan_devices(n, &wan_ifaces)),
        static_leases: dhcp.as_ref().map(system::static_leases),
        redirects: firewall.as_ref().map(system::redirects).unwrap_or_default(),
        devices: crate::device::resolve::Devices {
            hosts: dhcp.as_ref().map(crate::device::leases::static_hosts).unwrap_or_default(),
            ..Default::default()
        },
        dhcp_path: paths.dhcp.display().to_string(),
        firewall_path: paths.firewall.display().to_string(),
    };
    (ctx, diags)
}

/// All findings for the enabled forwards, in config order.
pub fn lint(forwards: &[Forward], ctx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for f in forwards.iter().filter(|f| f.enabled) {
        exposed_services(f, &mut out);
        open_admin(f, &mut out);
        target_checks(f, ctx, &mut out);
        fw4_overlap(f, ctx, &mut out);
    }
    out
}

/// Whether `src_ip` allows only some sources: a non-negated entry narrower than `/0`. A
/// list of `!` exclusions alone, or `0.0.0.0/0`, still lets the whole internet in.
fn sources_limited(f: &Forward) -> bool {
    f.src_ip.iter().any(|m| !m.negate && m.cidr.prefix() > 0)
}

/// The internal port an external `port` of the forward reaches: a single `dest_port` takes
/// every external port, a range shifts each by the same offset (docs/config.md, `dest_port`).
fn internal_port(f: &Forward, port: u16) -> u16 {
    let (ext, int) = (f.src_dport.start().get(), f.dest_port.start().get());
    if f.dest_port.is_single() { int } else { int.saturating_add(port.saturating_sub(ext)) }
}

fn exposed_services(f: &Forward, out: &mut Vec<Diagnostic>) {
    // Scanners find a port only where they may connect: with an allow list they cannot.
    if sources_limited(f) {
        return;
    }
    let (a, b) = (f.src_dport.start().get(), f.src_dport.end().get());
    let found: Vec<_> = ports::in_range(a, b).collect();
    // A wide range (a game or torrent range) that happens to include a well-known port is
    // reported once, not once per service.
    if found.len() > 2 {
        let list = found.iter().map(|s| format!("{} ({})", s.port, s.name)).collect::<Vec<_>>().join(", ");
        out.push(
            Diagnostic::warning(format!(
                "the external range includes well-known service ports: {list}; scanners probe these first, \
                 narrow the range to what the application needs or set src_ip to the sources that use it"
            ))
            .in_section(&f.section)
            .at_option("src_dport", &f.src_dport.to_string()),
        );
        return;
    }
    for s in found {
        // The advice keeps the forward working: the internal port stays what it is now.
        let instead = if f.src_dport.is_single() {
            format!(
                "use a high external port (for example src_dport {} with dest_port {})",
                ports::suggest_high(s.port),
                internal_port(f, s.port)
            )
        } else {
            "move the external range away from it".to_string()
        };
        out.push(
            Diagnostic::warning(format!(
                "exposes the well-known {} port {} to the internet: {}; {instead} so scanners do not find it \
                 first, or set src_ip to the sources that use it",
                s.name, s.port, s.why,
            ))
            .in_section(&f.section)
            .at_option("src_dport", &f.src_dport.to_string()),
        );
    }
}

fn open_admin(f: &Forward, out: &mut Vec<Diagnostic>) {
    if sources_limited(f) {
        return;
    }
    let (a, b) = (f.dest_port.start().get(), f.dest_port.end().get());
    let mut admin: Vec<String> =
        ports::in_range(a, b).filter(|s| s.admin).map(|s| format!("{} port {}", s.name, s.port)).collect();
    // On the router itself, 80 and 443 are LuCI (uhttpd).
    if f.dest_ip.is_none() && f.dest_device.is_none() {
        admin.extend(
            [80u16, 443]
                .into_iter()
                .filter(|&p| a <= p && p <= b)
                .map(|p| format!("the router's web interface port {p}")),
        );
    }
    if admin.is_empty() {
        return;
    }
    let target = match (f.dest_ip, &f.dest_device) {
        (_, Some(d)) => d.to_string(),
        (Some(ip), None) => ip.to_string(),
        (None, None) => "the router".to_string(),
    };
    out.push(
        Diagnostic::warning(format!(
            "forwards remote administration ({} on {target}) to every address on the internet; \
             set src_ip to the addresses you administer from, or use a VPN",
            admin.join(", ")
        ))
        .in_section(&f.section)
        .at_option("dest_port", &f.dest_port.to_string()),
    );
}

fn target_checks(f: &Forward, ctx: &Context, out: &mut Vec<Diagnostic>) {
    // A device target follows the device: no static lease is needed, and its address
    // comes from the LAN (device::resolve).
    if f.dest_device.is_some() {
        return;
    }
    let Some(ip) = f.dest_ip else { return };
    if let Some(lans) = &ctx.lan_subnets {
        let same_family: Vec<&Cidr> = lans.iter().filter(|c| c.is_ipv4() == ip.is_ipv4()).collect();
        if !same_family.iter().any(|c| c.contains(ip)) {
            let list = same_family.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(", ");
            let known = if list.is_empty() {
                "no LAN subnet of that family is configured".into()
            } else {
                format!("LAN: {list}")
            };
            out.push(
                Diagnostic::warning(format!("is not inside any LAN subnet ({known}); is this the right host?"))
                    .in_section(&f.section)
                    .at_option("dest_ip", &ip.to_string()),
            );
        }
    }
    if let (Some(leases), IpAddr::V4(_)) = (&ctx.static_leases, ip) {
        if !leases.contains(&ip) {
            out.push(
                Diagnostic::warning(format!(
                    "has no static lease in {}: if the host gets another address from DHCP, this forward \
                     reaches a different device or none; add a 'config host' with option ip '{ip}' and its mac",
                    ctx.dhcp_path
                ))
                .in_section(&f.section)
                .at_option("dest_ip", &ip.to_string()),
            );
        }
    }
}

fn forward_families(f: &Forward) -> Vec<Family> {
    match (f.dest_ip, f.family) {
        (Some(ip), _) => vec![Family::of(ip)],
        (None, crate::config::ForwardFamily::Ipv4) => vec![Family::V4],
        (None, crate::config::ForwardFamily::Ipv6) => vec![Family::V6],
        (None, crate::config::ForwardFamily::Any) => vec![Family::V4, Family::V6],
    }
}

fn fw4_overlap(f: &Forward, ctx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(zone) = &ctx.zone else { return };
    let fams = forward_families(f);
    let protos: Vec<L4> = [(L4::Tcp, f.proto.has_tcp()), (L4::Udp, f.proto.has_udp())]
        .into_iter()
        .filter_map(|(p, on)| on.then_some(p))
        .collect();
    for r in &ctx.redirects {
        let same_zone = r.src_zone.as_deref() == Some(zone.as_str());
        let proto = r.protos.iter().find(|p| protos.contains(p));
        if same_zone && r.src_dport.overlaps(f.src_dport) && r.families.iter().any(|x| fams.contains(x)) {
            if let Some(p) = proto {
                out.push(
                    Diagnostic::warning(format!(
                        "overlaps firewall redirect {} in {} ({} port {}); homeport's forward takes the \
                         connection (it translates first), so remove one of the two",
                        r.section,
                        ctx.firewall_path,
                        p.as_str(),
                        r.src_dport
                    ))
                    .in_section(&f.section)
                    .at_option("src_dport", &f.src_dport.to_string()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests;
