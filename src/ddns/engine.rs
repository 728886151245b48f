//! The update policy: when to look up, update, retry, wait or stop, for every host.
//!
//! Pure and sans-IO: events and the current time (Unix seconds) go in, [`Action`]s come
//! out; the caller performs them (look up what is registered, run a provider exchange,
//! write the state file, log) and reports back with more events. Tests drive it with a
//! fake clock.
//!
//! Policy:
//! - update when the address a host should publish differs from the one registered, or
//!   when `force_interval` has passed since the last success (0 = never force);
//! - what is registered is known per name: at start from the persisted state; without
//!   one (or when the configuration changed since), from a lookup of every name, so a
//!   restart sends nothing when nothing changed, and a name whose address is unknown or
//!   different is always sent (an update carries only the names that need it, unless it
//!   is forced or periodic);
//! - a provider's `Retry-After` on a lookup holds back the lookup and the update alike,
//!   and is persisted, so no later run asks early;
//! - a transient failure waits `retry_interval`, doubling per failure up to
//!   [`RETRY_CAP`], and never less than the provider asked (`Retry-After`, No-IP's 911);
//! - a fatal answer stops the host until its configuration changes (a new fingerprint)
//!   or the user forces an update;
//! - one exchange per host at a time.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::ddns::Outcome;
use crate::status::HostStatus;

/// Longest wait between retries of a transient failure (ours; a provider may ask for more).
pub const RETRY_CAP: u64 = 3600;
/// Shortest first retry, whatever `retry_interval` says: faster retries only earn bans.
pub const RETRY_MIN: u64 = 30;
/// Longest wait a provider's `Retry-After` is honoured for; beyond it, a clock error or a
/// typo is more likely than a real instruction.
pub const RETRY_AFTER_MAX: u64 = 24 * 3600;

/// Index of a host in the list given to [`Engine::new`].
pub type HostId = usize;

/// The addresses a host publishes (or that are registered); `None` = that family is not
/// published (or not known).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addrs {
    pub v4: Option<Ipv4Addr>,
    pub v6: Option<Ipv6Addr>,
}

impl Addrs {
    pub fn is_empty(&self) -> bool {
        self.v4.is_none() && self.v6.is_none()
    }

    /// Whether `registered` already holds every address in `self`.
    fn covered_by(&self, registered: &Addrs) -> bool {
        (self.v4.is_none() || self.v4 == registered.v4) && (self.v6.is_none() || self.v6 == registered.v6)
    }
}

impl std::fmt::Display for Addrs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.v4, self.v6) {
            (Some(a), Some(b)) => write!(f, "{a} and {b}"),
            (Some(a), None) => write!(f, "{a}"),
            (None, Some(b)) => write!(f, "{b}"),
            (None, None) => f.write_str("no address"),
        }
    }
}

/// How a host learns what is registered when there is no persisted state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Ask DNS (`lookup_host`, via `dns_server` or the system resolver).
    Dns,
    /// Ask the provider's API (Cloudflare).
    Api,
    /// No way to know: the first run sends one update.
    None,
}

/// What the engine needs to know about one configured host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPolicy {
    /// Words naming the host in log lines (its first domain, or the section).
    pub label: String,
    /// Changes whenever the host's configuration does (see `state::fingerprint`).
    pub fingerprint: u64,
    pub force_interval: u64,
    pub retry_interval: u64,
    pub lookup: Lookup,
    /// The names the host publishes (its `domain`s), each with its own registered state.
    pub names: Vec<String>,
}

