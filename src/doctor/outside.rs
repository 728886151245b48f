//! The outside probe (opt-in: `probe_url` in the main section): a service on the
//! internet that connects back to the asking address's port and says whether it got in.
//!
//! Pure. The protocol is echoip's (github.com/mpolden/echoip, the software behind
//! ifconfig.co), http/http.go: `GET /port/<n>` answers `{"ip": <the address the request
//! came from>, "port": n, "reachable": <a TCP connect to ip:n within 2 s succeeded>}`
//! (`PortResponse`, `newPortResponse`; iputil.LookupPort dials with a 2 s timeout); a
//! bad port is HTTP 400 with `{"status": 400, "error": "..."}`. The service checks the
//! address the request came from and no other (its `ip` query parameter is ignored
//! for ports), so a probe can only ever test this router's own public address.

use std::net::IpAddr;

use crate::config::{Config, Forward};

/// What the probe answered for one port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outside {
    /// The address the probe saw the request come from, and connected back to.
    pub ip: IpAddr,
    pub port: u16,
    pub reachable: bool,
}

/// The URL asking `base` (a checked `probe_url`, no trailing `/`) about `port`.
pub fn request_url(base: &str, port: u16) -> String {
    format!("{base}/port/{port}")
}

/// The host part of a probe URL, for the sentences.
pub fn host(base: &str) -> &str {
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// The external port each enabled, selected TCP forward is asked about: the first of its
/// `src_dport` range (the connect from the router tests the first `dest_port` likewise).
pub fn ports(cfg: &Config, only: &[String]) -> Vec<u16> {
    let mut out: Vec<u16> = Vec::new();
    for f in cfg.forwards.iter().filter(|f| f.enabled && f.proto.has_tcp() && super::forward_wanted(only, f)) {
        let p = port(f);
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

pub fn port(f: &Forward) -> u16 {
    f.src_dport.start().get()
}

/// The probe's answer to `GET <base>/port/<asked>`: HTTP status and body. Never panics;
/// anything but echoip's 200 answer for the port asked is an error saying what came.
pub fn parse(status: u16, body: &[u8], asked: u16) -> Result<Outside, String> {
    if status != 200 {
        // Not the service's words: echoip's errors are about the request, not the port.
        return Err(format!("HTTP status {status}"));
    }
    let v: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let field = |k: &str| v.as_ref().and_then(|v| v.get(k));
    let ip = field("ip").and_then(|i| i.as_str()).and_then(|i| i.parse().ok());
    let port = field("port").and_then(|p| p.as_u64()).and_then(|p| u16::try_from(p).ok());
    let reachable = field("reachable").and_then(|r| r.as_bool());
    match (ip, port, reachable) {
        (Some(ip), Some(port), Some(reachable)) if port == asked => Ok(Outside { ip, port, reachable }),
        (Some(_), Some(port), Some(_)) => Err(format!("it answered for port {port}, not {asked}")),
        _ => Err("the answer is not an echoip port answer (JSON with ip, port and reachable)".to_string()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// echoip's answer as Go's json.MarshalIndent writes it (http.go `PortHandler`).
    const OPEN: &[u8] = b"{\n  \"ip\": \"203.0.113.7\",\n  \"port\": 50443,\n  \"reachable\": true\n}";

    #[test]
    fn echoip_answers() {
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        assert_eq!(parse(200, OPEN, 50443), Ok(Outside { ip, port: 50443, reachable: true }));
        let closed = br#"{"ip":"2001:db8::7","port":22,"reachable":false}"#;
        let ip6: IpAddr = "2001:db8::7".parse().unwrap();
        assert_eq!(parse(200, closed, 22), Ok(Outside { ip: ip6, port: 22, reachable: false }));
        // echoip's error document for a bad port (http.go `appHandler.ServeHTTP`).
        let bad = b"{\n  \"status\": 400,\n  \"error\": \"invalid port: 0\"\n}";
        assert_eq!(parse(400, bad, 0), Err("HTTP status 400".to_string()));
        assert_eq!(parse(200, OPEN, 443), Err("it answered for port 50443, not 443".to_string()));
    }

    #[test]
    fn anything_else_is_an_error_never_a_panic() {
        let odd: [(u16, &[u8]); 9] = [
            (200, b""),
            (200, b"203.0.113.7\n"),
            (200, b"{\"ip\":\"203.0.113.7\",\"port\":70000,\"reachable\":true}"),
            (200, b"{\"ip\":\"x\",\"port\":1,\"reachable\":true}"),
            (200, b"{\"ip\":\"203.0.113.7\",\"port\":1,\"reachable\":\"yes\"}"),
            (200, b"[1,2]"),
            (200, b"\xff\xfe{"),
            (502, b"<html>Bad Gateway</html>"),
            (400, b"{\"error\":\"line\\nbreak\"}"),
        ];
        for (status, body) in odd {
            let e = parse(status, body, 1).unwrap_err();
            assert!(!e.contains('\n'), "{e}");
        }
    }

    /// Every byte string, and every corruption of echoip's answer, gives Ok or Err.
    #[test]
    fn never_panics_on_mutated_answers() {
        let mut x: u32 = 0x9e37_79b9;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for _ in 0..5000 {
            let mut body = OPEN.to_vec();
            for _ in 0..(next() % 4 + 1) {
                let i = next() as usize % body.len();
                match next() % 3 {
                    0 => body[i] = next() as u8,
                    1 => body.truncate(i),
                    _ => {
                        let pick = b"{}[]\"0,:\\ef";
                        body.insert(i, pick[next() as usize % pick.len()]);
                    }
                }
                if body.is_empty() {
                    break;
                }
            }
            let _ = parse(200, &body, 50443);
            let _ = parse(next() as u16, &body, next() as u16);
        }
    }

    #[test]
    fn urls_and_hosts() {
        assert_eq!(request_url("https://ifconfig.co", 8443), "https://ifconfig.co/port/8443");
        assert_eq!(request_url("https://x.example/echoip", 22), "https://x.example/echoip/port/22");
        assert_eq!(host("https://x.example:8443/echoip"), "x.example:8443");
        assert_eq!(host("https://ifconfig.co"), "ifconfig.co");
    }
}
