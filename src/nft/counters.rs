//! Per-forward packet and byte counters, read back from `nft list table inet homeport`.
//!
//! Pure. Every forward is elements of our maps and sets, each element with its own
//! counter (docs/forwarding.md), keyed by protocol and external port or port range:
//!
//! ```text
//! elements = { tcp . 50080 counter packets 3 bytes 180 comment "Web server" : 192.168.1.10 . 80,
//!              tcp . 6000-6010 counter packets 0 bytes 0 comment "range" : 192.168.1.20 }
//! ```
//!
//! A forward's figures are the sum over the elements inside its protocol(s) and external
//! port range, IPv4 and IPv6 maps alike (a shifted range is one element per port). The
//! element's comment is the forward's name, which comes from the configuration: quoted
//! text is skipped while scanning, so a name can never pose as a key or a counter.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

/// One element's counter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementCounter {
    pub tcp: bool,
    pub ports: (u16, u16),
    pub packets: u64,
    pub bytes: u64,
}

/// The counters of every `proto . port[-port] counter packets N bytes M` element in a
/// listing. Anything else (rules, set declarations, keyed on addresses) is ignored.
pub fn parse(listing: &str) -> Vec<ElementCounter> {
    let mut out = Vec::new();
    let mut chunk = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in listing.chars() {
        if quoted {
            // nft prints a comment as "..." with \" and \\ escapes.
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') => quoted = false,
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '"' => {
                quoted = true;
                chunk.push(' ');
            }
            ',' | '{' | '}' | '\n' | ';' => {
                out.extend(element(&chunk));
                chunk.clear();
            }
            _ => chunk.push(c),
        }
    }
    out.extend(element(&chunk));
    out
}

/// `[elements =] tcp . 80[-90] counter packets N bytes M [comment] [: value]`.
fn element(chunk: &str) -> Option<ElementCounter> {
    let mut w = chunk.split_whitespace().skip_while(|t| *t == "elements" || *t == "=");
    let tcp = match w.next()? {
        "tcp" => true,
        "udp" => false,
        _ => return None,
    };
    if w.next()? != "." {
        return None;
    }
    let ports = port_range(w.next()?)?;
    let [c, p, packets, b, bytes] = [w.next()?, w.next()?, w.next()?, w.next()?, w.next()?];
    if (c, p, b) != ("counter", "packets", "bytes") {
        return None;
    }
    Some(ElementCounter { tcp, ports, packets: packets.parse().ok()?, bytes: bytes.parse().ok()? })
}

/// `80` or `6000-6010`.
fn port_range(s: &str) -> Option<(u16, u16)> {
    match s.split_once('-') {
        Some((lo, hi)) => Some((lo.parse().ok()?, hi.parse().ok()?)),
        None => s.parse().ok().map(|p| (p, p)),
    }
}

