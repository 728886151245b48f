//! The providers, mocked over real HTTPS (issue 11): one server on port 443 of a
//! namespace's loopback answers for every provider host name the conformance table
//! (`tests/data/providers.json`) uses. The names resolve there through the namespace's
//! own hosts file (`ip netns exec` mounts /etc/netns/NS/hosts over /etc/hosts); the
//! certificate is issued by a CA made with the `openssl` CLI (support::tls), which
//! homeport trusts through the section's `cacert`.
//!
//! The mock checks each request against the next step the table expects from that host
//! (method, URL with every parameter, credentials, body, User-Agent) and answers as the
//! table says. It also enforces the table's `limits` (deSEC's requests per window, No-IP's
//! and Dynu's quiet after `911`, Dyn's stop after a failure, any `Retry-After`): a
//! request that breaks one is answered 429 and recorded as a violation, which fails the
//! test. The server runs in the test process (natively, or under the same qemu-user as
//! the test binary); homeport runs as its own process in the namespace.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::http;
use super::table::s;

/// One request as the mock saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub host: String,
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        http::header(&self.headers, name)
    }

    pub fn url(&self) -> String {
        format!("https://{}{}", self.host, self.target)
    }
}

#[derive(Default)]
struct Inner {
    /// The steps still expected, per host, in order.
    queues: HashMap<String, VecDeque<Value>>,
    /// A case's label, for messages.
    label: String,
    seen: Vec<Seen>,
    /// Requests that differ from the table's.
    failures: Vec<String>,
    /// Requests that broke a documented limit.
    violations: Vec<String>,
    /// Per (host, account): no request before this instant (`None` inside: never again).
    quiet: HashMap<(String, String), Option<Instant>>,
    /// Per (host, key): when the requests in the current window came.
    window: HashMap<(String, String), Vec<Instant>>,
}

pub struct Mock {
    inner: Arc<Mutex<Inner>>,
    limits: Arc<Vec<Value>>,
    pub ca: PathBuf,
}

/// Every host name the table's requests go to.
pub fn table_hosts(table: &Value) -> Vec<String> {
    let mut hosts = Vec::new();
    let steps =
        table["cases"].as_array().into_iter().flatten().flat_map(|c| {
            ["lookup", "exchange"].into_iter().filter_map(|k| c.get(k).and_then(Value::as_array)).flatten()
        });
    for st in steps {
        if let Some(h) = s(st, "url").and_then(|u| u.strip_prefix("https://")).and_then(|u| u.split('/').next()) {
            if !hosts.iter().any(|x| x == h) {
                hosts.push(h.to_string());
            }
        }
    }
    hosts
}

