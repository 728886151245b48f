//! The event loop of `homeport run`.
//!
//! Shell: it polls, reads, routes and writes; each decision is made by a pure piece it
//! calls (debounce, engine, renderer, nft event classifier).

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::os::fd::AsFd;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};

use super::debounce::Debouncer;
use super::lease_watch::LeaseWatch;
use super::nft_events::NftEvents;
use super::services::{JobOutput, Rules, UpdateJob, WanSnapshot};
use super::signals::{Sig, Signals};
use super::status_file;
use super::workers::Workers;
use super::{Configure, Options, Setup};
use crate::daemon::logging as log;
use crate::netlink::{Change, Watcher};
use crate::nft::render::{Element, element_update};
use crate::status::{ForwardStatus, Status, WanStatus, Warning};
use crate::wan::{self, WanDevice};

/// After a failed `nft` apply, try again this much later (or at the next change).
const APPLY_RETRY: Duration = Duration::from_secs(30);
/// How long a stop waits for the apply job to report back after its nft child was killed
/// (a killed child is reaped within milliseconds; procd's term_timeout is 10 s).
const STOP_REAP_WAIT: Duration = Duration::from_secs(5);
/// After a lease file changed, read it this much later: dnsmasq truncates, then writes.
const LEASE_SETTLE: Duration = Duration::from_millis(50);
/// Our nftables table (family inet).
const TABLE: &str = "homeport";

#[derive(Debug)]
pub enum DaemonError {
    /// The configuration could not be read at start.
    Config(String),
    /// A socket, signalfd or pipe could not be set up, or polling failed.
    Io { what: &'static str, err: io::Error },
}

impl fmt::Display for DaemonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DaemonError::Config(e) => write!(f, "{e}"),
            DaemonError::Io { what, err } => write!(f, "{what}: {err}"),
        }
    }
}

impl std::error::Error for DaemonError {}

fn io_err(what: &'static str) -> impl FnOnce(io::Error) -> DaemonError {
    move |err| DaemonError::Io { what, err }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum JobKey {
    /// Setup generation (bumped on SIGHUP) and host index.
    Update {
        generation: u64,
        host: usize,
    },
    Apply {
        generation: u64,
    },
}

enum JobResult {
    Update(JobOutput),
    Apply(Result<(), String>),
}

/// The one apply on a worker: what it writes, so its result can be recorded for what it
/// was (a reload may have rendered something newer meanwhile).
struct Applying {
    digest: String,
    forced: bool,
    /// Active forwards in the rendering it applies, for the log line.
    active: usize,
    /// That rendering's forwards, once a newer rendering has replaced it in `rules`:
    /// what the kernel holds if this apply succeeds (moved here, not copied per apply).
    forwards: Option<Vec<ForwardStatus>>,
    /// An element update of device forwards, not a whole table.
    update: bool,
    /// What the kernel holds when it succeeds.
    live: Live,
}

/// The device elements of the table in force, and the frame they sit in: a rendering
/// of the same frame differs from it only by elements, which are updated in place.
#[derive(Clone, Default)]
struct Live {
    frame: Option<String>,
    elements: Vec<Element>,
}

struct Daemon<'a> {
    opts: &'a Options,
    setup: Setup,
    generation: u64,
    watcher: Watcher,
    workers: Workers<JobKey, JobResult>,
    debounce: Debouncer,
    wan: Option<WanDevice>,
    wan_error: Option<String>,
    /// The snapshot the engine was last told about.
    told: Option<WanSnapshot>,
    links_changed: bool,
    /// Hosts with an update on a worker; later jobs for them wait here. A plain vector:
    /// one entry per ddns section at most, and a map type of its own costs flash.
    in_flight: Vec<usize>,
    queued: VecDeque<UpdateJob>,
    rules: Rules,
    /// Digest of what nft last accepted (None: nothing applied, or it was removed).
    applied: Option<String>,
    /// The digest the live table carries as its comment: `applied` after a whole-table
    /// apply; element updates leave the comment (nft cannot change a table's comment).
    comment: Option<String>,
    /// The device elements of the table in force (see [`Live`]).
    live: Option<Live>,
    /// The forwards of the `applied` rendering while it is not the current one (an apply
    /// runs or failed): status shows what the kernel has. None when `applied` is current
    /// or absent (a second copy of the forwards is kept only while they differ).
    kernel: Option<Vec<ForwardStatus>>,
    /// The apply on a worker, if one runs. There is never more than one: another waits
    /// until it has reported back (the digests decide then whether one is needed).
    applying: Option<Applying>,
    /// The next apply must rewrite the table even if its digest matches (restoring).
    force_apply: bool,
    /// Why the last apply failed (cleared by a success).
    apply_error: Option<String>,
    apply_retry_at: Option<Instant>,
    /// Digest of the rendering whose apply failed: it waits for `apply_retry_at` (a new
    /// rendering, or SIGHUP, goes at once).
    apply_failed: Option<String>,
    /// The pinhole script fw4's sets were last set with (`Rules::pinholes`); `None`: not
    /// set, or emptied.
    pinholes: Option<String>,
    /// Why setting the pinholes last failed (logged once per different error).
    pinhole_error: Option<String>,
    /// False until the first look at the pinholes: a daemon that died before us may have
    /// left elements in fw4's sets that no forward wants now.
    pinholes_swept: bool,
    /// The lease files' directories, watched while forwards follow a device.
    leases: Option<LeaseWatch>,
    /// A lease file changed: read the leases then.
    lease_read_at: Option<Instant>,
    /// Why the last SIGHUP kept the running configuration (cleared by a reload that works).
    reload_error: Option<String>,
    /// FNV-1a of the last status written, without its timestamp (a digest rather than a
    /// copy: with 100 forwards a copy of the status is ~40 KiB of heap kept for nothing).
    status_written: Option<u64>,
}

