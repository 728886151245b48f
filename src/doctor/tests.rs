use super::*;
use crate::config;

fn cfg(text: &str) -> Config {
    config::from_text(text.as_bytes(), "homeport").config
}

const TWO: &str = "config forward 'nas'\n\toption proto 'tcpudp'\n\toption src_dport '50443'\n\toption dest_ip '192.168.1.10'\n\toption dest_port '443'\n\
config forward 'router'\n\toption name 'ssh on the router'\n\toption proto 'tcp'\n\toption src_dport '50022'\n\toption dest_port '22'\n\
config forward 'dns'\n\toption proto 'udp'\n\toption src_dport '50053'\n\toption dest_ip '192.168.1.11'\n\toption dest_port '53'\n";

#[test]
fn probes_are_the_tcp_targets_of_the_selected_forwards() {
    let c = cfg(TWO);
    let all: Vec<String> = probes(&c, &Devices::default(), &[]).iter().map(|a| a.to_string()).collect();
    assert_eq!(all, ["192.168.1.10:443", "127.0.0.1:22"]);
    let named: Vec<String> =
        probes(&c, &Devices::default(), &["ssh on the router".into()]).iter().map(|a| a.to_string()).collect();
    assert_eq!(named, ["127.0.0.1:22"]);
    assert!(probes(&c, &Devices::default(), &["dns".into()]).is_empty(), "UDP is not probed");
    assert!(probes(&c, &Devices::default(), &["nothing".into()]).is_empty());
}

#[test]
fn arp_table_complete_and_incomplete_entries() {
    let text = "IP address       HW type     Flags       HW address            Mask     Device\n\
                192.168.1.10     0x1         0x2         00:11:22:33:44:10     *        br-lan\n\
                192.168.1.99     0x1         0x0         00:00:00:00:00:00     *        br-lan\n\
                garbage\n\
                10.0.0.1 0x1 zz\n";
    let n = parse_arp(text);
    assert_eq!(
        n,
        [
            Neighbour { addr: Ipv4Addr::new(192, 168, 1, 10), complete: true },
            Neighbour { addr: Ipv4Addr::new(192, 168, 1, 99), complete: false },
        ]
    );
    assert!(parse_arp("").is_empty());
}

#[test]
fn upnp_dnat_rules_give_their_ports() {
    let listing = "table inet fw4 {\n\tchain upnp_prerouting {\n\
                   \t\tiif \"eth1\" tcp dport 8080 dnat ip to 192.168.1.5:8080\n\
                   \t\tiif \"eth1\" ip saddr 1.2.3.4 udp dport 3074 counter packets 0 bytes 0 dnat ip to 192.168.1.6:3074\n\
                   \t\tiif \"eth1\" tcp dport 9999 accept\n\
                   \t\ttcp dport notaport dnat ip to 192.168.1.7\n\t}\n}\n";
    assert_eq!(upnp_ports(listing), [(true, 8080), (false, 3074)]);
}

#[test]
fn nothing_gathered_means_no_finding_but_the_config_ones() {
    let c = cfg(TWO);
    let f = diagnose(&c, &Facts::default(), &["router".into()]);
    // Not probed: said as untested, never as fine.
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].level, Level::Note);
    assert_eq!(f[0].subject, "forward 'ssh on the router'");
}

#[test]
fn names_in_subjects_are_quoted() {
    let c = cfg(concat!(
        "config forward 'x'\n\toption name \"it's\"\n\toption proto 'tcp'\n",
        "\toption src_dport '1'\n\toption dest_port '2'\n\toption enabled '0'\n"
    ));
    let f = diagnose(&c, &Facts::default(), &[]);
    assert_eq!(f.first().map(|f| f.subject.as_str()), Some("forward 'it\\'s'"));
}

#[test]
fn json_escapes_text() {
    let f = [Finding { level: Level::Problem, subject: "s\"".into(), text: "a\nb".into() }];
    let v: serde_json::Value = serde_json::from_str(&render_json(&f)).unwrap_or_default();
    assert_eq!(v["findings"][0]["subject"], "s\"");
    assert_eq!(v["findings"][0]["text"], "a\nb");
    assert_eq!(v["problems"], 1);
    let empty: serde_json::Value = serde_json::from_str(&render_json(&[])).unwrap_or_default();
    assert_eq!(empty["problems"], 0);
    assert_eq!(render_text(&[]), "no problems found\n");
}

