//! One update pass over chosen hosts (the heart of `homeport update`): the engine, fed
//! the current WAN addresses, decides; this module carries out its actions right away
//! and reports each host's outcome in a line of words.
//!
//! Shell (state files, HTTP through the given transports), reusing the engine so that
//! the command and the daemon follow the same policy: nothing is sent when the provider
//! already holds the address, a host stopped by a fatal answer stays stopped, and a
//! backoff from an earlier failure is respected (`--force` overrides all three).

use std::net::IpAddr;
use std::path::Path;

use crate::addr::reach::{self, Observation};
use crate::config::DdnsHost;
use crate::ddns::Outcome;
use crate::ddns::engine::{Action, Addrs, Engine, Event, Level, words};
use crate::ddns::http::Transport;
use crate::ddns::plan::{self, Seen};
use crate::ddns::state_key::FingerprintKey;
use crate::ddns::{run, state};
use crate::netlink::AddrInfo;
use crate::status::{HostStatus, Warning};

pub struct Pass<'a> {
    pub state_dir: &'a Path,
    pub force: bool,
    /// Unix seconds at the start, rounded down: a wait is over only once its second has come.
    pub now: u64,
    /// Unix seconds when an answer came, rounded up: the time to stamp it with. A wait it
    /// asks for (Retry-After) counts from the answer (RFC 9110 §10.2.3); counted from the
    /// start of the pass, the next run could send before it is over. As the daemon's
    /// `EngineClock::now_ceil`.
    pub answered: &'a dyn Fn() -> u64,
    /// The LAN devices as the router knows them now, for `ip_source 'device'`.
    pub devices: Option<&'a crate::device::resolve::Devices>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostReport {
    pub label: String,
    pub ok: bool,
    /// The outcome in words.
    pub line: String,
    /// Why a family is not published, state-file trouble, echo-service trouble.
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PassReport {
    pub hosts: Vec<HostReport>,
    pub warnings: Vec<Warning>,
}

impl PassReport {
    pub fn all_ok(&self) -> bool {
        self.hosts.iter().all(|h| h.ok)
    }
}

/// Runs the pass. `device`: the WAN device's addresses (or why they are unknown);
/// `transport_for`: an HTTP client for a host's TLS settings; `log`: where the engine's
/// log lines go.
pub fn run_pass(
    hosts: &[&DdnsHost],
    device: Result<&[AddrInfo], String>,
    pass: &Pass,
    transport_for: &mut dyn FnMut(&DdnsHost) -> Box<dyn Transport>,
    log: &mut dyn FnMut(Level, &str),
) -> PassReport {
    let mut report = PassReport::default();
    let dev: &[AddrInfo] = device.as_ref().map(|d| *d).unwrap_or(&[]);
    let mut outside_v4 = None;
    let mut key_trouble = None;
    let key = FingerprintKey::for_state_dir(pass.state_dir, true, &mut |w| key_trouble = Some(w));
    for host in hosts {
        let mut transport = transport_for(host);
        let (mut r, seen) = one_host(host, &device, dev, pass, &key, transport.as_mut(), log);
        r.notes.extend(key_trouble.clone());
        if let Some(IpAddr::V4(a)) = seen.v4 {
            outside_v4 = Some(a);
        }
        report.hosts.push(r);
    }
    let obs = Observation {
        wan_v4: crate::addr::choose_v4(dev, None),
        wan_v6: crate::addr::choose_v6(dev, None),
        outside_v4,
        wants_v4: hosts.iter().any(|h| h.family.wants_v4()),
        wants_v6: hosts.iter().any(|h| h.wants_wan_v6()),
    };
    if device.is_ok() {
        report.warnings = reach::warnings(&obs);
    }
    report
}