impl Mock {
    /// Makes the PKI in `dir`, points `hosts` at 127.0.0.1 in namespace `ns`, and serves
    /// port 443 there.
    pub fn start(ns: &str, dir: &Path, hosts: &[String], limits: Vec<Value>) -> Mock {
        let names: Vec<&str> = hosts.iter().map(String::as_str).collect();
        super::tls::make_pki(dir, &names, super::tls::Key::P256);
        let etc = Path::new("/etc/netns").join(ns);
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::write(etc.join("hosts"), format!("127.0.0.1 localhost {}\n", hosts.join(" "))).unwrap();
        let config = super::tls::server_config(dir);
        let inner = Arc::new(Mutex::new(Inner::default()));
        let limits = Arc::new(limits);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (inner2, limits2, ns2) = (Arc::clone(&inner), Arc::clone(&limits), ns.to_string());
        std::thread::spawn(move || {
            super::netns::enter_thread(&ns2);
            let listener = TcpListener::bind("127.0.0.1:443").expect("bind 127.0.0.1:443 in the namespace");
            ready_tx.send(()).unwrap();
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (config, inner, limits) = (Arc::clone(&config), Arc::clone(&inner2), Arc::clone(&limits2));
                std::thread::spawn(move || serve(stream, config, &inner, &limits));
            }
        });
        ready_rx.recv_timeout(Duration::from_secs(10)).expect("the mock provider listens");
        Mock { inner, limits, ca: dir.join("ca.pem") }
    }

    /// A new account: the steps of `steps` are expected next (each from the host its URL
    /// names, in order per host); limits and records start afresh.
    pub fn expect(&self, label: &str, steps: &[Value]) {
        let mut g = self.inner.lock().unwrap();
        *g = Inner { label: label.to_string(), ..Inner::default() };
        for st in steps {
            let host = s(st, "url").and_then(|u| u.strip_prefix("https://")).and_then(|u| u.split('/').next());
            g.queues.entry(host.unwrap_or("").to_string()).or_default().push_back(st.clone());
        }
    }

    /// Steps still expected.
    pub fn pending(&self) -> usize {
        self.inner.lock().unwrap().queues.values().map(VecDeque::len).sum()
    }

    /// (differences from the table, broken limits) since `expect`, taken.
    pub fn take_failures(&self) -> (Vec<String>, Vec<String>) {
        let mut g = self.inner.lock().unwrap();
        (std::mem::take(&mut g.failures), std::mem::take(&mut g.violations))
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.inner.lock().unwrap().seen.clone()
    }

    /// Waits until every expected step came (true) or `limit` passed (false).
    pub fn wait_done(&self, limit: Duration) -> bool {
        let t = Instant::now();
        while self.pending() > 0 {
            if t.elapsed() > limit {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        true
    }

    /// How many requests came in all since `expect`.
    pub fn count(&self) -> usize {
        self.inner.lock().unwrap().seen.len()
    }

    /// The limits the mock enforces (the table's).
    pub fn limits(&self) -> &[Value] {
        &self.limits
    }
}

fn serve(tcp: TcpStream, config: Arc<rustls::ServerConfig>, inner: &Mutex<Inner>, limits: &[Value]) {
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(20)));
    let Ok(conn) = rustls::ServerConnection::new(config) else { return };
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let Some(seen) = read_request(&mut tls) else { return };
    let (status, headers, body) = answer(&seen, inner, limits);
    let mut text = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (k, v) in &headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    text.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()));
    let _ = tls.write_all(text.as_bytes());
    let _ = tls.flush();
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

