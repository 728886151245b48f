//! `config ddns '<name>'`: one Dynamic DNS update (one account, one or more names).
//!
//! Pure. Reads one section into a [`DdnsHost`] with ddns-scripts' option names (and its
//! spellings: `service_name`, `use_ipv6`, `*_unit`, `upd_privateip`), then checks what the
//! chosen service needs. `None` when the section had errors.

use std::path::PathBuf;

use super::read::{Choices, Reader, Shown, choose, did_you_mean, parse_text};
use super::url::{self, CheckedUrl, Placeholder, Scheme};
use super::{AddrFamily, DdnsHost, IpSource, Service, TsigAlgorithm};
use crate::types::{HostPort, Hostname, Interval, Secret};

pub const KNOWN: &[&str] = &[
    "enabled",
    "service",
    "domain",
    "username",
    "password",
    "family",
    "ip_source",
    "ip_device",
    "ip_url",
    "server",
    "use_https",
    "cacert",
    "update_url",
    "lookup_host",
    "dns_server",
    "check_interval",
    "force_interval",
    "retry_interval",
    "allow_private",
    "zone",
    "key_name",
    "key_algorithm",
    "key_secret",
    "cloudflare_zone",
    "password_ipv6",
    "answer",
    // ddns-scripts spellings, accepted as aliases:
    "service_name",
    "use_ipv6",
    "check_unit",
    "force_unit",
    "retry_unit",
    "upd_privateip",
];

/// Defaults as ddns-scripts has them (dynamic_dns_updater.sh).
pub const DEFAULT_CHECK: Interval = Interval::from_secs(600);
pub const DEFAULT_FORCE: Interval = Interval::from_secs(72 * 3600);
pub const DEFAULT_RETRY: Interval = Interval::from_secs(60);
/// Below these, polling and forced updates only annoy providers (some block for it).
pub const MIN_CHECK: u64 = 30;
pub const MIN_FORCE: u64 = 3600;
pub const MIN_RETRY: u64 = 5;

pub const MAX_USERNAME: usize = 256;
pub const MAX_SECRET: usize = 4096;
pub const MAX_PATH: usize = 4096;

/// `family` spellings (ddns-scripts' `use_ipv6` is read besides).
pub const FAMILIES: Choices<AddrFamily> = &[
    (AddrFamily::Ipv4, "IPv4", &["ipv4"]),
    (AddrFamily::Ipv6, "IPv6", &["ipv6"]),
    (AddrFamily::Both, "IPv4 and IPv6", &["both", "any"]),
];

/// `ip_source` spellings; ddns-scripts' `network` asks netifd for the interface's
/// address: the same thing as `interface`.
pub const IP_SOURCES: Choices<IpSource> = &[
    (IpSource::Interface, "The WAN interface's address", &["interface", "network"]),
    (IpSource::Web, "The address a web service sees", &["web"]),
    (IpSource::Device, "A LAN device's IPv6 address (AAAA; A stays the WAN's)", &["device"]),
];

/// TSIG algorithms as RFC 8945 §6 names them; `sha256` and a trailing dot are accepted too.
pub const TSIG_ALGORITHMS: Choices<TsigAlgorithm> = &[
    (TsigAlgorithm::HmacSha256, "HMAC-SHA256", &["hmac-sha256"]),
    (TsigAlgorithm::HmacSha512, "HMAC-SHA512", &["hmac-sha512"]),
    (TsigAlgorithm::HmacSha1, "HMAC-SHA1", &["hmac-sha1"]),
];

/// ddns-scripts options homeport does not take, with the reason.
pub fn hint(option: &str) -> Option<String> {
    let h = match option {
        "interface" | "ip_network" | "ip_interface" | "bind_network" => {
            "homeport takes the WAN from 'interface'/'device' in the main section"
        }
        "ip_script" | "update_script" => "homeport runs no scripts",
        "param_enc" | "param_opt" => "no [PARAMENC]/[PARAMOPT] placeholders; write the value into update_url",
        "retry_count" | "retry_max_count" => "retries back off exponentially and never give up on transient errors",
        "use_syslog" | "use_logfile" => "logging is set by 'log_level' in the main section",
        "force_ipversion" | "force_dnstcp" | "is_glue" | "proxy" | "use_api_check" | "use_curl" => {
            "a ddns-scripts option homeport does not use"
        }
        _ => return did_you_mean(option, KNOWN).map(|k| format!("did you mean '{k}'?")),
    };
    Some(h.to_string())
}

