//! A small lab of network namespaces for the end-to-end forwarding tests:
//!
//! ```text
//!  inet (203.0.113.2, .3)      router                          server 192.168.50.10
//!     eth0 ─────────── wan0 203.0.113.1    br-lan 192.168.50.1 ─┬─ eth0
//!                                                               └─ eth0  lanclient 192.168.50.20
//!  inet2 (198.51.100.2, .3)
//!     eth0 ─────────── wan1 198.51.100.1   (only with `add_second_uplink`)
//! ```
//! `wan1` is a second uplink in fw4's wan zone that homeport is not told about (a 6in4
//! tunnel, an LTE backup): the case where `src_ip` was once bypassed (issue 10 item 3).
//! The router forwards, masquerades LAN→WAN, and carries an fw4-shaped `table inet fw4`
//! (input/forward policy drop, zone chains, `jump handle_reject` at the end) with the
//! include files homeport ships pasted where fw4 would put them. Every name carries the
//! test process id and a counter, and everything is deleted on drop.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use homeport::nft::apply::Nft;

static NEXT: AtomicUsize = AtomicUsize::new(0);

pub const WAN_IP: &str = "203.0.113.1";
pub const SERVER: &str = "192.168.50.10";
pub const LAN_CLIENT: &str = "192.168.50.20";
pub const ROUTER_LAN: &str = "192.168.50.1";
pub const INET_ALLOWED: &str = "203.0.113.2";
pub const INET_OTHER: &str = "203.0.113.3";
pub const WAN_IP6: &str = "2001:db8:113::1";
pub const INET_IP6: &str = "2001:db8:113::2";
pub const SERVER6: &str = "fd00:50::10";
pub const LAN_CLIENT6: &str = "fd00:50::20";
pub const ROUTER_LAN6: &str = "fd00:50::1";
pub const WAN2_IP: &str = "198.51.100.1";
pub const INET2_ALLOWED: &str = "198.51.100.2";
pub const INET2_OTHER: &str = "198.51.100.3";

pub struct Lab {
    pub inet: String,
    pub router: String,
    pub server: String,
    pub lan: String,
    /// The second uplink's internet, once added.
    pub inet2: Option<String>,
    children: Vec<Child>,
}

fn sh(args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).output().expect("spawn");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// firewall4's shape, reduced to what decides the fate of forwarded traffic.
fn fw4_table() -> String {
    let inc = |p: &str| {
        let path = format!("{}/openwrt-package/homeport/files/usr/share/nftables.d/{p}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    format!(
        r#"table inet fw4 {{
	{table_pre}
	chain input {{
		type filter hook input priority filter; policy drop;
		iifname "lo" accept
		ct state vmap {{ established : accept, related : accept }}
		icmpv6 type {{ nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert }} accept
		iifname "br-lan" jump input_lan
		iifname {{ "wan0", "wan1" }} jump input_wan
		jump handle_reject
	}}
	chain forward {{
		type filter hook forward priority filter; policy drop;
		ct state vmap {{ established : accept, related : accept }}
		iifname "br-lan" jump forward_lan
		iifname {{ "wan0", "wan1" }} jump forward_wan
		jump handle_reject
	}}
	chain output {{
		type filter hook output priority filter; policy accept;
	}}
	chain handle_reject {{
		meta l4proto tcp reject with tcp reset
		reject
	}}
	chain input_lan {{
		accept
	}}
	chain input_wan {{
		{input_wan}
		jump reject_from_wan
	}}
	chain forward_lan {{
		accept
	}}
	chain forward_wan {{
		{forward_wan}
		jump drop_to_wan
	}}
	chain drop_to_wan {{
		oifname {{ "wan0", "wan1" }} drop
	}}
	chain reject_from_wan {{
		iifname {{ "wan0", "wan1" }} jump handle_reject
	}}
	chain dstnat {{
		type nat hook prerouting priority dstnat; policy accept;
	}}
	chain srcnat {{
		type nat hook postrouting priority srcnat; policy accept;
		oifname {{ "wan0", "wan1" }} masquerade
	}}
}}
"#,
        table_pre = inc("table-pre/30-homeport.nft").trim(),
        input_wan = inc("chain-post/input_wan/30-homeport.nft").trim(),
        forward_wan = inc("chain-post/forward_wan/30-homeport.nft").trim(),
    )
}