fn read_request(tls: &mut impl Read) -> Option<Seen> {
    let mut r = BufReader::new(tls);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut words = line.split_whitespace();
    let (method, target) = (words.next()?.to_string(), words.next()?.to_string());
    let headers = http::read_headers(&mut r).ok()?;
    let len: usize = http::header(&headers, "content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len.min(1 << 16)];
    r.read_exact(&mut body).ok()?;
    let host = http::header(&headers, "host").unwrap_or_default();
    let host = host.strip_suffix(":443").unwrap_or(host).to_string();
    Some(Seen { host, method, target, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// The limit of `kind` for `host`, if the table has one.
fn limit<'a>(limits: &'a [Value], host: &str, kind: &str) -> impl Iterator<Item = &'a Value> {
    let host = host.to_string();
    let kind = kind.to_string();
    limits.iter().filter(move |l| l.get(&kind).is_some() && matches!(s(l, "host"), Some(h) if h == host || h == "*"))
}

/// The Basic user of a request (deSEC's per-domain key).
fn basic_user(seen: &Seen) -> String {
    let Some(b64) = seen.header("authorization").and_then(|v| v.strip_prefix("Basic ")) else { return String::new() };
    let dec = base64_decode(b64);
    String::from_utf8_lossy(&dec).split(':').next().unwrap_or("").to_string()
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let bits: Vec<u8> = s.bytes().filter_map(val).collect();
    bits.chunks(4)
        .flat_map(|c| {
            let n = c.iter().fold(0u32, |a, &b| (a << 6) | b as u32) << (6 * (4 - c.len()));
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            bytes.into_iter().take(c.len().saturating_sub(1))
        })
        .collect()
}

fn answer(seen: &Seen, inner: &Mutex<Inner>, limits: &[Value]) -> (u16, Vec<(String, String)>, String) {
    let mut g = inner.lock().unwrap();
    g.seen.push(seen.clone());
    let now = Instant::now();
    let label = g.label.clone();
    let what = format!("{label}: {} {}", seen.method, seen.url());

    // Limits first: a request that breaks one is the client's fault, whatever it says.
    // The account a limit counts for: deSEC's domain (the Basic user), else the host's.
    let account = if limit(limits, &seen.host, "per").any(|l| s(l, "per") == Some("basic_user")) {
        basic_user(seen)
    } else {
        String::new()
    };
    if let Some(until) = g.quiet.get(&(seen.host.clone(), account.clone())) {
        // To the millisecond: Retry-After counts from the answer (RFC 9110 §10.2.3).
        let left = until.map(|u| u.saturating_duration_since(now));
        if left != Some(Duration::ZERO) {
            g.violations.push(format!(
                "{what}: sent while the provider asked for quiet ({})",
                match left {
                    Some(d) => format!("{:.3} s left", d.as_secs_f64()),
                    None => "after a failed update; nothing more is allowed".into(),
                }
            ));
            let secs = left.map_or(3600, |d| d.as_secs() + 1);
            return (429, vec![("Retry-After".into(), secs.to_string())], String::new());
        }
    }
    for l in limit(limits, &seen.host, "max") {
        let key = account.clone();
        let max = l["max"].as_u64().unwrap_or(1) as usize;
        let window = Duration::from_secs(l["window"].as_u64().unwrap_or(60));
        let times = g.window.entry((seen.host.clone(), key.clone())).or_default();
        times.retain(|t| now.duration_since(*t) < window);
        if times.len() >= max {
            let wait = window.saturating_sub(now.duration_since(times[0])).as_secs().max(1);
            g.violations.push(format!(
                "{what}: more than {max} requests in {} s for {key:?} ({})",
                window.as_secs(),
                s(l, "source").unwrap_or("")
            ));
            return (429, vec![("Retry-After".into(), wait.to_string())], String::new());
        }
        times.push(now);
    }

    let Some(step) = g.queues.get_mut(&seen.host).and_then(VecDeque::pop_front) else {
        g.failures.push(format!("{what}: a request the table does not expect"));
        return (500, vec![], "the mock expected no request".into());
    };
    let mut diff = Vec::new();
    let mut check = |field: &str, got: Option<&str>, want: Option<&str>| {
        if want.is_some() && got != want {
            diff.push(format!("{field}: sent {got:?}, the table wants {want:?}"));
        }
    };
    check("method", Some(&seen.method), s(&step, "method"));
    check("url", Some(&seen.url()), s(&step, "url"));
    let basic = s(&step, "basic").map(|up| {
        let (u, p) = up.split_once(':').unwrap_or((up, ""));
        homeport::ddns::basic_auth::header_value(u, &homeport::types::Secret::new(p))
    });
    check("Authorization", seen.header("authorization"), basic.as_deref());
    let bearer = s(&step, "bearer").map(|t| format!("Bearer {t}"));
    check("Authorization", seen.header("authorization"), bearer.as_deref());
    check("body", Some(&seen.body), s(&step, "request_body").or(Some("")));
    if s(&step, "basic").is_none() && s(&step, "bearer").is_none() && seen.header("authorization").is_some() {
        diff.push("Authorization: sent, the table wants none".into());
    }
    // No-IP's and Dyn's shape, "NameOfProgram/Version contact", never a placeholder contact.
    let ua = seen.header("user-agent").unwrap_or("");
    if !ua.starts_with("homeport/") || ua.contains("example.invalid") {
        diff.push(format!("User-Agent {ua:?}"));
    }
    for d in diff {
        g.failures.push(format!("{what}: {d}"));
    }

    let status = step["status"].as_u64().unwrap_or(200) as u16;
    let body = s(&step, "body").unwrap_or("").to_string();
    let mut headers: Vec<(String, String)> = step
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| h.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect())
        .unwrap_or_default();
    if s(&step, "url").is_some_and(|u| u.contains("api.cloudflare.com")) {
        headers.push(("Content-Type".into(), "application/json".into()));
    }

    // What this answer asks of the client from now on.
    let mut quiet: Option<Option<Instant>> = None;
    for l in limit(limits, &seen.host, "after_header") {
        let name = s(l, "after_header").unwrap_or("");
        if let Some(secs) = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.parse().ok())
        {
            quiet = Some(Some(now + Duration::from_secs(secs)));
        }
    }
    for l in limit(limits, &seen.host, "after_body") {
        if body.lines().any(|line| line.split_whitespace().next() == s(l, "after_body")) {
            quiet = Some(Some(now + Duration::from_secs(l["quiet"].as_u64().unwrap_or(0))));
        }
    }
    if limit(limits, &seen.host, "after_failure").next().is_some() {
        let ok = status == 200
            && body.lines().all(|line| matches!(line.split_whitespace().next(), Some("good" | "nochg") | None));
        if !ok {
            quiet = Some(None);
        }
    }
    if let Some(q) = quiet {
        g.quiet.insert((seen.host.clone(), account), q);
    }
    (status, headers, body)
}
