//! The Dynamic DNS engine (`ddns::engine`) behind the loop's [`Ddns`] interface.
//!
//! Adapter, no policy: it turns WAN snapshots into the engine's `Wanted` events (address
//! choice is `ddns::plan`), the engine's actions into worker jobs (provider exchanges and
//! lookups through `ddns::run`), persists state, logs the engine's lines, and reports
//! status. Under `--dry-run` jobs send nothing and nothing is persisted.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::clock::{self, EngineClock};
use super::services::{Ddns, JobOutput, UpdateJob, WanSnapshot};
use crate::addr::reach::{self, Observation};
use crate::config::{DdnsHost, IpSource, Service};
use crate::daemon::logging as log;
use crate::ddns::Outcome;
use crate::ddns::engine::{Action, Addrs, Engine, Event, Level};
use crate::ddns::http::{HttpClient, Transport};
use crate::ddns::plan::{self, Seen};
use crate::ddns::providers::{Exchange, Step, Target};
use crate::ddns::state_key::FingerprintKey;
use crate::ddns::{run, state};
use crate::netlink::AddrInfo;
use crate::status::{HostStatus, Warning};

/// What a job hands back (opaque to the loop).
enum Done {
    Update { sent: Addrs, outcome: Outcome, confirmed: Vec<String> },
    Lookup(Result<run::ReadBack, run::LookupError>),
    Echo { v4: Option<IpAddr>, v6: Option<IpAddr>, notes: Vec<String> },
}