pub fn read(r: &mut Reader<'_>) -> Option<DdnsHost> {
    let enabled = r.bool("enabled", true);
    let service = read_service(r);
    let domains = r.parse_words("domain", Hostname::parse);
    let username = r.parse("username", Shown::Value, |v| parse_text(v, MAX_USERNAME));
    let password = r.parse("password", Shown::Secret, parse_secret);
    let family = read_family(r);
    let ip_source = r.parse("ip_source", Shown::Value, parse_ip_source).unwrap_or(IpSource::Interface);
    let ip_device = r.parse("ip_device", Shown::Value, parse_device);
    let explicit_https = r.opt_bool("use_https");
    let use_https = explicit_https.unwrap_or(true);
    let ip_url = read_url(r, "ip_url", Shown::Value, use_https, false).map(|(u, _)| u);
    let server = r.parse("server", Shown::Value, HostPort::parse);
    let cacert = r.parse("cacert", Shown::Value, parse_cacert);
    let update_url = read_url(r, "update_url", Shown::Secret, use_https, true);
    let lookup_host = r.parse("lookup_host", Shown::Value, Hostname::parse);
    let dns_server = r.parse("dns_server", Shown::Value, HostPort::parse);
    let check_interval = read_interval(r, "check_interval", "check_unit", DEFAULT_CHECK, MIN_CHECK, false);
    let default_force = match service {
        Some(Service::Dyn) => Interval::from_secs(crate::ddns::providers::dyn_com::DEFAULT_FORCE_SECS),
        _ => DEFAULT_FORCE,
    };
    let force_interval = read_interval(r, "force_interval", "force_unit", default_force, MIN_FORCE, true);
    let retry_interval = read_interval(r, "retry_interval", "retry_unit", DEFAULT_RETRY, MIN_RETRY, false);
    let allow_private = match r.opt_bool("allow_private") {
        Some(b) => {
            if r.has("upd_privateip") {
                r.warn_option("upd_privateip", "is ignored because 'allow_private' is set");
            }
            b
        }
        None => r.bool("upd_privateip", false),
    };
    let zone = r.parse("zone", Shown::Value, Hostname::parse);
    let key_name = r.parse("key_name", Shown::Value, Hostname::parse);
    let key_algorithm =
        r.parse("key_algorithm", Shown::Value, TsigAlgorithm::parse).unwrap_or(TsigAlgorithm::HmacSha256);
    let key_secret = r.parse("key_secret", Shown::Secret, parse_key_secret);
    let cloudflare_zone = r.parse("cloudflare_zone", Shown::Value, parse_cloudflare_zone);
    let password_ipv6 = r.parse("password_ipv6", Shown::Secret, parse_secret);
    let answer = r.parse("answer", Shown::Value, |v| parse_text(v, MAX_USERNAME));

    let mut host = DdnsHost {
        section: r.at().clone(),
        enabled,
        service: service.unwrap_or(Service::Custom),
        domains,
        username,
        password,
        family,
        ip_source,
        ip_device,
        ip_url,
        server,
        use_https,
        cacert,
        update_url: update_url.as_ref().map(|(u, _)| u.clone()),
        lookup_host,
        dns_server,
        check_interval,
        force_interval,
        retry_interval,
        allow_private,
        zone,
        key_name,
        key_algorithm,
        key_secret,
        cloudflare_zone,
        password_ipv6,
        answer,
    };
    if host.domains.is_empty() && !r.has("domain") {
        r.error_option("domain", "is required: the name(s) to keep pointed at this router");
    }
    if ip_source == IpSource::Device {
        // docs/config.md: the AAAA record follows a LAN device (issue 14).
        if !r.has("ip_device") {
            r.error_option("ip_device", "is required with ip_source 'device': the LAN device's MAC or DHCP host name");
        }
        if !host.family.wants_v6() {
            r.error_option("family", "must be 'ipv6' or 'both' with ip_source 'device' (it names the AAAA record)");
        }
    } else if let Some(v) = r.single("ip_device", Shown::Value) {
        r.warn_at("ip_device", v, Shown::Value, "is only used with ip_source 'device'; ignored");
    }
    if ip_source != IpSource::Web && host.ip_url.is_some() {
        r.warn_option("ip_url", "is only used with ip_source 'web'; ignored");
    }
    if explicit_https == Some(false) && host.service.is_http() {
        r.warn_at(
            "use_https",
            "0",
            Shown::Value,
            "plain HTTP: the password and the update cross the network unencrypted and can be read \
             or forged on the way; use only with a server you control",
        );
    }
    // Service checks need a known service; an unknown one was reported already.
    if let Some(service) = service {
        check_service(r, service, &mut host, update_url.map(|(_, c)| c), explicit_https.is_some());
    }
    if r.failed() { None } else { Some(host) }
}

