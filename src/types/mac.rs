//! An Ethernet (EUI-48) address: the key a device is followed by.

use std::fmt;

/// Six octets. Parsed from `aa:bb:cc:dd:ee:ff` or `aa-bb-cc-dd-ee-ff`, one or two hex
/// digits per octet (glibc's `ether_ntoa`, which odhcpd writes into its state file, drops
/// leading zeros); printed lower-case with two digits per octet, as `ip neigh` and
/// dnsmasq print it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    pub fn parse(s: &str) -> Result<Mac, String> {
        let bad = || "is not a MAC address (six hex octets like aa:bb:cc:dd:ee:ff)".to_string();
        let bytes = s.as_bytes();
        let sep = if bytes.contains(&b'-') { b'-' } else { b':' };
        let mut out = [0u8; 6];
        // One pass over the bytes: `i` the octet, `digits` its hex digits so far (1 or 2).
        let (mut i, mut digits) = (0, 0);
        for &c in bytes {
            if c == sep {
                if digits == 0 || i == 5 {
                    return Err(bad());
                }
                (i, digits) = (i + 1, 0);
                continue;
            }
            match char::from(c).to_digit(16) {
                Some(d) if digits < 2 => out[i] = out[i] << 4 | d as u8,
                _ => return Err(bad()),
            }
            digits += 1;
        }
        if i != 5 || digits == 0 {
            return Err(bad());
        }
        Ok(Mac(out))
    }

    /// Only a unicast address names one device: the group bit (the low bit of the first
    /// octet, IEEE 802 §8.2) marks multicast and broadcast; all zeros is no address.
    pub fn is_unicast(self) -> bool {
        self.0[0] & 1 == 0 && self.0 != [0; 6]
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        let want = Mac([0xaa, 0xbb, 0x0c, 0x0d, 0xee, 0x0f]);
        for s in ["aa:bb:0c:0d:ee:0f", "AA-BB-0C-0D-EE-0F", "aa:bb:c:d:ee:f"] {
            assert_eq!(Mac::parse(s), Ok(want), "{s}");
        }
        assert_eq!(want.to_string(), "aa:bb:0c:0d:ee:0f");
        for bad in [
            "",
            "aa:bb:cc:dd:ee",
            "aa:bb:cc:dd:ee:ff:00",
            "aa:bb:cc:dd:ee:fff",
            "aa:bb:cc:dd:ee:gg",
            "aa::cc:dd:ee:ff",
            "aa:bb-cc:dd:ee:ff",
            "+a:bb:cc:dd:ee:ff",
        ] {
            assert!(Mac::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unicast() {
        assert!(Mac::parse("aa:bb:cc:dd:ee:ff").unwrap().is_unicast());
        assert!(!Mac::parse("01:00:5e:00:00:01").unwrap().is_unicast());
        assert!(!Mac::parse("ff:ff:ff:ff:ff:ff").unwrap().is_unicast());
        assert!(!Mac::parse("00:00:00:00:00:00").unwrap().is_unicast());
    }
}