/// Runs until SIGTERM/SIGINT. Errors only for what makes running impossible at start.
pub fn run(opts: &Options, configure: &mut dyn Configure) -> Result<(), DaemonError> {
    // Before any thread exists, so workers inherit the blocked mask.
    let mut signals = Signals::block().map_err(io_err("blocking signals"))?;
    let setup = configure.load().map_err(DaemonError::Config)?;
    super::logging::set_level(setup.main.log_level);
    if !setup.main.enabled {
        log::warn!("homeport is disabled (option enabled '0' in the main section); not running");
        if !opts.dry_run
            && let Err(e) = setup.forwards.remove()
        {
            log::error!("removing table inet {TABLE}: {e}");
        }
        return Ok(());
    }
    let watcher = Watcher::open().map_err(io_err("opening the rtnetlink socket"))?;
    let workers = Workers::new().map_err(io_err("creating the worker pipe"))?;
    let mut nft_events = if opts.dry_run {
        None
    } else {
        match NftEvents::open(TABLE) {
            Ok(e) => Some(e),
            Err(e) => {
                log::warn!(
                    "cannot watch nftables for our table being removed ({e}); it is restored only at the next change"
                );
                None
            }
        }
    };
    let debounce = Debouncer::new(setup.main.debounce.as_duration());
    let mut d = Daemon {
        opts,
        setup,
        generation: 0,
        watcher,
        workers,
        debounce,
        wan: None,
        wan_error: None,
        told: None,
        links_changed: false,
        in_flight: Vec::new(),
        queued: VecDeque::new(),
        rules: Rules {
            text: None,
            digest: String::new(),
            frame: None,
            elements: Vec::new(),
            pinholes: None,
            forwards: Vec::new(),
            warnings: Vec::new(),
        },
        applied: None,
        comment: None,
        live: None,
        kernel: None,
        applying: None,
        force_apply: false,
        apply_error: None,
        apply_retry_at: None,
        apply_failed: None,
        reload_error: None,
        pinholes: None,
        pinhole_error: None,
        pinholes_swept: false,
        leases: None,
        lease_read_at: None,
        status_written: None,
    };
    log::info!(
        "homeport {} started{}",
        crate::VERSION,
        if opts.dry_run { " (dry run: nothing is sent or applied)" } else { "" }
    );
    // A table left by a daemon that was killed may carry the digest we render but device
    // elements that moved since (element updates keep the comment): write it whole once.
    d.force_apply = d.follow_devices();
    d.resolve_wan(configure);
    d.wan_settled(configure);
    d.render_forwards();
    d.write_status();

    loop {
        let now = Instant::now();
        let timeout = d.next_deadline().map(|t| t.saturating_duration_since(now));
        let poll_timeout = match timeout {
            // Round up so the loop does not wake a millisecond early and spin.
            Some(t) => PollTimeout::try_from(t.as_millis().saturating_add(1).min(i32::MAX as u128) as i32)
                .unwrap_or(PollTimeout::MAX),
            None => PollTimeout::NONE,
        };
        let (sig_ready, nl_ready, work_ready, nft_ready, lease_ready) = {
            let mut fds = vec![
                PollFd::new(signals.as_fd(), PollFlags::POLLIN),
                PollFd::new(d.watcher.as_fd(), PollFlags::POLLIN),
                PollFd::new(d.workers.as_fd(), PollFlags::POLLIN),
            ];
            if let Some(e) = &nft_events {
                fds.push(PollFd::new(e.as_fd(), PollFlags::POLLIN));
            }
            let at = fds.len();
            if let Some(l) = &d.leases {
                fds.push(PollFd::new(l.as_fd(), PollFlags::POLLIN));
            }
            match poll(&mut fds, poll_timeout) {
                Ok(_) | Err(Errno::EINTR) => {}
                Err(e) => return Err(DaemonError::Io { what: "poll", err: e.into() }),
            }
            let ready = |i: usize| fds.get(i).and_then(|f| f.revents()).is_some_and(|r| !r.is_empty());
            (ready(0), ready(1), ready(2), nft_events.is_some() && ready(3), d.leases.is_some() && ready(at))
        };

        if sig_ready {
            for sig in signals.read().map_err(io_err("reading signals"))? {
                match sig {
                    Sig::Stop => {
                        d.stop();
                        return Ok(());
                    }
                    Sig::Reload => d.reload(configure),
                }
            }
        }
        if nl_ready {
            match d.watcher.read() {
                Ok(change) => d.netlink_changed(change),
                Err(e) => log::error!("reading netlink events: {e}"),
            }
        }
        if work_ready {
            for (key, result) in d.workers.take() {
                d.job_done(key, result);
            }
        }
        if nft_ready && let Some(events) = &mut nft_events {
            match events.read() {
                Ok(true) if !d.opts.dry_run => {
                    log::warn!("table inet {TABLE} was removed by something else; restoring it");
                    d.applied = None;
                    d.comment = None;
                    d.live = None;
                    d.kernel = None;
                    d.force_apply = true;
                    d.apply_forwards();
                }
                Ok(_) => {}
                Err(e) => log::error!("reading nftables events: {e}"),
            }
        }
        if lease_ready && d.leases.as_ref().is_some_and(LeaseWatch::read) {
            d.lease_read_at.get_or_insert(Instant::now() + LEASE_SETTLE);
        }
        let now = Instant::now();
        if d.lease_read_at.is_some_and(|t| t <= now) {
            d.lease_read_at = None;
            if d.setup.forwards.devices_changed(d.watcher.tables()) {
                d.devices_moved();
            }
        }
        if d.debounce.fire(now) {
            d.wan_settled(configure);
        }
        if d.apply_retry_at.is_some_and(|t| t <= now) {
            d.apply_retry_at = None;
            d.apply_forwards();
        }
        if d.setup.ddns.next_wakeup().is_some_and(|t| t <= SystemTime::now()) {
            let jobs = d.setup.ddns.tick(SystemTime::now());
            d.start_jobs(jobs);
        }
        d.write_status();
    }
}