fn read_service(r: &mut Reader<'_>) -> Option<Service> {
    let service = r.parse("service", Shown::Value, Service::parse);
    let alias = r.parse("service_name", Shown::Value, Service::parse);
    if r.has("service") && r.has("service_name") {
        r.warn_option("service_name", "is ignored because 'service' is set");
    }
    match (service, alias) {
        (Some(s), _) | (None, Some(s)) => Some(s),
        // ddns-scripts: an update_url without a service_name is a custom service.
        (None, None) if !r.has("service") && !r.has("service_name") && r.has("update_url") => Some(Service::Custom),
        (None, None) => {
            if !r.has("service") && !r.has("service_name") {
                r.error_option(
                    "service",
                    format!("is required (one of: {}, or update_url for custom)", Service::short_names().join(", ")),
                );
            }
            None
        }
    }
}

fn read_family(r: &mut Reader<'_>) -> AddrFamily {
    let family = r.parse("family", Shown::Value, |v| {
        choose(FAMILIES, v).ok_or_else(|| "is not an address family (ipv4, ipv6 or both)".to_string())
    });
    let has_family = r.has("family");
    let use_ipv6 = r.opt_bool("use_ipv6");
    if has_family && use_ipv6.is_some() {
        r.warn_option("use_ipv6", "is ignored because 'family' is set");
    }
    match (family, use_ipv6) {
        (Some(f), _) => f,
        (None, Some(true)) if !has_family => AddrFamily::Ipv6,
        _ => AddrFamily::Ipv4,
    }
}

fn parse_ip_source(v: &str) -> Result<IpSource, String> {
    match choose(IP_SOURCES, v) {
        Some(s) => Ok(s),
        None if v.eq_ignore_ascii_case("script") => {
            Err("is not supported: homeport runs no scripts (use interface or web)".to_string())
        }
        None => Err("is not an address source (interface, web or device)".to_string()),
    }
}

/// `ip_device`: a unicast MAC, else a DHCP host name (a MAC is never a host name).
fn parse_device(v: &str) -> Result<crate::device::Device, String> {
    use crate::device::{Device, HostName};
    match crate::types::Mac::parse(v) {
        Ok(m) if m.is_unicast() => Ok(Device::Mac(m)),
        Ok(_) => Err("is a multicast or broadcast address, not one device".to_string()),
        Err(_) => HostName::parse(v)
            .map(Device::Host)
            .map_err(|_| "is neither a MAC address nor a DHCP host name".to_string()),
    }
}

fn parse_secret(v: &str) -> Result<Secret, String> {
    if v.chars().any(char::is_control) {
        return Err("contains control characters".to_string());
    }
    if v.len() > MAX_SECRET {
        return Err(format!("is longer than {MAX_SECRET} bytes"));
    }
    Ok(Secret::new(v))
}

fn parse_key_secret(v: &str) -> Result<Secret, String> {
    // One spelling per key: white space, which the TSIG decoder would skip, is refused here.
    match crate::dns::base64::decode(v) {
        Ok(key) if !key.is_empty() && !v.contains(char::is_whitespace) => Ok(Secret::new(v)),
        _ => Err("is not a base64 key (as tsig-keygen writes it)".to_string()),
    }
}

