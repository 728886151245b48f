//! A dyndns2 test provider on a namespace's loopback: it records every request (with the
//! time it arrived) and answers `good <myip>`, as No-IP and Dyn do. Hosts can be made to
//! hang, to show that a slow provider delays nobody else.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

#[derive(Clone, Debug)]
pub struct Request {
    pub at: Instant,
    pub wall: SystemTime,
    /// `GET /nic/update?hostname=…&myip=… HTTP/1.1`
    pub line: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// A query parameter, percent-decoding only what dyndns2 values contain (`%3A`, `%2C`).
    pub fn param(&self, name: &str) -> Option<String> {
        let target = self.line.split_whitespace().nth(1)?;
        let query = target.split_once('?')?.1;
        query.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == name).then(|| v.replace("%3A", ":").replace("%3a", ":").replace("%2C", ",").replace("%2c", ","))
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        super::http::header(&self.headers, name)
    }
}

pub struct Provider {
    pub port: u16,
    rx: Receiver<Request>,
    /// Host names whose requests are held (never answered) while listed.
    pub hang: Arc<Mutex<HashSet<String>>>,
}

impl Provider {
    /// Listens on 127.0.0.1 of namespace `ns` (a thread enters it first).
    pub fn start(ns: &str) -> Provider {
        let (tx, rx) = channel();
        let (port_tx, port_rx) = channel();
        let hang = Arc::new(Mutex::new(HashSet::new()));
        let hang2 = Arc::clone(&hang);
        let ns = ns.to_string();
        std::thread::spawn(move || {
            super::netns::enter_thread(&ns);
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind provider");
            port_tx.send(listener.local_addr().unwrap().port()).unwrap();
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let tx = tx.clone();
                let hang = Arc::clone(&hang2);
                std::thread::spawn(move || serve(stream, tx, hang));
            }
        });
        let port = port_rx.recv_timeout(Duration::from_secs(5)).expect("provider port");
        Provider { port, rx, hang }
    }

    /// The next request, or `None` after `wait`.
    pub fn next(&self, wait: Duration) -> Option<Request> {
        self.rx.recv_timeout(wait).ok()
    }

    /// Every request that arrives within `wait` of the previous one (or of the call).
    pub fn drain(&self, wait: Duration) -> Vec<Request> {
        let mut v = Vec::new();
        while let Some(r) = self.next(wait) {
            v.push(r);
        }
        v
    }
}

/// What the provider's echo path (`GET /ip`) answers: the address "the internet" sees.
#[allow(dead_code)] // not every test binary that includes support/ asks the echo path
pub const ECHO_V4: &str = "203.0.113.77";

fn serve(stream: std::net::TcpStream, tx: Sender<Request>, hang: Arc<Mutex<HashSet<String>>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(clone) = stream.try_clone() else { return };
    let mut reader = BufReader::new(clone);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let at = Instant::now();
    let wall = SystemTime::now();
    let headers = super::http::read_headers(&mut reader).unwrap_or_default();
    let req = Request { at, wall, line: line.trim_end().to_string(), headers };
    let host = req.param("hostname").unwrap_or_default();
    let myip = req.param("myip").unwrap_or_default();
    let echo = req.line.starts_with("GET /ip ");
    let _ = tx.send(req);
    while hang.lock().map(|h| h.contains(&host)).unwrap_or(false) {
        std::thread::sleep(Duration::from_millis(20));
    }
    // `GET /ip`: an address echo service (`ip_source web`), which sees ECHO_V4.
    let body = if echo { format!("{ECHO_V4}\n") } else { format!("good {myip}\n") };
    let resp = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = stream;
    let _ = stream.write_all(resp.as_bytes());
}