pub struct EngineDriver {
    /// Every configured host, for the status; `active` indexes the enabled ones, which are
    /// the engine's hosts in order.
    all: Vec<DdnsHost>,
    active: Vec<usize>,
    engine: Engine,
    /// The engine's time: monotonic, so that wall-clock steps do not move timers.
    clock: EngineClock,
    state_dir: PathBuf,
    dry_run: bool,
    /// Per engine host: the last choice (keeps it stable) and why a family is missing.
    chosen: Vec<Addrs>,
    notes: Vec<Vec<String>>,
    /// Per engine host, for `ip_source web`: what the echo service said.
    seen: Vec<Seen>,
    /// Per engine host, for `ip_source web`: when to ask the echo service again.
    echo_next: Vec<Option<u64>>,
    wan: Vec<AddrInfo>,
    wan_known: bool,
    warnings: Vec<Warning>,
    started: bool,
    /// While a read-back's answer is handled: what it found, for the update it leads to.
    known: Option<(usize, run::Known)>,
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl EngineDriver {
    pub fn new(hosts: &[DdnsHost], state_dir: PathBuf, dry_run: bool, now: SystemTime) -> EngineDriver {
        let active: Vec<usize> = hosts.iter().enumerate().filter(|(_, h)| h.enabled).map(|(i, _)| i).collect();
        let mut persisted = Vec::new();
        for &i in &active {
            let h = &hosts[i];
            persisted.push(state::load(&state_dir, &h.section).unwrap_or_else(|e| {
                log::warn!("{}: {e}; starting without saved state", run::label(h));
                None
            }));
        }
        let chosen = persisted.iter().map(|p| p.as_ref().and_then(|p| p.registered).unwrap_or_default()).collect();
        // Under --dry-run nothing is written, the key file included.
        let key = FingerprintKey::for_state_dir(&state_dir, !dry_run, &mut |w| log::warn!("{w}"));
        let policies = active.iter().map(|&i| run::policy(&hosts[i], &key)).collect();
        let n = active.len();
        EngineDriver {
            all: hosts.to_vec(),
            active,
            engine: Engine::new(policies, persisted, unix(now)),
            clock: EngineClock::new(now, Instant::now()),
            state_dir,
            dry_run,
            chosen,
            notes: vec![Vec::new(); n],
            seen: vec![Seen::default(); n],
            echo_next: vec![None; n],
            wan: Vec::new(),
            wan_known: false,
            warnings: Vec::new(),
            started: false,
            known: None,
        }
    }

    /// Engine time now. The loop's wall-clock readings are not used for it: see
    /// `daemon::clock`.
    fn now(&self) -> u64 {
        self.clock.now(Instant::now())
    }

    /// What to add to an engine time to make it a wall time now.
    fn step(&self) -> i64 {
        self.clock.step(SystemTime::now(), Instant::now())
    }

    fn host(&self, id: usize) -> Option<&DdnsHost> {
        self.active.get(id).and_then(|&i| self.all.get(i))
    }

    /// The host publishes a LAN device's IPv6 address (`ip_source 'device'`).
    fn by_device(&self, id: usize) -> bool {
        self.host(id).is_some_and(|h| h.ip_source == IpSource::Device && h.ip_device.is_some())
    }

    /// Runs the engine's actions: persist and log now, provider work as jobs.
    fn carry_out(&mut self, actions: Vec<Action>, now: u64) -> Vec<UpdateJob> {
        let mut jobs = Vec::new();
        let mut queue = actions;
        while !queue.is_empty() {
            let action = queue.remove(0);
            match action {
                Action::Persist { host, state: st } => {
                    if self.dry_run {
                        continue;
                    }
                    let st = clock::persisted_as_wall(&st, self.step());
                    if let Some(h) = self.host(host)
                        && let Err(e) = state::save(&self.state_dir, &h.section, &st)
                    {
                        log::error!("{}: {e}", run::label(h));
                    }
                }
                Action::Log { level, message, .. } => match level {
                    Level::Error => log::error!("{message}"),
                    Level::Warning => log::warn!("{message}"),
                    Level::Notice | Level::Info => log::info!("{message}"),
                },
                Action::Update { host, addrs, names } => {
                    if let Some(job) = self.update_job(host, addrs, names) {
                        jobs.push(job);
                    }
                }
                Action::Lookup { host, how } => {
                    if self.dry_run {
                        // Without network access, assume nothing is registered yet: the
                        // dry run then shows the update that would be sent.
                        let more = self.engine.handle(
                            Event::LookupFailed { host, reason: "dry run: not asking".into(), after: None },
                            now,
                        );
                        queue.extend(more);
                        continue;
                    }
                    if let Some(h) = self.host(host).cloned() {
                        let prefer = self.chosen.get(host).copied().unwrap_or_default();
                        jobs.push(UpdateJob {
                            host,
                            summary: format!("{}: finding the registered address", run::label(&h)),
                            run: Box::new(move || -> JobOutput {
                                let mut t = transport(&h);
                                Box::new(Done::Lookup(run::lookup_registered(&h, how, prefer, t.as_mut())))
                            }),
                        });
                    }
                }
            }
        }
        jobs
    }

    fn update_job(&mut self, host: usize, addrs: Addrs, names: Vec<String>) -> Option<UpdateJob> {
        let h = self.host(host)?.clone();
        let summary = describe(&h, addrs);
        let dry = self.dry_run;
        let known = self.known.take().filter(|(h, _)| *h == host).map(|(_, k)| k);
        Some(UpdateJob {
            host,
            summary,
            run: Box::new(move || -> JobOutput {
                if dry {
                    return Box::new(Done::Update {
                        sent: addrs,
                        outcome: Outcome::Updated { detail: "dry run".into() },
                        confirmed: Vec::new(),
                    });
                }
                let (outcome, confirmed) = send_update(&h, addrs, &names, known);
                Box::new(Done::Update { sent: addrs, outcome, confirmed })
            }),
        })
    }

    /// Chooses what each host should publish and tells the engine.
    fn offer(&mut self, now: u64) -> Vec<UpdateJob> {
        let mut actions = Vec::new();
        for id in 0..self.active.len() {
            let Some(h) = self.host(id) else { continue };
            let current = self.chosen.get(id).copied().unwrap_or_default();
            let seen = self.seen.get(id).copied().unwrap_or_default();
            let choice = plan::wanted(h, &self.wan, seen, current);
            if let Some(c) = self.chosen.get_mut(id) {
                *c = choice.addrs;
            }
            if let Some(n) = self.notes.get_mut(id) {
                *n = choice.notes;
            }
            actions.extend(self.engine.handle(Event::Wanted { host: id, addrs: choice.addrs }, now));
        }
        self.refresh_warnings();
        self.carry_out(actions, now)
    }

    fn refresh_warnings(&mut self) {
        if !self.wan_known {
            self.warnings.clear();
            return;
        }
        let hosts: Vec<&DdnsHost> = self.active.iter().filter_map(|&i| self.all.get(i)).collect();
        let outside_v4 = self.seen_outside_v4();
        let obs = Observation {
            wan_v4: crate::addr::choose_v4(&self.wan, None),
            wan_v6: crate::addr::choose_v6(&self.wan, None),
            outside_v4,
            wants_v4: hosts.iter().any(|h| h.family.wants_v4()),
            wants_v6: hosts.iter().any(|h| h.wants_wan_v6()),
        };
        self.warnings = if hosts.is_empty() { Vec::new() } else { reach::warnings(&obs) };
    }

    /// Echo-service jobs for `ip_source web` hosts (their address is what the internet
    /// sees, which no netlink event reports): at a WAN change, and every `check_interval`.
    /// `due`: only hosts whose check is due at `now` (else all of them).
    fn echo_jobs(&mut self, now: u64, due: bool) -> Vec<UpdateJob> {
        if self.dry_run {
            return Vec::new();
        }
        let ids: Vec<usize> = (0..self.active.len())
            .filter(|&id| {
                let next = self.echo_next.get(id).copied().flatten();
                !due || next.is_some_and(|t| t <= now)
            })
            .collect();
        ids.into_iter()
            .filter_map(|id| {
                let h = self.host(id)?.clone();
                if !run::uses_web(&h) {
                    return None;
                }
                if let Some(n) = self.echo_next.get_mut(id) {
                    // In flight: the answer schedules the next check.
                    *n = None;
                }
                Some(UpdateJob {
                    host: id,
                    summary: format!("{}: asking the address echo service", run::label(&h)),
                    run: Box::new(move || -> JobOutput {
                        let mut t = transport(&h);
                        let mut notes = Vec::new();
                        let mut ask = |v6: bool| match run::ask_echo(&h, v6, t.as_mut()) {
                            Ok(a) => Some(a),
                            Err(e) => {
                                notes.push(format!("address echo service: {e}"));
                                None
                            }
                        };
                        let v4 = if h.family.wants_v4() { ask(false) } else { None };
                        let v6 = if h.family.wants_v6() { ask(true) } else { None };
                        Box::new(Done::Echo { v4, v6, notes })
                    }),
                })
            })
            .collect()
    }
}

/// The host's HTTP client: its CA bundle, plain HTTP only with `use_https 0`.
fn transport(h: &DdnsHost) -> Box<dyn Transport> {
    Box::new(HttpClient::new(h.cacert.as_deref(), !h.use_https))
}

/// One provider exchange for `names` (`ddns::run::update_names` dispatches RFC 2136 too).
fn send_update(h: &DdnsHost, addrs: Addrs, names: &[String], known: Option<run::Known>) -> (Outcome, Vec<String>) {
    let mut t = transport(h);
    run::update_names(h, addrs, names, known, t.as_mut(), unix(SystemTime::now()))
}

/// The first request of the exchange, secrets redacted: what `--dry-run` prints.
fn describe(h: &DdnsHost, addrs: Addrs) -> String {
    let label = run::label(h);
    if h.service == Service::Rfc2136 {
        let names: Vec<String> = h.domains.iter().map(|d| d.to_string()).collect();
        return format!("{label}: RFC 2136 UPDATE of {} to {addrs}", names.join(", "));
    }
    let target = Target { host: h, ipv4: addrs.v4, ipv6: addrs.v6 };
    match Exchange::update(&target).start() {
        Step::Send(req) => format!("{label}: {} {} (for {addrs})", req.method, req.redacted_url()),
        Step::Done(o) => format!("{label}: nothing to send ({o:?})"),
    }
}

impl Ddns for EngineDriver {
    fn wan_changed(&mut self, wan: &WanSnapshot, _wall: SystemTime) -> Vec<UpdateJob> {
        let now = self.now();
        self.wan = wan.addrs.clone();
        self.wan_known = wan.present;
        let mut jobs = Vec::new();
        if !self.started {
            self.started = true;
            let actions = self.engine.start(now);
            jobs.extend(self.carry_out(actions, now));
        }
        jobs.extend(self.echo_jobs(now, false));
        jobs.extend(self.offer(now));
        jobs
    }

