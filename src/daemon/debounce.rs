//! Debounce: act once, `delay` after the last of a burst of changes.
//!
//! Pure (time is passed in). A flapping link produces hundreds of events a second; each
//! one pushes the deadline out, so the engine sees one change with the final state. A
//! ceiling (`max_wait`) keeps an endless storm from postponing action forever. A delay of
//! zero acts at the next loop turn.

use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Debouncer {
    delay: Duration,
    max_wait: Duration,
    /// First and latest change of the pending burst.
    pending: Option<(Instant, Instant)>,
}

impl Debouncer {
    /// `max_wait` is the longest a continuous storm may delay action: ten delays, at
    /// least 5 s.
    pub fn new(delay: Duration) -> Debouncer {
        let max_wait = delay.saturating_mul(10).max(Duration::from_secs(5));
        Debouncer { delay, max_wait, pending: None }
    }

    pub fn set_delay(&mut self, delay: Duration) {
        *self = Debouncer { pending: self.pending, ..Debouncer::new(delay) };
    }

    /// Something changed at `now`.
    pub fn touch(&mut self, now: Instant) {
        self.pending = Some(match self.pending {
            Some((first, _)) => (first, now),
            None => (now, now),
        });
    }

    /// When to act, if anything is pending.
    pub fn deadline(&self) -> Option<Instant> {
        self.pending.map(|(first, last)| (last + self.delay).min(first + self.max_wait))
    }

    /// True (and cleared) when the pending burst is due at `now`.
    pub fn fire(&mut self, now: Instant) -> bool {
        match self.deadline() {
            Some(d) if d <= now => {
                self.pending = None;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_burst_fires_once_after_the_last_change() {
        let t0 = Instant::now();
        let mut d = Debouncer::new(2000 * MS);
        assert!(!d.fire(t0));
        for i in 0..300 {
            d.touch(t0 + i * 3 * MS);
            assert!(!d.fire(t0 + i * 3 * MS));
        }
        let last = t0 + 299 * 3 * MS;
        assert_eq!(d.deadline(), Some(last + 2000 * MS));
        assert!(!d.fire(last + 1999 * MS));
        assert!(d.fire(last + 2000 * MS));
        assert!(!d.fire(last + 5000 * MS), "fires once");
        assert_eq!(d.deadline(), None);
    }

    #[test]
    fn zero_delay_fires_at_once() {
        let t0 = Instant::now();
        let mut d = Debouncer::new(Duration::ZERO);
        d.touch(t0);
        assert!(d.fire(t0));
    }

    #[test]
    fn an_endless_storm_still_fires_at_the_ceiling() {
        let t0 = Instant::now();
        let mut d = Debouncer::new(1000 * MS);
        let mut fired = None;
        for i in 0..20_000 {
            let now = t0 + i * MS;
            d.touch(now);
            if d.fire(now) {
                fired = Some(i);
                break;
            }
        }
        assert_eq!(fired, Some(10_000), "ten delays after the first change");
    }
}
