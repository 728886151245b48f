//! What `rules`, `apply`, `check`, `doctor` and the daemon compose before they act: the
//! default paths, reading the configuration, the lint's view of the router (with where the
//! devices forwards follow are now), the WAN side, and the prepared ruleset (device targets
//! resolved, plan, lint, render in one pure step).
//!
//! Below both `cli` and `daemon`, so each entry point composes the same pieces. File
//! reading and WAN resolution are shell; [`prepare`] and [`check`] are pure, every
//! decision in `nft::plan`, `lint` and `nft::render`.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::config::{self, Config, Forward, Loaded};
use crate::device::resolve;
use crate::diag::Diagnostic;
use crate::lint::{self, Context, Paths};
use crate::nft::{Network, Plan, Ruleset, fw4, plan, render};
use crate::types::UciName;
use crate::uci::{self, LoadError, Mode, Package};
use crate::wan::{self, Sources, WanError};

pub const DEFAULT_CONFIG: &str = "/etc/config/homeport";
pub const DEFAULT_STATE_DIR: &str = "/var/run/homeport";

pub fn default_config() -> PathBuf {
    PathBuf::from(DEFAULT_CONFIG)
}

pub fn default_state_dir() -> PathBuf {
    PathBuf::from(DEFAULT_STATE_DIR)
}

pub fn default_network() -> PathBuf {
    PathBuf::from("/etc/config/network")
}

pub fn default_dhcp() -> PathBuf {
    PathBuf::from("/etc/config/dhcp")
}