    fn finished(&mut self, host: usize, output: JobOutput, _wall: SystemTime) -> Vec<UpdateJob> {
        // Rounded up: a wait the answer asks for must not end before it is over.
        let now = self.clock.now_ceil(Instant::now());
        let Ok(done) = output.downcast::<Done>() else { return Vec::new() };
        match *done {
            Done::Update { sent, outcome, confirmed } => {
                let mut actions = Vec::new();
                if !confirmed.is_empty() {
                    actions = self.engine.handle(Event::Confirmed { host, names: confirmed, sent }, now);
                }
                actions.extend(self.engine.handle(Event::Finished { host, sent, outcome }, now));
                self.carry_out(actions, now)
            }
            Done::Lookup(Ok((names, known))) => {
                let actions = self.engine.handle(Event::Registered { host, names }, now);
                // Only the update this answer leads to right away starts from it.
                self.known = known.map(|k| (host, k));
                let jobs = self.carry_out(actions, now);
                self.known = None;
                jobs
            }
            Done::Lookup(Err(e)) => {
                let actions = self.engine.handle(Event::LookupFailed { host, reason: e.reason, after: e.after }, now);
                self.carry_out(actions, now)
            }
            Done::Echo { v4, v6, notes } => {
                if let Some(s) = self.seen.get_mut(host) {
                    *s = Seen { v4, v6 };
                }
                let every = self.host(host).map_or(600, |h| h.check_interval.secs().max(30));
                if let Some(n) = self.echo_next.get_mut(host) {
                    *n = Some(now.saturating_add(every));
                }
                for n in notes {
                    log::warn!("{n}");
                }
                self.offer(now)
            }
        }
    }