/// The sum for a forward: `proto` as in the status (`tcp`, `udp`, `tcpudp`), `src_dport`
/// a port or `lo-hi`. `None` when the forward has no element in the listing.
pub fn for_forward(counters: &[ElementCounter], proto: &str, src_dport: &str) -> Option<(u64, u64)> {
    let (want_tcp, want_udp) = match proto {
        "tcp" => (true, false),
        "udp" => (false, true),
        "tcpudp" => (true, true),
        _ => return None,
    };
    let (lo, hi) = port_range(src_dport)?;
    let mut found = false;
    let (mut packets, mut bytes) = (0u64, 0u64);
    for e in counters {
        let proto_ok = if e.tcp { want_tcp } else { want_udp };
        if proto_ok && e.ports.0 >= lo && e.ports.1 <= hi {
            found = true;
            packets = packets.saturating_add(e.packets);
            bytes = bytes.saturating_add(e.bytes);
        }
    }
    found.then_some((packets, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `nft list table inet homeport` (nft 1.0.6) after some traffic: single ports, a
    /// range, a shifted range (one element per port), IPv6, a set keyed on addresses,
    /// and a forward whose name tries to look like another element.
    const LISTING: &str = r#"table inet homeport {
	comment "homeport 1a78800b818fd7bb"
	map dnat4 {
		type inet_proto . inet_service : ipv4_addr . inet_service
		counter
		elements = { udp . 51820 counter packets 12 bytes 2400 comment "wg" : 192.168.1.30 . 51820,
			     tcp . 27015 counter packets 3 bytes 180 comment "game" : 192.168.1.20 . 27015,
			     udp . 27015 counter packets 5 bytes 500 comment "game" : 192.168.1.20 . 27015,
			     tcp . 7001 counter packets 1 bytes 60 comment "shift" : 192.168.1.5 . 8001,
			     tcp . 7002 counter packets 2 bytes 120 comment "shift" : 192.168.1.5 . 8002,
			     tcp . 50080 counter packets 0 bytes 0 comment "x\", tcp . 443 counter packets 99 bytes 99, {" : 192.168.1.10 . 80 }
	}
	map dnat4_range {
		type inet_proto . inet_service : ipv4_addr
		flags interval
		counter
		elements = { tcp . 6000-6010 counter packets 4 bytes 400 comment "range" : 192.168.1.40 }
	}
	map dnat6 {
		type inet_proto . inet_service : ipv6_addr . inet_service
		counter
		elements = { udp . 51820 counter packets 1 bytes 100 comment "wg" : fd00::30 . 51820 }
	}
	set hairpin4 {
		type ipv4_addr . ipv4_addr
		flags interval
		elements = { 192.168.1.0/24 . 192.168.1.0/24 }
	}
	chain prerouting {
		type nat hook prerouting priority dstnat - 10; policy accept;
		meta l4proto . th dport dnat ip to meta l4proto . th dport map @dnat4 counter packets 9 bytes 9
	}
}
"#;

    #[test]
    fn every_keyed_element_and_nothing_else() {
        let c = parse(LISTING);
        let keys: Vec<(bool, (u16, u16), u64)> = c.iter().map(|e| (e.tcp, e.ports, e.packets)).collect();
        assert_eq!(
            keys,
            [
                (false, (51820, 51820), 12),
                (true, (27015, 27015), 3),
                (false, (27015, 27015), 5),
                (true, (7001, 7001), 1),
                (true, (7002, 7002), 2),
                (true, (50080, 50080), 0),
                (true, (6000, 6010), 4),
                (false, (51820, 51820), 1),
            ]
        );
    }

    #[test]
    fn sums_per_forward() {
        let c = parse(LISTING);
        // IPv4 and IPv6 elements of the same forward add up.
        assert_eq!(for_forward(&c, "udp", "51820"), Some((13, 2500)));
        assert_eq!(for_forward(&c, "tcpudp", "27015"), Some((8, 680)));
        assert_eq!(for_forward(&c, "tcp", "27015"), Some((3, 180)));
        assert_eq!(for_forward(&c, "tcp", "7001-7002"), Some((3, 180)));
        assert_eq!(for_forward(&c, "tcp", "6000-6010"), Some((4, 400)));
        // The forged "tcp . 443" inside a comment is not an element.
        assert_eq!(for_forward(&c, "tcp", "443"), None);
        assert_eq!(for_forward(&c, "tcp", "50080"), Some((0, 0)));
        assert_eq!(for_forward(&c, "udp", "9"), None);
        assert_eq!(for_forward(&c, "sctp", "80"), None);
        assert_eq!(for_forward(&c, "tcp", "not a port"), None);
    }

    #[test]
    fn never_panics_on_garbage() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let alphabet: Vec<char> = "tcpud .-0123456789counterpacketsbytes\",{}\n\\=".chars().collect();
        for _ in 0..3000 {
            let s: String = (0..60)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet.get((seed % alphabet.len() as u64) as usize).copied().unwrap_or(' ')
                })
                .collect();
            // Whatever it finds, a sum over it must not overflow or panic either.
            let found = parse(&s);
            let _ = for_forward(&found, "tcpudp", "0-65535");
        }
        assert!(parse("").is_empty());
        assert!(parse("tcp . 99999 counter packets 1 bytes 1").is_empty());
    }
}
