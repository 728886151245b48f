//! `homeport doctor` on a router in a network namespace this test creates: a WAN device
//! (`wan0`, a veth whose peer has no address), a LAN device (`lan0`, the same;
//! 192.168.1.1/24 plus the NAS's 192.168.1.10, where a test listener plays the service),
//! the forward table applied with the real nft, the name answered by the namespace's
//! /etc/hosts (the system resolver's first source; `ip netns exec` mounts
//! /etc/netns/NAME/hosts over it). Each scenario checks the sentence that names its
//! problem, and the exit status.

mod support;

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use homeport::nft::fw4;
use homeport::status::{HostStatus, Status};
use homeport::types::UciName;
use support::netns::{Netns, enter_thread};

const NETWORK: &str = "config interface 'loopback'\n\toption device 'lo'\n\toption proto 'static'\n\
                       \toption ipaddr '127.0.0.1'\n\toption netmask '255.0.0.0'\n\n\
                       config interface 'lan'\n\toption device 'lan0'\n\toption proto 'static'\n\
                       \toption ipaddr '192.168.1.1'\n\toption netmask '255.255.255.0'\n\n\
                       config interface 'wan'\n\toption device 'wan0'\n\toption proto 'dhcp'\n";
const DHCP: &str = "config host\n\toption name 'nas'\n\toption ip '192.168.1.10'\n\n\
                    config host\n\toption name 'gone'\n\toption ip '192.168.1.99'\n";
const FIREWALL: &str = "config zone\n\toption name 'lan'\n\tlist network 'lan'\n\n\
                        config zone\n\toption name 'wan'\n\tlist network 'wan'\n";
const REDIRECT: &str = "\nconfig redirect\n\toption name 'Old NAS forward'\n\toption src 'wan'\n\
                        \toption proto 'tcp'\n\toption src_dport '50443'\n\toption dest_ip '192.168.1.11'\n\
                        \toption target 'DNAT'\n";

fn config(dest: &str) -> String {
    format!(
        "config homeport 'main'\n\toption device 'wan0'\n\n\
         config ddns 'home'\n\toption service 'duckdns'\n\tlist domain 'myhome.duckdns.org'\n\
         \toption password 'token-s3cr3t'\n\toption family 'ipv4'\n\n\
         config forward 'nas'\n\toption proto 'tcp'\n\toption src_dport '50443'\n\
         \toption dest_ip '{dest}'\n\toption dest_port '28443'\n\toption reflection '1'\n"
    )
}

struct Router {
    ns: Netns,
    dir: PathBuf,
}

impl Router {
    fn new(tag: &str, wan: &str, hosts: &str) -> Router {
        let ns = Netns::new(tag);
        for cmd in [
            "link add wan0 type veth peer name wan0p".to_string(),
            "link set wan0p up".into(),
            format!("addr add {wan} dev wan0"),
            "link set wan0 up".into(),
            "link add lan0 type veth peer name lan0p".into(),
            "link set lan0p up".into(),
            "addr add 192.168.1.1/24 dev lan0".into(),
            "addr add 192.168.1.10/24 dev lan0".into(),
            "link set lan0 up".into(),
        ] {
            ns.ip(&cmd);
        }
        ns.resolver_on_loopback();
        fs::write(PathBuf::from("/etc/netns").join(&ns.name).join("hosts"), hosts).expect("write hosts");
        let dir = std::env::temp_dir().join(format!("hp-doctor-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let includes = dir.join("nftables.d");
        for inc in fw4::includes(&UciName::parse("wan").expect("zone")) {
            let path = includes.join(&inc.path);
            fs::create_dir_all(path.parent().expect("parent")).expect("include dir");
            fs::write(path, inc.text).expect("include file");
        }
        fs::create_dir_all(dir.join("state")).expect("state dir");
        for (name, text) in [("network", NETWORK), ("dhcp", DHCP), ("firewall", FIREWALL)] {
            fs::write(dir.join(name), text).expect("write config");
        }
        fs::write(dir.join("homeport"), config("192.168.1.10")).expect("write config");
        Router { ns, dir }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns.name]).args(support::runner_words()).arg(support::homeport_bin());
        c.args(args).arg("-c").arg(self.dir.join("homeport"));
        for o in ["network", "dhcp", "firewall"] {
            c.arg(format!("--{o}")).arg(self.dir.join(o));
        }
        c.arg("--includes").arg(self.dir.join("nftables.d"));
        c
    }