impl Daemon<'_> {
    fn next_deadline(&self) -> Option<Instant> {
        let now_i = Instant::now();
        let now_s = SystemTime::now();
        let engine = self.setup.ddns.next_wakeup().map(|t| now_i + t.duration_since(now_s).unwrap_or(Duration::ZERO));
        [self.debounce.deadline(), engine, self.apply_retry_at, self.lease_read_at].into_iter().flatten().min()
    }

    fn netlink_changed(&mut self, change: Change) {
        if !change.any() {
            return;
        }
        // A device forward's target moved: follow it now, not after the WAN debounce
        // (issue 14: within 1 s). A burst of events arrives in one read, so it is one
        // rendering and at most one update.
        // Addresses too: a LAN prefix that comes or is deprecated moves IPv6 pinholes.
        if (change.neighbours || change.links || change.addrs)
            && self.setup.forwards.devices_changed(self.watcher.tables())
        {
            self.devices_moved();
        }
        self.links_changed |= change.links;
        // Only changes that can concern the WAN start the debounce: its addresses, or any
        // link (the WAN device may be the one appearing or vanishing).
        if change.links || self.snapshot() != self.told.clone().unwrap_or_default() {
            self.debounce.touch(Instant::now());
        }
    }

    /// With forwards to a device, watch the neighbour table and take it as it is now.
    /// Returns whether the forwards follow devices.
    fn follow_devices(&mut self) -> bool {
        let on = self.setup.forwards.follows_devices();
        if let Err(e) = self.watcher.watch_neighbours(on) {
            log::error!("cannot watch the neighbour table ({e}); forwards to a device follow it only at a reload");
        }
        if !on {
            self.leases = None;
            return false;
        }
        if self.leases.is_none() {
            self.leases = LeaseWatch::open(&self.setup.forwards.lease_files());
        }
        self.setup.forwards.devices_changed(self.watcher.tables());
        self.devices_to_ddns();
        true
    }

    /// A followed device moved: the forwards, and the names publishing its address.
    fn devices_moved(&mut self) {
        self.render_forwards();
        self.devices_to_ddns();
    }

    /// Tells the DDNS engine the current IPv6 addresses of the devices it publishes.
    fn devices_to_ddns(&mut self) {
        let devices = self.setup.ddns.devices();
        if devices.is_empty() {
            return;
        }
        let addrs: Vec<_> = devices.iter().map(|d| self.setup.forwards.device_ipv6(d)).collect();
        let jobs = self.setup.ddns.devices_seen(&addrs, SystemTime::now());
        self.start_jobs(jobs);
    }

    /// Which device is the WAN, asked again when links came or went.
    fn resolve_wan(&mut self, configure: &dyn Configure) {
        let load = |p: &std::path::Path| configure.load_network(p);
        match wan::resolve_with(&self.setup.main, &self.opts.wan_sources, load) {
            Ok(w) => {
                if self.wan.as_ref().map(|o| &o.device) != Some(&w.device) {
                    log::info!("WAN device is {} ({})", w.device, w.source);
                }
                self.wan = Some(w);
                self.wan_error = None;
            }
            Err(e) => {
                if self.wan_error.as_deref() != Some(&e.to_string()) {
                    log::error!("{e}");
                }
                self.wan_error = Some(e.to_string());
                self.wan = None;
            }
        }
    }

    fn snapshot(&self) -> WanSnapshot {
        let Some(w) = &self.wan else { return WanSnapshot::default() };
        let tables = self.watcher.tables();
        let link = tables.link_by_name(w.device.as_str());
        WanSnapshot {
            device: Some(w.device.clone()),
            present: link.is_some(),
            running: link.is_some_and(|l| l.is_running()),
            addrs: tables.addresses_of(w.device.as_str()),
        }
    }

    /// The debounce fired: re-resolve the WAN if links changed, then tell the engine and
    /// re-render the forwards if what they depend on changed.
    fn wan_settled(&mut self, configure: &dyn Configure) {
        let before = self.wan.as_ref().map(|w| w.device.clone());
        if self.links_changed || self.wan.is_none() {
            self.links_changed = false;
            // A configured device never changes; netifd's or the config's may.
            if self.setup.main.device.is_none() || self.wan.is_none() {
                self.resolve_wan(configure);
            }
        }
        let snap = self.snapshot();
        if self.told.as_ref().is_some_and(|t| t.same_as(&snap)) {
            return;
        }
        log_wan(&snap);
        self.told = Some(snap.clone());
        let jobs = self.setup.ddns.wan_changed(&snap, SystemTime::now());
        self.start_jobs(jobs);
        if self.wan.as_ref().map(|w| w.device.clone()) != before {
            self.render_forwards();
        }
    }

    fn start_jobs(&mut self, jobs: Vec<UpdateJob>) {
        self.queued.extend(jobs);
        let mut waiting = VecDeque::new();
        while let Some(job) = self.queued.pop_front() {
            if self.in_flight.contains(&job.host) {
                // The newest job for a busy host replaces any older waiting one.
                waiting.retain(|j: &UpdateJob| j.host != job.host);
                waiting.push_back(job);
                continue;
            }
            self.start_job(job);
        }
        self.queued = waiting;
    }

    fn start_job(&mut self, job: UpdateJob) {
        let UpdateJob { host, summary, run } = job;
        if self.opts.dry_run {
            // The engine's dry-run jobs send nothing; show what they stand for.
            println!("would send: {summary}");
        } else {
            log::debug!("sending: {summary}");
        }
        let key = JobKey::Update { generation: self.generation, host };
        match self.workers.spawn(key, "hp-update", move || JobResult::Update(run())) {
            Ok(()) => {
                self.in_flight.push(host);
            }
            Err(e) => log::error!("cannot start an update thread: {e}"),
        }
    }

    fn job_done(&mut self, key: JobKey, result: JobResult) {
        match (key, result) {
            (JobKey::Update { generation, host }, JobResult::Update(output)) => {
                if generation != self.generation {
                    // Its engine was replaced by SIGHUP; the new one starts from the state files.
                    log::debug!("dropping the result of an update started before the configuration was re-read");
                    return;
                }
                self.in_flight.retain(|&h| h != host);
                let more = self.setup.ddns.finished(host, output, SystemTime::now());
                self.start_jobs(more);
            }
            (JobKey::Apply { generation }, JobResult::Apply(result)) => {
                // Whatever configuration it was started for, its result is what the
                // kernel now has: record it as such, then apply the newest rendering.
                let Some(job) = self.applying.take() else { return };
                let reloaded = generation != self.generation;
                match result {
                    Ok(()) if job.update => {
                        log::info!("forward table follows the devices ({} forwards)", job.active);
                        self.kernel = if job.digest == self.rules.digest { None } else { job.forwards };
                        self.applied = Some(job.digest);
                        self.live = Some(job.live);
                        self.apply_error = None;
                    }
                    Err(e) if job.update => {
                        // The table is as it was (one transaction): write it whole, now.
                        log::error!("updating the device elements failed: {e}; rewriting the forward table");
                        self.force_apply = true;
                    }
                    Ok(()) => {
                        log::info!("forward table applied ({} forwards)", job.active);
                        self.kernel = if job.digest == self.rules.digest { None } else { job.forwards };
                        self.comment = Some(job.digest.clone());
                        self.live = Some(job.live);
                        self.applied = Some(job.digest);
                        self.apply_error = None;
                        self.apply_failed = None;
                        self.apply_retry_at = None;
                    }
                    Err(e) if reloaded => {
                        // SIGHUP came while it ran: that asks for a new try now.
                        log::error!("applying the forward table failed: {e}; applying the re-read configuration");
                        self.apply_error = Some(e);
                        self.force_apply |= job.forced;
                    }
                    Err(e) => {
                        log::error!("applying the forward table failed: {e}; retrying in {} s", APPLY_RETRY.as_secs());
                        self.apply_retry_at = Some(Instant::now() + APPLY_RETRY);
                        self.apply_error = Some(e);
                        self.apply_failed = Some(job.digest);
                        // A restore that failed is still a restore when it is retried.
                        self.force_apply |= job.forced;
                    }
                }
                // A newer rendering (a reload, a WAN change) may have waited for it.
                self.apply_forwards();
            }
            _ => {}
        }
    }

    fn render_forwards(&mut self) {
        let devices: Vec<_> = self.wan.iter().map(|w| w.device.clone()).collect();
        let old = std::mem::replace(&mut self.rules, self.setup.forwards.render(&devices));
        if let Some(a) = self.applying.as_mut().filter(|a| a.digest == old.digest) {
            // The apply running commits the old rendering; the new one waits for it.
            a.forwards = Some(old.forwards);
        } else if self.applied.as_deref() == Some(old.digest.as_str()) {
            // The kernel keeps the old rendering until the new one is applied.
            self.kernel = Some(old.forwards);
        }
        if self.applied.as_deref() == Some(self.rules.digest.as_str()) {
            self.kernel = None;
        }
        self.apply_forwards();
        self.set_pinholes();
    }

    /// Puts fw4's pinhole sets in step with the rendering, at once (one small nft
    /// transaction; no other nft runs against fw4's table for us). A failure (fw4's sets
    /// are not there: no firewall4, or it was not reloaded since the install) is logged
    /// once; a SIGHUP, which fw4's script include sends after each reload, tries again.
    fn set_pinholes(&mut self) {
        let swept = std::mem::replace(&mut self.pinholes_swept, true);
        let want = match (&self.rules.pinholes, &self.pinholes) {
            (Some(s), _) => s.clone(),
            (None, Some(_)) => crate::nft::fw4::pinholes_closed(),
            (None, None) => {
                // Nothing wanted; at start, close what a daemon that died left open (a
                // pinhole script always begins by emptying the sets, so it needs no sweep).
                if !swept && !self.opts.dry_run {
                    if let Err(e) = self.setup.forwards.close_pinholes() {
                        log::error!("{e}");
                    }
                }
                return;
            }
        };
        if self.pinholes.as_ref() == Some(&want) {
            return;
        }
        if self.opts.dry_run {
            println!("would set the IPv6 pinholes:\n{want}");
        } else if let Err(e) = self.setup.forwards.set_pinholes(&want) {
            if self.pinhole_error.as_ref() != Some(&e) {
                log::error!("setting the IPv6 pinholes in table inet fw4 failed: {e}");
            }
            self.pinhole_error = Some(e);
            return;
        }
        self.pinhole_error = None;
        self.pinholes = self.rules.pinholes.clone();
    }

    /// Applies the current rendering unless nft already has it or an apply is running.
    fn apply_forwards(&mut self) {
        if self.applying.is_some() || self.applied.as_deref() == Some(self.rules.digest.as_str()) {
            return;
        }
        if self.apply_retry_at.is_some() && self.apply_failed.as_deref() == Some(self.rules.digest.as_str()) {
            return;
        }
        // Only device elements differ from the table in force: update those elements in
        // one transaction; the table, the other forwards and their counters stay.
        let script = match &self.live {
            Some(live)
                if !self.force_apply
                    && self.applied.is_some()
                    && live.frame.is_some()
                    && live.frame == self.rules.frame =>
            {
                element_update(&live.elements, &self.rules.elements)
            }
            _ => None,
        };
        let live = Live { frame: self.rules.frame.clone(), elements: self.rules.elements.clone() };
        if self.opts.dry_run {
            match (&script, &self.rules.text) {
                (Some(s), _) => println!("would update:\n{s}"),
                (None, Some(text)) => println!("would apply:\n{text}"),
                (None, None) => println!("would remove table inet {TABLE} (nothing to forward)"),
            }
            self.applied = Some(self.rules.digest.clone());
            self.live = Some(live);
            self.kernel = None;
            return;
        }
        let update = script.is_some();
        let (job, force) = match script {
            Some(s) => (self.setup.forwards.update_job(s), false),
            None => {
                let force = std::mem::take(&mut self.force_apply);
                (self.setup.forwards.apply_job(&self.rules, force), force)
            }
        };
        let key = JobKey::Apply { generation: self.generation };
        let active = self.rules.forwards.iter().filter(|f| f.active).count();
        self.applying =
            Some(Applying { digest: self.rules.digest.clone(), forced: force, active, forwards: None, update, live });
        // status.json names the digest before nft can commit it, so `homeport status`
        // always knows the live table's digest as one of the daemon's.
        self.write_status();
        if let Err(e) = self.workers.spawn(key, "hp-nft", move || JobResult::Apply(job())) {
            log::error!("cannot start the nft thread: {e}");
            self.applying = None;
            self.force_apply |= force;
        }
    }

    /// SIGHUP: read the configuration again; act only on what changed.
    fn reload(&mut self, configure: &mut dyn Configure) {
        let new = match configure.load() {
            Ok(s) => s,
            Err(e) => {
                log::error!("configuration not reloaded, keeping the running one: {e}");
                self.reload_error = Some(e);
                return;
            }
        };
        self.reload_error = None;
        log::info!("configuration re-read");
        let wan_changed = new.main.interface != self.setup.main.interface || new.main.device != self.setup.main.device;
        if new.main.log_level != self.setup.main.log_level {
            super::logging::set_level(new.main.log_level);
        }
        if new.main.debounce != self.setup.main.debounce {
            self.debounce.set_delay(new.main.debounce.as_duration());
        }
        self.generation = self.generation.wrapping_add(1);
        self.in_flight.clear();
        self.queued.clear();
        self.setup = new;
        if wan_changed {
            self.resolve_wan(configure);
        }
        self.follow_devices();
        // The new engine starts from persisted state: hosts whose address is registered
        // send nothing; new or changed hosts update now.
        let snap = self.snapshot();
        self.told = Some(snap.clone());
        let jobs = self.setup.ddns.wan_changed(&snap, SystemTime::now());
        self.start_jobs(jobs);
        // Re-rendered; applied only if the digest differs from what nft has. A failed
        // apply is tried again now (SIGHUP is how a user says "try again"). An apply still
        // running is not abandoned: two nft children could commit in either order, and
        // the older one would win. The new rendering waits for it (`job_done`).
        self.apply_failed = None;
        self.apply_retry_at = None;
        // fw4 sends SIGHUP after each reload; a `fw4 restart` empties the pinhole sets.
        self.pinholes = self.pinholes.take().map(|_| String::new());
        self.render_forwards();
        if self.applying.as_ref().is_some_and(|a| a.digest != self.rules.digest) {
            log::info!("an apply of the forward table is still running; the re-read configuration follows it");
        }
    }

    /// SIGTERM/SIGINT: a stopped daemon leaves no port open.
    fn stop(&mut self) {
        if self.opts.dry_run {
            log::info!("stopping");
            return;
        }
        // An nft child still running could commit after the table is removed and reopen
        // the ports with no daemon left: end it and wait until its job has reaped it,
        // then remove the table (issue 10, item 2).
        if self.setup.forwards.end_applying() {
            log::info!("stopping: ended the nft still applying the forward table");
        }
        let deadline = Instant::now() + STOP_REAP_WAIT;
        while self.applying.is_some() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                log::error!("stopping: the apply of the forward table has not ended; removing the table anyway");
                break;
            }
            let mut fds = [PollFd::new(self.workers.as_fd(), PollFlags::POLLIN)];
            let ms = u16::try_from(left.as_millis()).unwrap_or(u16::MAX);
            if matches!(poll(&mut fds, PollTimeout::from(ms)), Ok(n) if n > 0) {
                for (key, _) in self.workers.take() {
                    if matches!(key, JobKey::Apply { .. }) {
                        self.applying = None;
                    }
                }
            }
        }
        match self.setup.forwards.remove() {
            Ok(()) => log::info!("stopping: table inet {TABLE} removed"),
            Err(e) => log::error!("stopping: removing table inet {TABLE} failed: {e}"),
        }
    }

    /// The forwards as the kernel has them (issue 10: status says what is really there,
    /// not what an apply still running or a failed one was to put there).
    fn forwards_in_force(&self, warnings: &mut Vec<Warning>) -> Vec<ForwardStatus> {
        if self.applied.as_deref() == Some(self.rules.digest.as_str()) {
            return self.rules.forwards.clone();
        }
        let why = match (&self.apply_error, &self.applying) {
            (_, Some(_)) => "the forward table is being applied".to_string(),
            (Some(e), None) => format!("the forward table could not be applied: {e}"),
            (None, None) => "the forward table is not applied yet".to_string(),
        };
        if let (Some(_), Some(kernel)) = (&self.applied, &self.kernel) {
            let message = format!("{why}; the forwards shown are those of the table in force");
            warnings.push(Warning { code: "apply".into(), message });
            return kernel.clone();
        }
        let mut forwards = self.rules.forwards.clone();
        for f in forwards.iter_mut().filter(|f| f.active) {
            f.active = false;
            f.reason = Some(why.clone());
        }
        forwards
    }

    fn status(&self) -> Status {
        let snap = self.snapshot();
        let (hosts, mut warnings) = self.setup.ddns.status();
        warnings.extend(self.rules.warnings.iter().cloned());
        if let Some(e) = &self.wan_error {
            warnings.push(Warning { code: "wan".into(), message: e.clone() });
        }
        if let Some(e) = &self.pinhole_error {
            let message = format!(
                "the IPv6 pinholes could not be set in table inet fw4 ({e}); firewall4 declares their sets \
                 from homeport's include at its next reload: service firewall reload"
            );
            warnings.push(Warning { code: "pinholes".into(), message });
        }
        if let Some(e) = &self.reload_error {
            let message = format!("configuration not reloaded, the running one is kept: {e}");
            warnings.push(Warning { code: "reload".into(), message });
        }
        for d in &self.setup.diagnostics {
            warnings.push(Warning { code: "config".into(), message: d.to_string() });
        }
        let mut forwards = self.forwards_in_force(&mut warnings);
        if let Some(e) = &self.pinhole_error {
            let why = if e.contains("No such file") {
                "table inet fw4 has no pinhole sets: service firewall reload declares them"
            } else {
                "table inet fw4 refused them (see the warnings)"
            };
            for f in forwards.iter_mut().filter(|f| !f.pinholes.is_empty()) {
                f.pinholes.clear();
                f.pinholes_reason = Some(why.into());
            }
        }
        Status {
            version: crate::VERSION.to_string(),
            written_at: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
            pid: std::process::id(),
            running: true,
            table_digests: if self.opts.dry_run {
                Vec::new()
            } else {
                // The comment the live table carries may be older than what it holds
                // (element updates keep it): both are ours.
                let mut v: Vec<String> = Vec::new();
                let applying = self.applying.as_ref().map(|a| &a.digest);
                for d in self.applied.iter().chain(&self.comment).chain(applying) {
                    if !v.contains(d) {
                        v.push(d.clone());
                    }
                }
                v
            },
            wan: WanStatus {
                interface: self.setup.main.interface.to_string(),
                device: snap.device.as_ref().map(|d| d.to_string()),
                up: snap.running,
                // The addresses a host would publish: the same choice the engine makes.
                ipv4: crate::addr::choose_v4(&snap.addrs, None),
                ipv6: crate::addr::choose_v6(&snap.addrs, None),
                ipv4_seen_outside: self.setup.ddns.seen_outside_v4(),
            },
            hosts,
            forwards,
            warnings,
        }
    }

    /// Writes status.json when something in it changed (the timestamp alone does not count).
    fn write_status(&mut self) {
        let mut s = self.status();
        s.written_at = 0;
        // The layout status_file writes: one copy of the serializer for the document.
        let digest = serde_json::to_vec_pretty(&s).ok().map(|json| crate::nft::render::fnv1a(&json));
        if digest.is_some() && digest == self.status_written {
            return;
        }
        s.written_at = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if let Err(e) = status_file::write(&self.opts.state_dir, &s) {
            log::error!("writing {}: {e}", status_file::path(&self.opts.state_dir).display());
        }
        self.status_written = digest;
    }
}

fn log_wan(s: &WanSnapshot) {
    let Some(dev) = &s.device else {
        log::warn!("no WAN device known");
        return;
    };
    if !s.present {
        log::info!("WAN device {dev} is absent; waiting for it");
        return;
    }
    let addrs: Vec<String> = s.addrs.iter().map(|a| format!("{}/{}", a.addr, a.prefix_len)).collect();
    let state = if s.running { "up" } else { "down" };
    let list = if addrs.is_empty() { "no addresses".to_string() } else { addrs.join(", ") };
    log::info!("WAN {dev} {state}: {list}");
}