/// What survives a restart, one per host (`<state-dir>/ddns-<section>.json`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Persisted {
    pub fingerprint: u64,
    /// What every name holds, when they all hold the same (derived from `names`).
    pub registered: Option<Addrs>,
    /// What each name is known to hold (from a lookup or a confirmed update).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<(String, Addrs)>,
    /// When the registered addresses were last confirmed (an update, or a lookup).
    pub confirmed_at: Option<u64>,
    pub last_attempt: Option<u64>,
    pub last_success: Option<u64>,
    pub last_result: Option<String>,
    pub failures: u32,
    pub retry_at: Option<u64>,
    pub stopped: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The addresses the host should publish now, already chosen and filtered (only
    /// publishable addresses, only wanted families). Send it at start and whenever it
    /// may have changed; repeating an unchanged value is harmless.
    Wanted { host: HostId, addrs: Addrs },
    /// Answer to [`Action::Lookup`]: what each name that could be looked up holds (a
    /// name left out is unknown, and will be sent).
    Registered { host: HostId, names: Vec<(String, Addrs)> },
    /// Nothing could be learnt; `after`: the provider asked to wait that long (seconds).
    LookupFailed { host: HostId, reason: String, after: Option<u64> },
    /// Part of an update that ended in a failure did succeed: these names now hold
    /// `sent` (deSEC answers per domain). Send before the `Finished` it belongs to.
    Confirmed { host: HostId, names: Vec<String>, sent: Addrs },
    /// Answer to [`Action::Update`]: what the provider said about `sent`.
    Finished { host: HostId, sent: Addrs, outcome: Outcome },
    /// The user asks for an update now even if nothing changed (`update --force`); it
    /// also lifts a fatal stop and a backoff.
    Force { host: HostId },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
    Info,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Find out what the provider holds for the host; answer with `Registered` or
    /// `LookupFailed`.
    Lookup { host: HostId, how: Lookup },
    /// Run the host's provider exchange for `addrs`, for `names` only (the host's names
    /// that need it, or all of them); answer with `Finished`.
    Update { host: HostId, addrs: Addrs, names: Vec<String> },
    /// Write the host's state (atomically).
    Persist { host: HostId, state: Persisted },
    /// One log line.
    Log { host: HostId, level: Level, message: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting to ask what is registered.
    NeedLookup,
    LookingUp,
    Ready,
    Updating,
    Stopped,
}

#[derive(Clone, Debug)]
struct Host {
    policy: HostPolicy,
    phase: Phase,
    wanted: Option<Addrs>,
    forced: bool,
    /// The names the update in flight carries.
    sending: Vec<String>,
    st: Persisted,
}

#[derive(Clone, Debug)]
pub struct Engine {
    hosts: Vec<Host>,
}

impl Engine {
    /// `persisted[i]` is host i's state file, if one was read. Call [`Engine::start`]
    /// next.
    pub fn new(policies: Vec<HostPolicy>, mut persisted: Vec<Option<Persisted>>, now: u64) -> Engine {
        persisted.resize(policies.len(), None);
        let hosts = policies
            .into_iter()
            .zip(persisted)
            .map(|(mut policy, p)| {
                // Every host publishes at least one name (its label stands in).
                if policy.names.is_empty() {
                    policy.names.push(policy.label.clone());
                }
                // State written under another configuration says nothing about this one.
                let st = p.filter(|p| p.fingerprint == policy.fingerprint).map(|p| sane(p, now));
                let all_known = |p: &Persisted| policy.names.iter().all(|n| held(&p.names, n).is_some());
                let phase = match &st {
                    Some(p) if p.stopped.is_some() => Phase::Stopped,
                    Some(p) if all_known(p) => Phase::Ready,
                    _ if policy.lookup == Lookup::None => Phase::Ready,
                    _ => Phase::NeedLookup,
                };
                let st = st.unwrap_or(Persisted { fingerprint: policy.fingerprint, ..Persisted::default() });
                Host { policy, phase, wanted: None, forced: false, sending: Vec::new(), st }
            })
            .collect();
        Engine { hosts }
    }

    /// The first actions: lookups for hosts without usable state.
    pub fn start(&mut self, now: u64) -> Vec<Action> {
        let mut out = Vec::new();
        for id in 0..self.hosts.len() {
            self.advance(id, now, &mut out);
        }
        out
    }

    pub fn handle(&mut self, ev: Event, now: u64) -> Vec<Action> {
        let mut out = Vec::new();
        let id = match &ev {
            Event::Wanted { host, .. }
            | Event::Registered { host, .. }
            | Event::LookupFailed { host, .. }
            | Event::Confirmed { host, .. }
            | Event::Finished { host, .. }
            | Event::Force { host } => *host,
        };
        let Some(h) = self.hosts.get_mut(id) else { return out };
        match ev {
            Event::Wanted { addrs, .. } => h.wanted = Some(addrs),
            Event::Registered { names, .. } if h.phase == Phase::LookingUp => {
                let label = h.policy.label.clone();
                h.st.names.clear();
                for (name, addrs) in names.into_iter().filter(|(n, _)| h.policy.names.contains(n)) {
                    out.push(log(id, Level::Info, format!("{label}: {name} holds {addrs}")));
                    h.st.names.push((name, addrs));
                }
                // Unknown is not "different", but it cannot be shown equal either: one
                // update settles it.
                for n in h.policy.names.iter().filter(|n| held(&h.st.names, n).is_none()) {
                    out.push(log(id, Level::Notice, format!("{label}: what {n} holds is unknown; will update it")));
                }
                h.st.registered = common(&h.policy.names, &h.st.names);
                h.st.confirmed_at = Some(now);
                h.phase = Phase::Ready;
                out.push(Action::Persist { host: id, state: h.st.clone() });
            }
            Event::LookupFailed { reason, after, .. } if h.phase == Phase::LookingUp => {
                h.phase = Phase::Ready;
                match after {
                    // The provider asked for quiet: no update either until then, and a
                    // later run must know it too.
                    Some(secs) => {
                        h.phase = Phase::NeedLookup;
                        h.st.failures = h.st.failures.saturating_add(1);
                        let wait = backoff(h.policy.retry_interval, h.st.failures, Some(secs));
                        h.st.retry_at = Some(now.saturating_add(wait));
                        h.st.last_result = Some(reason.clone());
                        out.push(log(
                            id,
                            Level::Warning,
                            format!(
                                "{}: could not learn the registered address ({reason}); asking again in {}",
                                h.policy.label,
                                words(wait)
                            ),
                        ));
                        out.push(Action::Persist { host: id, state: h.st.clone() });
                    }
                    None => out.push(log(
                        id,
                        Level::Notice,
                        format!("{}: could not learn the registered address ({reason}); will update", h.policy.label),
                    )),
                }
            }
            Event::Confirmed { names, sent, .. } if h.phase == Phase::Updating => {
                for n in names.into_iter().filter(|n| h.policy.names.contains(n)) {
                    hold(&mut h.st.names, n, sent);
                }
                h.st.registered = common(&h.policy.names, &h.st.names);
            }
            Event::Finished { sent, outcome, .. } if h.phase == Phase::Updating => {
                finished(id, h, sent, outcome, now, &mut out);
            }
            Event::Force { .. } => {
                h.forced = true;
                h.st.retry_at = None;
                if h.phase == Phase::Stopped {
                    h.st.stopped = None;
                    h.st.failures = 0;
                    h.phase = Phase::Ready;
                }
            }
            // Late answers to something no longer asked: ignore.
            Event::Registered { .. }
            | Event::LookupFailed { .. }
            | Event::Confirmed { .. }
            | Event::Finished { .. } => {}
        }
        self.advance(id, now, &mut out);
        out
    }

    /// Timers: retries and forced refreshes that have come due.
    pub fn tick(&mut self, now: u64) -> Vec<Action> {
        self.start(now)
    }

    /// When [`Engine::tick`] next has something to do, if ever (without new events).
    pub fn next_deadline(&self) -> Option<u64> {
        self.hosts.iter().filter_map(|h| h.due_at()).min()
    }

    /// The engine's part of the host's status (state, addresses, times, result).
    pub fn fill_status(&self, id: HostId, now: u64, s: &mut HostStatus) {
        let Some(h) = self.hosts.get(id) else { return };
        let wanted = h.wanted.unwrap_or_default();
        let reg = h.st.registered.unwrap_or_default();
        s.wanted_ipv4 = wanted.v4;
        s.wanted_ipv6 = wanted.v6;
        s.registered_ipv4 = reg.v4;
        s.registered_ipv6 = reg.v6;
        s.last_attempt = h.st.last_attempt;
        s.last_success = h.st.last_success;
        s.last_result = h.st.last_result.clone();
        s.error = h.st.stopped.clone();
        let (state, next) = match h.phase {
            Phase::Stopped => ("stopped", None),
            _ if h.wanted.is_some_and(|w| w.is_empty()) => ("blocked", None),
            _ if h.st.retry_at.is_some_and(|t| t > now) => ("backoff", Some(("retry", h.st.retry_at))),
            Phase::Ready if h.st.registered.is_some() && h.wanted.is_some_and(|w| w.covered_by(&reg)) => {
                ("ok", h.force_at().map(|t| ("force update", Some(t))))
            }
            _ => ("pending", None),
        };
        s.state = state.into();
        s.next_action = next.map(|(a, _)| a.to_string());
        s.next_at = next.and_then(|(_, t)| t);
    }

    pub fn persisted(&self, id: HostId) -> Option<&Persisted> {
        self.hosts.get(id).map(|h| &h.st)
    }

    fn advance(&mut self, id: HostId, now: u64, out: &mut Vec<Action>) {
        let Some(h) = self.hosts.get_mut(id) else { return };
        match h.phase {
            Phase::NeedLookup => {
                if h.st.retry_at.is_some_and(|t| t > now) {
                    return;
                }
                h.phase = Phase::LookingUp;
                out.push(Action::Lookup { host: id, how: h.policy.lookup });
            }
            Phase::Ready => {
                let Some(wanted) = h.wanted.filter(|w| !w.is_empty()) else { return };
                if h.st.retry_at.is_some_and(|t| t > now) {
                    return;
                }
                let pending: Vec<String> = h
                    .policy
                    .names
                    .iter()
                    .filter(|n| held(&h.st.names, n).is_none_or(|r| !wanted.covered_by(r)))
                    .cloned()
                    .collect();
                let changed = !pending.is_empty();
                let force_due = h.force_at().is_some_and(|t| t <= now);
                if !(changed || force_due || h.forced) {
                    return;
                }
                // A forced or periodic update refreshes every name; a change only the
                // names that do not hold the address yet.
                let names = if force_due || h.forced { h.policy.names.clone() } else { pending };
                let why = if changed {
                    format!("address changed to {wanted}")
                } else if h.forced {
                    "update forced".to_string()
                } else {
                    "periodic refresh (force_interval)".to_string()
                };
                let which =
                    if names.len() < h.policy.names.len() { format!(" {}", names.join(", ")) } else { String::new() };
                out.push(log(id, Level::Info, format!("{}: updating{which} ({why})", h.policy.label)));
                h.forced = false;
                h.phase = Phase::Updating;
                h.st.last_attempt = Some(now);
                h.sending = names.clone();
                out.push(Action::Update { host: id, addrs: wanted, names });
            }
            Phase::LookingUp | Phase::Updating | Phase::Stopped => {}
        }
    }
}

impl Host {
    fn force_at(&self) -> Option<u64> {
        if self.policy.force_interval == 0 {
            return None;
        }
        self.st.confirmed_at.map(|t| t.saturating_add(self.policy.force_interval))
    }

    fn due_at(&self) -> Option<u64> {
        match self.phase {
            Phase::NeedLookup => self.st.retry_at,
            Phase::Ready if self.wanted.is_some_and(|w| !w.is_empty()) => {
                [self.st.retry_at, self.force_at()].into_iter().flatten().min()
            }
            _ => None,
        }
    }
}

fn log(host: HostId, level: Level, message: String) -> Action {
    Action::Log { host, level, message }
}

/// The wait before retry number `failures` (1-based): `retry_interval` doubled per
/// earlier failure, capped, but never shorter than the provider asked.
pub fn backoff(retry_interval: u64, failures: u32, provider_asked: Option<u64>) -> u64 {
    let base = retry_interval.max(RETRY_MIN);
    let doubled = base.saturating_mul(1u64.checked_shl(failures.saturating_sub(1)).unwrap_or(u64::MAX));
    let ours = doubled.min(RETRY_CAP.max(base));
    ours.max(provider_asked.unwrap_or(0).min(RETRY_AFTER_MAX))
}

/// What `name` is known to hold.
fn held<'a>(known: &'a [(String, Addrs)], name: &str) -> Option<&'a Addrs> {
    known.iter().find(|(n, _)| n == name).map(|(_, a)| a)
}

