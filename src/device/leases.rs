//! What the DHCP servers know about LAN devices: parsers for dnsmasq's lease file,
//! odhcpd's state file and the `config host` sections of /etc/config/dhcp.
//!
//! Pure and total: any text gives a list of [`Lease`]s; a line that does not have the
//! shape is skipped (a server rewriting its file concurrently, a format of a newer
//! version), never an error and never a panic.

use std::net::IpAddr;

use super::HostName;
use crate::lint::system;
use crate::types::Mac;
use crate::uci::Package;

/// One address a DHCP server handed (or will hand) to a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The client's hardware address: dnsmasq's IPv4 lines and `config host` carry it;
    /// odhcpd's IPv6 lines carry it only inside a DUID-LL/DUID-LLT (RFC 8415 §11.2, §11.4).
    pub mac: Option<Mac>,
    pub name: Option<HostName>,
    pub addr: IpAddr,
}

/// dnsmasq's lease file (`/tmp/dhcp.leases`, dnsmasq's `lease_update_file`):
/// IPv4 lines are `<expiry> <mac> <ip> <hostname|*> <client-id|*>`; after a
/// `duid <server-duid>` line come DHCPv6 lines `<expiry> <iaid> <ipv6> <hostname|*> <duid>`.
/// A MAC that is not Ethernet (dnsmasq writes `<hwtype>-<addr>` for those) is skipped, and
/// so is a lease that expired before `now` (seconds since the epoch; expiry 0 is an
/// infinite lease): dnsmasq rewrites the file on its next event, not at the expiry.
pub fn dnsmasq(text: &str, now: u64) -> Vec<Lease> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let [expiry, second, addr, name, client, ..] = f.as_slice() else { continue };
        match expiry.parse::<u64>() {
            Ok(t) if t == 0 || t >= now => {}
            _ => continue,
        }
        let Ok(addr) = addr.parse::<IpAddr>() else { continue };
        let mac = match addr {
            IpAddr::V4(_) => match Mac::parse(second) {
                Ok(m) => Some(m),
                Err(_) => continue,
            },
            IpAddr::V6(_) => duid_mac(&client.replace(':', "")),
        };
        out.push(Lease { mac, name: host(name), addr });
    }
    out
}

/// odhcpd's state file (`option leasefile`, `/tmp/hosts/odhcpd` on OpenWrt; odhcpd
/// `statefiles.c`): one line per lease starting with `# `:
/// DHCPv6 `# <iface> <duid-hex> <iaid-hex> <hostname|-> <valid-until> <id-hex> <length> <addr>/<len>...`,
/// DHCPv4 `# <iface> <mac> ipv4 <hostname|-> <valid-until> <ip-hex> 32 <ip>/32`.
/// A hostname odhcpd found invalid is written as `broken\x20<name>`: no name then.
/// Host-file lines (`<addr>\t<name>`) that older versions append are skipped, and so are
/// leases valid until before `now` (`-1` is infinite).
pub fn odhcpd(text: &str, now: u64) -> Vec<Lease> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("# ") else { continue };
        let f: Vec<&str> = rest.split_whitespace().collect();
        let [_iface, id, kind, name, valid, _assigned, _len, addrs @ ..] = f.as_slice() else { continue };
        // A lease of no remaining lifetime is written as 0 (-1 is infinite).
        // `-1` compared as text: an `i64` parser of its own would cost flash for one value.
        match valid.parse::<u64>() {
            _ if *valid == "-1" => {}
            Ok(t) if t > 0 && t >= now => {}
            _ => continue,
        }
        let (mac, v4) = if *kind == "ipv4" { (Mac::parse(id).ok(), true) } else { (duid_mac(id), false) };
        let name = if name.starts_with("broken\\x20") { None } else { host(name) };
        for a in addrs {
            let ip = a.split_once('/').map_or(*a, |(ip, _)| ip);
            match ip.parse::<IpAddr>() {
                Ok(addr) if addr.is_ipv4() == v4 => out.push(Lease { mac, name: name.clone(), addr }),
                _ => {}
            }
        }
    }
    out
}

