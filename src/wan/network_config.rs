//! The WAN device as `/etc/config/network` predicts it, for hosts without netifd's answer
//! (no ubus, or the interface is down so netifd reports no `l3_device`).
//!
//! Pure. Follows what netifd and the protocol handlers do (openwrt.md §3): PPP-style
//! protocols create `<proto>-<interface>` (ppp.sh: `ifname "${proto:-ppp}-$config"`),
//! tunnels likewise with their own prefix, WireGuard names the device after the
//! interface; otherwise the interface's `device` (OpenWrt 21.02+) or `ifname` (older)
//! option, where a 19.07-style `type bridge` interface becomes `br-<interface>` and
//! `@other` means "the device of interface other".

use crate::types::{IfName, UciName};
use crate::uci::{Package, Section};

/// How many `@alias` hops to follow before calling it a loop.
const MAX_ALIAS_DEPTH: usize = 4;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// No `config interface '<name>'` in the network package.
    UnknownInterface,
    /// The section exists but names no device (and its protocol creates none we know).
    NoDevice { proto: Option<String> },
    /// The device it names is not a valid device name.
    BadDevice { option: &'static str, value: String },
    /// `@a` → `@b` → … without end.
    AliasLoop,
}

/// The L3 device of logical interface `interface`.
pub fn device_of(network: &Package, interface: &UciName) -> Result<IfName, ConfigError> {
    device_at_depth(network, interface.as_str(), 0)
}

fn device_at_depth(network: &Package, interface: &str, depth: usize) -> Result<IfName, ConfigError> {
    let section = network
        .sections
        .iter()
        .find(|s| s.ty == "interface" && s.name.as_deref() == Some(interface))
        .ok_or(ConfigError::UnknownInterface)?;
    let proto = single(section, "proto");
    if let Some(prefix) = proto.and_then(device_prefix) {
        let name = format!("{prefix}-{interface}");
        return IfName::parse(&name).map_err(|_| ConfigError::BadDevice { option: "proto", value: name });
    }
    if proto == Some("wireguard") {
        return IfName::parse(interface)
            .map_err(|_| ConfigError::BadDevice { option: "proto", value: interface.into() });
    }
    let (option, value) = match (section.option("device"), section.option("ifname")) {
        (Some(v), _) => ("device", v),
        (None, Some(v)) => ("ifname", v),
        (None, None) => return Err(ConfigError::NoDevice { proto: proto.map(String::from) }),
    };
    // `ifname 'eth0 eth1'` (a list as one word list) or a UCI list: the first is the device,
    // unless the interface bridges them.
    let first = value.items().iter().flat_map(|v| v.split_whitespace()).next();
    if single(section, "type") == Some("bridge") {
        let name = format!("br-{interface}");
        return IfName::parse(&name).map_err(|_| ConfigError::BadDevice { option: "type", value: name });
    }
    let Some(first) = first else {
        return Err(ConfigError::NoDevice { proto: proto.map(String::from) });
    };
    if let Some(other) = first.strip_prefix('@') {
        if depth >= MAX_ALIAS_DEPTH {
            return Err(ConfigError::AliasLoop);
        }
        return device_at_depth(network, other, depth.saturating_add(1)).map_err(|e| match e {
            ConfigError::UnknownInterface => ConfigError::BadDevice { option, value: first.to_string() },
            e => e,
        });
    }
    IfName::parse(first).map_err(|_| ConfigError::BadDevice { option, value: first.to_string() })
}

/// The device-name prefix of protocols whose handler creates `<prefix>-<interface>`.
fn device_prefix(proto: &str) -> Option<&'static str> {
    Some(match proto {
        "ppp" => "ppp",
        "pppoe" => "pppoe",
        "pppoa" => "pppoa",
        "pptp" => "pptp",
        "l2tp" => "l2tp",
        "3g" => "3g",
        "6in4" => "6in4",
        "6to4" => "6to4",
        "6rd" => "6rd",
        "dslite" => "ds",
        "map" => "map",
        _ => return None,
    })
}

