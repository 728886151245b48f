//! The HTTP path end to end: provider request → ureq → a server this test runs on
//! 127.0.0.1 → classification. Plain HTTP (`use_https 0`) against a tiny std::net
//! server; HTTPS against `openssl s_server` with a CA this test generates (support::tls).

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use homeport::config::{DdnsHost, Service};
use homeport::ddns::Outcome;
use homeport::ddns::engine::Addrs;
use homeport::ddns::http::{BODY_CAP, HttpClient, Transport};
use homeport::ddns::request::HttpRequest;
use homeport::ddns::run;
use homeport::types::{HostPort, Hostname, Secret};
use support::tls::{self, Key};

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    request_line: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        support::http::header(&self.headers, name)
    }
}

/// Serves one scripted raw response per connection, in order, then stops.
fn serve(responses: Vec<Vec<u8>>) -> (u16, mpsc::Receiver<Seen>, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    let h = thread::spawn(move || {
        for resp in responses {
            let Ok((stream, _)) = listener.accept() else { return };
            stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let headers = support::http::read_headers(&mut reader).unwrap();
            let len: usize = support::http::header(&headers, "content-length").map(|v| v.parse().unwrap()).unwrap_or(0);
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            let _ = tx.send(Seen {
                request_line: request_line.trim_end().to_string(),
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
            let mut s: TcpStream = stream;
            let _ = s.write_all(&resp);
            let _ = s.flush();
        }
    });
    (port, rx, h)
}

fn http(status: &str, extra: &str, body: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
        .into_bytes()
}

fn host(service: Service, port: u16) -> DdnsHost {
    DdnsHost {
        username: Some("user".into()),
        password: Some(Secret::new("s3cr3t")),
        server: Some(HostPort::parse(&format!("127.0.0.1:{port}")).unwrap()),
        use_https: false,
        ..DdnsHost::new_for(service, vec![Hostname::parse("home.example.org").unwrap()])
    }
}

fn v4() -> Addrs {
    Addrs { v4: Some("81.2.69.160".parse().unwrap()), v6: None }
}

fn client(h: &DdnsHost) -> HttpClient {
    HttpClient::new(h.cacert.as_deref(), !h.use_https).with_total_timeout(Duration::from_secs(10))
}

#[test]
fn dyndns2_over_plain_http() {
    let (port, rx, srv) = serve(vec![http("200 OK", "", "good 81.2.69.160\n")]);
    let h = host(Service::Dyndns2, port);
    let outcome = run::run_update(&h, v4(), &mut client(&h), 0);
    assert_eq!(outcome, Outcome::Updated { detail: "good".into() });
    let seen = rx.recv().unwrap();
    assert_eq!(seen.request_line, "GET /nic/update?hostname=home.example.org&myip=81.2.69.160 HTTP/1.1");
    assert_eq!(seen.header("authorization"), Some("Basic dXNlcjpzM2NyM3Q="));
    assert_eq!(seen.header("host"), Some(format!("127.0.0.1:{port}").as_str()));
    assert!(seen.header("user-agent").unwrap().starts_with("homeport/"));
    srv.join().unwrap();
}

#[test]
fn rate_limit_and_server_errors() {
    let (port, _rx, srv) = serve(vec![
        http("429 Too Many Requests", "Retry-After: 120\r\n", ""),
        http("503 Service Unavailable", "", "oops"),
        http("200 OK", "", "abuse"),
    ]);
    let h = host(Service::Noip, port);
    let mut c = client(&h);
    assert_eq!(
        run::run_update(&h, v4(), &mut c, 0),
        Outcome::Retry {
            after: Some(Duration::from_secs(120)),
            reason: "rate limited by the provider (HTTP 429)".into()
        }
    );
    assert!(matches!(run::run_update(&h, v4(), &mut c, 0), Outcome::Retry { after: None, .. }));
    assert!(matches!(run::run_update(&h, v4(), &mut c, 0), Outcome::Fatal { reason } if reason.starts_with("abuse")));
    srv.join().unwrap();
}

#[test]
fn cloudflare_flow_over_http() {
    let zone = "023e105f4ecef8ad9ca31a8372d0c353";
    let (port, rx, srv) = serve(vec![
        http(
            "200 OK",
            "Content-Type: application/json\r\n",
            &format!(r#"{{"success":true,"result":[{{"id":"{zone}","name":"example.org"}}]}}"#),
        ),
        http(
            "200 OK",
            "",
            r#"{"success":true,"result":[{"id":"rec1","content":"192.0.2.1","proxied":true,"ttl":120}]}"#,
        ),
        http("200 OK", "", r#"{"success":true,"result":{"id":"rec1","content":"81.2.69.160"}}"#),
    ]);
    let mut h = host(Service::Cloudflare, port);
    h.password = Some(Secret::new("cf-token"));
    assert_eq!(
        run::run_update(&h, v4(), &mut client(&h), 0),
        Outcome::Updated { detail: "record content changed".into() }
    );
    let seen: Vec<Seen> = rx.iter().take(3).collect();
    assert_eq!(seen[0].request_line, "GET /client/v4/zones?per_page=50 HTTP/1.1");
    assert_eq!(seen[0].header("authorization"), Some("Bearer cf-token"));
    assert_eq!(
        seen[1].request_line,
        format!("GET /client/v4/zones/{zone}/dns_records?type=A&name=home.example.org HTTP/1.1")
    );
    assert_eq!(seen[2].request_line, format!("PATCH /client/v4/zones/{zone}/dns_records/rec1 HTTP/1.1"));
    assert_eq!(seen[2].body, r#"{"content":"81.2.69.160"}"#);
    assert_eq!(seen[2].header("content-type"), Some("application/json"));
    srv.join().unwrap();
}

#[test]
fn body_is_capped_and_redirects_are_not_followed() {
    let big = "good ".to_string() + &"x".repeat(2 * BODY_CAP as usize);
    let (port, rx, srv) =
        serve(vec![http("200 OK", "", &big), http("302 Found", "Location: http://127.0.0.1:9/steal\r\n", "")]);
    let mut h = host(Service::Custom, port);
    h.update_url = Some(format!("http://127.0.0.1:{port}/upd?ip=[IP]&p=[PASSWORD]"));
    let mut c = client(&h);
    let req = HttpRequest::get(format!("http://127.0.0.1:{port}/big"));
    let resp = c.send(&req).unwrap();
    assert_eq!(resp.body.len() as u64, BODY_CAP);
    assert!(matches!(run::run_update(&h, v4(), &mut c, 0), Outcome::Fatal { reason } if reason.contains("redirect")));
    let seen: Vec<Seen> = rx.iter().take(2).collect();
    assert_eq!(seen[1].request_line, "GET /upd?ip=81.2.69.160&p=s3cr3t HTTP/1.1");
    srv.join().unwrap();
}

#[test]
fn silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let h = host(Service::Dyndns2, port);
    let mut c = HttpClient::new(None, true).with_total_timeout(Duration::from_secs(1));
    let start = Instant::now();
    let o = run::run_update(&h, v4(), &mut c, 0);
    assert!(start.elapsed() < Duration::from_secs(8), "{:?}", start.elapsed());
    match o {
        Outcome::Retry { reason, .. } => assert!(!reason.contains("s3cr3t"), "{reason}"),
        o => panic!("{o:?}"),
    }
    drop(listener);
}

#[test]
fn plain_http_refused_without_opt_in() {
    let mut h = host(Service::Custom, 9);
    h.update_url = Some("https://127.0.0.1:9/x".into());
    h.use_https = true;
    // The template says https; a server override cannot downgrade it.
    let mut c = client(&h);
    let r = c.send(&HttpRequest::get("http://127.0.0.1:9/x".into()));
    assert!(r.is_err());
}

// ---- TLS ----------------------------------------------------------------------------

struct Killer(Child);

impl Drop for Killer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A CA and a server certificate for 127.0.0.1 signed by it (support::tls), with the
/// file `ok.txt` that `openssl s_server -WWW` serves, in a fresh directory.
fn make_pki(tag: &str, key: Key) -> Option<PathBuf> {
    let dir = tls::temp_pki(tag, &["127.0.0.1"], key)?;
    std::fs::write(dir.join("ok.txt"), "good 81.2.69.160\n").unwrap();
    Some(dir)
}

fn s_server(dir: &Path) -> (Killer, u16) {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("openssl")
        .args([
            "s_server",
            "-quiet",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-cert",
            "srv.pem",
            "-key",
            "srv.key",
            "-WWW",
        ])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let k = Killer(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "s_server did not start");
        thread::sleep(Duration::from_millis(50));
    }
    (k, port)
}

/// A server whose certificate has an Ed25519 key is refused, even under a CA homeport
/// trusts: homeport verifies with RSA and ECDSA only, the keys the CA/Browser Forum
/// Baseline Requirements allow publicly trusted certificates (src/ddns/http.rs,
/// `VERIFY_ALGS`). Refused in the handshake: no request reaches the server.
#[test]
fn https_ed25519_server_certificate_is_refused() {
    let Some(dir) = make_pki("ed25519", Key::Ed25519) else {
        eprintln!("SKIPPED: no openssl CLI");
        return;
    };
    let (_server, port) = s_server(&dir);
    let mut h = host(Service::Custom, port);
    h.use_https = true;
    h.server = None;
    h.update_url = Some(format!("https://127.0.0.1:{port}/ok.txt"));
    h.cacert = Some(dir.join("ca.pem"));
    match run::run_update(&h, v4(), &mut client(&h), 0) {
        Outcome::Retry { .. } | Outcome::Fatal { .. } => {}
        o => panic!("an Ed25519 server certificate was accepted: {o:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn https_verified_against_cacert() {
    let Some(dir) = make_pki("ok", Key::P256) else {
        eprintln!("SKIPPED: no openssl CLI");
        return;
    };
    let (_server, port) = s_server(&dir);
    let mut h = host(Service::Custom, port);
    h.use_https = true;
    h.server = None;
    h.update_url = Some(format!("https://127.0.0.1:{port}/ok.txt"));
    h.cacert = Some(dir.join("ca.pem"));
    assert_eq!(run::run_update(&h, v4(), &mut client(&h), 0), Outcome::Updated { detail: "good".into() });

    // The same server is not trusted against the system bundle: verification fails,
    // and nothing is sent in the clear instead.
    h.cacert = None;
    match run::run_update(&h, v4(), &mut client(&h), 0) {
        Outcome::Retry { reason, .. } | Outcome::Fatal { reason } => {
            assert!(reason.to_lowercase().contains("cert") || reason.contains("CA"), "{reason}")
        }
        o => panic!("an untrusted certificate was accepted: {o:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 11 items 2 and 11 over the HTTP shell: deSEC gets one request per domain with
/// the names comma-listed; a 429 for one domain lets the other through and reports the
/// names that were updated; a redirect from a provider other than `custom` stops too,
/// naming where it points.
#[test]
fn desec_per_domain_and_redirects_over_http() {
    let (port, rx, srv) = serve(vec![
        http("429 Too Many Requests", "Retry-After: 90\r\n", ""),
        http("200 OK", "", "good"),
        http("302 Found", "Location: https://login.example.net/x\r\n", ""),
    ]);
    let mut h = host(Service::Desec, port);
    h.username = None;
    h.domains = ["a.dedyn.io", "www.a.dedyn.io", "b.dedyn.io"].iter().map(|d| Hostname::parse(d).unwrap()).collect();
    let mut c = client(&h);
    let (outcome, confirmed) = run::update_names(&h, v4(), &[], None, &mut c, 0);
    assert!(matches!(outcome, Outcome::Retry { after: Some(d), .. } if d == Duration::from_secs(90)), "{outcome:?}");
    assert_eq!(confirmed, vec!["b.dedyn.io".to_string()]);
    let seen: Vec<Seen> = rx.iter().take(2).collect();
    assert_eq!(
        seen[0].request_line,
        "GET /?hostname=a.dedyn.io,www.a.dedyn.io&myipv4=81.2.69.160&myipv6=preserve HTTP/1.1"
    );
    assert_eq!(seen[1].request_line, "GET /?hostname=b.dedyn.io&myipv4=81.2.69.160&myipv6=preserve HTTP/1.1");
    // "b.dedyn.io:s3cr3t": the deSEC domain is the user.
    assert_eq!(seen[1].header("authorization"), Some("Basic Yi5kZWR5bi5pbzpzM2NyM3Q="));
    let h = host(Service::Noip, port);
    match run::run_update(&h, v4(), &mut client(&h), 0) {
        Outcome::Fatal { reason } => assert!(reason.contains("login.example.net"), "{reason}"),
        other => panic!("{other:?}"),
    }
    srv.join().unwrap();
}
