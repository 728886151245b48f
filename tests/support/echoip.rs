//! A stand-in for echoip's port check (github.com/mpolden/echoip, http/http.go
//! `PortHandler`): HTTPS with a certificate from a CA this helper makes (support::tls), in a network
//! namespace the test created. `GET /port/<n>` connects back to the asking address's
//! port `n` with echoip's 2 s timeout (iputil.LookupPort) and answers as echoip does
//! (`{"ip", "port", "reachable"}`, indented as Go's json.MarshalIndent writes it).
//! Every request is counted. Stops (and removes its directory) when dropped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct Echoip {
    /// Where the CA certificate is (`ca.pem`), for the probe's `cacert`.
    pub dir: PathBuf,
    pub requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Echoip {
    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for Echoip {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts the stand-in on `addr` (an address of namespace `ns`, port 443), or says why
/// it cannot (no openssl CLI).
pub fn start(ns: &str, addr: SocketAddr) -> Result<Echoip, String> {
    let ip = addr.ip().to_string();
    let tag = format!("echoip-{}", ns.replace('/', "_"));
    let dir = super::tls::temp_pki(&tag, &[&ip], super::tls::Key::P256).ok_or("no openssl CLI to make certificates")?;
    let config = super::tls::server_config(&dir);
    let (requests, stop) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (count, halt, name) = (requests.clone(), stop.clone(), ns.to_string());
    let thread = std::thread::spawn(move || {
        super::netns::enter_thread(&name);
        let listener = TcpListener::bind(addr).expect("bind the stand-in echoip");
        listener.set_nonblocking(true).expect("nonblocking");
        ready_tx.send(()).expect("ready");
        while !halt.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((s, peer)) => {
                    let _ = s.set_nonblocking(false);
                    serve(s, peer, config.clone(), &count);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    });
    ready_rx.recv_timeout(Duration::from_secs(30)).expect("the stand-in echoip started");
    Ok(Echoip { dir, requests, stop, thread: Some(thread) })
}

/// One request, as echoip's `newPortResponse` + `PortHandler` answer it.
fn serve(s: TcpStream, peer: SocketAddr, config: Arc<rustls::ServerConfig>, count: &AtomicUsize) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let conn = rustls::ServerConnection::new(config).expect("TLS session");
    let mut tls = rustls::StreamOwned::new(conn, s);
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    count.fetch_add(1, Ordering::SeqCst);
    let line = String::from_utf8_lossy(&req).lines().next().unwrap_or_default().to_string();
    let path = line.split_whitespace().nth(1).unwrap_or_default().to_string();
    let (status, body) = match path.rsplit('/').next().and_then(|p| p.parse::<u16>().ok()).filter(|p| *p > 0) {
        Some(port) if path.starts_with("/port/") => {
            let back = SocketAddr::new(peer.ip(), port);
            let reachable = TcpStream::connect_timeout(&back, Duration::from_secs(2)).is_ok();
            (
                "200 OK",
                format!("{{\n  \"ip\": \"{}\",\n  \"port\": {port},\n  \"reachable\": {reachable}\n}}", peer.ip()),
            )
        }
        _ => ("400 Bad Request", "{\n  \"status\": 400,\n  \"error\": \"invalid port\"\n}".to_string()),
    };
    let resp = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tls.write_all(resp.as_bytes());
    tls.conn.send_close_notify();
    let _ = tls.flush();
}