fn single<'a>(section: &'a Section, option: &str) -> Option<&'a str> {
    section.option(option).and_then(|v| v.items().first()).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uci::{UciOption, Value};

    fn iface(name: &str, options: &[(&str, &str)]) -> Section {
        Section {
            ty: "interface".into(),
            name: Some(name.into()),
            options: options
                .iter()
                .map(|(k, v)| UciOption { name: (*k).into(), value: Value::Single((*v).into()), line: 1 })
                .collect(),
            line: 1,
        }
    }

    fn resolve(sections: Vec<Section>, name: &str) -> Result<String, ConfigError> {
        let pkg = Package { name: "network".into(), sections };
        device_of(&pkg, &UciName::parse(name).unwrap()).map(|d| d.as_str().to_string())
    }

    #[test]
    fn ppp_protocols_name_the_device_after_the_interface() {
        for (proto, want) in [("pppoe", "pppoe-wan"), ("pppoa", "pppoa-wan"), ("ppp", "ppp-wan"), ("3g", "3g-wan")] {
            let got = resolve(vec![iface("wan", &[("device", "eth0.2"), ("proto", proto)])], "wan");
            assert_eq!(got.as_deref(), Ok(want), "{proto}");
        }
        let got = resolve(vec![iface("wan6", &[("proto", "dslite")])], "wan6");
        assert_eq!(got.as_deref(), Ok("ds-wan6"));
        let got = resolve(vec![iface("wg0", &[("proto", "wireguard")])], "wg0");
        assert_eq!(got.as_deref(), Ok("wg0"));
    }

    #[test]
    fn device_then_ifname() {
        let got = resolve(vec![iface("wan", &[("device", "wan"), ("proto", "dhcp")])], "wan");
        assert_eq!(got.as_deref(), Ok("wan"));
        let got = resolve(vec![iface("wan", &[("ifname", "eth0.2"), ("proto", "dhcp")])], "wan");
        assert_eq!(got.as_deref(), Ok("eth0.2"));
        let got = resolve(vec![iface("wan", &[("device", "eth1"), ("ifname", "eth0"), ("proto", "static")])], "wan");
        assert_eq!(got.as_deref(), Ok("eth1"));
    }

    #[test]
    fn bridges() {
        // 21.02+: the bridge is its own `config device`; the interface names it.
        let got = resolve(vec![iface("lan", &[("device", "br-lan"), ("proto", "static")])], "lan");
        assert_eq!(got.as_deref(), Ok("br-lan"));
        // 19.07: `type bridge` on the interface bridges its ifnames as br-<interface>.
        let got = resolve(vec![iface("wan", &[("type", "bridge"), ("ifname", "eth0 eth1"), ("proto", "dhcp")])], "wan");
        assert_eq!(got.as_deref(), Ok("br-wan"));
        let got = resolve(vec![iface("wan", &[("ifname", "eth0 eth1"), ("proto", "dhcp")])], "wan");
        assert_eq!(got.as_deref(), Ok("eth0"));
    }

    #[test]
    fn aliases_follow_the_other_interface() {
        let secs = vec![
            iface("wan", &[("device", "eth0.2"), ("proto", "pppoe")]),
            iface("wan6", &[("device", "@wan"), ("proto", "dhcpv6")]),
        ];
        assert_eq!(resolve(secs, "wan6").as_deref(), Ok("pppoe-wan"));
        let looped = vec![iface("a", &[("device", "@b")]), iface("b", &[("device", "@a")])];
        assert_eq!(resolve(looped, "a"), Err(ConfigError::AliasLoop));
        let dangling = vec![iface("a", &[("device", "@nope")])];
        assert_eq!(resolve(dangling, "a"), Err(ConfigError::BadDevice { option: "device", value: "@nope".into() }));
    }

    #[test]
    fn failures_say_what_is_missing() {
        assert_eq!(resolve(vec![], "wan"), Err(ConfigError::UnknownInterface));
        let mut not_iface = iface("wan", &[("device", "eth0")]);
        not_iface.ty = "device".into();
        assert_eq!(resolve(vec![not_iface], "wan"), Err(ConfigError::UnknownInterface));
        assert_eq!(
            resolve(vec![iface("wan", &[("proto", "dhcp")])], "wan"),
            Err(ConfigError::NoDevice { proto: Some("dhcp".into()) })
        );
        assert_eq!(
            resolve(vec![iface("wan", &[("device", "eth0/1")])], "wan"),
            Err(ConfigError::BadDevice { option: "device", value: "eth0/1".into() })
        );
    }
}