impl Lab {
    pub fn new() -> Lab {
        let id = format!("{}x{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
        let lab = Lab {
            inet: format!("hp-inet-{id}"),
            router: format!("hp-rtr-{id}"),
            server: format!("hp-srv-{id}"),
            lan: format!("hp-lan-{id}"),
            inet2: None,
            children: Vec::new(),
        };
        for ns in [&lab.inet, &lab.router, &lab.server, &lab.lan] {
            sh(&["ip", "netns", "add", ns]);
            sh(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        let r = lab.router.as_str();
        sh(&["ip", "-n", r, "link", "add", "wan0", "type", "veth", "peer", "name", "eth0", "netns", &lab.inet]);
        sh(&["ip", "-n", r, "link", "add", "br-lan", "type", "bridge"]);
        sh(&["ip", "-n", r, "link", "add", "lan-s", "type", "veth", "peer", "name", "eth0", "netns", &lab.server]);
        sh(&["ip", "-n", r, "link", "add", "lan-c", "type", "veth", "peer", "name", "eth0", "netns", &lab.lan]);
        for port in ["lan-s", "lan-c"] {
            sh(&["ip", "-n", r, "link", "set", port, "master", "br-lan"]);
            sh(&["ip", "-n", r, "link", "set", port, "up"]);
        }
        sh(&["ip", "-n", r, "addr", "add", &format!("{WAN_IP}/24"), "dev", "wan0"]);
        sh(&["ip", "-n", r, "addr", "add", &format!("{ROUTER_LAN}/24"), "dev", "br-lan"]);
        sh(&["ip", "-n", r, "link", "set", "wan0", "up"]);
        sh(&["ip", "-n", r, "link", "set", "br-lan", "up"]);
        sh(&["ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1"]);
        sh(&["ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"]);
        sh(&["ip", "-n", r, "addr", "add", &format!("{WAN_IP6}/64"), "dev", "wan0", "nodad"]);
        sh(&["ip", "-n", r, "addr", "add", &format!("{ROUTER_LAN6}/64"), "dev", "br-lan", "nodad"]);
        let i = lab.inet.as_str();
        sh(&["ip", "-n", i, "addr", "add", &format!("{INET_ALLOWED}/24"), "dev", "eth0"]);
        sh(&["ip", "-n", i, "addr", "add", &format!("{INET_OTHER}/24"), "dev", "eth0"]);
        sh(&["ip", "-n", i, "addr", "add", &format!("{INET_IP6}/64"), "dev", "eth0", "nodad"]);
        sh(&["ip", "-n", i, "link", "set", "eth0", "up"]);
        for (ns, ip, ip6) in [(&lab.server, SERVER, SERVER6), (&lab.lan, LAN_CLIENT, LAN_CLIENT6)] {
            sh(&["ip", "-n", ns, "addr", "add", &format!("{ip}/24"), "dev", "eth0"]);
            sh(&["ip", "-n", ns, "addr", "add", &format!("{ip6}/64"), "dev", "eth0", "nodad"]);
            sh(&["ip", "-n", ns, "link", "set", "eth0", "up"]);
            sh(&["ip", "-n", ns, "route", "add", "default", "via", ROUTER_LAN]);
            sh(&["ip", "-n", ns, "-6", "route", "add", "default", "via", ROUTER_LAN6]);
        }
        lab.nft_script(&fw4_table()).expect("fw4-shaped table loads");
        lab
    }

    /// Adds `inet2` behind the router's `wan1` (see the module docs); returns its name.
    pub fn add_second_uplink(&mut self) -> String {
        let ns = self.lab_name("hp-inet2");
        sh(&["ip", "netns", "add", &ns]);
        self.inet2 = Some(ns.clone());
        sh(&["ip", "-n", &ns, "link", "set", "lo", "up"]);
        let r = self.router.as_str();
        sh(&["ip", "-n", r, "link", "add", "wan1", "type", "veth", "peer", "name", "eth0", "netns", &ns]);
        sh(&["ip", "-n", r, "addr", "add", &format!("{WAN2_IP}/24"), "dev", "wan1"]);
        sh(&["ip", "-n", r, "link", "set", "wan1", "up"]);
        for a in [INET2_ALLOWED, INET2_OTHER] {
            sh(&["ip", "-n", &ns, "addr", "add", &format!("{a}/24"), "dev", "eth0"]);
        }
        sh(&["ip", "-n", &ns, "link", "set", "eth0", "up"]);
        sh(&["ip", "-n", &ns, "route", "add", "default", "via", WAN2_IP]);
        ns
    }

    /// `<prefix>-<id>` with this lab's id (the part after `hp-inet-`).
    fn lab_name(&self, prefix: &str) -> String {
        format!("{prefix}-{}", self.inet.trim_start_matches("hp-inet-"))
    }

    /// nft inside the router namespace, as homeport's shell would run it there.
    pub fn nft(&self) -> Nft {
        Nft {
            program: "ip".into(),
            prefix: ["netns", "exec", self.router.as_str(), "nft"].iter().map(|s| s.to_string()).collect(),
            ..Nft::default()
        }
    }

    pub fn nft_script(&self, script: &str) -> Result<(), String> {
        use std::io::Write;
        let mut c = Command::new("ip")
            .args(["netns", "exec", &self.router, "nft", "-f", "-"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        c.stdin.take().expect("stdin").write_all(script.as_bytes()).map_err(|e| e.to_string())?;
        let out = c.wait_with_output().map_err(|e| e.to_string())?;
        if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
    }

    pub fn nft_out(&self, args: &[&str]) -> String {
        let out = Command::new("ip").args(["netns", "exec", &self.router, "nft"]).args(args).output().expect("nft");
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    }

    /// Starts a server in `ns` answering on each `proto/port` with `"<tag> <port> <peer>"`.
    pub fn serve(&mut self, ns: &str, tag: &str, specs: &[&str]) {
        let mut args = vec!["netns".to_string(), "exec".into(), ns.into(), "python3".into(), "-c".into()];
        args.push(SERVER_PY.into());
        args.push(tag.into());
        args.extend(specs.iter().map(|s| s.to_string()));
        let mut child = Command::new("ip").args(&args).stdout(Stdio::piped()).spawn().expect("python3 server");
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        assert_eq!(line.trim(), "ready", "server in {ns} did not start");
        self.children.push(child);
    }

    /// One request from `ns` (optionally from source address `src`): the reply, or `Err`.
    pub fn probe(&self, ns: &str, proto: &str, dst: &str, port: u16, src: Option<&str>) -> Result<String, String> {
        let out = Command::new("ip")
            .args(["netns", "exec", ns, "python3", "-c", CLIENT_PY, proto, dst, &port.to_string(), src.unwrap_or("")])
            .output()
            .expect("python3 client");
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if out.status.success() { Ok(text) } else { Err(text) }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for ns in [&self.inet, &self.router, &self.server, &self.lan].into_iter().chain(&self.inet2) {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

const SERVER_PY: &str = r#"
import selectors, socket, sys
tag = sys.argv[1]
sel = selectors.DefaultSelector()
for spec in sys.argv[2:]:
    proto, port = spec.split('/')
    kind = socket.SOCK_STREAM if proto == 'tcp' else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('::', int(port)))
    if proto == 'tcp':
        s.listen(16)
    sel.register(s, selectors.EVENT_READ, (proto, int(port)))
def peer_ip(p):
    return p[0][7:] if p[0].startswith('::ffff:') else p[0]
print('ready', flush=True)
while True:
    for key, _ in sel.select():
        proto, port = key.data
        s = key.fileobj
        if proto == 'tcp':
            c, peer = s.accept()
            c.sendall(f'{tag} {port} {peer_ip(peer)}\n'.encode()); c.close()
        else:
            data, peer = s.recvfrom(2048)
            s.sendto(f'{tag} {port} {peer_ip(peer)}\n'.encode(), peer)
"#;

const CLIENT_PY: &str = r#"
import socket, sys
proto, host, port, src = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
kind = socket.SOCK_STREAM if proto == 'tcp' else socket.SOCK_DGRAM
# Generous waits: the first packet of a fresh lab may wait for neighbour discovery and a
# loaded machine (CI, qemu) is slow. TCP retransmits its SYN by itself within the wait;
# a UDP datagram is sent again after each silent second.
s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET, kind)
try:
    if src:
        s.bind((src, 0))
    if proto == 'tcp':
        s.settimeout(4.5)
        s.connect((host, port)); print(s.recv(200).decode().strip())
    else:
        s.settimeout(1.0)
        s.connect((host, port))
        for attempt in range(4):
            s.send(b'ping')
            try:
                print(s.recv(200).decode().strip()); break
            except socket.timeout:
                if attempt == 3:
                    raise
except Exception as e:
    print(type(e).__name__); sys.exit(1)
"#;