    fn apply(&self) {
        let out = self.command(&["apply"]).output().expect("run homeport apply");
        assert!(out.status.success(), "apply: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// `homeport doctor ARGS`: exit status and stdout.
    fn doctor(&self, args: &[&str]) -> (Option<i32>, String) {
        let mut c = self.command(&[&["doctor"], args].concat());
        c.arg("--state-dir").arg(self.dir.join("state"));
        let out = c.output().expect("run homeport doctor");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(!text.contains("s3cr3t"), "a secret reached the output:\n{text}");
        (out.status.code(), text + &String::from_utf8_lossy(&out.stderr))
    }

    /// A listener inside the namespace (a socket stays in the namespace it was made in).
    fn listen(&self, addr: &str) -> TcpListener {
        let (name, addr) = (self.ns.name.clone(), addr.to_string());
        std::thread::spawn(move || {
            enter_thread(&name);
            TcpListener::bind(addr).expect("bind the service")
        })
        .join()
        .expect("listener thread")
    }

    /// status.json as the daemon writes it, the host up to date at `addr`.
    fn status_ok(&self, addr: &str) {
        let host = HostStatus {
            section: "home".into(),
            domains: vec!["myhome.duckdns.org".into()],
            service: "duckdns".into(),
            enabled: true,
            state: "ok".into(),
            wanted_ipv4: addr.parse().ok(),
            registered_ipv4: addr.parse().ok(),
            last_result: Some("updated (OK)".into()),
            ..HostStatus::default()
        };
        let s = Status { hosts: vec![host], running: true, ..Status::default() };
        fs::write(self.dir.join("state/status.json"), serde_json::to_vec(&s).expect("json")).expect("write status");
    }
}

impl Drop for Router {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
        let _ = fs::remove_dir_all(PathBuf::from("/etc/netns").join(&self.ns.name));
    }
}

const HOSTS_NOW: &str = "127.0.0.1 localhost\n203.0.113.7 myhome.duckdns.org\n";

#[test]
fn all_good_exits_0() {
    require_netns!();
    let r = Router::new("dr-good", "203.0.113.7/24", HOSTS_NOW);
    r.apply();
    r.status_ok("203.0.113.7");
    let _service = r.listen("192.168.1.10:28443");
    let (code, out) = r.doctor(&[]);
    assert_eq!(code, Some(0), "{out}");
    for want in [
        "ok      WAN wan0: the IPv4 address 203.0.113.7 is public",
        "ok      firewall4: the include files that accept forwarded connections from zone 'wan' are in place",
        "ok      myhome.duckdns.org: resolves to 203.0.113.7, this router's address (A)",
        "ok      forward 'nas': is applied: tcp port 50443 is in the live table",
        "ok      forward 'nas': a service answers on 192.168.1.10:28443 (TCP)",
        "no problems found",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    // The same findings for LuCI.
    let (code, json) = r.doctor(&["--json"]);
    assert_eq!(code, Some(0), "{json}");
    let v: serde_json::Value = serde_json::from_str(json.trim()).expect("doctor --json is JSON");
    assert_eq!(v["problems"], 0, "{json}");
}

/// `--offline` (what `make run` passes for its demo config): no name is looked up and no
/// forward target is connected to, and the findings say so. The service is listening, so
/// a connect would have been answered and accepted.
#[test]
fn offline_looks_nothing_up_and_connects_nowhere() {
    require_netns!();
    let r = Router::new("dr-offline", "203.0.113.7/24", HOSTS_NOW);
    r.apply();
    r.status_ok("203.0.113.7");
    let service = r.listen("192.168.1.10:28443");
    let (_, out) = r.doctor(&["--offline"]);
    assert!(out.contains("note    doctor: offline (--offline): no name was looked up"), "{out}");
    assert!(out.contains("note    forward 'nas': the service at 192.168.1.10:28443 was not tested"), "{out}");
    assert!(!out.contains("resolves to"), "a name was looked up:\n{out}");
    service.set_nonblocking(true).expect("nonblocking listener");
    let accepted = service.accept();
    assert!(
        matches!(&accepted, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "doctor --offline connected to the service: {accepted:?}"
    );
}

#[test]
fn private_wan_cgnat() {
    require_netns!();
    let r = Router::new("dr-cgnat", "100.64.1.2/10", HOSTS_NOW);
    r.apply();
    let _service = r.listen("192.168.1.10:28443");
    let (code, out) = r.doctor(&[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(
            "problem WAN wan0: the WAN address 100.64.1.2 is in the range ISPs use for carrier-grade NAT (CGNAT)"
        ),
        "{out}"
    );
}

#[test]
fn name_points_at_an_old_address() {
    require_netns!();
    let r = Router::new("dr-old", "203.0.113.7/24", "198.51.100.23 myhome.duckdns.org\n");
    let (code, out) = r.doctor(&["myhome.duckdns.org"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("problem myhome.duckdns.org: resolves to 198.51.100.23, but this router's address is 203.0.113.7"),
        "{out}"
    );
    assert!(!out.contains("forward 'nas'"), "only the name was asked about:\n{out}");
}

#[test]
fn service_not_listening() {
    require_netns!();
    let r = Router::new("dr-listen", "203.0.113.7/24", HOSTS_NOW);
    r.apply();
    let (code, out) = r.doctor(&["nas"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("problem forward 'nas': nothing listens on 192.168.1.10:28443"), "{out}");
    assert!(out.contains("ok      forward 'nas': is applied"), "{out}");
}

#[test]
fn target_device_gone() {
    require_netns!();
    let r = Router::new("dr-gone", "203.0.113.7/24", HOSTS_NOW);
    fs::write(r.dir.join("homeport"), config("192.168.1.99")).expect("write config");
    r.apply();
    let (code, out) = r.doctor(&["nas"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("problem forward 'nas': no device answers at 192.168.1.99 (not in the neighbour table)"),
        "{out}"
    );
    // The connect to an address nobody has: bounded by the 2 s timeout or failed by ARP,
    // never an error the doctor cannot name (as a translated-wrong errno under qemu was).
    assert!(
        out.contains("problem forward 'nas': no answer from 192.168.1.99:28443 within 2 s")
            || out.contains("problem forward 'nas': 192.168.1.99:28443 is unreachable from the router"),
        "{out}"
    );
}

#[test]
fn fw4_include_missing() {
    require_netns!();
    let r = Router::new("dr-fw4", "203.0.113.7/24", HOSTS_NOW);
    fs::remove_dir_all(r.dir.join("nftables.d/chain-post")).expect("remove includes");
    r.apply();
    let _service = r.listen("192.168.1.10:28443");
    let (code, out) = r.doctor(&["nas"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("chain-post/forward_wan/30-homeport.nft is missing or different"), "{out}");
}

#[test]
fn conflicting_fw4_redirect() {
    require_netns!();
    let r = Router::new("dr-redir", "203.0.113.7/24", HOSTS_NOW);
    fs::write(r.dir.join("firewall"), format!("{FIREWALL}{REDIRECT}")).expect("write firewall");
    r.apply();
    let _service = r.listen("192.168.1.10:28443");
    let (code, out) = r.doctor(&["nas"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("problem forward 'nas': overlaps firewall redirect @redirect[0] ('Old NAS forward')"),
        "{out}"
    );
}

#[test]
fn stopped_and_why_from_the_state_files() {
    require_netns!();
    let r = Router::new("dr-stop", "203.0.113.7/24", HOSTS_NOW);
    // No daemon ran: what `homeport update` left (src/ddns/state.rs, ddns-<section>.json).
    let left = homeport::ddns::engine::Persisted {
        last_result: Some("KO".into()),
        stopped: Some("DuckDNS answered KO: the token or the domain is wrong".into()),
        ..Default::default()
    };
    fs::write(r.dir.join("state/ddns-home.json"), serde_json::to_vec(&left).expect("json")).expect("write state");
    let (code, out) = r.doctor(&["home"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("problem ddns 'home': updates are stopped: DuckDNS answered KO: the token or the domain is wrong"),
        "{out}"
    );
}

/// `make run`'s flow on its demo config (demo/homeport): the dry run shows the request
/// with the token as ***, the ruleset and the lint's warning about the unsafe forward; then
/// `homeport doctor` reports that forward as a problem (exit 1).
#[test]
fn the_demo_dry_run_then_doctor() {
    require_netns!();
    let r = Router::new("dr-demo", "203.0.113.7/24", HOSTS_NOW);
    r.ns.ip("route add default dev wan0");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/homeport");
    fs::copy(&demo, r.dir.join("homeport")).expect("copy the demo config");
    let state = r.dir.join("state");
    let mut c = Command::new("ip");
    c.args(["netns", "exec", &r.ns.name]).args(support::runner_words()).arg(support::homeport_bin());
    c.args(["run", "--dry-run", "--foreground", "--network-config"]).arg(r.dir.join("absent"));
    c.arg("-c").arg(r.dir.join("homeport")).arg("--state-dir").arg(&state);
    let child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start the dry run");
    // Until its status says the (not sent) update happened: generous for emulation.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !fs::read_to_string(state.join("status.json")).is_ok_and(|s| s.contains("dry run")) {
        assert!(Instant::now() < deadline, "the dry run wrote no status");
        std::thread::sleep(Duration::from_millis(200));
    }
    Command::new("kill").args(["-s", "INT", &child.id().to_string()]).status().expect("kill");
    let out = child.wait_with_output().expect("dry run output");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("would send: home (myhome.duckdns.org): GET https://www.duckdns.org/update?domains=myhome&token=***&ip=203.0.113.7"),
        "{stdout}"
    );
    assert!(stdout.contains("tcp . 3389 comment \"Remote desktop\""), "{stdout}");
    assert!(
        stderr.contains(
            "warning: section @forward[1] ('rdp'): option 'src_dport': '3389' exposes the well-known RDP port"
        ),
        "{stderr}"
    );
    assert!(!stdout.contains("demo-token") && !stderr.contains("demo-token"), "the token was printed");
    // As `make run` asks it: offline, since the demo config is not this machine's.
    let (code, found) = r.doctor(&["--offline"]);
    assert_eq!(code, Some(1), "{found}");
    assert!(
        found.contains("note    ddns 'home': the status is a dry run's: nothing was sent to the provider"),
        "{found}"
    );
    assert!(found.contains("problem forward 'Remote desktop': exposes the well-known RDP port 3389"), "{found}");
}

/// A forward that follows a device (`dest_mac`, issue 14): checked at the address the
/// device has now (here its neighbour entry on the LAN), and, once the device is gone,
/// said as not on the network with nothing probed in its place (never the router).
#[test]
fn device_target_at_its_current_address_or_not_on_the_network() {
    require_netns!();
    let r = Router::new("dr-device", "203.0.113.7/24", HOSTS_NOW);
    let by_mac = |mac: &str| {
        config("192.168.1.10").replace("option dest_ip '192.168.1.10'", &format!("option dest_mac '{mac}'"))
    };
    fs::write(r.dir.join("homeport"), by_mac("aa:bb:cc:00:11:22")).expect("write config");
    r.ns.ip("neigh add 192.168.1.10 lladdr aa:bb:cc:00:11:22 dev lan0 nud permanent");
    r.apply();
    let _service = r.listen("192.168.1.10:28443");
    let (code, out) = r.doctor(&["nas"]);
    if let Some(why) = r.ns.neighbours_unavailable() {
        eprintln!("SKIPPED the device found by its neighbour entry: {why}");
        // What cannot be read is said, not taken for an empty table.
        assert!(out.contains("note    doctor: cannot read the neighbour table"), "{out}");
    } else {
        for want in [
            "ok      forward 'nas': follows aa:bb:cc:00:11:22, now at 192.168.1.10",
            "ok      forward 'nas': is applied: tcp port 50443 is in the live table",
            "ok      forward 'nas': a service answers on 192.168.1.10:28443 (TCP)",
        ] {
            assert!(out.contains(want), "missing {want:?} in:\n{out}");
        }
        assert_eq!(code, Some(0), "{out}");
    }
    // Another device, not on the network.
    fs::write(r.dir.join("homeport"), by_mac("aa:bb:cc:00:11:33")).expect("write config");
    let (code, out) = r.doctor(&["nas"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("note    forward 'nas': follows aa:bb:cc:00:11:33, which is not on the network: the forward is inactive, not tested"),
        "{out}"
    );
    assert!(out.contains("problem forward 'nas': aa:bb:cc:00:11:33 is not on the network"), "{out}");
    assert!(!out.contains("127.0.0.1") && !out.contains("answers on"), "probed something in its place:\n{out}");
}

/// The router's `wan0p` (the far end of its WAN) moved into a namespace of its own, the
/// "internet" at 203.0.113.1/24, where the stand-in echoip answers on port 443 and an nft
/// counter counts every packet to that port (`tcp dport 443 counter`).
struct Internet {
    ns: Netns,
    echoip: support::echoip::Echoip,
}

impl Internet {
    /// `None` (with the reason printed) when there is no openssl CLI for the certificate.
    fn new(r: &Router, tag: &str) -> Option<Internet> {
        let ns = Netns::new(tag);
        r.ns.ip(&format!("link set wan0p netns {}", ns.name));
        ns.ip("addr add 203.0.113.1/24 dev wan0p");
        ns.ip("link set wan0p up");
        ns.nft_load(
            "add table inet capture\n\
                     add chain inet capture input { type filter hook input priority 0; }\n\
                     add rule inet capture input tcp dport 443 counter\n",
        );
        match support::echoip::start(&ns.name, "203.0.113.1:443".parse().expect("addr")) {
            Ok(echoip) => Some(Internet { ns, echoip }),
            Err(why) => {
                eprintln!("SKIPPED: {why}");
                None
            }
        }
    }

    /// Packets to port 443 the counter saw.
    fn packets_to_443(&self) -> u64 {
        let out = self.ns.exec("nft").args(["list", "table", "inet", "capture"]).output().expect("nft list");
        let text = String::from_utf8_lossy(&out.stdout);
        let n = text.split("counter packets ").nth(1).and_then(|t| t.split_whitespace().next());
        n.and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no counter in:\n{text}"))
    }
}

/// The configuration with the outside probe: the stand-in, its CA as `cacert`.
fn with_probe(r: &Router, net: &Internet) {
    let main = format!(
        "config homeport 'main'\n\toption device 'wan0'\n\toption probe_url 'https://203.0.113.1/'\n\toption cacert '{}'\n",
        net.echoip.ca().display()
    );
    let text = config("192.168.1.10").replacen("config homeport 'main'\n\toption device 'wan0'\n", &main, 1);
    fs::write(r.dir.join("homeport"), text).expect("write config");
}

/// `probe_url` set: the stand-in connects back to the router's WAN address at the
/// forward's port, through the live table to the service: reachable. Then the "ISP"
/// (an nft rule in the internet namespace) drops connections to that port: not
/// reachable, and since the service answers on the LAN, the sentence names the block.
#[test]
fn outside_probe_reachable_and_blocked() {
    require_netns!();
    let r = Router::new("dr-probe", "203.0.113.7/24", HOSTS_NOW);
    let Some(net) = Internet::new(&r, "dr-probe-inet") else { return };
    with_probe(&r, &net);
    r.apply();
    r.status_ok("203.0.113.7");
    let service = r.listen("192.168.1.10:28443");
    let started = Instant::now();
    let (code, out) = r.doctor(&["nas"]);
    eprintln!("doctor with the probe (reachable): {:?}", started.elapsed());
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("ok      forward 'nas': reachable from the internet: 203.0.113.1 connected to 203.0.113.7:50443"),
        "{out}"
    );
    assert_eq!(net.echoip.requests(), 1, "one forward, one question:\n{out}");
    // The stand-in's connect back arrived at the service (the router's own connect too).
    service.set_nonblocking(true).expect("nonblocking");
    let mut accepted = 0;
    while service.accept().is_ok() {
        accepted += 1;
    }
    assert_eq!(accepted, 2, "the router's connect and the probe's");

    net.ns.nft_load(
        "add table inet isp\n\
                     add chain inet isp output { type filter hook output priority 0; }\n\
                     add rule inet isp output tcp dport 50443 drop\n",
    );
    let started = Instant::now();
    let (code, out) = r.doctor(&["nas"]);
    eprintln!("doctor with the probe (blocked): {:?}", started.elapsed());
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(
            "problem forward 'nas': not reachable from outside: 203.0.113.1 could not connect to 203.0.113.7:50443; \
             likely cause: the ISP blocks incoming connections to port 50443, or a firewall in front of the router \
             drops them; ask the ISP, or try another src_dport"
        ),
        "{out}"
    );
    assert!(out.contains("ok      forward 'nas': a service answers on 192.168.1.10:28443 (TCP)"), "{out}");
}

/// Without `probe_url` nothing is sent to the probe, and with it `--offline` sends
/// nothing either: the stand-in counts no request and the internet namespace's nft
/// counter no packet to port 443.
#[test]
fn no_probe_url_contacts_nothing() {
    require_netns!();
    let r = Router::new("dr-noprobe", "203.0.113.7/24", HOSTS_NOW);
    let Some(net) = Internet::new(&r, "dr-noprobe-inet") else { return };
    r.apply();
    let _service = r.listen("192.168.1.10:28443");
    let (_, out) = r.doctor(&[]);
    assert!(!out.contains("reachable from"), "{out}");
    with_probe(&r, &net);
    let (_, out) = r.doctor(&["--offline"]);
    assert!(!out.contains("reachable from"), "{out}");
    assert_eq!((net.echoip.requests(), net.packets_to_443()), (0, 0), "the probe was contacted:\n{out}");
    // The capture works: one run with the probe is counted.
    let (_, out) = r.doctor(&["nas"]);
    assert!(out.contains("reachable from the internet"), "{out}");
    assert_eq!(net.echoip.requests(), 1, "{out}");
    assert!(net.packets_to_443() > 0);
}

/// A ddns section for myhome.example.test at the namespace's BIND (rfc2136: doctor asks
/// the zone's authoritative servers by default).
fn rfc2136_config() -> String {
    let (key, alg, secret) = support::named::KEYS[0];
    config("192.168.1.10").replace(
        "config ddns 'home'\n\toption service 'duckdns'\n\tlist domain 'myhome.duckdns.org'\n\
         \toption password 'token-s3cr3t'\n",
        &format!(
            "config ddns 'home'\n\toption service 'rfc2136'\n\tlist domain 'myhome.example.test'\n\
             \toption server '127.0.0.1'\n\toption zone 'example.test'\n\toption key_name '{key}'\n\
             \toption key_algorithm '{alg}'\n\toption key_secret '{secret}'\n"
        ),
    )
}

/// Issue 15's "name pointing at an old address" on a real authoritative server: BIND in
/// the namespace holds myhome.example.test at 198.51.100.23 and is the system resolver
/// too; the router's address is 203.0.113.7. Both the resolver's answer and the
/// authoritative server's (found through SOA and NS) are said to be old.
#[test]
fn name_at_an_old_address_on_bind() {
    require_netns!();
    let r = Router::new("dr-bind-old", "203.0.113.7/24", "127.0.0.1 localhost\n");
    let named = match support::named::start_named_in(&r.ns.name, "myhome IN A 198.51.100.23\n") {
        Ok(n) => n,
        Err(why) => return eprintln!("SKIPPED: {why}"),
    };
    fs::write(r.dir.join("homeport"), rfc2136_config()).expect("write config");
    let started = Instant::now();
    let (code, out) = r.doctor(&["home"]);
    eprintln!("doctor against BIND (old address): {:?}", started.elapsed());
    assert_eq!(code, Some(1), "{out}\n{}", named.log());
    for want in [
        "problem myhome.example.test: resolves to 198.51.100.23, but this router's address is 203.0.113.7: the record is old",
        "problem myhome.example.test: the authoritative server ns.example.test has 198.51.100.23 (A), \
         not this router's address 203.0.113.7: the record there is old",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}

/// The authoritative server already has the new address while the resolver still gives
/// the old one (here the namespace's /etc/hosts plays the cache that holds it): the
/// difference is said as propagation, nothing to change.
#[test]
fn authoritative_differs_from_the_resolver_on_bind() {
    require_netns!();
    let r = Router::new("dr-bind-ttl", "203.0.113.7/24", "198.51.100.23 myhome.example.test\n");
    let _named = match support::named::start_named_in(&r.ns.name, "myhome IN A 203.0.113.7\n") {
        Ok(n) => n,
        Err(why) => return eprintln!("SKIPPED: {why}"),
    };
    fs::write(r.dir.join("homeport"), rfc2136_config()).expect("write config");
    r.status_ok("203.0.113.7");
    let started = Instant::now();
    let (code, out) = r.doctor(&["home"]);
    eprintln!("doctor against BIND (propagating): {:?}", started.elapsed());
    assert_eq!(code, Some(1), "{out}");
    for want in [
        "problem myhome.example.test: resolves to 198.51.100.23, but the provider already has 203.0.113.7",
        "note    myhome.example.test: the authoritative server ns.example.test has 203.0.113.7 (A), \
         while the system resolver still gives 198.51.100.23: a cache keeps the old answer until its time to live \
         runs out; wait, nothing to change",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}