pub(super) fn parse_cacert(v: &str) -> Result<PathBuf, String> {
    if v.eq_ignore_ascii_case("ignore") {
        return Err("would turn certificate checks off, which homeport never does; name a CA bundle file, \
                    or remove the option to use the system's"
            .to_string());
    }
    if !v.starts_with('/') {
        return Err("is not an absolute path".to_string());
    }
    parse_text(v, MAX_PATH).map(PathBuf::from)
}

fn parse_cloudflare_zone(v: &str) -> Result<String, String> {
    // A zone name, or a zone id (32 hex digits, which is also a valid name).
    Hostname::parse(v).map(|h| h.as_str().to_string()).map_err(|_| "is not a zone name or zone id".to_string())
}

impl TsigAlgorithm {
    /// `hmac-sha256` (also `sha256`, any case, a trailing dot as in BIND's
    /// `hmac-sha256.`); likewise sha1 and sha512. HMAC-MD5 is refused (RFC 8945 §6).
    pub fn parse(v: &str) -> Result<TsigAlgorithm, String> {
        let l = v.trim_end_matches('.').to_ascii_lowercase();
        let short = l.strip_prefix("hmac-").unwrap_or(&l);
        if let Some(a) = choose(TSIG_ALGORITHMS, &format!("hmac-{short}")) {
            return Ok(a);
        }
        match short {
            "md5" | "md5.sig-alg.reg.int" => {
                Err("is not supported (HMAC-MD5 is deprecated); use hmac-sha256 with a new key".to_string())
            }
            _ => Err("is not a TSIG algorithm (hmac-sha1, hmac-sha256 or hmac-sha512)".to_string()),
        }
    }

    /// The algorithm's DNS name as TSIG records carry it (RFC 8945 §6).
    pub fn name(self) -> &'static str {
        TSIG_ALGORITHMS.iter().find(|(a, _, _)| *a == self).and_then(|(_, _, s)| s.first()).copied().unwrap_or("")
    }
}

/// A URL option: checked, and upgraded from `http` to `https` (with a warning) while
/// `use_https` is on, as ddns-scripts' `use_https` does.
pub(super) fn read_url(
    r: &mut Reader<'_>,
    name: &str,
    shown: Shown,
    use_https: bool,
    template: bool,
) -> Option<(String, CheckedUrl)> {
    let v = r.single(name, shown)?;
    let mut checked = match url::check(v, template) {
        Ok(c) => c,
        Err(why) => {
            r.error_at(name, v, shown, why);
            return None;
        }
    };
    if checked.scheme == Scheme::Http && use_https {
        r.warn_option(name, "is plain http://; using https:// because use_https is on");
        checked.scheme = Scheme::Https;
        return Some((url::upgrade_to_https(v), checked));
    }
    Some((v.to_string(), checked))
}

/// An interval in homeport's form (`10m`), or ddns-scripts' number plus `*_unit`
/// (`check_interval '10'` + `check_unit 'minutes'`). Values below `min` are raised to
/// it with a warning (0 is allowed where `zero_ok`: never).
fn read_interval(r: &mut Reader<'_>, name: &str, unit: &str, default: Interval, min: u64, zero_ok: bool) -> Interval {
    let value = r.single(name, Shown::Value);
    let parsed = match (value, r.single(unit, Shown::Value)) {
        // ddns-scripts' sample config sets units without values; harmless.
        (None, _) => return default,
        (Some(_), Some(u)) if !matches!(u.to_ascii_lowercase().as_str(), "seconds" | "minutes" | "hours" | "days") => {
            r.error_at(unit, u, Shown::Value, "is not a unit (seconds, minutes, hours or days)");
            return default;
        }
        (Some(v), Some(u)) if v.bytes().all(|b| b.is_ascii_digit()) => Interval::parse(&format!("{v} {u}")),
        (Some(v), Some(_)) if Interval::parse(v).is_ok() => {
            r.error_at(name, v, Shown::Value, format!("has its own unit, and {unit} is set too; drop one"));
            return default;
        }
        (Some(v), _) => Interval::parse(v),
    };
    let v = value.unwrap_or("");
    match parsed {
        Err(why) => {
            r.error_at(name, v, Shown::Value, why);
            default
        }
        Ok(i) if i.secs() == 0 && zero_ok => i,
        Ok(i) if i.secs() < min => {
            let floor = Interval::from_secs(min);
            let what = if zero_ok {
                format!("is shorter than {floor} (0 means never)")
            } else {
                format!("is shorter than {floor}")
            };
            r.warn_at(name, v, Shown::Value, format!("{what}; using {floor}"));
            floor
        }
        Ok(i) => i,
    }
}

