//! The socket shell: sends one DNS message to one server and returns the answer.
//!
//! UDP first; TCP (RFC 1035 §4.2.2, two-byte length prefix) when the UDP answer has the
//! TC bit or UDP gives no answer (RFC 7766 §5). Every step has a timeout. Answers whose
//! ID or QR bit do not fit the request are ignored, as are datagrams from other
//! addresses (the socket is connected). No decisions beyond transport live here.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

use super::DnsError;
use super::wire::Header;
use crate::types::{Host, HostPort};

/// The well-known DNS port.
pub const DNS_PORT: u16 = 53;

/// How long to wait, and how often to try over UDP before TCP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Per UDP attempt.
    pub udp: Duration,
    pub udp_attempts: u32,
    /// For the whole TCP exchange (connect, send, receive).
    pub tcp: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts { udp: Duration::from_secs(2), udp_attempts: 2, tcp: Duration::from_secs(5) }
    }
}

/// Which transport carried the answer (the tests check the fallback happened).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
}

/// The server's socket addresses: an IP literal as is; a name through the system
/// resolver (getaddrinfo). Port 53 unless given.
pub fn server_addrs(server: &HostPort) -> Result<Vec<SocketAddr>, DnsError> {
    let port = server.port.map_or(DNS_PORT, |p| p.get());
    match &server.host {
        Host::Ip(ip) => Ok(vec![SocketAddr::new(*ip, port)]),
        Host::Name(name) => {
            let addrs: Vec<SocketAddr> = (name.as_str(), port)
                .to_socket_addrs()
                .map_err(|e| DnsError::Resolve { server: name.to_string(), detail: e.to_string() })?
                .collect();
            if addrs.is_empty() {
                return Err(DnsError::Resolve { server: name.to_string(), detail: "no address".into() });
            }
            Ok(addrs)
        }
    }
}

/// Sends `query` to `server`, UDP then TCP as described in the module docs.
pub fn exchange(server: SocketAddr, query: &[u8], t: Timeouts) -> Result<(Vec<u8>, Transport), DnsError> {
    let udp_err = match exchange_udp(server, query, t) {
        Ok(answer) => match Header::parse(&answer) {
            Ok(h) if !h.truncated() => return Ok((answer, Transport::Udp)),
            _ => None,
        },
        Err(e) => Some(e),
    };
    match exchange_tcp(server, query, t.tcp) {
        Ok(answer) => Ok((answer, Transport::Tcp)),
        // When UDP failed too, its error is usually the more telling one (a timeout).
        Err(tcp_err) => Err(udp_err.map_or(tcp_err, |u| u)),
    }
}

/// One UDP exchange with retries; returns the first answer that fits the query.
pub fn exchange_udp(server: SocketAddr, query: &[u8], t: Timeouts) -> Result<Vec<u8>, DnsError> {
    let io = |op: &'static str| move |e: io::Error| DnsError::Io { server, op, detail: e.to_string() };
    let want = Header::parse(query).map_err(DnsError::Malformed)?.id;
    let local: SocketAddr = if server.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
    let sock = UdpSocket::bind(local).map_err(io("bind"))?;
    sock.connect(server).map_err(io("connect"))?;
    let mut buf = vec![0u8; 65535];
    for _ in 0..t.udp_attempts.max(1) {
        sock.send(query).map_err(io("send"))?;
        let deadline = Instant::now() + t.udp;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            sock.set_read_timeout(Some(left)).map_err(io("set timeout"))?;
            match sock.recv(&mut buf) {
                Ok(n) => {
                    let answer = buf.get(..n).unwrap_or(&[]);
                    if let Ok(h) = Header::parse(answer) {
                        if h.id == want && h.is_response() {
                            return Ok(answer.to_vec());
                        }
                    }
                    // Someone else's datagram: keep waiting.
                }
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io("receive")(e)),
            }
        }
    }
    Err(DnsError::Timeout { server, transport: Transport::Udp })
}

