//! The provider conformance table (`tests/data/providers.json`) end to end: the binary,
//! `homeport update` and `homeport run`, against every provider's real host name over
//! HTTPS, in a network namespace this test creates. The names resolve to the namespace's
//! loopback, where `support::mock_provider` serves them with a certificate from a CA made
//! for the run (homeport trusts it through `cacert`), checks each request field by field
//! against the table, answers as the table says and enforces the documented limits.
//! The WAN is a veth holding the table's addresses; what is registered cannot be looked
//! up (`dns_server` is a closed port), so homeport sends every name.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use support::mock_provider::{Mock, Seen, table_hosts};
use support::netns::Netns;
use support::table::{self, s};
use support::tls::openssl_available;

/// The addresses every case of the table publishes.
const V4: &str = "198.51.100.7";
const V6: &str = "2001:db8::7";

/// `d`, stretched under qemu-user, where homeport runs 5-20x slower.
fn emulated(d: Duration) -> Duration {
    if support::runner_words().is_empty() { d } else { d * 4 }
}

struct World {
    ns: Netns,
    dir: PathBuf,
    mock: Mock,
    table: Value,
}

fn world(tag: &str) -> Option<World> {
    if !openssl_available() {
        eprintln!("SKIPPED: no openssl CLI to make the test CA (make deps installs it)");
        return None;
    }
    let ns = Netns::new(tag);
    ns.ip("link add wan0 type veth peer name wan1");
    ns.ip("link set wan1 up");
    ns.ip("link set wan0 up");
    ns.ip(&format!("addr add {V4}/24 dev wan0"));
    ns.ip(&format!("addr add {V6}/64 dev wan0 nodad"));
    ns.resolver_on_loopback();
    let dir = std::env::temp_dir().join(format!("hp-e2e-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let table = table::load();
    let limits = table["limits"].as_array().cloned().unwrap_or_default();
    let mock = Mock::start(&ns.name, &dir.join("pki"), &table_hosts(&table), limits);
    Some(World { ns, dir, mock, table })
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The `config ddns` section for a case of the table.
fn section(name: &str, c: &Value, ca: &Path) -> String {
    let mut t = format!("config ddns '{name}'\n");
    for d in c["domains"].as_array().unwrap() {
        t.push_str(&format!("\tlist domain '{}'\n", d.as_str().unwrap()));
    }
    for k in [
        "service",
        "family",
        "username",
        "password",
        "password_ipv6",
        "server",
        "zone",
        "cloudflare_zone",
        "update_url",
        "answer",
    ] {
        if let Some(v) = s(c, k) {
            t.push_str(&format!("\toption {k} '{v}'\n"));
        }
    }
    t.push_str(&format!("\toption cacert '{}'\n\toption dns_server '127.0.0.1:9'\n\n", ca.display()));
    t
}

fn main_section() -> String {
    "config homeport 'main'\n\toption device 'wan0'\n\toption debounce '0'\n\n".into()
}

/// `homeport <args>` in the namespace, through the cross runner if any.
fn in_ns(ns: &Netns) -> Command {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", &ns.name]).args(support::runner_words()).arg(support::homeport_bin());
    c
}

fn update(w: &World, cfg: &Path, state: &Path) -> Output {
    in_ns(&w.ns).args(["update", "-c"]).arg(cfg).arg("--state-dir").arg(state).output().expect("run homeport update")
}

fn status(state: &Path) -> Value {
    let out = support::homeport().args(["status", "--json", "--state-dir"]).arg(state).output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn wants(c: &Value, v6: bool) -> bool {
    match s(c, "family").unwrap_or("ipv4") {
        "both" => true,
        "ipv6" => v6,
        _ => !v6,
    }
}

/// What the status of a host after the case must say; the differences in words.
fn check_status(name: &str, c: &Value, host: &Value, t0: u64) -> Vec<String> {
    let mut f = Vec::new();
    let outcome = s(c, "outcome").unwrap();
    let want_state = match outcome {
        "updated" | "unchanged" => "ok",
        "retry" => "backoff",
        _ => "stopped",
    };
    if host["state"] != want_state {
        f.push(format!("{name}: status says {}, the table wants {want_state}: {host}", host["state"]));
    }
    if want_state == "ok" {
        for (v6, key, addr) in [(false, "registered_ipv4", V4), (true, "registered_ipv6", V6)] {
            if wants(c, v6) && host[key] != addr {
                f.push(format!("{name}: {key} is {}, not {addr}", host[key]));
            }
        }
    }
    if let Some(after) = c.get("retry_after").and_then(Value::as_u64) {
        let next = host["next_at"].as_u64().unwrap_or(0);
        if next + 2 < t0 + after {
            f.push(format!("{name}: next try at {next}, before the {after} s the provider asked for (from {t0})"));
        }
    }
    f
}

/// Every case and variant of the table through `homeport update`, twice: the first run
/// must send exactly the table's requests and end as the table says (exit code, output,
/// status); the second must send nothing at all (the name is registered, stopped, or in
/// the wait the provider asked for).
#[test]
fn homeport_update_against_every_provider_over_https() {
    require_netns!();
    let Some(w) = world("e2eup") else { return };
    let all = w.table["cases"].as_array().unwrap();
    // Under qemu-user every run of the binary costs about a second, and the suite has a
    // time budget (README, "Tests under QEMU"): there the cases run without their
    // variants, whose reactions the scripted test (tests/ddns_conformance.rs) checks on
    // the same target.
    let cases: Vec<Value> = if support::runner_words().is_empty() {
        all.iter().flat_map(table::expand).collect()
    } else {
        all.iter().map(|c| table::expand(c).swap_remove(0)).collect()
    };
    assert!(cases.len() >= 20, "the table lost cases");
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let name = s(c, "case").unwrap().to_string();
        let dir = w.dir.join(format!("case{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        let cfg = dir.join("homeport");
        std::fs::write(&cfg, main_section() + &section("c", c, &w.mock.ca)).unwrap();
        let state = dir.join("state");
        let steps: Vec<Value> = ["lookup", "exchange"]
            .iter()
            .filter_map(|k| c.get(*k).and_then(Value::as_array))
            .flatten()
            .cloned()
            .collect();
        w.mock.expect(&name, &steps);
        let t0 = now();
        let out = update(&w, &cfg, &state);
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let ok = matches!(s(c, "outcome"), Some("updated" | "unchanged"));
        if out.status.code() != Some(if ok { 0 } else { 1 }) {
            failures.push(format!("{name}: exit {:?}: {stdout}{stderr}", out.status.code()));
        }
        if w.mock.pending() > 0 {
            failures.push(format!(
                "{name}: {} request(s) the table expects were not sent: {stdout}{stderr}",
                w.mock.pending()
            ));
        }
        if let Some(words) = s(c, "reason_has") {
            if !stdout.contains(words) {
                failures.push(format!("{name}: the output lacks {words:?}: {stdout}"));
            }
        }
        for secret in ["=pw", "=tok", "=key", ":pw", "A4tok", "AAAAtok"] {
            if stdout.contains(secret) || stderr.contains(secret) {
                failures.push(format!("{name}: the output shows a secret ({secret}): {stdout}{stderr}"));
            }
        }
        let st = status(&state);
        failures.extend(check_status(&name, c, &st["hosts"][0], t0));

        let sent = w.mock.count();
        let again = update(&w, &cfg, &state);
        if w.mock.count() != sent {
            failures.push(format!("{name}: the second run sent again: {}", String::from_utf8_lossy(&again.stdout)));
        }
        if again.status.code() != out.status.code() && !(ok && again.status.code() == Some(0)) {
            failures.push(format!("{name}: second run exit {:?}", again.status.code()));
        }
        let (diff, broken) = w.mock.take_failures();
        failures.extend(diff);
        failures.extend(broken.into_iter().map(|b| format!("limit broken: {b}")));
    }
    assert!(failures.is_empty(), "{} end-to-end failure(s):\n{}", failures.len(), failures.join("\n"));
}

/// The mock enforces deSEC's documented limit (2 requests per 2 minutes per domain): a
/// third forced update of one domain within the window is answered 429 with Retry-After
/// and counted as broken, while another domain is unaffected. This is what makes the
/// other tests fail if homeport ever sent too often.
#[test]
fn the_mock_enforces_desec_rate_limit() {
    require_netns!();
    let Some(w) = world("e2elim") else { return };
    let c: Value = serde_json::json!({
        "service": "desec", "domains": ["home.dedyn.io"], "password": "tok"
    });
    let cfg = w.dir.join("homeport");
    std::fs::write(&cfg, main_section() + &section("d", &c, &w.mock.ca)).unwrap();
    let state = w.dir.join("state");
    let step = serde_json::json!({"method": "GET",
        "url": format!("https://update.dedyn.io/?hostname=home.dedyn.io&myipv4={V4}&myipv6=preserve"),
        "basic": "home.dedyn.io:tok", "status": 200, "body": "good"});
    w.mock.expect("desec limit", &[step.clone(), step.clone(), step]);
    for _ in 0..2 {
        let out =
            in_ns(&w.ns).args(["update", "--force", "-c"]).arg(&cfg).arg("--state-dir").arg(&state).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    }
    assert_eq!(w.mock.take_failures(), (vec![], vec![]));
    let out = in_ns(&w.ns).args(["update", "--force", "-c"]).arg(&cfg).arg("--state-dir").arg(&state).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("rate limited by the provider (HTTP 429)"), "{text}");
    let (diff, broken) = w.mock.take_failures();
    assert!(diff.is_empty(), "{diff:?}");
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert!(broken[0].contains("more than 2 requests in 120 s for \"home.dedyn.io\""), "{broken:?}");
    // The 429's Retry-After holds: a plain update sends nothing.
    let out = update(&w, &cfg, &state);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("waiting"), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(w.mock.take_failures(), (vec![], vec![]));
}

struct Daemon(Option<Child>);

impl Daemon {
    fn start(w: &World, cfg: &Path, state: &Path, log: &Path) -> Daemon {
        let mut c = in_ns(&w.ns);
        c.args(["run", "--foreground", "-c"]).arg(cfg).arg("--state-dir").arg(state);
        c.stdout(Stdio::null()).stderr(Stdio::from(std::fs::File::create(log).unwrap()));
        Daemon(Some(c.spawn().expect("start homeport run")))
    }

    /// SIGTERM, then waits for the exit.
    fn stop(&mut self, log: &Path) {
        let mut child = self.0.take().unwrap();
        // `ip netns exec` execs the program, so the child pid is homeport's.
        assert!(Command::new("kill").args(["-s", "TERM", &child.id().to_string()]).status().unwrap().success());
        let t = Instant::now();
        while child.try_wait().unwrap().is_none() {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            assert!(t.elapsed() < emulated(Duration::from_secs(15)), "homeport run did not stop; log:\n{log}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The daemon, with one section per provider (the table's `daemon` cases: several names,
/// both families where the provider has them), sends exactly the table's requests, keeps
/// every limit, and records each name; restarted with its state, it sends nothing.
#[test]
fn homeport_run_against_the_providers_over_https() {
    require_netns!();
    let Some(w) = world("e2erun") else { return };
    let cases: Vec<&Value> =
        w.table["cases"].as_array().unwrap().iter().filter(|c| c.get("daemon") == Some(&Value::Bool(true))).collect();
    assert!(cases.len() >= 8, "the table lost its daemon cases");
    let mut cfg_text = main_section();
    let mut steps = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        cfg_text.push_str(&section(&format!("p{i}"), c, &w.mock.ca));
        steps.extend(
            ["lookup", "exchange"].iter().filter_map(|k| c.get(*k).and_then(Value::as_array)).flatten().cloned(),
        );
    }
    let cfg = w.dir.join("homeport");
    std::fs::write(&cfg, cfg_text).unwrap();
    let (state, log) = (w.dir.join("state"), w.dir.join("daemon.log"));
    w.mock.expect("daemon", &steps);
    let mut d = Daemon::start(&w, &cfg, &state, &log);
    let done = w.mock.wait_done(emulated(Duration::from_secs(30)));
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
    assert!(done, "{} request(s) never came; log:\n{}", w.mock.pending(), log_text());
    // Nothing more comes once every name is registered.
    let sent = w.mock.count();
    std::thread::sleep(emulated(Duration::from_secs(2)));
    assert_eq!(w.mock.count(), sent, "more requests than the table's: {:?}", w.mock.seen().last());
    d.stop(&log);
    let (diff, broken) = w.mock.take_failures();
    assert!(diff.is_empty() && broken.is_empty(), "{diff:#?}\n{broken:#?}\nlog:\n{}", log_text());

    let st = status(&state);
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let host = st["hosts"].as_array().unwrap().iter().find(|h| h["section"] == format!("p{i}"));
        match host {
            Some(h) => failures.extend(check_status(s(c, "case").unwrap(), c, h, 0)),
            None => failures.push(format!("p{i}: no status: {st}")),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");

    // Restarted with its state: every name is known to be registered, nothing is sent.
    w.mock.expect("daemon restart", &[]);
    let mut d = Daemon::start(&w, &cfg, &state, &log);
    std::thread::sleep(emulated(Duration::from_secs(3)));
    d.stop(&log);
    assert_eq!(w.mock.count(), 0, "sent after a restart: {:?}\nlog:\n{}", w.mock.seen(), log_text());
}

/// Issue 11 items 2 and 10 in the daemon, in real time: deSEC answers one domain's request
/// with 429 and `Retry-After: 35` (longer than the 30 s the section's `retry_interval`
/// allows); the other domain is updated at once; the daemon asks again for the failed
/// names only, and not before the wait is over (the mock counts an earlier request as a
/// broken limit, and a request for the other domain as one the table does not expect).
#[test]
fn daemon_waits_out_retry_after_and_retries_only_what_failed() {
    require_netns!();
    let Some(w) = world("e2eretry") else { return };
    let c = serde_json::json!({
        "service": "desec", "domains": ["home.dedyn.io", "www.home.dedyn.io", "other.dedyn.io"], "password": "tok"
    });
    let cfg = w.dir.join("homeport");
    let text = main_section() + &section("d", &c, &w.mock.ca).replace("\n\n", "\n\toption retry_interval '30s'\n\n");
    std::fs::write(&cfg, text).unwrap();
    let home = format!("https://update.dedyn.io/?hostname=home.dedyn.io,www.home.dedyn.io&myipv4={V4}&myipv6=preserve");
    let step = |url: &str, user: &str, status: u16, after: Option<&str>| {
        let mut s = serde_json::json!({"method": "GET", "url": url, "basic": format!("{user}:tok"), "status": status,
            "body": if status == 200 { "good" } else { "" }});
        if let Some(a) = after {
            s["headers"] = serde_json::json!({ "Retry-After": a });
        }
        s
    };
    let other = format!("https://update.dedyn.io/?hostname=other.dedyn.io&myipv4={V4}&myipv6=preserve");
    w.mock.expect(
        "daemon retry",
        &[
            step(&home, "home.dedyn.io", 429, Some("35")),
            step(&other, "other.dedyn.io", 200, None),
            step(&home, "home.dedyn.io", 200, None),
        ],
    );
    let (state, log) = (w.dir.join("state"), w.dir.join("daemon.log"));
    let started = Instant::now();
    let mut d = Daemon::start(&w, &cfg, &state, &log);
    let log_text = || std::fs::read_to_string(&log).unwrap_or_default();
    let done = w.mock.wait_done(Duration::from_secs(35) + emulated(Duration::from_secs(30)));
    let (diff, broken) = w.mock.take_failures();
    assert!(diff.is_empty() && broken.is_empty(), "{diff:#?}\n{broken:#?}\nlog:\n{}", log_text());
    assert!(
        done,
        "{} request(s) never came; seen {:?}; log:\n{}",
        w.mock.pending(),
        w.mock.seen().iter().map(Seen::url).collect::<Vec<_>>(),
        log_text()
    );
    assert!(started.elapsed() >= Duration::from_secs(35), "retried after {:?}", started.elapsed());
    let sent = w.mock.count();
    std::thread::sleep(emulated(Duration::from_secs(2)));
    assert_eq!(w.mock.count(), sent, "more requests than the table's");
    d.stop(&log);
    let (diff, broken) = w.mock.take_failures();
    assert!(diff.is_empty() && broken.is_empty(), "{diff:#?}\n{broken:#?}\nlog:\n{}", log_text());
    let st = status(&state);
    assert_eq!(st["hosts"][0]["state"], "ok", "{st}");
}

/// Retry-After across runs of `homeport update`: deSEC answers 429 with `Retry-After: 30`
/// (the shortest wait homeport keeps anyway, so the provider's wait decides); a second run
/// started the moment the status's `next_at` has come must not send before the wait is over
/// (the mock holds the wait to the millisecond from its answer, RFC 9110 §10.2.3). The
/// first run starts late in its second, so an answer stamped with the start of the run,
/// rounded down, would make the second run send more than half a second early.
#[test]
fn update_again_right_when_retry_after_ends() {
    require_netns!();
    let Some(w) = world("e2eagain") else { return };
    let c = serde_json::json!({ "service": "desec", "domains": ["home.dedyn.io"], "password": "tok" });
    let cfg = w.dir.join("homeport");
    let text = main_section() + &section("d", &c, &w.mock.ca).replace("\n\n", "\n\toption retry_interval '30s'\n\n");
    std::fs::write(&cfg, text).unwrap();
    let state = w.dir.join("state");
    let url = format!("https://update.dedyn.io/?hostname=home.dedyn.io&myipv4={V4}&myipv6=preserve");
    let step = |status: u16| {
        let mut s = serde_json::json!({"method": "GET", "url": url, "basic": "home.dedyn.io:tok", "status": status,
            "body": if status == 200 { "good" } else { "" }});
        if status == 429 {
            s["headers"] = serde_json::json!({ "Retry-After": "30" });
        }
        s
    };
    w.mock.expect("update again", &[step(429), step(200)]);
    let subsec = || SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_millis();
    while !(500..600).contains(&subsec()) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = update(&w, &cfg, &state);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(w.mock.count(), 1);
    let next = status(&state)["hosts"][0]["next_at"].as_u64().expect("a next try in the status");
    while now() < next {
        std::thread::sleep(Duration::from_millis(2));
    }
    let again = update(&w, &cfg, &state);
    let text = String::from_utf8_lossy(&again.stdout);
    let (diff, broken) = w.mock.take_failures();
    assert!(broken.is_empty(), "sent before the provider's wait was over: {broken:?}\n{text}");
    assert!(diff.is_empty(), "{diff:?}\n{text}");
    assert_eq!(again.status.code(), Some(0), "{text}");
    assert_eq!(w.mock.pending(), 0);
}
