//! `homeport update` end to end: the binary, a config file, a state directory, and an
//! HTTP server this test runs on 127.0.0.1 that plays both the address echo service and
//! a dyndns2 provider (plain HTTP, `use_https 0`).

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use support::homeport;

struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
    answer: Arc<Mutex<String>>,
}

/// Answers `/ip` with an address and `/nic/update` with the current `answer`, forever
/// (the thread ends with the test process).
fn server() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let answer = Arc::new(Mutex::new("good 81.2.69.160".to_string()));
    let (s2, a2) = (seen.clone(), answer.clone());
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
            let mut r = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if r.read_line(&mut line).is_err() {
                continue;
            }
            let mut auth = String::new();
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
                if h.to_ascii_lowercase().starts_with("authorization:") {
                    auth = h.trim().to_string();
                }
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            let body = if path == "/ip" { "81.2.69.160\n".to_string() } else { a2.lock().unwrap().clone() };
            s2.lock().unwrap().push(format!("{path} {auth}"));
            let _ =
                write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
    });
    Server { port, seen, answer }
}

struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("homeport-update-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Scratch(d)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn config(port: u16, extra: &str) -> String {
    format!(
        "config homeport 'main'\n\toption device 'lo'\n\n\
         config ddns 'home'\n\toption service 'dyndns2'\n\toption server '127.0.0.1:{port}'\n\
         \toption use_https '0'\n\toption domain 'home.example.org'\n\toption username 'user'\n\
         \toption password 's3cr3t'\n\toption ip_source 'web'\n\toption ip_url 'http://127.0.0.1:{port}/ip'\n\
         \toption lookup_host 'localhost'\n{extra}"
    )
}