/// One TCP exchange: connect, send with a length prefix, read one length-prefixed answer,
/// all before one deadline `timeout` from now. Socket timeouts bound each system call,
/// not the exchange: a server dripping one byte per call would keep `read_exact` going
/// for days, so every read and write is given only what is left of the deadline.
pub fn exchange_tcp(server: SocketAddr, query: &[u8], timeout: Duration) -> Result<Vec<u8>, DnsError> {
    let deadline = Instant::now() + timeout;
    let len = u16::try_from(query.len()).map_err(|_| DnsError::Io {
        server,
        op: "send",
        detail: "message too long".into(),
    })?;
    let mut s = TcpStream::connect_timeout(&server, left(deadline, server)?).map_err(tcp_err(server, "connect"))?;
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(query);
    write_all_by(&mut s, &framed, deadline, server)?;
    let mut lenb = [0u8; 2];
    read_exact_by(&mut s, &mut lenb, deadline, server)?;
    let mut answer = vec![0u8; usize::from(u16::from_be_bytes(lenb))];
    read_exact_by(&mut s, &mut answer, deadline, server)?;
    Ok(answer)
}

/// What is left until `deadline`, or the TCP timeout error once it has passed.
fn left(deadline: Instant, server: SocketAddr) -> Result<Duration, DnsError> {
    let d = deadline.saturating_duration_since(Instant::now());
    if d.is_zero() { Err(DnsError::Timeout { server, transport: Transport::Tcp }) } else { Ok(d) }
}

fn tcp_err(server: SocketAddr, op: &'static str) -> impl Fn(io::Error) -> DnsError {
    move |e: io::Error| {
        if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) {
            DnsError::Timeout { server, transport: Transport::Tcp }
        } else {
            DnsError::Io { server, op, detail: e.to_string() }
        }
    }
}

fn read_exact_by(s: &mut TcpStream, buf: &mut [u8], deadline: Instant, server: SocketAddr) -> Result<(), DnsError> {
    let mut done = 0;
    while let Some(rest) = buf.get_mut(done..).filter(|r| !r.is_empty()) {
        s.set_read_timeout(Some(left(deadline, server)?)).map_err(tcp_err(server, "set timeout"))?;
        match s.read(rest) {
            Ok(0) => return Err(tcp_err(server, "receive")(io::ErrorKind::UnexpectedEof.into())),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(tcp_err(server, "receive")(e)),
        }
    }
    Ok(())
}