/// Records that `name` now holds `sent` (the families sent; others as they were).
fn hold(known: &mut Vec<(String, Addrs)>, name: String, sent: Addrs) {
    let i = match known.iter().position(|(n, _)| *n == name) {
        Some(i) => i,
        None => {
            known.push((name, Addrs::default()));
            known.len() - 1
        }
    };
    if let Some((_, reg)) = known.get_mut(i) {
        reg.v4 = sent.v4.or(reg.v4);
        reg.v6 = sent.v6.or(reg.v6);
    }
}

/// What every one of `names` holds, when they all hold the same and it is known.
fn common(names: &[String], known: &[(String, Addrs)]) -> Option<Addrs> {
    let mut it = names.iter().map(|n| held(known, n));
    let first = it.next().flatten().copied()?;
    it.all(|a| a == Some(&first)).then_some(first)
}

fn finished(id: HostId, h: &mut Host, sent: Addrs, outcome: Outcome, now: u64, out: &mut Vec<Action>) {
    let names = std::mem::take(&mut h.sending);
    h.phase = Phase::Ready;
    // A force asked for while this exchange ran is answered by it.
    h.forced = false;
    let label = h.policy.label.clone();
    match outcome {
        Outcome::Updated { detail } | Outcome::Unchanged { detail } => {
            for n in names {
                hold(&mut h.st.names, n, sent);
            }
            h.st.registered = common(&h.policy.names, &h.st.names);
            h.st.confirmed_at = Some(now);
            h.st.last_success = Some(now);
            h.st.failures = 0;
            h.st.retry_at = None;
            h.st.last_result = Some(detail.clone());
            let level = if detail.contains(crate::ddns::REPORTS_OTHER) { Level::Warning } else { Level::Notice };
            out.push(log(id, level, format!("{label}: {sent} is registered ({detail})")));
        }
        Outcome::Retry { after, reason } => {
            h.st.failures = h.st.failures.saturating_add(1);
            let wait = backoff(h.policy.retry_interval, h.st.failures, after.map(|d| d.as_secs()));
            h.st.retry_at = Some(now.saturating_add(wait));
            h.st.last_result = Some(reason.clone());
            out.push(log(
                id,
                Level::Warning,
                format!("{label}: update failed ({reason}); retry {} in {}", h.st.failures, words(wait)),
            ));
        }
        Outcome::Fatal { reason } => {
            h.phase = Phase::Stopped;
            h.st.stopped = Some(reason.clone());
            h.st.retry_at = None;
            h.st.last_result = Some(reason.clone());
            out.push(log(
                id,
                Level::Error,
                format!("{label}: {reason}; no more updates for this host until its configuration changes"),
            ));
        }
    }
    out.push(Action::Persist { host: id, state: h.st.clone() });
}