fn run(dir: &Scratch, args: &[&str]) -> (i32, String, String) {
    let cfg = dir.0.join("homeport");
    let state = dir.0.join("state");
    let out = homeport()
        .arg("update")
        .args(["-c", cfg.to_str().unwrap(), "--state-dir", state.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn update_once_then_nothing_then_forced() {
    let srv = server();
    let dir = Scratch::new("cycle");
    std::fs::write(dir.0.join("homeport"), config(srv.port, "")).unwrap();

    let (code, out, err) = run(&dir, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out, "home (home.example.org): updated to 81.2.69.160 (good)\n", "{err}");
    let seen = srv.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![
            "/ip ".to_string(),
            "/nic/update?hostname=home.example.org&myip=81.2.69.160 authorization: Basic dXNlcjpzM2NyM3Q=".to_string()
        ]
    );
    assert!(!out.contains("s3cr3t") && !err.contains("s3cr3t"));
    let state = std::fs::read_to_string(dir.0.join("state/ddns-home.json")).unwrap();
    assert!(state.contains("81.2.69.160") && !state.contains("s3cr3t"), "{state}");

    // Nothing changed: the provider is not contacted again.
    let (code, out, _) = run(&dir, &[]);
    assert_eq!((code, out.as_str()), (0, "home (home.example.org): up to date (81.2.69.160)\n"));
    assert_eq!(srv.seen.lock().unwrap().iter().filter(|s| s.starts_with("/nic/")).count(), 1);

    // --force sends anyway.
    *srv.answer.lock().unwrap() = "nochg 81.2.69.160".into();
    let (code, out, _) = run(&dir, &["--force", "home"]);
    assert_eq!(code, 0);
    assert_eq!(out, "home (home.example.org): 81.2.69.160 was already registered (nochg)\n");
    assert_eq!(srv.seen.lock().unwrap().iter().filter(|s| s.starts_with("/nic/")).count(), 2);
}

#[test]
fn fatal_answer_fails_and_stops() {
    let srv = server();
    *srv.answer.lock().unwrap() = "badauth".into();
    let dir = Scratch::new("fatal");
    std::fs::write(dir.0.join("homeport"), config(srv.port, "")).unwrap();
    let (code, out, _) = run(&dir, &[]);
    assert_eq!(code, 1);
    assert!(out.starts_with("home (home.example.org): failed: badauth"), "{out}");
    let (code, out, _) = run(&dir, &[]);
    assert_eq!(code, 1);
    assert!(out.contains("stopped after an earlier error: badauth"), "{out}");
    assert_eq!(srv.seen.lock().unwrap().iter().filter(|s| s.starts_with("/nic/")).count(), 1);
}

#[test]
fn unknown_and_disabled_sections() {
    let srv = server();
    let dir = Scratch::new("names");
    std::fs::write(dir.0.join("homeport"), config(srv.port, "\nconfig ddns 'off'\n\toption enabled '0'\n\toption service 'duckdns'\n\toption domain 'x.duckdns.org'\n\toption password 't'\n")).unwrap();
    let (code, _, err) = run(&dir, &["nosuch"]);
    assert_eq!(code, 2);
    assert!(err.contains("no ddns section 'nosuch' (there are: home, off)"), "{err}");
    let (code, out, _) = run(&dir, &["off"]);
    assert_eq!(code, 0);
    assert_eq!(out, "off (x.duckdns.org): disabled (enabled 0), not updated\n");
    assert!(srv.seen.lock().unwrap().is_empty());
}

/// A one-shot DNS server on 127.0.0.1 that answers every A query with `addr`.
fn dns_server(addr: [u8; 4]) -> (u16, thread::JoinHandle<usize>) {
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = sock.local_addr().unwrap().port();
    sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let h = thread::spawn(move || {
        let mut answered = 0;
        let mut buf = [0u8; 512];
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            let q = &buf[..n];
            // Header (RFC 1035 §4.1.1): copy the id, set QR and RA, one question, one answer.
            let mut r = Vec::from(&q[..2]);
            r.extend_from_slice(&[0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
            // The question as asked (name, type, class), stripping any OPT record.
            let mut i = 12;
            while q[i] != 0 {
                i += 1 + q[i] as usize;
            }
            let question = &q[12..i + 5];
            r.extend_from_slice(question);
            let qtype = u16::from_be_bytes([q[i + 1], q[i + 2]]);
            if qtype == 1 {
                // Answer: pointer to the name at offset 12, A, IN, TTL 60, 4 bytes.
                r.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
                r.extend_from_slice(&addr);
            } else {
                r[7] = 0; // no answer for other types
            }
            sock.send_to(&r, from).unwrap();
            answered += 1;
            if qtype == 1 {
                break;
            }
        }
        answered
    });
    (port, h)
}

#[test]
fn restart_without_state_asks_dns_and_sends_nothing() {
    let srv = server();
    let (dns_port, dns) = dns_server([81, 2, 69, 160]);
    let dir = Scratch::new("dns");
    let cfg = config(srv.port, "").replace("\toption lookup_host 'localhost'\n", "");
    std::fs::write(dir.0.join("homeport"), format!("{cfg}\toption dns_server '127.0.0.1:{dns_port}'\n")).unwrap();
    let (code, out, err) = run(&dir, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out, "home (home.example.org): up to date (81.2.69.160)\n");
    assert!(dns.join().unwrap() >= 1);
    assert!(srv.seen.lock().unwrap().iter().all(|s| !s.starts_with("/nic/")));
    // What the lookup found is kept (issue 11 item 1): the next run neither asks DNS
    // (its server is gone) nor sends an update.
    assert!(dir.0.join("state/ddns-home.json").exists(), "the lookup's result is persisted");
    let (code, out, err) = run(&dir, &[]);
    assert_eq!((code, out.as_str()), (0, "home (home.example.org): up to date (81.2.69.160)\n"), "{err}");
    assert!(srv.seen.lock().unwrap().iter().all(|s| !s.starts_with("/nic/")));
}

#[test]
fn check_says_what_the_wan_address_means() {
    let dir = Scratch::new("check");
    let cfg = dir.0.join("homeport");
    std::fs::write(
        &cfg,
        "config homeport 'main'\n\toption device 'lo'\n\nconfig ddns 'home'\n\toption service 'duckdns'\n\
         \toption domain 'x.duckdns.org'\n\toption password 't'\n\toption family 'ipv6'\n",
    )
    .unwrap();
    let out = homeport().args(["check", "-c", cfg.to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // lo has only ::1: no global IPv6 address to publish.
    assert!(
        err.contains("warning: WAN lo: IPv6 is wanted but the WAN device has no usable global IPv6 address"),
        "{err}"
    );
}

/// `ip_source interface` for real: the WAN device is a veth in a namespace this test
/// creates; the provider listens on that namespace's loopback.
#[test]
fn interface_addresses_in_a_namespace() {
    use support::netns::Netns;
    use support::provider::Provider;
    require_netns!();
    let ns = Netns::new("ddnsup");
    ns.ip("link add wan0 type veth peer name wan0p");
    ns.ip("link set wan0 up");
    ns.ip("link set wan0p up");
    ns.ip("addr add 198.51.100.2/24 dev wan0");
    ns.ip("addr add fd00:5::2/64 dev wan0 nodad");
    ns.ip("addr add 2001:db8:5::2/64 dev wan0 nodad");
    ns.ip("addr add 2001:db8:5::99/64 dev wan0 nodad preferred_lft 0");
    let provider = Provider::start(&ns.name);
    let dir = Scratch::new("netns");
    let cfg = dir.0.join("homeport");
    let write_cfg = || {
        std::fs::write(
            &cfg,
            format!(
                "config homeport 'main'\n\toption device 'wan0'\n\nconfig ddns 'home'\n\toption service 'dyndns2'\n\
                 \toption server '127.0.0.1:{}'\n\toption use_https '0'\n\toption domain 'home.example.org'\n\
                 \toption username 'u'\n\toption password 'p'\n\toption family 'both'\n\toption lookup_host 'localhost'\n",
                provider.port
            ),
        )
        .unwrap()
    };
    write_cfg();
    let run_in_ns = || {
        let words = support::runner_words();
        let mut c = match words.split_first() {
            Some((first, rest)) => {
                let mut c = ns.exec(first);
                c.args(rest).arg(support::homeport_bin());
                c
            }
            None => ns.exec(support::homeport_bin().to_str().unwrap()),
        };
        let state = dir.0.join("state");
        let out =
            c.args(["update", "-c", cfg.to_str().unwrap(), "--state-dir", state.to_str().unwrap()]).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    let (code, out, err) = run_in_ns();
    assert_eq!(code, Some(0), "{out}{err}");
    let req = provider.next(Duration::from_secs(5)).expect("an update");
    // The ULA and the deprecated address are passed over.
    assert_eq!(req.param("myip").as_deref(), Some("198.51.100.2,2001:db8:5::2"), "{}", req.line);
    assert_eq!(out, "home (home.example.org): updated to 198.51.100.2 and 2001:db8:5::2 (good)\n");

    // Behind CGNAT: the IPv4 address is not published, and check/update say why.
    ns.ip("addr del 198.51.100.2/24 dev wan0");
    ns.ip("addr add 100.64.5.5/10 dev wan0");
    let (code, out, err) = run_in_ns();
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("note: IPv4 100.64.5.5 is not a public address"), "{out}");
    assert!(err.contains("carrier-grade NAT (CGNAT)"), "{err}");
    // Only the IPv6 address was still current, so nothing was sent.
    assert!(provider.next(Duration::from_millis(300)).is_none());
}

/// Issue 11 item 13: `homeport status` with no daemon shows what `homeport update` left.
#[test]
fn status_after_update_alone_shows_the_results() {
    let srv = server();
    let dir = Scratch::new("status");
    std::fs::write(dir.0.join("homeport"), config(srv.port, "")).unwrap();
    let (code, out, err) = run(&dir, &[]);
    assert_eq!(code, 0, "{out}{err}");
    let state = dir.0.join("state");
    let out = homeport().args(["status", "--state-dir", state.to_str().unwrap()]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "still 'not running': {text}");
    assert!(text.contains("not running"), "{text}");
    assert!(text.contains("home.example.org") && text.contains("section home): ok"), "{text}");
    assert!(text.contains("registered 81.2.69.160") && text.contains("good"), "{text}");
    let out = homeport().args(["status", "--json", "--state-dir", state.to_str().unwrap()]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["hosts"][0]["registered_ipv4"], "81.2.69.160", "{doc}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cr3t"));
}

/// Issue 11 item 12: `custom` with `answer`: a 200 whose body lacks it is a failure
/// (DuckDNS-style `KO`).
#[test]
fn custom_answer_must_appear() {
    let srv = server();
    *srv.answer.lock().unwrap() = "KO".into();
    let dir = Scratch::new("answer");
    let cfg = format!(
        "config homeport 'main'\n\toption device 'lo'\n\nconfig ddns 'duck'\n\toption service 'custom'\n\
         \toption update_url 'http://127.0.0.1:{p}/update?domains=h&token=[PASSWORD]&ip=[IP]'\n\
         \toption use_https '0'\n\toption domain 'h.duckdns.org'\n\toption password 's3cr3t'\n\
         \toption ip_source 'web'\n\toption ip_url 'http://127.0.0.1:{p}/ip'\n\toption lookup_host 'localhost'\n\
         \toption answer 'OK'\n",
        p = srv.port
    );
    std::fs::write(dir.0.join("homeport"), cfg).unwrap();
    let (code, out, err) = run(&dir, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("failed: the answer does not contain 'OK': KO"), "{out}");
    assert!(!out.contains("s3cr3t") && !err.contains("s3cr3t"));
}