#[test]
fn a_disabled_homeport_is_a_problem() {
    let c = cfg("config homeport 'main'\n\toption enabled '0'\n");
    let f = diagnose(&c, &Facts::default(), &[]);
    assert_eq!(problems(&f), 1, "{f:?}");
    assert!(f.iter().any(|f| f.subject == "homeport" && f.text.starts_with("homeport is disabled")), "{f:?}");
    assert_eq!(problems(&diagnose(&cfg(""), &Facts::default(), &[])), 0);
}

#[test]
fn a_name_that_selects_nothing_is_said() {
    let c = cfg(TWO);
    let f = diagnose(&c, &Facts::default(), &["nsa".into(), "dns".into()]);
    assert_eq!(problems(&f), 1, "{f:?}");
    assert_eq!(f.first().map(|f| f.subject.as_str()), Some("'nsa'"));
}

/// Forwards that follow a device (dest_mac, dest_host): probed and checked at the address
/// the device has now (its lease here), never on the router; a device that is not on the
/// network is said as such, with nothing probed for it.
#[test]
fn device_targets_are_checked_where_the_device_is_now() {
    use crate::device::leases::Lease;
    use crate::lint::Context;
    let c = cfg(concat!(
        "config forward 'nas'\n\toption proto 'tcp'\n\toption src_dport '48443'\n",
        "\toption dest_mac 'aa:bb:cc:00:11:22'\n\toption dest_port '443'\n",
        "config forward 'cam'\n\toption proto 'tcp'\n\toption src_dport '8554'\n",
        "\toption dest_host 'cam'\n\toption dest_port '554'\n",
    ));
    let mut ctx = Context::default();
    let mac = crate::types::Mac([0xaa, 0xbb, 0xcc, 0, 0x11, 0x22]);
    ctx.devices.leases.push(Lease { mac: Some(mac), name: None, addr: "192.168.1.140".parse().unwrap() });
    let nas: SocketAddr = "192.168.1.140:443".parse().unwrap();
    assert_eq!(probes(&c, &ctx.devices, &[]), [nas], "the cam is away: nothing to probe for it");
    let live = "table inet homeport {\n\tmap dnat4 {\n\t\telements = { tcp . 48443 counter packets 0 bytes 0 comment \"nas\" : 192.168.1.140 . 443 }\n\t}\n}\n";
    let arp = "IP address HW type Flags HW address Mask Device\n192.168.1.140 0x1 0x0 00:00:00:00:00:00 * br-lan\n";
    let facts = Facts {
        live: Some(Ok(Some(live.into()))),
        neighbours: Some(parse_arp(arp)),
        connects: vec![(nas, Connect::NoAnswer)],
        diagnostics: crate::compose::check(&c.forwards, &ctx),
        devices: ctx.devices,
        ..Facts::default()
    };
    let text = render_text(&diagnose(&c, &facts, &[]));
    assert_eq!(
        text,
        "ok      forward 'nas': follows aa:bb:cc:00:11:22, now at 192.168.1.140\n\
         ok      forward 'nas': is applied: tcp port 48443 is in the live table\n\
         problem forward 'nas': no device answers at 192.168.1.140 (not in the neighbour table): it is off, or has left the network\n\
         problem forward 'nas': no answer from 192.168.1.140:443 within 2 s: the device is off, or its own firewall drops connections\n\
         ok      forward 'nas': reflection is on: the public name works from inside the LAN too\n\
         note    forward 'cam': follows cam, which is not on the network: the forward is inactive, not tested\n\
         problem forward 'cam': cam is not on the network (no DHCP lease, no neighbour entry)\n\
         3 problems found\n"
    );
}

#[test]
fn a_fact_that_could_not_be_gathered_is_said() {
    let c = cfg(TWO);
    let facts = Facts {
        diagnostics: vec![crate::diag::Diagnostic::warning("cannot read the neighbour table: Not supported")],
        ..Facts::default()
    };
    let f = diagnose(&c, &facts, &["router".into()]);
    assert!(
        f.iter().any(|f| f.level == Level::Note
            && f.subject == "doctor"
            && f.text == "cannot read the neighbour table: Not supported"),
        "{f:?}"
    );
}
