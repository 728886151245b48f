//! The DDNS engine's clock: the wall clock read once, when the driver starts, then moved
//! on by the monotonic clock only.
//!
//! Pure (the caller reads both clocks and passes them in). Why: the engine's timers
//! (retries, `force_interval`, echo checks) are absolute times; fed the wall clock, a
//! step back of a year (an RTC-less router before NTP, `date -s`) made a retry due in a
//! minute due in a year and a minute (issue 10 item 10). On this clock a minute stays a
//! minute. Engine times are wall times as of the start; where a time leaves the daemon
//! (state files, status, the loop's wake-up), [`EngineClock::step`] moves it by the
//! wall clock's steps since, so it reads as a wall time again. TSIG signing reads the
//! wall clock itself: the server compares against real time.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::ddns::engine::Persisted;

#[derive(Clone, Copy, Debug)]
pub struct EngineClock {
    /// The wall clock at the start, to the nanosecond (so that engine seconds tick with
    /// the wall clock's seconds while it is not stepped).
    wall0: Duration,
    mono0: Instant,
}

/// Milliseconds since the epoch (negative before it): i64 holds 292 million years.
fn unix_millis(t: SystemTime) -> i64 {
    let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => ms(d),
        Err(e) => -ms(e.duration()),
    }
}

impl EngineClock {
    pub fn new(wall: SystemTime, mono: Instant) -> EngineClock {
        EngineClock { wall0: wall.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO), mono0: mono }
    }

    fn at(&self, mono: Instant) -> Duration {
        self.wall0.saturating_add(mono.saturating_duration_since(self.mono0))
    }

    /// Engine time (Unix seconds as of the start, plus monotonic time since).
    pub fn now(&self, mono: Instant) -> u64 {
        self.at(mono).as_secs()
    }

    /// Engine time rounded up: the time to stamp a provider's answer with. A wait it asks
    /// for (Retry-After, No-IP's 30 minutes after `911`) counts from the answer (RFC 9110
    /// §10.2.3); counted from the truncated second, the retry could come up to a second
    /// early.
    pub fn now_ceil(&self, mono: Instant) -> u64 {
        let d = self.at(mono);
        d.as_secs() + u64::from(d.subsec_nanos() > 0)
    }

    /// How far the wall clock has been stepped since the start, in whole seconds
    /// (negative: back): add it to an engine time to get the wall time it stands for.
    pub fn step(&self, wall: SystemTime, mono: Instant) -> i64 {
        let ms = unix_millis(wall).saturating_sub(i64::try_from(self.at(mono).as_millis()).unwrap_or(i64::MAX));
        ms.saturating_add(ms.signum() * 500) / 1000
    }
}

/// Engine time `t` as a wall time, given the [`EngineClock::step`].
pub fn to_wall(t: u64, step: i64) -> u64 {
    t.saturating_add_signed(step)
}