/// What each service needs, and what it ignores.
fn check_service(
    r: &mut Reader<'_>,
    service: Service,
    host: &mut DdnsHost,
    update_url: Option<CheckedUrl>,
    explicit_https: bool,
) {
    let name = service.name();
    let ignored = |r: &mut Reader<'_>, option: &str| {
        if r.has(option) {
            r.warn_option(option, format!("is not used by service '{name}'; ignored"));
        }
    };
    if service.needs_username() && host.username.is_none() && !r.has("username") {
        r.error_option("username", format!("is required for service '{name}'"));
    }
    if service.needs_password() && host.password.is_none() && !r.has("password") {
        r.error_option("password", format!("is required for service '{name}': {}", service.password_means()));
    }
    if service != Service::Custom {
        ignored(r, "update_url");
    }
    if service != Service::Rfc2136 {
        for o in ["key_name", "key_algorithm", "key_secret"] {
            ignored(r, o);
        }
    }
    // `zone`: the zone to update (rfc2136), the registered domain (namecheap), the deSEC
    // domain (desec), the user's own domain at Dynu (dynu); every name must be inside it.
    if !matches!(service, Service::Rfc2136 | Service::Namecheap | Service::Desec | Service::Dynu) {
        ignored(r, "zone");
    } else if service != Service::Rfc2136 {
        check_zone(r, host);
    }
    if service != Service::Cloudflare {
        ignored(r, "cloudflare_zone");
    }
    if service != Service::Freedns {
        ignored(r, "password_ipv6");
    }
    if service != Service::Custom {
        ignored(r, "answer");
    }
    match service {
        Service::Dyndns2 if host.server.is_none() && !r.has("server") => {
            r.error_option("server", "is required for service 'dyndns2': the provider's update host (host[:port])");
        }
        Service::Freedns => {
            ignored(r, "username");
            // FreeDNS gives the A and the AAAA record each its own token (afraid.org
            // dynamic update v2), so one token cannot update both.
            if host.family == AddrFamily::Both && host.password_ipv6.is_none() && !r.has("password_ipv6") {
                r.error_option(
                    "password_ipv6",
                    "is required for FreeDNS with family 'both': the AAAA record's own update token \
                     ('password' is the A record's)",
                );
            } else if host.family != AddrFamily::Both && r.has("password_ipv6") {
                r.warn_option("password_ipv6", "is only used with family 'both' ('password' is the token); ignored");
            }
        }
        Service::He | Service::Duckdns => ignored(r, "username"),
        Service::Namecheap => {
            if host.family.wants_v6() {
                r.error_option("family", "Namecheap's dynamic DNS updates IPv4 (A records) only; use family 'ipv4'");
            }
            if host.zone.is_none() && host.username.is_none() {
                for d in &host.domains {
                    if let Err(why) = crate::ddns::providers::namecheap::split(None, None, d.as_str()) {
                        r.error_at("domain", d.as_str(), Shown::Value, why);
                    }
                }
            }
            if let Some(u) = host.username.clone() {
                if host.zone.is_some() {
                    r.warn_at("username", &u, Shown::Value, "is not used when 'zone' is set; ignored");
                }
                if u != "@" && u != "*" && Hostname::parse(&u).is_err() {
                    r.error_at(
                        "username",
                        &u,
                        Shown::Value,
                        "is not a host part for Namecheap ('@' for the domain itself, or a name like 'www')",
                    );
                }
            }
        }
        Service::Cloudflare => {
            if let Some(u) = host.username.as_deref() {
                if !u.eq_ignore_ascii_case("bearer") {
                    r.warn_at(
                        "username",
                        u,
                        Shown::Value,
                        "is ignored: homeport authenticates with a scoped API token in 'password' \
                         (global API keys with an e-mail address are not supported)",
                    );
                }
            }
        }
        Service::Custom => check_custom(r, host, update_url),
        Service::Rfc2136 => check_rfc2136(r, host, explicit_https),
        _ => {}
    }
    if service == Service::Duckdns {
        for d in host.domains.clone() {
            let label_only = !d.as_str().contains('.');
            if !label_only && !d.as_str().ends_with(".duckdns.org") {
                r.error_at("domain", d.as_str(), Shown::Value, "is not a DuckDNS name (name or name.duckdns.org)");
            }
        }
    }
}