/// The enabled `config host` sections of /etc/config/dhcp (static leases): `mac` (one or
/// more, as a list or space-separated, as OpenWrt's dnsmasq init script accepts), `name`,
/// `ip`. A section without a usable IPv4 `ip` (`ignore`, or none) still ties its name to
/// its MACs.
pub fn static_hosts(dhcp: &Package) -> Vec<HostEntry> {
    let mut out = Vec::new();
    for (_, s) in dhcp.sections_of("host") {
        // The lint's readers of /etc/config sections (words borrowed, one copy of each).
        if !system::enabled(s) {
            continue;
        }
        let words = |opt: &str| system::items(s, opt);
        let macs: Vec<Mac> = words("mac").iter().filter_map(|m| Mac::parse(m).ok()).collect();
        let name = words("name").first().and_then(|n| HostName::parse(n).ok());
        let ip = words("ip").first().and_then(|i| i.parse::<std::net::Ipv4Addr>().ok());
        if !macs.is_empty() || name.is_some() {
            out.push(HostEntry { macs, name, ip });
        }
    }
    out
}

/// One enabled `config host` section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostEntry {
    pub macs: Vec<Mac>,
    pub name: Option<HostName>,
    pub ip: Option<std::net::Ipv4Addr>,
}

fn host(s: &str) -> Option<HostName> {
    if s == "*" || s == "-" { None } else { HostName::parse(s).ok() }
}