pub fn default_firewall() -> PathBuf {
    PathBuf::from("/etc/config/firewall")
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

/// Reads a package leniently (as init scripts do); `Ok(None)` when the file is absent.
pub fn load_package(path: &Path) -> Result<Option<Package>, String> {
    match uci::load(path, Mode::Lenient) {
        Ok(l) => Ok(Some(l.package)),
        Err(LoadError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// The lint's view of the router, and warnings for files that could not be read.
/// With a forward to a device, the leases and neighbours too.
pub fn context(cfg: &Config, paths: &Paths) -> (Context, Vec<Diagnostic>) {
    let (mut ctx, mut diags) = lint::load_context(&cfg.main, paths, load_package);
    if cfg.forwards.iter().any(|f| f.enabled && f.dest_device.is_some())
        || !crate::daemon::compose::ddns_devices(cfg).is_empty()
    {
        let lan = ctx.lan_devices.clone();
        diags.extend(crate::device::read::current(&mut ctx.devices, &paths.leases, lan.as_deref()));
    }
    (ctx, diags)
}

/// The WAN side for the renderer: `main.device`, else netifd, else the network config.
pub fn network(cfg: &Config, ctx: &Context, network_config: &Path) -> Result<Network, WanError> {
    let sources = Sources { network_config: network_config.to_path_buf(), ..Sources::openwrt() };
    let wan = wan::resolve(&cfg.main, &sources)?;
    Ok(Network { wan_devices: vec![wan.device], ..lan_side(ctx) })
}

/// The LAN side alone (no WAN device known): what a preview renders without a WAN.
pub fn lan_side(ctx: &Context) -> Network {
    Network { wan_devices: vec![], lan_devices: ctx.lan_devices.clone(), lan_subnets: ctx.lan_subnets.clone() }
}

/// Everything computed before touching the system: plan, lint, render.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    pub plan: Plan,
    pub ruleset: Ruleset,
    /// Planner errors (conflicts), lint warnings, then renderer notes.
    pub diagnostics: Vec<Diagnostic>,
}

impl Prepared {
    /// Forward names by plan index, for naming the forward in an nft error.
    pub fn names(&self) -> Vec<String> {
        self.plan.forwards.iter().map(|f| f.name.clone()).collect()
    }
}

/// Plan, lint and render `forwards`; a forward to a device is planned with the device's
/// current address from `ctx.devices` (docs/forwarding.md). Pure.
pub fn prepare(forwards: &[Forward], net: &Network, ctx: &Context) -> Prepared {
    let (plan, mut diagnostics) = planned(forwards, ctx);
    let ruleset = render(&plan, net);
    diagnostics.extend(ruleset.diagnostics.iter().cloned());
    Prepared { plan, ruleset, diagnostics }
}

/// The forward diagnostics alone, for `homeport check` (no WAN side needed). Pure.
pub fn check(forwards: &[Forward], ctx: &Context) -> Vec<Diagnostic> {
    planned(forwards, ctx).1
}

/// The plan with device targets resolved, and the device, planner and lint diagnostics.
fn planned(forwards: &[Forward], ctx: &Context) -> (Plan, Vec<Diagnostic>) {
    let resolved = resolve::targets(forwards, &ctx.devices);
    let (plan, plan_diags) = plan(resolved.forwards.as_deref().unwrap_or(forwards));
    // Device diagnostics first: for an inactive device forward it is the reason.
    let mut diags = resolved.diagnostics;
    diags.extend(plan_diags);
    diags.extend(lint::lint(forwards, ctx));
    (plan, diags)
}

/// Warnings for firewall4 include files of ours that are missing or different under
/// `root` (only where fw4's include directory exists, that is on a router with firewall4).
pub fn missing_includes(root: &Path, zone: &UciName) -> Vec<Diagnostic> {
    if !root.is_dir() {
        return vec![];
    }
    let mut out = Vec::new();
    for inc in fw4::includes(zone) {
        let path = root.join(&inc.path);
        if std::fs::read_to_string(&path).is_ok_and(|t| t == inc.text) {
            continue;
        }
        let why = if inc.path.starts_with("table-pre") {
            "it declares the IPv6 pinhole sets the forward include matches".to_string()
        } else {
            format!("firewall4 rejects forwarded connections from zone '{zone}' without it")
        };
        // Lines as `\n`: `printf` writes the file from it.
        out.push(Diagnostic::warning(format!(
            "{} is missing or different: {why}; create it containing: {}",
            path.display(),
            inc.text.trim().replace('\n', "\\n")
        )));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Proto;
    use crate::device::leases::Lease;
    use crate::device::{Device, HostName};
    use crate::nft::plan::tests::fwd;
    use crate::types::Mac;

    fn device_fwd(index: usize, name: &str, ext: &str, d: Device) -> Forward {
        Forward { dest_device: Some(d), ..fwd(index, name, Proto::Tcp, ext, None, ext) }
    }

    #[test]
    fn device_targets_render_to_their_current_address_or_not_at_all() {
        let nas = Mac([0xaa, 0xbb, 0xcc, 0, 0x11, 0x22]);
        let forwards = [
            device_fwd(0, "nas", "8443", Device::Mac(nas)),
            device_fwd(1, "cam", "8554", Device::Host(HostName::parse("cam").unwrap())),
        ];
        let mut ctx = Context::default();
        ctx.devices.leases.push(Lease { mac: Some(nas), name: None, addr: "192.168.1.140".parse().unwrap() });
        let net = Network { wan_devices: vec![crate::types::IfName::parse("wan").unwrap()], ..Network::default() };
        let p = prepare(&forwards, &net, &ctx);
        assert!(p.ruleset.text.contains("tcp . 8443 comment \"nas\" : 192.168.1.140 . 8443"), "{}", p.ruleset.text);
        // The unknown device's forward is planned, with no translation element: in
        // particular no redirect to the router.
        assert!(!p.ruleset.text.contains("8554"), "{}", p.ruleset.text);
        assert_eq!(p.plan.forwards.len(), 2);
        let d = &p.diagnostics[0];
        assert_eq!(d.section.as_ref().and_then(|s| s.name.as_deref()), Some("cam"));
        assert!(d.message.starts_with("cam is not on the network"), "{d}");
        // `check` says the same, and the config stays valid (a warning, not an error).
        let c = check(&forwards, &ctx);
        assert!(c.iter().all(|d| !d.is_error()), "{c:?}");
        assert!(c.iter().any(|d| d.message.starts_with("cam is not on the network")), "{c:?}");
    }

    #[test]
    fn an_unresolved_device_target_never_becomes_a_redirect() {
        let nas = Mac([0xaa, 0xbb, 0xcc, 0, 0x11, 0x22]);
        // Ranges too, and with reflection off (its set element stays: not a translation).
        let mut f = device_fwd(0, "nas", "8000-8010", Device::Mac(nas));
        f.reflection = false;
        let (p, d) = crate::nft::plan::plan(&[f]);
        assert!(d.is_empty());
        let r = crate::nft::render::render(&p, &Network::default());
        for map in ["redirect4", "redirect4_range", "dnat4", "dnat4_range"] {
            let decl =
                r.text.split(&format!("map {map} {{")).nth(1).or_else(|| r.text.split(&format!("set {map} {{")).nth(1));
            let body = decl.and_then(|b| b.split("\n\t}").next()).unwrap_or_default();
            assert!(!body.contains("8000"), "{map}: {body}");
        }
        assert!(r.text.contains("tcp . 8000-8010 comment \"nas\""), "noreflect element kept: {}", r.text);
        assert!(r.elements.is_empty());
        assert!(r.frame.is_some());
    }

    #[test]
    fn a_device_that_moves_changes_elements_only() {
        use crate::nft::render::{element_update, render};
        let nas = Mac([0xaa, 0xbb, 0xcc, 0, 0x11, 0x22]);
        let mut fs = [
            device_fwd(0, "nas", "8443", Device::Mac(nas)),
            device_fwd(1, "nas-range", "6000-6001", Device::Mac(nas)),
            fwd(2, "web", Proto::Tcp, "443", Some("192.168.1.9"), "443"),
        ];
        fs[0].dest_port = crate::types::PortRange::parse("443").unwrap();
        let at = |ip: Option<&str>| {
            let fs: Vec<Forward> = fs
                .iter()
                .map(|f| Forward { dest_ip: f.dest_ip.or(ip.map(|i| i.parse().unwrap())), ..f.clone() })
                .collect();
            render(&crate::nft::plan::plan(&fs).0, &Network::default())
        };
        let (a, b, away) = (at(Some("192.168.1.140")), at(Some("192.168.1.141")), at(None));
        assert_ne!(a.digest, b.digest);
        assert_eq!((a.frame.as_ref(), b.frame.as_ref()), (away.frame.as_ref(), away.frame.as_ref()));
        assert_eq!(a.frame.as_ref(), Some(&away.digest), "the frame is the table with the device away");
        assert_eq!(
            element_update(&a.elements, &b.elements).unwrap(),
            "delete element inet homeport dnat4 { tcp . 8443 }\n\
             delete element inet homeport dnat4_range { tcp . 6000-6001 }\n\
             add element inet homeport dnat4 { tcp . 8443 comment \"nas\" : 192.168.1.141 . 443 }\n\
             add element inet homeport dnat4_range { tcp . 6000-6001 comment \"nas-range\" : 192.168.1.141 }\n"
        );
        // Away: deletions only; back: additions only; no change: nothing.
        assert!(element_update(&a.elements, &away.elements).unwrap().lines().all(|l| l.starts_with("delete")));
        assert!(element_update(&away.elements, &b.elements).unwrap().lines().all(|l| l.starts_with("add")));
        assert_eq!(element_update(&a.elements, &a.elements), None);
        // Every element update script applied to `a` gives `b`'s elements: the text of each
        // element is what the whole table writes.
        for e in &b.elements {
            assert!(b.text.contains(&e.text), "{}", e.text);
        }
        // A table without device forwards has no frame.
        assert_eq!(render(&crate::nft::plan::plan(&fs[2..]).0, &Network::default()).frame, None);
    }

    #[test]
    fn src_ip_and_reflection_hold_for_device_targets_as_for_dest_ip() {
        use crate::types::AddrMatch;
        let nas = Mac([0xaa, 0xbb, 0xcc, 0, 0x11, 0x22]);
        let mut by_device = device_fwd(0, "nas", "8443", Device::Mac(nas));
        by_device.src_ip = vec![AddrMatch::parse("198.51.100.0/24").unwrap()];
        by_device.reflection = false;
        let by_ip = Forward { dest_device: None, dest_ip: Some("192.168.1.140".parse().unwrap()), ..by_device.clone() };
        let mut ctx = Context::default();
        ctx.devices.leases.push(Lease { mac: Some(nas), name: None, addr: "192.168.1.140".parse().unwrap() });
        let net = Network::default();
        let (a, b) = (prepare(&[by_device.clone()], &net, &ctx), prepare(&[by_ip], &net, &ctx));
        assert_eq!(a.ruleset.text, b.ruleset.text, "the same table for the same address");
        // Away, the allow list and the reflection exclusion stay in force: a device that
        // comes back is not reachable from everywhere for a moment.
        let away = prepare(&[by_device], &net, &Context::default());
        for line in ["tcp . 8443 . 198.51.100.0/24 comment \"nas\"", "set noreflect4"] {
            assert!(away.ruleset.text.contains(line), "{line}: {}", away.ruleset.text);
        }
        let restricted = away.ruleset.text.split("set restricted4 {").nth(1).and_then(|b| b.split("\n\t}").next());
        assert!(restricted.is_some_and(|b| b.contains("tcp . 8443")), "{restricted:?}");
    }
}
