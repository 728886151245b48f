//! Which network device is the WAN.
//!
//! `device` when the config names one; otherwise the L3 device of the OpenWrt logical
//! `interface`: netifd's `l3_device` where ubus answers, else what `/etc/config/network`
//! predicts (openwrt.md §3). [`choose`] is the pure decision; [`resolve`] is the shell
//! that asks ubus and reads the network config (paths injectable through [`Sources`],
//! the file loader through [`resolve_with`]).
//! The daemon calls it again when links come and go, to follow a changed device.

pub mod netifd;
pub mod network_config;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::MainSettings;
use crate::daemon::logging as log;
use crate::diag::quote_value;
use crate::types::{IfName, UciName};
use crate::uci::Package;
use netifd::Answer;
use network_config::ConfigError;

/// Where to look. [`Sources::openwrt`] is what a router has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sources {
    /// The `ubus` CLI; a path that does not exist means "no netifd here".
    pub ubus: PathBuf,
    /// The UCI network package file.
    pub network_config: PathBuf,
}

impl Sources {
    pub fn openwrt() -> Sources {
        Sources { ubus: PathBuf::from("/bin/ubus"), network_config: PathBuf::from("/etc/config/network") }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WanDevice {
    pub device: IfName,
    pub source: DeviceSource,
    /// Whether netifd says the interface is up (`None`: netifd was not asked).
    pub up: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceSource {
    /// `option device` in homeport's config.
    Configured,
    /// netifd's `l3_device`.
    Netifd,
    /// Predicted from `/etc/config/network` (no netifd answer, or the interface is down).
    NetworkConfig,
    /// Not OpenWrt (no netifd, no network config): the device of the IPv4 default route,
    /// as OpenWrt's `network_find_wan` picks the WAN.
    DefaultRoute,
}

impl fmt::Display for DeviceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeviceSource::Configured => "set in homeport's config",
            DeviceSource::Netifd => "netifd's l3_device",
            DeviceSource::NetworkConfig => "predicted from /etc/config/network",
            DeviceSource::DefaultRoute => "the default route's device",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WanError {
    /// Neither netifd nor the network config knows the interface.
    UnknownInterface { interface: UciName },
    /// The interface exists but its device cannot be told.
    NoDevice { interface: UciName, reason: String },
}

impl fmt::Display for WanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WanError::UnknownInterface { interface } => write!(
                f,
                "interface '{interface}' is not configured in /etc/config/network; set homeport's \
                 'interface' to the WAN interface, or 'device' to its network device"
            ),
            WanError::NoDevice { interface, reason } => {
                write!(f, "cannot tell the network device of interface '{interface}': {reason}")
            }
        }
    }
}

impl std::error::Error for WanError {}

/// The pure decision: configured device, else netifd's `l3_device`, else the network
/// config's prediction. `network` is the parsed network package, or why it is missing.
pub fn choose(
    settings: &MainSettings,
    netifd: &Answer,
    network: Result<&Package, &str>,
) -> Result<WanDevice, WanError> {
    if let Some(device) = &settings.device {
        return Ok(WanDevice { device: device.clone(), source: DeviceSource::Configured, up: None });
    }
    let interface = &settings.interface;
    let up = match netifd {
        Answer::Status(s) => {
            if let Some(device) = &s.l3_device {
                return Ok(WanDevice { device: device.clone(), source: DeviceSource::Netifd, up: Some(s.up) });
            }
            Some(s.up)
        }
        Answer::UnknownInterface | Answer::NoUbus => None,
    };
    let package = match network {
        Ok(p) => p,
        Err(why) => {
            return Err(match netifd {
                Answer::UnknownInterface => WanError::UnknownInterface { interface: interface.clone() },
                _ => WanError::NoDevice { interface: interface.clone(), reason: why.to_string() },
            });
        }
    };
    match network_config::device_of(package, interface) {
        Ok(device) => Ok(WanDevice { device, source: DeviceSource::NetworkConfig, up }),
        Err(ConfigError::UnknownInterface) => Err(WanError::UnknownInterface { interface: interface.clone() }),
        Err(e) => Err(WanError::NoDevice { interface: interface.clone(), reason: config_reason(&e) }),
    }
}

fn config_reason(e: &ConfigError) -> String {
    match e {
        ConfigError::UnknownInterface => "no such interface".into(),
        // Values from the network file go through quote_value: one may hold a line break.
        ConfigError::NoDevice { proto: Some(p) } => {
            format!("its section in /etc/config/network has no 'device' and protocol {} creates none", quote_value(p))
        }
        ConfigError::NoDevice { proto: None } => "its section in /etc/config/network has no 'device'".into(),
        ConfigError::BadDevice { option, value } => {
            format!(
                "option '{option}' in /etc/config/network gives {}, which is not a usable device",
                quote_value(value)
            )
        }
        ConfigError::AliasLoop => "its 'device' aliases (@name) refer to each other in a loop".into(),
    }
}

