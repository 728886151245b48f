//! TCP/UDP ports and inclusive port ranges.

use std::fmt;
use std::num::NonZeroU16;

use serde::Serialize;

/// A port number, 1-65535 (port 0 cannot be forwarded).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Port(NonZeroU16);

impl Port {
    pub fn new(n: u16) -> Option<Port> {
        NonZeroU16::new(n).map(Port)
    }

    pub fn get(self) -> u16 {
        self.0.get()
    }

    /// Decimal digits only, no sign, no leading `+`, at most 5 digits.
    pub fn parse(s: &str) -> Result<Port, String> {
        let bad = || "is not a port (1-65535)".to_string();
        if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse::<u16>().ok().and_then(Port::new).ok_or_else(bad)
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An inclusive range `start..=end` with `start <= end`; a single port is a range of width 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    start: Port,
    end: Port,
}

impl PortRange {
    pub fn new(start: Port, end: Port) -> Option<PortRange> {
        (start <= end).then_some(PortRange { start, end })
    }

    pub fn single(p: Port) -> PortRange {
        PortRange { start: p, end: p }
    }

    pub fn start(self) -> Port {
        self.start
    }

    pub fn end(self) -> Port {
        self.end
    }

    pub fn is_single(self) -> bool {
        self.start == self.end
    }

    /// Number of ports in the range (1..=65535).
    pub fn width(self) -> u32 {
        u32::from(self.end.get()) - u32::from(self.start.get()) + 1
    }

    pub fn contains(self, p: Port) -> bool {
        self.start <= p && p <= self.end
    }

    pub fn overlaps(self, other: PortRange) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    /// `80`, `8000-8010`; firewall4 also accepts `8000:8010`, so do we.
    pub fn parse(s: &str) -> Result<PortRange, String> {
        let s = s.trim();
        match s.split_once(['-', ':']) {
            None => Port::parse(s).map(PortRange::single),
            Some((a, b)) => {
                let bad = || "is not a port or port range (1-65535, or a-b with a <= b)".to_string();
                let a = Port::parse(a.trim()).map_err(|_| bad())?;
                let b = Port::parse(b.trim()).map_err(|_| bad())?;
                PortRange::new(a, b).ok_or_else(bad)
            }
        }
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_single() { write!(f, "{}", self.start) } else { write!(f, "{}-{}", self.start, self.end) }
    }
}

impl Serialize for PortRange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert_eq!(Port::parse("1").unwrap().get(), 1);
        assert_eq!(Port::parse("65535").unwrap().get(), 65535);
        for bad in ["0", "65536", "70000", "", "-1", "+5", "1e3", " 22", "000000022", "٣"] {
            assert!(Port::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ranges() {
        let r = PortRange::parse("8000-8010").unwrap();
        assert_eq!((r.start().get(), r.end().get(), r.width()), (8000, 8010, 11));
        assert_eq!(PortRange::parse("8000:8010").unwrap(), r);
        assert_eq!(r.to_string(), "8000-8010");
        assert_eq!(PortRange::parse("22").unwrap().to_string(), "22");
        assert!(PortRange::parse("10-5").is_err());
        assert!(PortRange::parse("1-").is_err());
        assert!(PortRange::parse("1-2-3").is_err());
        assert!(r.overlaps(PortRange::parse("8010-9000").unwrap()));
        assert!(!r.overlaps(PortRange::parse("8011").unwrap()));
    }
}