/// Keeps times from a state file within reason: a router without a real-time clock may
/// boot with a clock behind the one that wrote the file, and a clock may be stepped back.
fn sane(mut p: Persisted, now: u64) -> Persisted {
    // An attempt "in the future" means the clock went back since: the retry keeps the
    // wait it was given, counted from now, rather than the date it had on the old clock
    // (issue 10 item 10: a year back must not mean a year, or a day, of waiting).
    if let (Some(retry), Some(attempt)) = (p.retry_at, p.last_attempt)
        && attempt > now
    {
        p.retry_at = Some(now.saturating_add(retry.saturating_sub(attempt)));
    }
    p.confirmed_at = p.confirmed_at.map(|t| t.min(now));
    p.last_success = p.last_success.map(|t| t.min(now));
    p.last_attempt = p.last_attempt.map(|t| t.min(now));
    p.retry_at = p.retry_at.map(|t| t.min(now.saturating_add(RETRY_AFTER_MAX)));
    p
}

/// `90s`, `4m`, `2h`: for log lines.
pub fn words(secs: u64) -> String {
    crate::types::Interval::from_secs(secs).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const T0: u64 = 1_700_000_000;

    fn policy(lookup: Lookup) -> HostPolicy {
        HostPolicy {
            label: "home.example.org".into(),
            fingerprint: 7,
            force_interval: 72 * 3600,
            retry_interval: 60,
            lookup,
            names: vec!["home.example.org".into()],
        }
    }

    fn a4(s: &str) -> Addrs {
        Addrs { v4: Some(s.parse().unwrap()), v6: None }
    }

    fn updates(actions: &[Action]) -> Vec<Addrs> {
        actions.iter().filter_map(|a| if let Action::Update { addrs, .. } = a { Some(*addrs) } else { None }).collect()
    }

    fn lookups(actions: &[Action]) -> usize {
        actions.iter().filter(|a| matches!(a, Action::Lookup { .. })).count()
    }

    fn persisted(actions: &[Action]) -> Option<Persisted> {
        actions
            .iter()
            .rev()
            .find_map(|a| if let Action::Persist { state, .. } = a { Some(state.clone()) } else { None })
    }

    fn retry(after: Option<u64>) -> Outcome {
        Outcome::Retry { after: after.map(Duration::from_secs), reason: "HTTP 503".into() }
    }

    fn good() -> Outcome {
        Outcome::Updated { detail: "good".into() }
    }

    /// An engine whose one host has `addr` registered and wanted, at rest.
    fn settled(addr: &str) -> Engine {
        let mut e = Engine::new(vec![policy(Lookup::None)], vec![], T0);
        e.start(T0);
        let acts = e.handle(Event::Wanted { host: 0, addrs: a4(addr) }, T0);
        assert_eq!(updates(&acts), vec![a4(addr)]);
        e.handle(Event::Finished { host: 0, sent: a4(addr), outcome: good() }, T0 + 1);
        e
    }

    #[test]
    fn nothing_sent_when_unchanged() {
        let mut e = settled("81.2.69.160");
        for t in 0..100 {
            let now = T0 + 10 + t * 600;
            assert!(updates(&e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, now)).is_empty());
            assert!(updates(&e.tick(now)).is_empty());
        }
        let acts = e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.161") }, T0 + 70_000);
        assert_eq!(updates(&acts), vec![a4("81.2.69.161")]);
    }

    #[test]
    fn force_interval() {
        let mut e = settled("81.2.69.160");
        assert_eq!(e.next_deadline(), Some(T0 + 1 + 72 * 3600));
        assert!(updates(&e.tick(T0 + 72 * 3600)).is_empty());
        assert_eq!(updates(&e.tick(T0 + 1 + 72 * 3600)), vec![a4("81.2.69.160")]);
        // force_interval 0: never.
        let mut p = policy(Lookup::None);
        p.force_interval = 0;
        let mut e = Engine::new(vec![p], vec![], T0);
        e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, T0);
        e.handle(Event::Finished { host: 0, sent: a4("81.2.69.160"), outcome: good() }, T0);
        assert_eq!(e.next_deadline(), None);
        assert!(updates(&e.tick(T0 + 400 * 86_400)).is_empty());
    }

    #[test]
    fn backoff_sequence_and_cap() {
        let waits: Vec<u64> = (1..=9).map(|n| backoff(60, n, None)).collect();
        assert_eq!(waits, vec![60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(backoff(5, 1, None), RETRY_MIN);
        assert_eq!(backoff(60, 1, Some(1800)), 1800);
        assert_eq!(backoff(60, 7, Some(600)), 3600);
        assert_eq!(backoff(60, 1, Some(10 * 86_400)), RETRY_AFTER_MAX);
        assert_eq!(backoff(60, u32::MAX, None), 3600);

        // The same sequence through the engine.
        let mut e = Engine::new(vec![policy(Lookup::None)], vec![], T0);
        let mut now = T0;
        let mut acts = e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, now);
        let mut seen = Vec::new();
        for _ in 0..9 {
            assert_eq!(updates(&acts).len(), 1);
            e.handle(Event::Finished { host: 0, sent: a4("81.2.69.160"), outcome: retry(None) }, now);
            let next = e.next_deadline().unwrap();
            seen.push(next - now);
            assert!(updates(&e.tick(next - 1)).is_empty(), "no retry before its time");
            now = next;
            acts = e.tick(now);
        }
        assert_eq!(seen, vec![60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        // Success resets the sequence.
        e.handle(Event::Finished { host: 0, sent: a4("81.2.69.160"), outcome: good() }, now);
        e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.161") }, now + 10);
        e.handle(Event::Finished { host: 0, sent: a4("81.2.69.161"), outcome: retry(None) }, now + 10);
        assert_eq!(e.next_deadline(), Some(now + 70));
    }

    #[test]
    fn retry_after_is_honoured() {
        let mut e = Engine::new(vec![policy(Lookup::None)], vec![], T0);
        e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, T0);
        e.handle(Event::Finished { host: 0, sent: a4("81.2.69.160"), outcome: retry(Some(1800)) }, T0);
        assert_eq!(e.next_deadline(), Some(T0 + 1800));
        // A new address does not jump the queue.
        assert!(updates(&e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.161") }, T0 + 60)).is_empty());
        assert!(updates(&e.tick(T0 + 1799)).is_empty());
        assert_eq!(updates(&e.tick(T0 + 1800)), vec![a4("81.2.69.161")]);
    }

    #[test]
    fn fatal_stops_until_config_changes() {
        let mut e = Engine::new(vec![policy(Lookup::None)], vec![], T0);
        e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, T0);
        let acts = e.handle(
            Event::Finished { host: 0, sent: a4("81.2.69.160"), outcome: Outcome::Fatal { reason: "badauth".into() } },
            T0,
        );
        let p = persisted(&acts).unwrap();
        assert_eq!(p.stopped.as_deref(), Some("badauth"));
        assert!(acts.iter().any(|a| matches!(a, Action::Log { level: Level::Error, .. })));
        for t in 1..50 {
            let now = T0 + t * 3600;
            assert!(updates(&e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.161") }, now)).is_empty());
            assert!(updates(&e.tick(now)).is_empty());
        }
        assert_eq!(e.next_deadline(), None);
        let mut s = HostStatus::default();
        e.fill_status(0, T0, &mut s);
        assert_eq!((s.state.as_str(), s.error.as_deref()), ("stopped", Some("badauth")));

        // A restart with the same configuration stays stopped...
        let mut e2 = Engine::new(vec![policy(Lookup::Dns)], vec![Some(p.clone())], T0 + 10);
        assert!(e2.start(T0 + 10).is_empty());
        assert!(updates(&e2.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.161") }, T0 + 10)).is_empty());
        // ...a changed configuration starts afresh...
        let mut changed = policy(Lookup::None);
        changed.fingerprint = 8;
        let mut e3 = Engine::new(vec![changed], vec![Some(p)], T0 + 10);
        e3.start(T0 + 10);
        assert_eq!(updates(&e3.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.161") }, T0 + 10)).len(), 1);
        // ...and so does an explicit force.
        assert_eq!(updates(&e.handle(Event::Force { host: 0 }, T0 + 99_999)).len(), 1);
    }

    #[test]
    fn restart_sends_no_redundant_update() {
        let e = settled("81.2.69.160");
        let state = e.persisted(0).cloned();
        // Persisted state says what is registered: no lookup, no update.
        let mut e2 = Engine::new(vec![policy(Lookup::Dns)], vec![state], T0 + 500);
        assert!(e2.start(T0 + 500).is_empty());
        assert!(updates(&e2.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, T0 + 500)).is_empty());

        // No state (tmpfs after reboot): a lookup first, and nothing sent when it agrees.
        let mut e3 = Engine::new(vec![policy(Lookup::Dns)], vec![None], T0);
        let acts = e3.start(T0);
        assert_eq!(lookups(&acts), 1);
        assert!(updates(&e3.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, T0)).is_empty());
        let acts = e3
            .handle(Event::Registered { host: 0, names: vec![("home.example.org".into(), a4("81.2.69.160"))] }, T0 + 1);
        assert!(updates(&acts).is_empty());
        // ...and one update when it disagrees or cannot tell.
        let mut e4 = Engine::new(vec![policy(Lookup::Api)], vec![None], T0);
        e4.start(T0);
        e4.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, T0);
        let acts = e4.handle(Event::LookupFailed { host: 0, reason: "timeout".into(), after: None }, T0 + 1);
        assert_eq!(updates(&acts).len(), 1);
    }

    #[test]
    fn one_exchange_at_a_time_and_blocked_hosts() {
        let mut e = Engine::new(vec![policy(Lookup::None)], vec![], T0);
        assert_eq!(updates(&e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, T0)).len(), 1);
        assert!(updates(&e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.161") }, T0 + 1)).is_empty());
        assert!(updates(&e.handle(Event::Force { host: 0 }, T0 + 2)).is_empty());
        // When the first finishes, the newer address goes out.
        let acts = e.handle(Event::Finished { host: 0, sent: a4("81.2.69.160"), outcome: good() }, T0 + 3);
        assert_eq!(updates(&acts), vec![a4("81.2.69.161")]);
        // ...and once that is done, nothing more: the force was answered by an update.
        let acts = e.handle(Event::Finished { host: 0, sent: a4("81.2.69.161"), outcome: good() }, T0 + 4);
        assert!(updates(&acts).is_empty());
        // No publishable address: nothing sent, status says blocked.
        let mut e = Engine::new(vec![policy(Lookup::None)], vec![], T0);
        assert!(updates(&e.handle(Event::Wanted { host: 0, addrs: Addrs::default() }, T0)).is_empty());
        let mut s = HostStatus::default();
        e.fill_status(0, T0, &mut s);
        assert_eq!(s.state, "blocked");
        // Stale or unknown events are ignored.
        assert!(e.handle(Event::Wanted { host: 9, addrs: a4("81.2.69.160") }, T0).is_empty());
    }

    #[test]
    fn clock_behind_the_state_file() {
        let e = settled("81.2.69.160");
        let mut p = e.persisted(0).cloned().unwrap();
        p.retry_at = Some(T0 + 10 * 365 * 86_400);
        // Booted with the clock at the build date, a year before the file was written.
        let then = T0 - 365 * 86_400;
        let mut e2 = Engine::new(vec![policy(Lookup::None)], vec![Some(p)], then);
        e2.start(then);
        assert!(updates(&e2.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.161") }, then)).is_empty());
        assert_eq!(e2.next_deadline(), Some(then + RETRY_AFTER_MAX));
    }

    fn two_names(lookup: Lookup) -> HostPolicy {
        let mut p = policy(lookup);
        p.names = vec!["a.example.org".into(), "b.example.org".into()];
        p
    }

    fn update_names(actions: &[Action]) -> Vec<Vec<String>> {
        actions
            .iter()
            .filter_map(|a| if let Action::Update { names, .. } = a { Some(names.clone()) } else { None })
            .collect()
    }

    #[test]
    fn every_name_is_looked_up_and_a_stale_one_is_sent() {
        // Issue 11 item 1: the first name already holds the address, the second does not.
        let mut e = Engine::new(vec![two_names(Lookup::Dns)], vec![None], T0);
        assert_eq!(lookups(&e.start(T0)), 1);
        e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, T0);
        let acts = e.handle(
            Event::Registered {
                host: 0,
                names: vec![("a.example.org".into(), a4("81.2.69.160")), ("b.example.org".into(), a4("81.2.69.1"))],
            },
            T0 + 1,
        );
        assert_eq!(update_names(&acts), vec![vec!["b.example.org".to_string()]]);
        // The lookup's findings are kept per name.
        let p = persisted(&acts).unwrap();
        assert_eq!(held(&p.names, "a.example.org"), Some(&a4("81.2.69.160")));
        assert_eq!(p.registered, None, "the names disagree");
        let acts = e.handle(Event::Finished { host: 0, sent: a4("81.2.69.160"), outcome: good() }, T0 + 2);
        let p = persisted(&acts).unwrap();
        assert_eq!(p.registered, Some(a4("81.2.69.160")));
        // A restart with that state neither looks up nor sends.
        let mut e2 = Engine::new(vec![two_names(Lookup::Dns)], vec![Some(p)], T0 + 3);
        assert!(e2.start(T0 + 3).is_empty());
        assert!(updates(&e2.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, T0 + 3)).is_empty());

        // A name the lookup could not answer for is sent too.
        let mut e = Engine::new(vec![two_names(Lookup::Dns)], vec![None], T0);
        e.start(T0);
        e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, T0);
        let acts =
            e.handle(Event::Registered { host: 0, names: vec![("a.example.org".into(), a4("81.2.69.160"))] }, T0 + 1);
        assert_eq!(update_names(&acts), vec![vec!["b.example.org".to_string()]]);

        // A state file that knows only some of the names (written before this rule) is
        // not trusted: look up again.
        let old = Persisted { fingerprint: 7, registered: Some(a4("81.2.69.160")), ..Persisted::default() };
        let mut e = Engine::new(vec![two_names(Lookup::Dns)], vec![Some(old)], T0);
        assert_eq!(lookups(&e.start(T0)), 1);
    }

    #[test]
    fn a_partial_failure_retries_only_the_names_that_failed() {
        let mut e = Engine::new(vec![two_names(Lookup::None)], vec![], T0);
        let acts = e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, T0);
        assert_eq!(update_names(&acts), vec![vec!["a.example.org".to_string(), "b.example.org".to_string()]]);
        e.handle(Event::Confirmed { host: 0, names: vec!["b.example.org".into()], sent: a4("81.2.69.160") }, T0);
        e.handle(Event::Finished { host: 0, sent: a4("81.2.69.160"), outcome: retry(Some(120)) }, T0);
        assert!(updates(&e.tick(T0 + 119)).is_empty(), "Retry-After is kept");
        assert_eq!(update_names(&e.tick(T0 + 120)), vec![vec!["a.example.org".to_string()]]);
    }

    #[test]
    fn retry_after_on_a_lookup_holds_everything_and_is_persisted() {
        // Issue 11 item 10: a 429 on Cloudflare's read-back.
        let mut e = Engine::new(vec![policy(Lookup::Api)], vec![None], T0);
        e.start(T0);
        e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, T0);
        let acts = e.handle(Event::LookupFailed { host: 0, reason: "HTTP 429".into(), after: Some(600) }, T0);
        assert!(updates(&acts).is_empty(), "no update in the same pass");
        let p = persisted(&acts).expect("the wait is persisted");
        assert_eq!(p.retry_at, Some(T0 + 600));
        assert_eq!(e.next_deadline(), Some(T0 + 600));
        assert_eq!(lookups(&e.tick(T0 + 599)), 0);
        // A later run during the wait asks nothing.
        let mut e2 = Engine::new(vec![policy(Lookup::Api)], vec![Some(p)], T0 + 60);
        assert!(e2.start(T0 + 60).is_empty());
        assert!(
            e2.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, T0 + 60)
                .iter()
                .all(|a| !matches!(a, Action::Update { .. } | Action::Lookup { .. }))
        );
        assert_eq!(lookups(&e2.tick(T0 + 600)), 1);
    }

    /// Issue 10 item 10: a retry saved just before the clock stepped back a year waits
    /// the minute it was given, not a year, nor the day `RETRY_AFTER_MAX` allows.
    #[test]
    fn a_saved_retry_keeps_its_wait_after_the_clock_steps_back() {
        let mut e = Engine::new(vec![policy(Lookup::None)], vec![], T0);
        assert_eq!(updates(&e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, T0)).len(), 1);
        let done = Event::Finished { host: 0, sent: a4("81.2.69.160"), outcome: retry(None) };
        let p = persisted(&e.handle(done, T0 + 2)).unwrap();
        assert_eq!(p.retry_at, Some(T0 + 2 + 60));
        let then = T0 - 365 * 86_400;
        let mut e2 = Engine::new(vec![policy(Lookup::None)], vec![Some(p)], then);
        e2.start(then);
        assert!(updates(&e2.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, then)).is_empty());
        assert_eq!(e2.next_deadline(), Some(then + 62));
        assert_eq!(updates(&e2.tick(then + 62)).len(), 1);
    }

    /// The figure for the lead's note: a provider down for one hour (every answer a
    /// transient failure) costs this many requests; ddns-scripts' defaults (retry every
    /// 60 s, endless) send 60.
    #[test]
    fn one_hour_outage_request_count() {
        let mut e = Engine::new(vec![policy(Lookup::None)], vec![], T0);
        let outage_end = T0 + 3600;
        let mut sent_during_outage = 0;
        let mut now = T0;
        let mut pending = updates(&e.handle(Event::Wanted { host: 0, addrs: a4("81.2.69.160") }, now));
        let mut recovered_at = None;
        // Step a simulated clock second by second through two hours.
        while now < T0 + 7200 {
            for addrs in pending.drain(..) {
                let outcome = if now < outage_end {
                    sent_during_outage += 1;
                    retry(None)
                } else {
                    recovered_at.get_or_insert(now);
                    good()
                };
                e.handle(Event::Finished { host: 0, sent: addrs, outcome }, now);
            }
            now += 1;
            pending = updates(&e.tick(now));
        }
        eprintln!(
            "one-hour outage: {sent_during_outage} requests during the outage; recovered {}s after it ended",
            recovered_at.unwrap() - outage_end
        );
        assert!(sent_during_outage <= 8, "{sent_during_outage}");
        assert_eq!(sent_during_outage, 6);
        assert!(recovered_at.unwrap() - outage_end <= RETRY_CAP);
    }
}