/// [`resolve_with`] reading the network config with the UCI parser, leniently (as
/// OpenWrt's init scripts read it).
pub fn resolve(settings: &MainSettings, sources: &Sources) -> Result<WanDevice, WanError> {
    resolve_with(settings, sources, load_network)
}

/// Reads the network package; a bad line is skipped, as `uci -S` and netifd's scripts do.
pub fn load_network(path: &Path) -> Result<Package, String> {
    crate::uci::load(path, crate::uci::Mode::Lenient).map(|l| l.package).map_err(|e| e.to_string())
}

/// The device of the IPv4 default route with the lowest metric, from `/proc/net/route`
/// text (hex destination and mask; `00000000` both for a default route). Pure.
pub fn default_route_device(proc_net_route: &str) -> Option<IfName> {
    proc_net_route
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let (dev, dest, flags, metric, mask) = (f.first()?, f.get(1)?, f.get(3)?, f.get(6)?, f.get(7)?);
            // RTF_UP (0x1) must be set.
            let up = u32::from_str_radix(flags, 16).ok()? & 1 == 1;
            (up && *dest == "00000000" && *mask == "00000000").then_some((metric.parse::<u32>().ok()?, *dev))
        })
        .min()
        .and_then(|(_, dev)| IfName::parse(dev).ok())
}