/// A host's state with its engine times as wall times, for the state file.
pub fn persisted_as_wall(p: &Persisted, step: i64) -> Persisted {
    let w = |t: Option<u64>| t.map(|t| to_wall(t, step));
    Persisted {
        confirmed_at: w(p.confirmed_at),
        last_attempt: w(p.last_attempt),
        last_success: w(p.last_success),
        retry_at: w(p.retry_at),
        ..p.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ddns::Outcome;
    use crate::ddns::engine::{Action, Addrs, Engine, Event, HostPolicy, Lookup};

    const YEAR: Duration = Duration::from_secs(365 * 86400);

    fn updates(actions: &[Action]) -> usize {
        actions.iter().filter(|a| matches!(a, Action::Update { .. })).count()
    }

    #[test]
    fn answers_are_stamped_with_the_next_whole_second() {
        let (wall0, mono0) = (UNIX_EPOCH + Duration::from_millis(1_000_700), Instant::now());
        let c = EngineClock::new(wall0, mono0);
        assert_eq!((c.now(mono0), c.now_ceil(mono0)), (1000, 1001));
        let whole = mono0 + Duration::from_millis(300);
        assert_eq!((c.now(whole), c.now_ceil(whole)), (1001, 1001));
    }

    fn persisted(actions: &[Action]) -> Option<Persisted> {
        actions.iter().find_map(|a| if let Action::Persist { state, .. } = a { Some(state.clone()) } else { None })
    }

    /// Fake time throughout: `Instant`s and `SystemTime`s made by adding durations, no
    /// sleeping.
    #[test]
    fn a_wall_clock_stepped_back_a_year_does_not_stretch_a_retry() {
        let (wall0, mono0) = (UNIX_EPOCH + Duration::from_secs(1_700_000_000), Instant::now());
        let clock = EngineClock::new(wall0, mono0);
        let policy = HostPolicy {
            label: "home".into(),
            fingerprint: 1,
            force_interval: 0,
            retry_interval: 60,
            lookup: Lookup::None,
            names: vec!["home.example.org".into()],
        };
        let mut e = Engine::new(vec![policy], vec![None], clock.now(mono0));
        let t0 = clock.now(mono0);
        assert_eq!(t0, 1_700_000_000);
        e.start(t0);
        let a = Addrs { v4: Some("198.51.100.7".parse().unwrap()), v6: None };
        assert_eq!(updates(&e.handle(Event::Wanted { host: 0, addrs: a }, t0)), 1);
        let done = Event::Finished { host: 0, sent: a, outcome: Outcome::Retry { after: None, reason: "503".into() } };
        let saved = persisted(&e.handle(done, t0)).unwrap();
        assert_eq!(saved.retry_at, Some(t0 + 60));

        // Ten seconds later the wall clock is stepped back a year.
        let (mono, wall) = (mono0 + Duration::from_secs(10), wall0 + Duration::from_secs(10) - YEAR);
        let step = clock.step(wall, mono);
        assert_eq!(step, -(YEAR.as_secs() as i64));
        // The loop sleeps until the wake-up, as a wall time, minus the wall clock now: 50 s.
        let wake = to_wall(e.next_deadline().unwrap(), step);
        assert_eq!(wake as i64 - unix_millis(wall) / 1000, 50);
        // 61 s after the failure on the monotonic clock, the retry goes out...
        let mut old = e.clone();
        assert_eq!(updates(&e.tick(clock.now(mono0 + Duration::from_secs(61)))), 1);
        // ...where the wall clock, as the engine was fed before, still had a year to wait.
        let wall_61 = (wall0 + Duration::from_secs(61) - YEAR).duration_since(UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(updates(&old.tick(wall_61)), 0);

        // The state file holds wall times: after a restart on the stepped clock, the
        // retry is still at most its 60 s away.
        let as_wall = persisted_as_wall(&saved, step);
        assert_eq!(as_wall.retry_at, Some(t0 + 60 - YEAR.as_secs()));
        assert_eq!(as_wall.fingerprint, saved.fingerprint);
    }

    #[test]
    fn steps_forward_and_extremes() {
        let (wall0, mono0) = (UNIX_EPOCH + Duration::from_secs(1_000), Instant::now());
        let clock = EngineClock::new(wall0, mono0);
        // NTP fixes a clock that booted in 1970: the step is forward; engine time is not.
        let mono = mono0 + Duration::from_secs(5);
        let wall = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(clock.now(mono), 1_005);
        assert_eq!(to_wall(1_065, clock.step(wall, mono)), 1_700_000_060);
        // Not stepped: no step, even with the start and the readings mid-second.
        let clock = EngineClock::new(wall0 + Duration::from_millis(700), mono0);
        let later = Duration::from_millis(2_600);
        assert_eq!(clock.step(wall0 + Duration::from_millis(700) + later, mono0 + later), 0);
        assert_eq!(clock.now(mono0 + later), 1_003);
        // A clock before 1970 and an instant before the start do not panic.
        let before = EngineClock::new(UNIX_EPOCH - Duration::from_secs(10), mono0);
        assert_eq!(before.now(mono0), 0);
        assert_eq!(clock.now(mono0.checked_sub(Duration::from_secs(1)).unwrap_or(mono0)), 1_000);
        assert_eq!(to_wall(5, -10), 0);
    }
}
