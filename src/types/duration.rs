//! Durations as UCI writes them: `90s`, `10m`, `72h`, `2d`, or plain seconds.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// A whole number of seconds, at most 366 days (a larger value is a typo, not a policy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval(u64);

pub const MAX_SECS: u64 = 366 * 86_400;

/// Every unit spelling and its length in seconds (lower case; the empty unit is seconds).
/// `homeport schema` publishes this table, so LuCI accepts exactly these.
pub const UNITS: &[(&str, u64)] = &[
    ("", 1),
    ("s", 1),
    ("sec", 1),
    ("secs", 1),
    ("second", 1),
    ("seconds", 1),
    ("m", 60),
    ("min", 60),
    ("mins", 60),
    ("minute", 60),
    ("minutes", 60),
    ("h", 3600),
    ("hour", 3600),
    ("hours", 3600),
    ("d", 86_400),
    ("day", 86_400),
    ("days", 86_400),
];

/// At most this many digits before the unit.
pub const MAX_DIGITS: usize = 12;

impl Interval {
    pub const fn from_secs(s: u64) -> Interval {
        Interval(s)
    }

    pub fn secs(self) -> u64 {
        self.0
    }

    pub fn as_duration(self) -> Duration {
        Duration::from_secs(self.0)
    }

    /// Accepts `N`, `Ns`, `Nm`, `Nh`, `Nd` (also the long unit words ddns-scripts uses:
    /// `seconds`, `minutes`, `hours`, `days`), case-insensitive.
    pub fn parse(s: &str) -> Result<Interval, String> {
        let bad = || "is not a duration (like 90s, 10m, 72h, 2d, or seconds)".to_string();
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        if num.is_empty() || num.len() > MAX_DIGITS {
            return Err(bad());
        }
        let n: u64 = num.parse().map_err(|_| bad())?;
        let unit = unit.trim().to_ascii_lowercase();
        let mult = UNITS.iter().find(|(u, _)| *u == unit).map(|(_, m)| *m).ok_or_else(bad)?;
        let secs = n.checked_mul(mult).ok_or_else(bad)?;
        if secs > MAX_SECS {
            return Err("is longer than a year".to_string());
        }
        Ok(Interval(secs))
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        if s != 0 && s % 86_400 == 0 {
            write!(f, "{}d", s / 86_400)
        } else if s != 0 && s % 3600 == 0 {
            write!(f, "{}h", s / 3600)
        } else if s != 0 && s % 60 == 0 {
            write!(f, "{}m", s / 60)
        } else {
            write!(f, "{s}s")
        }
    }
}

impl Serialize for Interval {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        for (s, n) in [
            ("90", 90),
            ("90s", 90),
            ("10m", 600),
            ("72h", 259_200),
            ("2d", 172_800),
            ("5 minutes", 300),
            ("0", 0),
            ("1H", 3600),
        ] {
            assert_eq!(Interval::parse(s).unwrap().secs(), n, "{s}");
        }
        for bad in ["", "m", "-5", "1.5h", "10w", "99999999999999999999", "400d", "1 0"] {
            assert!(Interval::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Interval::from_secs(600).to_string(), "10m");
        assert_eq!(Interval::from_secs(90).to_string(), "90s");
    }
}