/// The shell: asks netifd (unless a device is configured), reads the network config with
/// `load` when netifd has no device to offer, and decides with [`choose`]. Where neither
/// netifd nor a network config exists (a plain Linux host, e.g. for `run --dry-run`), the
/// default route's device is used.
pub fn resolve_with(
    settings: &MainSettings,
    sources: &Sources,
    load: impl FnOnce(&Path) -> Result<Package, String>,
) -> Result<WanDevice, WanError> {
    if settings.device.is_some() {
        return choose(settings, &Answer::NoUbus, Err("not needed"));
    }
    let answer = match netifd::query(&sources.ubus, &settings.interface) {
        Ok(a) => a,
        Err(e) => {
            log::warn!("asking netifd about interface '{}': {e}; using /etc/config/network", settings.interface);
            Answer::NoUbus
        }
    };
    if let Answer::Status(s) = &answer
        && s.l3_device.is_some()
    {
        return choose(settings, &answer, Err("not needed"));
    }
    let network =
        load(&sources.network_config).map_err(|e| format!("cannot read {}: {e}", sources.network_config.display()));
    let not_openwrt = matches!(answer, Answer::NoUbus) && network.is_err();
    let chosen = choose(settings, &answer, network.as_ref().map_err(String::as_str));
    if chosen.is_err()
        && not_openwrt
        && let Some(device) = std::fs::read_to_string("/proc/net/route").ok().and_then(|t| default_route_device(&t))
    {
        log::warn!(
            "no netifd and no {}: using {device}, the device of the default route, as the WAN",
            sources.network_config.display()
        );
        return Ok(WanDevice { device, source: DeviceSource::DefaultRoute, up: None });
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LogLevel;
    use crate::types::Interval;
    use crate::uci::{Section, UciOption, Value};
    use netifd::NetifdStatus;

    fn settings(device: Option<&str>) -> MainSettings {
        MainSettings {
            enabled: true,
            interface: UciName::parse("wan").unwrap(),
            device: device.map(|d| IfName::parse(d).unwrap()),
            zone: UciName::parse("wan").unwrap(),
            debounce: Interval::from_secs(2),
            log_level: LogLevel::Info,
            probe: None,
            authoritative: false,
        }
    }

    fn network(proto: &str) -> Package {
        let opt = |k: &str, v: &str| UciOption { name: k.into(), value: Value::Single(v.into()), line: 1 };
        Package {
            name: "network".into(),
            sections: vec![Section {
                ty: "interface".into(),
                name: Some("wan".into()),
                options: vec![opt("device", "eth0.2"), opt("proto", proto)],
                line: 1,
            }],
        }
    }

    fn status(up: bool, l3: Option<&str>) -> Answer {
        Answer::Status(NetifdStatus {
            up,
            l3_device: l3.map(|d| IfName::parse(d).unwrap()),
            device: Some("eth0.2".into()),
            proto: Some("pppoe".into()),
        })
    }

    fn dev(r: Result<WanDevice, WanError>) -> (String, DeviceSource, Option<bool>) {
        let w = r.unwrap();
        (w.device.to_string(), w.source, w.up)
    }

    #[test]
    fn configured_device_wins() {
        let got = choose(&settings(Some("eth9")), &status(true, Some("pppoe-wan")), Ok(&network("pppoe")));
        assert_eq!(dev(got), ("eth9".into(), DeviceSource::Configured, None));
    }

    #[test]
    fn netifd_l3_device_then_config_prediction() {
        let got = choose(&settings(None), &status(true, Some("pppoe-wan")), Err("unreadable"));
        assert_eq!(dev(got), ("pppoe-wan".into(), DeviceSource::Netifd, Some(true)));
        // Down: netifd has no l3_device; the config predicts the device PPPoE will create.
        let got = choose(&settings(None), &status(false, None), Ok(&network("pppoe")));
        assert_eq!(dev(got), ("pppoe-wan".into(), DeviceSource::NetworkConfig, Some(false)));
        let got = choose(&settings(None), &Answer::NoUbus, Ok(&network("dhcp")));
        assert_eq!(dev(got), ("eth0.2".into(), DeviceSource::NetworkConfig, None));
    }

    #[test]
    fn errors_name_the_interface() {
        let e = choose(&settings(None), &Answer::UnknownInterface, Err("no such file")).unwrap_err();
        assert_eq!(e, WanError::UnknownInterface { interface: UciName::parse("wan").unwrap() });
        assert!(e.to_string().contains("'wan'"), "{e}");
        let e = choose(&settings(None), &Answer::NoUbus, Err("cannot read /etc/config/network: gone")).unwrap_err();
        assert!(e.to_string().contains("gone"), "{e}");
        let mut net = network("dhcp");
        net.sections[0].options.remove(0);
        let e = choose(&settings(None), &Answer::NoUbus, Ok(&net)).unwrap_err();
        assert!(e.to_string().contains("protocol 'dhcp' creates none"), "{e}");
        // Values from the network file cannot put line breaks or terminal escapes into
        // the message.
        let mut net = network("dhcp");
        net.sections[0].options.remove(0);
        net.sections[0].options[0].value = Value::Single("x\nerror: forged".into());
        let e = choose(&settings(None), &Answer::NoUbus, Ok(&net)).unwrap_err();
        assert!(e.to_string().contains("protocol 'x\\nerror: forged' creates none"), "{e}");
        let mut net = network("dhcp");
        net.sections[0].options[0].value = Value::Single("eth0\u{1b}[2J".into());
        let e = choose(&settings(None), &Answer::NoUbus, Ok(&net)).unwrap_err();
        assert!(e.to_string().ends_with("gives 'eth0\\u{1b}[2J', which is not a usable device"), "{e}");
    }

    #[test]
    fn default_route() {
        let table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
            eth1\t00000000\t0102A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n\
            eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n\
            eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n\
            wg0\t00000000\t00000000\t0000\t0\t0\t1\t00000000\t0\t0\t0\n";
        assert_eq!(default_route_device(table).map(|d| d.to_string()), Some("eth0".into()));
        assert_eq!(default_route_device("Iface\tDestination\n"), None);
        assert_eq!(default_route_device("junk\n\u{0}\t\t\n"), None);
    }

    #[test]
    fn reads_a_real_network_file() {
        let dir = std::env::temp_dir().join(format!("hp-wan-net-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("network");
        std::fs::write(
            &file,
            "config interface 'loopback'\n\toption device 'lo'\n\toption proto 'static'\n\n\
             config interface 'wan'\n\toption device 'eth0.2'\n\toption proto 'pppoe'\n\toption username 'u'\n",
        )
        .unwrap();
        let sources = Sources { ubus: dir.join("no-ubus"), network_config: file };
        assert_eq!(dev(resolve(&settings(None), &sources)), ("pppoe-wan".into(), DeviceSource::NetworkConfig, None));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn shell_uses_injected_paths() {
        let sources = Sources { ubus: "/nonexistent/ubus".into(), network_config: "/test/network".into() };
        let got = resolve_with(&settings(None), &sources, |p| {
            assert_eq!(p, Path::new("/test/network"));
            Ok(network("pppoe"))
        });
        assert_eq!(dev(got), ("pppoe-wan".into(), DeviceSource::NetworkConfig, None));
    }

    /// A stand-in `ubus` that answers only the exact argument list netifd's CLI expects.
    fn fake_ubus(dir: &Path, answer: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("ubus");
        let script = format!(
            "#!/bin/sh\n[ \"$*\" = \"-t 5 call network.interface.wan status\" ] || {{ echo 'Command failed: Not found' >&2; exit 4; }}\ncat <<'JSON'\n{answer}\nJSON\n"
        );
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn shell_asks_netifd_through_ubus() {
        let dir = std::env::temp_dir().join(format!("hp-wan-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ubus = fake_ubus(&dir, r#"{"up": true, "l3_device": "pppoe-wan", "proto": "pppoe"}"#);
        let sources = Sources { ubus, network_config: dir.join("network") };
        let got = resolve_with(&settings(None), &sources, |_| panic!("netifd answered; no need to read the config"));
        assert_eq!(dev(got), ("pppoe-wan".into(), DeviceSource::Netifd, Some(true)));
        // An interface netifd does not know, and no config either.
        let mut other = settings(None);
        other.interface = UciName::parse("wwan").unwrap();
        let e = resolve_with(&other, &sources, |_| Err("No such file or directory".into())).unwrap_err();
        assert_eq!(e, WanError::UnknownInterface { interface: UciName::parse("wwan").unwrap() });
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
