//! Names: Linux interface names, DNS host names, UCI identifiers.

use std::fmt;

use serde::Serialize;

/// A Linux network device name: 1-15 bytes, not `.` or `..`, no `/`, `:`, white space or
/// control characters (the kernel's `dev_valid_name`, plus `:` which marks alias labels).
/// Quotes, `\` and `*` are refused too: the name goes into nft text as `"<name>"`, where
/// a trailing `*` would turn `iifname "eth*"` into a match on every `eth` device.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct IfName(String);

impl IfName {
    /// Longest name (IFNAMSIZ 16 with its NUL).
    pub const MAX_LEN: usize = 15;

    pub fn parse(s: &str) -> Result<IfName, String> {
        let ok = !s.is_empty()
            && s.len() <= IfName::MAX_LEN
            && s != "."
            && s != ".."
            && s.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'/' | b':' | b'"' | b'\'' | b'\\' | b'*'));
        if ok {
            Ok(IfName(s.to_string()))
        } else {
            Err("is not a network device name (1-15 characters, no '/', ':', '*', quotes or spaces)".to_string())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IfName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A DNS name in LDH form (letters, digits, hyphens; `_` allowed as providers accept it for
/// service labels), at most 253 characters, labels 1-63, no leading or trailing hyphen.
/// Stored lower-case, without a trailing dot.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Hostname(String);

impl Hostname {
    pub const MAX_LEN: usize = 253;
    pub const MAX_LABEL: usize = 63;

    pub fn parse(s: &str) -> Result<Hostname, String> {
        let t = s.strip_suffix('.').unwrap_or(s);
        let bad = || "is not a host name (letters, digits, '-', '.'; labels of 1-63)".to_string();
        if t.is_empty() || t.len() > Hostname::MAX_LEN {
            return Err(bad());
        }
        for label in t.split('.') {
            let ok = !label.is_empty()
                && label.len() <= Hostname::MAX_LABEL
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return Err(bad());
            }
        }
        Ok(Hostname(t.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Labels, left to right.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.0.split('.')
    }
}

impl fmt::Display for Hostname {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A UCI identifier as libuci accepts for section and option names: `[A-Za-z0-9_]+`.
/// Also what OpenWrt uses for logical interface and zone names.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct UciName(String);

impl UciName {
    pub const MAX_LEN: usize = 64;

    pub fn parse(s: &str) -> Result<UciName, String> {
        if !s.is_empty() && s.len() <= UciName::MAX_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            Ok(UciName(s.to_string()))
        } else {
            Err("is not a name (letters, digits and '_' only)".to_string())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UciName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ifnames() {
        for ok in ["eth0", "pppoe-wan", "wan.100", "br-lan", "abcdefghijklmno"] {
            assert!(IfName::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".", "..", "a/b", "eth0:1", "abcdefghijklmnop", "a b", "é", "a\n", "a;b'", "eth*", "*"] {
            assert!(IfName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn hostnames() {
        assert_eq!(Hostname::parse("Home.Example.ORG.").unwrap().as_str(), "home.example.org");
        for ok in ["a", "x-y.example", "_acme.example.org", "123.example"] {
            assert!(Hostname::parse(ok).is_ok(), "{ok}");
        }
        let long = format!("{}.org", "a".repeat(64));
        for bad in ["", ".", "a..b", "-a.org", "a-.org", "a b.org", "a/b", "ä.org", long.as_str(), "a;b"] {
            assert!(Hostname::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn uci_names() {
        assert!(UciName::parse("wan_6").is_ok());
        assert!(UciName::parse("wan-6").is_err());
        assert!(UciName::parse("").is_err());
    }
}