fn check_custom(r: &mut Reader<'_>, host: &DdnsHost, url: Option<CheckedUrl>) {
    let Some(url) = url else {
        if !r.has("update_url") {
            r.error_option("update_url", "is required for service 'custom': the update URL template");
        }
        return;
    };
    if url.uses(Placeholder::Username) && host.username.is_none() && !r.has("username") {
        r.error_option("username", "is required: update_url uses [USERNAME]");
    }
    if url.uses(Placeholder::Password) && host.password.is_none() && !r.has("password") {
        r.error_option("password", "is required: update_url uses [PASSWORD]");
    }
    if host.password.is_some() && !url.uses(Placeholder::Password) {
        r.warn_option("password", "is not used: update_url has no [PASSWORD]");
    }
    let (ip, ip6) = (url.uses(Placeholder::Ip), url.uses(Placeholder::Ip6));
    match host.family {
        AddrFamily::Ipv4 if ip6 => r.error_option("update_url", "uses [IP6], but family is 'ipv4'"),
        AddrFamily::Ipv6 if ip && !ip6 => {
            r.error_option("update_url", "uses [IP], the IPv4 address, but family is 'ipv6'; write [IP6]")
        }
        AddrFamily::Both if !(ip && ip6) => {
            r.error_option("update_url", "needs both [IP] and [IP6] for family 'both' (or use one section per family)")
        }
        _ if !ip && !ip6 => r.warn_option(
            "update_url",
            "has no [IP] or [IP6]: the server must take the address from the connection, which \
             goes out over the WAN but may differ from the address homeport chose",
        ),
        _ => {}
    }
}

fn check_rfc2136(r: &mut Reader<'_>, host: &mut DdnsHost, explicit_https: bool) {
    if explicit_https {
        r.warn_option("use_https", "does not apply to rfc2136 (updates are signed with TSIG); ignored");
    }
    for o in ["ip_url", "cacert"] {
        if r.has(o) && !(o == "ip_url" && host.ip_source == IpSource::Web) {
            r.warn_option(o, "is not used by service 'rfc2136'; ignored");
        }
    }
    // ddns-scripts' nsupdate spells the key as username/password and the primary as dns_server.
    if host.server.is_none() && !r.has("server") {
        match host.dns_server.clone() {
            Some(d) => host.server = Some(d),
            None if !r.has("dns_server") => r.error_option(
                "server",
                "is required for service 'rfc2136': the primary name server to send updates to (or set dns_server)",
            ),
            None => {}
        }
    }
    if host.key_name.is_none() && !r.has("key_name") {
        match host.username.as_deref().map(|u| (u, Hostname::parse(u))) {
            Some((_, Ok(k))) => host.key_name = Some(k),
            Some((u, Err(_))) => r.error_at("username", u, Shown::Value, "is not a TSIG key name (a DNS name)"),
            None => r.error_option("key_name", "is required for service 'rfc2136': the TSIG key's name"),
        }
    }
    if host.key_secret.is_none() && !r.has("key_secret") {
        match host.password.as_ref().map(|p| parse_key_secret(p.expose())) {
            Some(Ok(k)) => host.key_secret = Some(k),
            Some(Err(why)) => r.error_option("password", why),
            None => r.error_option("key_secret", "is required for service 'rfc2136': the TSIG key, base64"),
        }
    }
    check_zone(r, host);
}

fn check_zone(r: &mut Reader<'_>, host: &DdnsHost) {
    if let Some(zone) = host.zone.clone() {
        for d in &host.domains {
            let inside = d == &zone || d.as_str().ends_with(&format!(".{}", zone.as_str()));
            if !inside {
                r.error_at("zone", zone.as_str(), Shown::Value, format!("does not contain domain '{d}'"));
            }
        }
    }
}
