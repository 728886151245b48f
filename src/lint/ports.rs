//! Well-known service ports and why exposing them to the internet is risky.
//!
//! Pure data. `admin` marks remote-administration services: forwarding those without a
//! `src_ip` restriction hands a login prompt to the whole internet.

pub struct Service {
    pub port: u16,
    pub name: &'static str,
    pub why: &'static str,
    pub admin: bool,
}

const fn s(port: u16, name: &'static str, why: &'static str, admin: bool) -> Service {
    Service { port, name, why, admin }
}

const DB: &str = "databases are not built to face the internet; they are mass-scanned and held to ransom";
const WEB: &str = "web ports are scanned constantly for admin pages and known exploits";
const WEB_ADMIN: &str = "this port is often a device's admin page, and scanners look for exactly that";
const WINDOWS: &str = "Windows file sharing is not meant for the internet and is a worm target (WannaCry)";
const AMP: &str = "it is abused for traffic amplification attacks";
const DOCKER: &str = "the Docker API gives full control of the host to whoever connects";
const DSM: &str = "NAS logins are a ransomware target (DeadBolt, eCh0raix)";
const WINRM: &str = "WinRM is Windows remote administration";

/// Sorted by port. Each `why` reads on its own after a colon.
pub const SERVICES: &[Service] = &[
    s(21, "FTP", "FTP sends logins in clear text", false),
    s(22, "SSH", "SSH ports are scanned and password-guessed around the clock", true),
    s(23, "Telnet", "Telnet sends logins in clear text and is the favourite of IoT botnets such as Mirai", true),
    s(25, "SMTP", "an open mail relay is abused for spam", false),
    s(53, "DNS", "an open resolver is abused for amplification attacks", false),
    s(80, "HTTP", WEB, false),
    s(111, "RPC portmapper", AMP, false),
    s(123, "NTP", AMP, false),
    s(135, "MS-RPC", WINDOWS, false),
    s(137, "NetBIOS", WINDOWS, false),
    s(138, "NetBIOS", WINDOWS, false),
    s(139, "NetBIOS", WINDOWS, false),
    s(161, "SNMP", "SNMP leaks device details and is abused for amplification attacks", false),
    s(443, "HTTPS", WEB, false),
    s(445, "SMB", WINDOWS, false),
    s(548, "AFP", "Apple file sharing is not meant for the internet", false),
    s(1433, "MS SQL", DB, false),
    s(1900, "SSDP/UPnP", AMP, false),
    s(2049, "NFS", "network file systems trust the network they are on", false),
    s(2375, "Docker API", DOCKER, true),
    s(2376, "Docker API", DOCKER, true),
    s(3306, "MySQL", DB, false),
    s(3389, "RDP", "Remote Desktop is brute-forced constantly and has had wormable flaws (BlueKeep)", true),
    s(5000, "Synology DSM", DSM, true),
    s(5001, "Synology DSM", DSM, true),
    s(5432, "PostgreSQL", DB, false),
    s(5900, "VNC", "VNC is often protected by a weak or no password and is scanned constantly", true),
    s(5985, "WinRM", WINRM, true),
    s(5986, "WinRM", WINRM, true),
    s(6379, "Redis", DB, false),
    s(8080, "HTTP-alt", WEB_ADMIN, true),
    s(8291, "MikroTik Winbox", "Winbox is router administration", true),
    s(8443, "HTTPS-alt", WEB_ADMIN, true),
    s(9200, "Elasticsearch", DB, false),
    s(10000, "Webmin", "Webmin is server administration", true),
    s(11211, "memcached", AMP, false),
    s(27017, "MongoDB", DB, false),
];

/// The well-known services inside `start..=end`.
pub fn in_range(start: u16, end: u16) -> impl Iterator<Item = &'static Service> {
    SERVICES.iter().filter(move |s| start <= s.port && s.port <= end)
}

/// A high external port to suggest instead of `port`: same last digits, far from the
/// well-known range (22 -> 40022, 3389 -> 43389, 27017 -> 57017).
pub fn suggest_high(port: u16) -> u16 {
    if port < 10000 { 40000 + port } else { 50000 + port % 10000 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_suggestions_are_free() {
        assert!(SERVICES.windows(2).all(|w| w[0].port < w[1].port));
        for s in SERVICES {
            let h = suggest_high(s.port);
            assert!(h >= 40000 && in_range(h, h).next().is_none(), "{}", s.port);
        }
        assert_eq!(in_range(20, 25).map(|s| s.port).collect::<Vec<_>>(), [21, 22, 23, 25]);
    }
}
