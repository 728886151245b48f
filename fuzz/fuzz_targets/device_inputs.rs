//! Fuzzes what forwards to a device read from outside (issue 14): rtnetlink datagrams
//! (neighbour messages included) through the wire parser and the neighbour table, and
//! the same bytes as dnsmasq and odhcpd lease files. Properties: no panic or hang; every
//! neighbour the table keeps names a device. Seed it with the captured messages in
//! src/netlink/captured.rs and the lease captures in src/device/leases.rs.
#![no_main]

use homeport::device::leases;
use homeport::netlink::Tables;
use homeport::netlink::wire::messages;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut t = Tables::default();
    for (_, m) in messages(data).flatten() {
        t.apply(&m);
    }
    assert!(t.neighbours().all(|n| n.names_device()));
    let text = String::from_utf8_lossy(data);
    let _ = leases::dnsmasq(&text, 1_765_113_600);
    let _ = leases::odhcpd(&text, 1_765_113_600);
});