fn one_host(
    host: &DdnsHost,
    device: &Result<&[AddrInfo], String>,
    dev: &[AddrInfo],
    pass: &Pass,
    key: &FingerprintKey,
    transport: &mut dyn Transport,
    log: &mut dyn FnMut(Level, &str),
) -> (HostReport, Seen) {
    let mut now = pass.now;
    let mut notes = Vec::new();
    let persisted = state::load(pass.state_dir, &host.section).unwrap_or_else(|e| {
        notes.push(e.to_string());
        None
    });
    let current = persisted.as_ref().and_then(|p| p.registered).unwrap_or_default();
    let mut engine = Engine::new(vec![run::policy(host, key)], vec![persisted], now);

    let mut seen = Seen::default();
    if run::uses_web(host) {
        for v6 in [false, true] {
            if (v6 && !host.family.wants_v6()) || (!v6 && !host.family.wants_v4()) {
                continue;
            }
            match run::ask_echo(host, v6, transport) {
                Ok(a) if v6 => seen.v6 = Some(a),
                Ok(a) => seen.v4 = Some(a),
                Err(e) => notes.push(format!("address echo service: {e}")),
            }
        }
    } else if let Err(e) = device {
        notes.push(e.clone());
    }
    if let (Some(d), Some(all)) = (&host.ip_device, pass.devices) {
        seen.v6 = all.ipv6(d).first().map(|a| IpAddr::V6(*a));
    }
    let choice = plan::wanted(host, dev, seen, current);
    notes.extend(choice.notes.iter().cloned());

    let mut queue: Vec<Action> = engine.start(now);
    queue.extend(engine.handle(Event::Wanted { host: 0, addrs: choice.addrs }, now));
    if pass.force {
        queue.extend(engine.handle(Event::Force { host: 0 }, now));
    }
    let mut last: Option<(Addrs, Outcome)> = None;
    // What the read-back found, for the update right after it (nothing asked twice).
    let mut known = None;
    // Each action is answered at once; the engine allows one exchange at a time, so this
    // ends after a lookup and at most a couple of updates.
    let mut budget = 16;
    while !queue.is_empty() && budget > 0 {
        budget -= 1;
        let action = queue.remove(0);
        let next = match action {
            Action::Lookup { how, .. } => {
                let r = run::lookup_registered(host, how, choice.addrs, transport);
                // Everything after an exchange happens at the (rounded-up) time its answer came.
                now = now.max((pass.answered)());
                match r {
                    Ok((names, k)) => {
                        known = k;
                        engine.handle(Event::Registered { host: 0, names }, now)
                    }
                    Err(e) => {
                        if e.after.is_some() {
                            // The provider asked for quiet: nothing more in this pass.
                            last = Some((choice.addrs, Outcome::Retry { after: None, reason: e.reason.clone() }));
                        }
                        engine.handle(Event::LookupFailed { host: 0, reason: e.reason, after: e.after }, now)
                    }
                }
            }
            Action::Update { addrs, names, .. } => {
                let (outcome, confirmed) = run::update_names(host, addrs, &names, known.take(), transport, now);
                now = now.max((pass.answered)());
                last = Some((addrs, outcome.clone()));
                let mut next = Vec::new();
                if !confirmed.is_empty() {
                    next = engine.handle(Event::Confirmed { host: 0, names: confirmed, sent: addrs }, now);
                }
                next.extend(engine.handle(Event::Finished { host: 0, sent: addrs, outcome }, now));
                next
            }
            Action::Persist { state: st, .. } => {
                if let Err(e) = state::save(pass.state_dir, &host.section, &st) {
                    notes.push(e.to_string());
                }
                vec![]
            }
            Action::Log { level, message, .. } => {
                log(level, &message);
                vec![]
            }
        };
        queue.extend(next);
        // A retry scheduled by this pass is for the daemon, not for us.
        if matches!(last, Some((_, Outcome::Retry { .. }))) {
            queue.retain(|a| !matches!(a, Action::Update { .. }));
        }
    }

    let mut st = HostStatus::default();
    engine.fill_status(0, now, &mut st);
    let (ok, line) = match last {
        Some((sent, Outcome::Updated { detail })) => (true, format!("updated to {sent} ({detail})")),
        Some((sent, Outcome::Unchanged { detail })) => (true, format!("{sent} was already registered ({detail})")),
        Some((_, Outcome::Retry { reason, .. })) => {
            let when =
                st.next_at.map(|t| format!("; next try in {}", words(t.saturating_sub(now)))).unwrap_or_default();
            (false, format!("failed: {reason}{when}"))
        }
        Some((_, Outcome::Fatal { reason })) => {
            (false, format!("failed: {reason}; no more updates until the configuration changes"))
        }
        None => match st.state.as_str() {
            "ok" => (true, format!("up to date ({})", choice.addrs)),
            "stopped" => (
                false,
                format!(
                    "stopped after an earlier error: {}; change the configuration, or use --force",
                    st.error.unwrap_or_default()
                ),
            ),
            "blocked" => (false, "nothing to publish".to_string()),
            "backoff" => (
                false,
                format!(
                    "waiting {} after earlier failures ({}); use --force to try now",
                    words(st.next_at.unwrap_or(now).saturating_sub(now)),
                    st.last_result.unwrap_or_default()
                ),
            ),
            other => (false, format!("not updated ({other})")),
        },
    };
    (HostReport { label: run::label(host), ok, line, notes }, seen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Service;
    use crate::ddns::http::TransportError;
    use crate::ddns::providers::testing::host;
    use crate::ddns::request::{HttpRequest, HttpResponse};
    use crate::types::HostPort;
    use std::cell::RefCell;
    use std::collections::VecDeque;
    use std::rc::Rc;

    type Log = Rc<RefCell<Vec<String>>>;

    struct Fake {
        answers: Rc<RefCell<VecDeque<HttpResponse>>>,
        sent: Log,
    }

    impl Transport for Fake {
        fn send(&mut self, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
            self.sent.borrow_mut().push(req.redacted_url());
            self.answers.borrow_mut().pop_front().ok_or(TransportError::Failed("no answer".into()))
        }
    }

    fn dev() -> Vec<AddrInfo> {
        vec![AddrInfo {
            ifindex: 4,
            addr: "81.2.69.160".parse().unwrap(),
            prefix_len: 24,
            flags: 0x80,
            preferred_lft: u32::MAX,
            valid_lft: u32::MAX,
        }]
    }

    fn tempdir(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("homeport-oneshot-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn pass_with(
        h: &DdnsHost,
        dir: &Path,
        force: bool,
        answers: &[HttpResponse],
        now: u64,
    ) -> (PassReport, Vec<String>) {
        let answers = Rc::new(RefCell::new(answers.iter().cloned().collect::<VecDeque<_>>()));
        let sent: Log = Rc::default();
        let (a2, s2) = (answers.clone(), sent.clone());
        let mut tf = move |_: &DdnsHost| Box::new(Fake { answers: a2.clone(), sent: s2.clone() }) as Box<dyn Transport>;
        let d = dev();
        let r = run_pass(
            &[h],
            Ok(&d),
            &Pass { state_dir: dir, force, now, answered: &|| now, devices: None },
            &mut tf,
            &mut |_, _| {},
        );
        let sent = sent.borrow().clone();
        (r, sent)
    }

    /// The wait a provider asks for counts from its answer, rounded up (RFC 9110 §10.2.3):
    /// a pass that began at 1000 and had its 429 answered in the second after (stamped
    /// 1001) may not try again before 1001 + Retry-After.
    #[test]
    fn retry_after_counts_from_the_answer_rounded_up() {
        let dir = tempdir("answered");
        let mut h = host(Service::Dyndns2, &["home.invalid"]);
        h.server = Some(HostPort::parse("127.0.0.1:1").unwrap());
        h.lookup_host = Some(crate::types::Hostname::parse("localhost").unwrap());
        let r429 = HttpResponse::new(429, "").with_header("Retry-After", "7200");
        let answers = Rc::new(RefCell::new(VecDeque::from([r429])));
        let sent: Log = Rc::default();
        let mut tf =
            |_: &DdnsHost| Box::new(Fake { answers: answers.clone(), sent: sent.clone() }) as Box<dyn Transport>;
        let d = dev();
        let pass = Pass { state_dir: &dir, force: false, now: 1000, answered: &|| 1001, devices: None };
        let r = run_pass(&[&h], Ok(&d), &pass, &mut tf, &mut |_, _| {});
        assert_eq!(sent.borrow().len(), 1);
        assert!(!r.all_ok(), "{r:?}");
        let st = state::load(&dir, &h.section).unwrap().unwrap();
        assert_eq!(st.retry_at, Some(8201));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn second_pass_sends_nothing_and_force_does() {
        let dir = tempdir("second");
        let mut h = host(Service::Dyndns2, &["home.invalid"]);
        h.server = Some(HostPort::parse("127.0.0.1:1").unwrap());
        // No state: the lookup (of localhost, from /etc/hosts: no query leaves the
        // machine) finds 127.0.0.1, not the WAN address, so one update is sent.
        h.lookup_host = Some(crate::types::Hostname::parse("localhost").unwrap());
        let (r, sent) = pass_with(&h, &dir, false, &[HttpResponse::new(200, "good 81.2.69.160")], 1000);
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert!(r.all_ok(), "{r:?}");
        assert_eq!(r.hosts[0].line, "updated to 81.2.69.160 (good)");
        let (r, sent) = pass_with(&h, &dir, false, &[], 2000);
        assert!(sent.is_empty(), "{sent:?}");
        assert_eq!(r.hosts[0].line, "up to date (81.2.69.160)");
        let (r, sent) = pass_with(&h, &dir, true, &[HttpResponse::new(200, "nochg 81.2.69.160")], 3000);
        assert_eq!(sent.len(), 1);
        assert!(r.hosts[0].line.contains("already registered"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Issue 10 item 14, through a whole pass: the state directory gets its key (0600),
    /// and the state file's fingerprint is the one keyed with it.
    #[test]
    fn a_pass_keys_the_fingerprint_with_the_directory_key() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempdir("key");
        let mut h = host(Service::Dyndns2, &["home.invalid"]);
        h.server = Some(HostPort::parse("127.0.0.1:1").unwrap());
        h.lookup_host = Some(crate::types::Hostname::parse("localhost").unwrap());
        let (r, _) = pass_with(&h, &dir, false, &[HttpResponse::new(200, "good 81.2.69.160")], 1000);
        assert!(r.all_ok(), "{r:?}");
        let key_file = dir.join(crate::ddns::state_key::FILE_NAME);
        assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
        let key = FingerprintKey::read(&dir).unwrap().unwrap();
        let saved = state::load(&dir, &h.section).unwrap().unwrap();
        assert_eq!(saved.fingerprint, state::fingerprint(&h, &key));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn failures_exit_badly_and_stay_stopped() {
        let dir = tempdir("fatal");
        let mut h = host(Service::Dyndns2, &["home.invalid"]);
        h.server = Some(HostPort::parse("127.0.0.1:1").unwrap());
        h.lookup_host = Some(crate::types::Hostname::parse("localhost").unwrap());
        let (r, _) = pass_with(&h, &dir, false, &[HttpResponse::new(200, "badauth")], 1000);
        assert!(!r.all_ok());
        assert!(r.hosts[0].line.starts_with("failed: badauth"), "{}", r.hosts[0].line);
        let (r, sent) = pass_with(&h, &dir, false, &[], 2000);
        assert!(sent.is_empty());
        assert!(r.hosts[0].line.starts_with("stopped after an earlier error: badauth"), "{}", r.hosts[0].line);
        let _ = std::fs::remove_dir_all(&dir);

        let dir = tempdir("retry");
        let (r, _) = pass_with(&h, &dir, false, &[HttpResponse::new(503, "")], 1000);
        assert!(r.hosts[0].line.contains("next try in 1m"), "{}", r.hosts[0].line);
        let (r, sent) = pass_with(&h, &dir, false, &[], 1030);
        assert!(sent.is_empty());
        assert!(r.hosts[0].line.starts_with("waiting 30s"), "{}", r.hosts[0].line);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn private_wan_is_not_published_and_warned() {
        let dir = tempdir("private");
        let mut h = host(Service::Dyndns2, &["home.invalid"]);
        h.server = Some(HostPort::parse("127.0.0.1:1").unwrap());
        h.lookup_host = Some(crate::types::Hostname::parse("localhost").unwrap());
        let answers = Rc::new(RefCell::new(VecDeque::new()));
        let sent: Log = Rc::default();
        let mut tf =
            |_: &DdnsHost| Box::new(Fake { answers: answers.clone(), sent: sent.clone() }) as Box<dyn Transport>;
        let mut d = dev();
        d[0].addr = "100.64.9.9".parse().unwrap();
        let r = run_pass(
            &[&h],
            Ok(&d),
            &Pass { state_dir: &dir, force: false, now: 5, answered: &|| 5, devices: None },
            &mut tf,
            &mut |_, _| {},
        );
        assert!(sent.borrow().is_empty());
        assert!(!r.all_ok());
        assert_eq!(r.hosts[0].line, "nothing to publish");
        assert!(r.hosts[0].notes[0].contains("100.64.9.9"));
        assert_eq!(r.warnings[0].code, "cgnat");
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn cf_list(content: &str) -> HttpResponse {
        HttpResponse::new(
            200,
            &format!(
                r#"{{"success":true,"errors":[],"result":[{{"id":"r1","content":"{content}","proxied":false}}]}}"#
            ),
        )
    }

    fn cloudflare(names: &[&str]) -> DdnsHost {
        let mut h = host(Service::Cloudflare, names);
        h.username = None;
        h.cloudflare_zone = Some("023e105f4ecef8ad9ca31a8372d0c353".into());
        h
    }

    /// Issue 11 item 1: the first name already holds the address, the second does not;
    /// the second is still sent (it used to be "up to date").
    #[test]
    fn every_name_is_checked_at_start() {
        let dir = tempdir("names");
        let h = cloudflare(&["a.example.com", "b.example.com"]);
        let ok = HttpResponse::new(200, r#"{"success":true,"errors":[],"result":{"id":"r1"}}"#);
        let answers = [cf_list("81.2.69.160"), cf_list("81.2.69.1"), ok];
        let (r, sent) = pass_with(&h, &dir, false, &answers, 1000);
        assert!(r.all_ok(), "{r:?}");
        // Only the stale name is sent, and its record is not listed again.
        assert_eq!(sent.len(), 3, "{sent:?}");
        assert!(sent[2].ends_with("/dns_records/r1"), "{sent:?}");
        let (r, sent) = pass_with(&h, &dir, false, &[], 2000);
        assert!(sent.is_empty(), "{sent:?}");
        assert_eq!(r.hosts[0].line, "up to date (81.2.69.160)");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Issue 11 item 10: a 429 with Retry-After on the read-back ends the pass, and a
    /// later pass during the wait sends nothing at all.
    #[test]
    fn cloudflare_retry_after_on_the_lookup_is_kept() {
        let dir = tempdir("cf429");
        let h = cloudflare(&["a.example.com"]);
        let r429 = HttpResponse::new(429, "").with_header("Retry-After", "600");
        let (r, sent) = pass_with(&h, &dir, false, &[r429, cf_list("81.2.69.1")], 1000);
        assert_eq!(sent.len(), 1, "nothing after the 429: {sent:?}");
        assert!(!r.all_ok());
        let (r, sent) = pass_with(&h, &dir, false, &[cf_list("81.2.69.1")], 1300);
        assert!(sent.is_empty(), "the wait holds across runs: {sent:?}");
        assert!(r.hosts[0].line.starts_with("waiting 5m"), "{}", r.hosts[0].line);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Issue 11 item 2: one request per deSEC domain; after a 429 for one domain, the
    /// next pass (once Retry-After is over) sends only that domain's names.
    #[test]
    fn desec_429_retries_only_the_throttled_domain() {
        let dir = tempdir("desec429");
        let mut h = host(Service::Desec, &["a.dedyn.io", "www.a.dedyn.io", "b.dedyn.io"]);
        // The lookup asks a loopback port nobody serves: nothing is known, all is sent.
        h.dns_server = Some(HostPort::parse("127.0.0.1:1").unwrap());
        let r429 = HttpResponse::new(429, "").with_header("Retry-After", "90");
        let (r, sent) = pass_with(&h, &dir, false, &[r429, HttpResponse::new(200, "good")], 1000);
        assert!(!r.all_ok());
        assert_eq!(sent.len(), 2, "{sent:?}");
        assert!(sent[0].contains("hostname=a.dedyn.io,www.a.dedyn.io&"), "{sent:?}");
        assert!(sent[1].contains("hostname=b.dedyn.io&"), "{sent:?}");
        let (_, sent) = pass_with(&h, &dir, false, &[], 1050);
        assert!(sent.is_empty(), "Retry-After holds: {sent:?}");
        let (r, sent) = pass_with(&h, &dir, false, &[HttpResponse::new(200, "good")], 1100);
        assert!(r.all_ok(), "{r:?}");
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert!(sent[0].contains("hostname=a.dedyn.io,www.a.dedyn.io&"), "{sent:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