/// The link-layer address inside a DUID given as hex: DUID-LLT (type 1) and DUID-LL
/// (type 3) with hardware type 1 (Ethernet) end in it (RFC 8415 §11.2, §11.4).
fn duid_mac(hex: &str) -> Option<Mac> {
    let bytes = unhex(hex)?;
    let (ty, rest) = bytes.split_at_checked(2)?;
    let (hw, rest) = rest.split_at_checked(2)?;
    if hw != [0, 1] {
        return None;
    }
    let lladdr = match ty {
        [0, 1] => rest.get(4..)?,
        [0, 3] => rest,
        _ => return None,
    };
    Some(Mac(lladdr.try_into().ok()?))
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || s.len() > 260 {
        return None;
    }
    // Digit by digit (no radix parser in the binary for this).
    let digit = |b: u8| char::from(b).to_digit(16);
    s.as_bytes().chunks(2).map(|c| Some((digit(c[0])? << 4 | digit(c[1])?) as u8)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(s: &str) -> Option<Mac> {
        Some(Mac::parse(s).unwrap())
    }

    fn name(s: &str) -> Option<HostName> {
        Some(HostName::parse(s).unwrap())
    }

    /// 2025-12-07 13:20 UTC: the leases below expire after it, except the expired ones.
    const NOW: u64 = 1765113600;

    /// `/tmp/dhcp.leases` in the shape dnsmasq's `lease_update_file` (src/lease.c) writes,
    /// with the DHCPv6 part it adds when it also serves DHCPv6, and lines it never writes.
    const DNSMASQ: &str = "\
1765120022 aa:bb:cc:00:11:22 192.168.1.140 nas 01:aa:bb:cc:00:11:22
1765119380 3c:22:fb:12:34:56 192.168.1.163 * 01:3c:22:fb:12:34:56
0 00:11:22:33:44:55 192.168.1.77 Phone-of-Ann *
1765000000 00:11:22:33:44:56 192.168.1.79 expired *
1765118000 6-00:11:22:33:44:55:66 192.168.1.78 token *
garbage line
1765118000 aa:bb:cc:00:11:22 not-an-ip x *
duid 00:01:00:01:2c:4b:3a:10:02:00:00:00:00:01
1765120022 3213455 fd12:3456:789a::9c3 nas 00:01:00:01:2c:4b:3a:10:aa:bb:cc:00:11:22
1765120022 12 fd12:3456:789a::77 * 00:02:00:00:ab:11:01:02:03:04
";

    #[test]
    fn dnsmasq_lease_file() {
        let l = dnsmasq(DNSMASQ, NOW);
        let got: Vec<(Option<Mac>, Option<HostName>, String)> =
            l.iter().map(|l| (l.mac, l.name.clone(), l.addr.to_string())).collect();
        assert_eq!(
            got,
            vec![
                (mac("aa:bb:cc:00:11:22"), name("nas"), "192.168.1.140".into()),
                (mac("3c:22:fb:12:34:56"), None, "192.168.1.163".into()),
                (mac("00:11:22:33:44:55"), name("phone-of-ann"), "192.168.1.77".into()),
                (mac("aa:bb:cc:00:11:22"), name("nas"), "fd12:3456:789a::9c3".into()),
                // DUID-EN (type 2) carries no MAC.
                (None, None, "fd12:3456:789a::77".into()),
            ]
        );
    }

    /// `/tmp/hosts/odhcpd` in the shape odhcpd's `statefiles_write_state6/4` write: two
    /// DHCPv6 IA_NA leases (DUID-LLT, DUID-LL), a DHCPv4 lease (odhcpd as DHCPv4 server;
    /// `ether_ntoa` drops leading zeros), an expired one, a broken host name, and the
    /// hosts lines older versions append.
    const ODHCPD: &str = "\
# br-lan 000100012c4b3a10aabbcc001122 3213455 nas 1765120022 9c3 128 2001:db8:1:0::9c3/128 fd12:3456:789a::9c3/128
# br-lan 00030001001122334455 1 - -1 77 128 2001:db8:1::77/128
# br-lan 00030001001122334488 1 gone 1765000000 80 128 2001:db8:1::80/128
# br-lan a:bb:cc:0:11:22 ipv4 nas 1765120022 c0a8018c 32 192.168.1.140/32
# br-lan 00030001001122334466 1 old 0 78 128 2001:db8:1::78/128
# br-lan 00030001001122334477 1 broken\\x20bad_name! 1765120000 79 128 2001:db8:1::79/128
2001:db8:1::9c3\tnas.lan\tnas
#  short
";

    #[test]
    fn odhcpd_state_file() {
        let l = odhcpd(ODHCPD, NOW);
        let got: Vec<(Option<Mac>, Option<HostName>, String)> =
            l.iter().map(|l| (l.mac, l.name.clone(), l.addr.to_string())).collect();
        assert_eq!(
            got,
            vec![
                (mac("aa:bb:cc:00:11:22"), name("nas"), "2001:db8:1::9c3".into()),
                (mac("aa:bb:cc:00:11:22"), name("nas"), "fd12:3456:789a::9c3".into()),
                (mac("00:11:22:33:44:55"), None, "2001:db8:1::77".into()),
                (mac("0a:bb:cc:00:11:22"), name("nas"), "192.168.1.140".into()),
                (mac("00:11:22:33:44:77"), None, "2001:db8:1::79".into()),
            ]
        );
    }

    #[test]
    fn config_host_sections() {
        let text = "config host\n\toption name 'nas'\n\toption mac 'aa:bb:cc:00:11:22 aa:bb:cc:00:11:23'\n\toption ip '192.168.1.10'\n\n\
            config host\n\toption name 'off'\n\toption mac '00:11:22:33:44:55'\n\toption enabled '0'\n\n\
            config host\n\tlist mac '00:11:22:33:44:66'\n\toption ip 'ignore'\n\n\
            config host\n\toption ip '192.168.1.99'\n";
        let pkg = crate::uci::parse_strict(text, "dhcp").unwrap();
        let h = static_hosts(&pkg);
        assert_eq!(
            h,
            vec![
                HostEntry {
                    macs: vec![mac("aa:bb:cc:00:11:22").unwrap(), mac("aa:bb:cc:00:11:23").unwrap()],
                    name: name("nas"),
                    ip: Some("192.168.1.10".parse().unwrap()),
                },
                HostEntry { macs: vec![mac("00:11:22:33:44:66").unwrap()], name: None, ip: None },
            ]
        );
    }

    #[test]
    fn any_text_parses_without_panic() {
        // Every prefix of the captures, and a few mangled lines.
        for text in [DNSMASQ, ODHCPD] {
            for cut in 0..text.len() {
                if text.is_char_boundary(cut) {
                    let _ = dnsmasq(&text[..cut], NOW);
                    let _ = odhcpd(&text[..cut], NOW);
                }
            }
        }
        assert!(odhcpd("# a 0001 1 n 1765120000 1 128 zz 192.0.2.1/32", NOW).is_empty());
        assert_eq!(duid_mac("0001"), None);
        assert_eq!(duid_mac("000100010000"), None);
        assert_eq!(duid_mac("0003000100112233445"), None);
    }
}
