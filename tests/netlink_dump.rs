//! The dump functions against a real kernel, in a network namespace this test creates:
//! addresses added to a veth are reported with the flags and lifetimes `ip` gave them.

mod support;

use std::net::IpAddr;

use homeport::netlink::{self, IFA_F_DEPRECATED, IFA_F_NODAD, IFA_F_PERMANENT};
use homeport::types::IfName;
use support::netns::Netns;

#[test]
fn dump_sees_addresses_with_flags_and_lifetimes() {
    require_netns!();
    let ns = Netns::new("nldump");
    ns.ip("link add hpa0 type veth peer name hpa1");
    ns.ip("link set hpa0 up");
    ns.ip("link set hpa1 up");
    ns.ip("addr add 198.51.100.7/24 dev hpa0");
    ns.ip("-6 addr add 2001:db8::7/64 dev hpa0 valid_lft 3600 preferred_lft 1800 nodad");
    ns.ip("-6 addr add 2001:db8:2::5/64 dev hpa0 valid_lft 600 preferred_lft 0 nodad");
    ns.ip("addr add 203.0.113.9/24 dev hpa1");

    let ns_name = ns.name.clone();
    let handle = std::thread::spawn(move || {
        support::netns::enter_thread(&ns_name);
        let wan = IfName::parse("hpa0").unwrap();
        let addrs = netlink::dump_addresses(&wan).unwrap();
        let links = netlink::dump_links().unwrap();
        let missing = netlink::dump_addresses(&IfName::parse("pppoe-wan").unwrap());
        (addrs, links, missing)
    });
    let (addrs, links, missing) = handle.join().unwrap();

    let find = |s: &str| {
        let ip: IpAddr = s.parse().unwrap();
        addrs.iter().find(|a| a.addr == ip).unwrap_or_else(|| panic!("{s} not in {addrs:?}")).clone()
    };
    let v4 = find("198.51.100.7");
    assert_eq!((v4.prefix_len, v4.flags & IFA_F_PERMANENT, v4.valid_lft), (24, IFA_F_PERMANENT, u32::MAX));
    let v6 = find("2001:db8::7");
    assert_eq!((v6.prefix_len, v6.flags & IFA_F_NODAD), (64, IFA_F_NODAD));
    // Lifetimes count down from when `ip` set them; allow a few seconds for slow runners.
    assert!((1790..=1800).contains(&v6.preferred_lft), "{v6:?}");
    assert!((3590..=3600).contains(&v6.valid_lft), "{v6:?}");
    let dep = find("2001:db8:2::5");
    assert_eq!((dep.flags & IFA_F_DEPRECATED, dep.preferred_lft), (IFA_F_DEPRECATED, 0));
    // Only hpa0's addresses: its peer's, and loopback's, are not reported.
    assert!(addrs.iter().all(|a| a.ifindex == v4.ifindex), "{addrs:?}");
    assert!(!addrs.iter().any(|a| a.addr == "203.0.113.9".parse::<IpAddr>().unwrap()));

    let hpa0 = links.iter().find(|l| l.name.as_deref() == Some("hpa0")).expect("hpa0 in link dump");
    assert_eq!(hpa0.ifindex, v4.ifindex);
    assert!(hpa0.is_up());
    assert!(links.iter().any(|l| l.name.as_deref() == Some("lo")));

    let err = missing.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    assert!(err.to_string().contains("pppoe-wan"), "{err}");
}