fn write_all_by(s: &mut TcpStream, buf: &[u8], deadline: Instant, server: SocketAddr) -> Result<(), DnsError> {
    let mut done = 0;
    while let Some(rest) = buf.get(done..).filter(|r| !r.is_empty()) {
        s.set_write_timeout(Some(left(deadline, server)?)).map_err(tcp_err(server, "set timeout"))?;
        match s.write(rest) {
            Ok(0) => return Err(tcp_err(server, "send")(io::ErrorKind::WriteZero.into())),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(tcp_err(server, "send")(e)),
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    fn answer_for(query: &[u8], tc: bool) -> Vec<u8> {
        let mut a = query.to_vec();
        a[2] |= 0x80; // QR
        if tc {
            a[2] |= 0x02;
        }
        a
    }

    /// A loopback UDP+TCP pair on one port: `udp` says what the UDP side does.
    fn fake_server(udp: &'static str) -> (SocketAddr, thread::JoinHandle<()>) {
        // Find a port free for both: bind TCP first, then UDP on the same port.
        let (tcp, udp_sock) = loop {
            let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
            let port = tcp.local_addr().unwrap().port();
            if let Ok(u) = UdpSocket::bind(("127.0.0.1", port)) {
                break (tcp, u);
            }
        };
        let addr = tcp.local_addr().unwrap();
        let h = thread::spawn(move || {
            let mut buf = [0u8; 512];
            udp_sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            if let Ok((n, from)) = udp_sock.recv_from(&mut buf) {
                let q = &buf[..n];
                match udp {
                    "answer" => {
                        // A stray datagram with a wrong ID first: must be ignored.
                        let mut stray = answer_for(q, false);
                        stray[0] ^= 0xff;
                        udp_sock.send_to(&stray, from).unwrap();
                        udp_sock.send_to(&answer_for(q, false), from).unwrap();
                        return;
                    }
                    "truncate" => {
                        udp_sock.send_to(&answer_for(q, true), from).unwrap();
                    }
                    _ => {} // silent: the client times out and falls back
                }
            }
            let (mut s, _) = tcp.accept().unwrap();
            let mut l = [0u8; 2];
            s.read_exact(&mut l).unwrap();
            let mut q = vec![0u8; usize::from(u16::from_be_bytes(l))];
            s.read_exact(&mut q).unwrap();
            let a = answer_for(&q, false);
            s.write_all(&(a.len() as u16).to_be_bytes()).unwrap();
            s.write_all(&a).unwrap();
        });
        (addr, h)
    }

    const QUERY: [u8; 12] = [0xbe, 0xef, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const FAST: Timeouts = Timeouts { udp: Duration::from_millis(200), udp_attempts: 1, tcp: Duration::from_secs(5) };

    #[test]
    fn udp_answer_ignoring_strays() {
        let (addr, h) = fake_server("answer");
        let (a, t) = exchange(addr, &QUERY, FAST).unwrap();
        assert_eq!((a[0], a[1], a[2] & 0x80, t), (0xbe, 0xef, 0x80, Transport::Udp));
        h.join().unwrap();
    }

    #[test]
    fn tcp_after_truncation() {
        let (addr, h) = fake_server("truncate");
        let (a, t) = exchange(addr, &QUERY, FAST).unwrap();
        assert_eq!((a[0], a[1], a[2] & 0x02, t), (0xbe, 0xef, 0, Transport::Tcp));
        h.join().unwrap();
    }

    #[test]
    fn tcp_after_udp_silence() {
        let (addr, h) = fake_server("silent");
        let (_, t) = exchange(addr, &QUERY, FAST).unwrap();
        assert_eq!(t, Transport::Tcp);
        h.join().unwrap();
    }

    /// Issue 10 item 5: a server that answers one byte at a time, each well inside the
    /// socket timeout, must not stretch the exchange past its one deadline.
    #[test]
    fn a_dripping_tcp_server_meets_one_deadline() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop2 = stop.clone();
        let server = thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut q = [0u8; 14];
            let _ = s.read_exact(&mut q);
            // Announce the largest answer, then drip it; stop when the client hangs up
            // or the test is over (at most a minute, whatever happens).
            let _ = s.write_all(&[0xff, 0xff]);
            for _ in 0..600 {
                if stop2.load(std::sync::atomic::Ordering::SeqCst) || s.write_all(&[0]).is_err() {
                    break;
                }
                thread::sleep(Duration::from_millis(100));
            }
        });
        let (tx, rx) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let _ = tx.send(exchange_tcp(addr, &QUERY, Duration::from_secs(1)));
        });
        // Generous: the deadline is 1 s; a slow emulated machine still answers in 30 s,
        // while without the deadline the exchange would take 65535 drips (1.8 hours).
        let got = rx.recv_timeout(Duration::from_secs(30));
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        match got {
            Ok(Err(DnsError::Timeout { transport: Transport::Tcp, .. })) => {}
            other => panic!("expected a TCP timeout, got {other:?}"),
        }
        server.join().unwrap();
    }

    #[test]
    fn nobody_listening_is_an_error_not_a_hang() {
        // Bind and drop to get a port with (very likely) nobody on it.
        let port = UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let e = exchange(SocketAddr::from(([127, 0, 0, 1], port)), &QUERY, FAST).unwrap_err();
        assert!(e.is_transient(), "{e}");
    }
}