    fn tick(&mut self, _wall: SystemTime) -> Vec<UpdateJob> {
        let now = self.now();
        let actions = self.engine.tick(now);
        let mut jobs = self.carry_out(actions, now);
        jobs.extend(self.echo_jobs(now, true));
        jobs
    }

    fn next_wakeup(&self) -> Option<SystemTime> {
        let echo = self.echo_next.iter().flatten().min().copied();
        [self.engine.next_deadline(), echo]
            .into_iter()
            .flatten()
            .min()
            .map(|t| UNIX_EPOCH + std::time::Duration::from_secs(clock::to_wall(t, self.step())))
    }

    fn devices(&self) -> Vec<crate::device::Device> {
        (0..self.active.len())
            .filter_map(|id| self.host(id)?.ip_device.clone().filter(|_| self.by_device(id)))
            .collect()
    }

    fn devices_seen(&mut self, addrs: &[Vec<std::net::Ipv6Addr>], _wall: SystemTime) -> Vec<UpdateJob> {
        let mut changed = false;
        let ids: Vec<usize> = (0..self.active.len()).filter(|&id| self.by_device(id)).collect();
        for (id, now6) in ids.into_iter().zip(addrs) {
            let Some(s) = self.seen.get_mut(id) else { continue };
            // The address published stays while the device still has it.
            let keep = s.v6.filter(|a| now6.iter().any(|n| IpAddr::V6(*n) == *a));
            let v6 = keep.or(now6.first().map(|a| IpAddr::V6(*a)));
            changed |= s.v6 != v6;
            s.v6 = v6;
        }
        // Before the first WAN snapshot the engine has not started: it gets both then.
        if !changed || !self.started {
            return Vec::new();
        }
        let now = self.now();
        self.offer(now)
    }

    fn seen_outside_v4(&self) -> Option<std::net::Ipv4Addr> {
        self.seen.iter().find_map(|s| match s.v4 {
            Some(IpAddr::V4(a)) => Some(a),
            _ => None,
        })
    }

    fn status(&self) -> (Vec<HostStatus>, Vec<Warning>) {
        let (now, step) = (self.now(), self.step());
        let wall = |t: Option<u64>| t.map(|t| clock::to_wall(t, step));
        let mut out = Vec::new();
        for (i, h) in self.all.iter().enumerate() {
            let mut s = HostStatus {
                section: h.section.name.clone().unwrap_or_else(|| format!("@ddns[{}]", h.section.index)),
                domains: h.domains.iter().map(|d| d.to_string()).collect(),
                service: h.service.name().to_string(),
                enabled: h.enabled,
                state: "disabled".into(),
                ..HostStatus::default()
            };
            if let Some(id) = self.active.iter().position(|&a| a == i) {
                self.engine.fill_status(id, now, &mut s);
                (s.last_attempt, s.last_success, s.next_at) =
                    (wall(s.last_attempt), wall(s.last_success), wall(s.next_at));
                if s.error.is_none()
                    && let Some(n) = self.notes.get(id).filter(|n| !n.is_empty())
                {
                    s.error = Some(n.join("; "));
                }
            }
            out.push(s);
        }
        (out, self.warnings.clone())
    }
}
