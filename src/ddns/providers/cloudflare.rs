//! Cloudflare API v4 with a scoped API token (`password`; needs Zone:Read and DNS:Edit).
//!
//! Pure, and a small state machine because each request depends on the last answer:
//!
//! 1. find the zone: `cloudflare_zone` when it is a zone id; else `GET /zones?name=<zone>`
//!    (`cloudflare_zone` as a name), else `GET /zones?per_page=50` and the longest zone
//!    name that the domain ends with;
//! 2. per name and family: `GET /zones/{zone}/dns_records?type=A&name=<fqdn>`;
//! 3. exactly one record: nothing to do when its content is already the address, else
//!    `PATCH /zones/{zone}/dns_records/{id}` with only `{"content": ip}`, so `proxied`,
//!    `ttl` and comments stay as the user set them; no record: `POST` one (ttl auto, not
//!    proxied); several records: refuse (a round-robin the user built is not ours to
//!    collapse), so a duplicate is never created.
//!
//! Every answer's envelope must say `"success": true`. The same machine in read mode
//! (steps 1 and 2 only) tells what is registered, which matters because a DNS lookup of a
//! proxied name returns Cloudflare's edge addresses, not the record. An update right after
//! a read starts from what it found ([`Flow::knowing`]): the zone id and each record's id
//! are all the PATCH needs (path `zones/{zone_id}/dns_records/{dns_record_id}`,
//! ../shared/reference/ddns.md 7.2), so steps 1 and 2 are not asked again.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing))]

use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::Value;

use super::{Step, Target, base_url, excerpt, http_status, require_password, user_agent};
use crate::config::DdnsHost;
use crate::ddns::Outcome;
use crate::ddns::percent::encode;
use crate::ddns::request::{HttpRequest, HttpResponse, Method};

pub const DEFAULT_SERVER: &str = "api.cloudflare.com";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Update,
    Read,
}

/// One name and family to look at (and, in update mode, the address to give it).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Job {
    name: String,
    v6: bool,
    addr: Option<IpAddr>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Waiting {
    Zone,
    List(Job),
    Write(Job),
    Nothing,
}

/// One name and family's records: the list's `result` as Cloudflare answered it.
type Found = (String, bool, Value);

/// What a read found: the zone id and each name and family's records, for the update that
/// follows it at once.
#[derive(Debug)]
pub struct Records {
    zone: String,
    found: Vec<Found>,
}

#[derive(Debug)]
pub struct Flow {
    mode: Mode,
    base: String,
    token: String,
    zone_hint: Option<String>,
    zone_id: Option<String>,
    jobs: VecDeque<Job>,
    waiting: Waiting,
    changed: bool,
    /// Read mode: what each name's records hold.
    seen: Vec<(String, Option<Ipv4Addr>, Option<Ipv6Addr>)>,
    /// Read mode: the records found; update mode: those known from a read, not to list again.
    found: Vec<Found>,
}

impl Flow {
    /// Publishes the target's addresses.
    pub fn update(t: &Target) -> Result<Flow, String> {
        let mut jobs = VecDeque::new();
        for d in &t.host.domains {
            if let Some(a) = t.ipv4 {
                jobs.push_back(Job { name: d.as_str().to_string(), v6: false, addr: Some(IpAddr::V4(a)) });
            }
            if let Some(a) = t.ipv6 {
                jobs.push_back(Job { name: d.as_str().to_string(), v6: true, addr: Some(IpAddr::V6(a)) });
            }
        }
        Flow::new(t.host, Mode::Update, jobs)
    }

    /// Reads what every domain's records hold, for the host's families.
    pub fn read(host: &DdnsHost) -> Result<Flow, String> {
        let mut jobs = VecDeque::new();
        for d in &host.domains {
            if host.family.wants_v4() {
                jobs.push_back(Job { name: d.as_str().to_string(), v6: false, addr: None });
            }
            if host.family.wants_v6() {
                jobs.push_back(Job { name: d.as_str().to_string(), v6: true, addr: None });
            }
        }
        Flow::new(host, Mode::Read, jobs)
    }

    fn new(host: &DdnsHost, mode: Mode, jobs: VecDeque<Job>) -> Result<Flow, String> {
        if host.domains.is_empty() {
            return Err("option 'domain' is required".into());
        }
        let token = require_password(host, "a Cloudflare API token")?.expose().to_string();
        let hint = host.cloudflare_zone.clone().filter(|z| !z.trim().is_empty());
        let zone_id = hint.clone().filter(|z| z.len() == 32 && z.bytes().all(|b| b.is_ascii_hexdigit()));
        Ok(Flow {
            mode,
            base: format!("{}/client/v4", base_url(host, DEFAULT_SERVER)),
            token,
            zone_hint: if zone_id.is_some() { None } else { hint },
            zone_id,
            jobs,
            waiting: Waiting::Nothing,
            changed: false,
            seen: Vec::new(),
            found: Vec::new(),
        })
    }

    /// What read mode found (after `Done`), for [`Flow::knowing`].
    pub fn into_records(self) -> Option<Records> {
        let zone = self.zone_id.filter(|_| self.mode == Mode::Read)?;
        Some(Records { zone, found: self.found })
    }

    /// An update that starts from what a read just found: the zone and the records it
    /// listed are not asked for again.
    pub fn knowing(mut self, r: Records) -> Flow {
        self.zone_id = Some(r.zone);
        self.zone_hint = None;
        self.found = r.found;
        self
    }

    /// What read mode found (after `Done`), per name.
    pub fn registered(&self) -> Vec<(String, crate::ddns::engine::Addrs)> {
        self.seen.iter().map(|(n, v4, v6)| (n.clone(), crate::ddns::engine::Addrs { v4: *v4, v6: *v6 })).collect()
    }

    pub fn start(&mut self) -> Step {
        if self.zone_id.is_some() {
            return self.next_job();
        }
        let url = match &self.zone_hint {
            Some(z) => format!("{}/zones?name={}", self.base, encode(z)),
            None => format!("{}/zones?per_page=50", self.base),
        };
        self.waiting = Waiting::Zone;
        Step::Send(self.req(Method::Get, url, None))
    }

    pub fn on_response(&mut self, resp: &HttpResponse) -> Step {
        let result = match envelope(resp) {
            Ok(r) => r,
            Err(o) => return self.finish(o),
        };
        match std::mem::replace(&mut self.waiting, Waiting::Nothing) {
            Waiting::Zone => match self.pick_zone(&result) {
                Ok(id) => {
                    self.zone_id = Some(id);
                    self.next_job()
                }
                Err(reason) => self.finish(Outcome::Fatal { reason }),
            },
            Waiting::List(job) => self.on_list(job, result),
            Waiting::Write(_) => {
                self.changed = true;
                self.next_job()
            }
            Waiting::Nothing => self.finish(Outcome::Fatal { reason: "unexpected response".into() }),
        }
    }

    fn pick_zone(&self, result: &Value) -> Result<String, String> {
        let zones = result.as_array().ok_or("the zone list is not a list")?;
        let first = self.jobs.front().map(|j| j.name.as_str()).unwrap_or("");
        let wanted = self.zone_hint.as_deref();
        let best = zones
            .iter()
            .filter_map(|z| Some((z.get("name")?.as_str()?, z.get("id")?.as_str()?)))
            .filter(|(name, _)| match wanted {
                Some(w) => name.eq_ignore_ascii_case(w),
                None => {
                    let n = name.to_ascii_lowercase();
                    let f = first.to_ascii_lowercase();
                    f == n || f.ends_with(&format!(".{n}"))
                }
            })
            .max_by_key(|(name, _)| name.len());
        match best {
            Some((_, id)) => Ok(id.to_string()),
            None => Err(format!(
                "no Cloudflare zone {} is visible to this token (it needs Zone:Read{})",
                wanted.map(|w| format!("named {w}")).unwrap_or_else(|| format!("that contains {first}")),
                if wanted.is_none() { "; with more than 50 zones, set cloudflare_zone" } else { "" }
            )),
        }
    }

    fn on_list(&mut self, job: Job, result: Value) -> Step {
        let records: Vec<(&str, &str)> = result
            .as_array()
            .map(|a| a.iter().filter_map(|r| Some((r.get("id")?.as_str()?, r.get("content")?.as_str()?))).collect())
            .unwrap_or_default();
        let rtype = if job.v6 { "AAAA" } else { "A" };
        if self.mode == Mode::Read {
            let i = match self.seen.iter().position(|(n, _, _)| *n == job.name) {
                Some(i) => i,
                None => {
                    self.seen.push((job.name.clone(), None, None));
                    self.seen.len() - 1
                }
            };
            if let (Some((_, content)), Some(entry)) = (records.first(), self.seen.get_mut(i)) {
                match content.parse::<IpAddr>() {
                    Ok(IpAddr::V4(a)) if !job.v6 => entry.1 = Some(a),
                    Ok(IpAddr::V6(a)) if job.v6 => entry.2 = Some(a),
                    _ => {}
                }
            }
            self.found.push((job.name, job.v6, result));
            return self.next_job();
        }
        let Some(addr) = job.addr else { return self.next_job() };
        let zone = self.zone_id.clone().unwrap_or_default();
        match records.as_slice() {
            [] => {
                let body = serde_json::json!({
                    "type": rtype, "name": job.name, "content": addr.to_string(), "ttl": 1, "proxied": false
                });
                let url = format!("{}/zones/{}/dns_records", self.base, encode(&zone));
                self.waiting = Waiting::Write(job);
                Step::Send(self.req(Method::Post, url, Some(body.to_string())))
            }
            [(id, content)] => {
                if content.parse::<IpAddr>().ok() == Some(addr) {
                    return self.next_job();
                }
                let body = serde_json::json!({ "content": addr.to_string() });
                let url = format!("{}/zones/{}/dns_records/{}", self.base, encode(&zone), encode(id));
                self.waiting = Waiting::Write(job);
                Step::Send(self.req(Method::Patch, url, Some(body.to_string())))
            }
            _ => self.finish(Outcome::Fatal {
                reason: format!(
                    "{} has {} {rtype} records; homeport updates a name only when it has one (remove the extras)",
                    job.name,
                    records.len()
                ),
            }),
        }
    }

    fn next_job(&mut self) -> Step {
        let Some(job) = self.jobs.pop_front() else {
            return self.finish(if self.changed {
                Outcome::Updated { detail: "record content changed".into() }
            } else {
                Outcome::Unchanged { detail: "records already hold the address".into() }
            });
        };
        if self.mode == Mode::Update {
            if let Some(i) = self.found.iter().position(|(n, v6, _)| *n == job.name && *v6 == job.v6) {
                let (_, _, result) = self.found.swap_remove(i);
                return self.on_list(job, result);
            }
        }
        let zone = self.zone_id.clone().unwrap_or_default();
        let url = format!(
            "{}/zones/{}/dns_records?type={}&name={}",
            self.base,
            encode(&zone),
            if job.v6 { "AAAA" } else { "A" },
            encode(&job.name)
        );
        self.waiting = Waiting::List(job);
        Step::Send(self.req(Method::Get, url, None))
    }

    fn finish(&mut self, o: Outcome) -> Step {
        self.waiting = Waiting::Nothing;
        self.jobs.clear();
        Step::Done(o)
    }

    fn req(&self, method: Method, url: String, body: Option<String>) -> HttpRequest {
        let mut r = HttpRequest::get(url)
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("User-Agent", &user_agent());
        r.method = method;
        if body.is_some() {
            r = r.header("Content-Type", "application/json");
        }
        r.body = body;
        r
    }
}

/// The envelope's `result` when `success` is true; otherwise the outcome.
fn envelope(resp: &HttpResponse) -> Result<Value, Outcome> {
    let parsed: Option<Value> = serde_json::from_slice(&resp.body).ok();
    let errors = parsed
        .as_ref()
        .and_then(|v| v.get("errors"))
        .and_then(Value::as_array)
        .map(|errs| {
            errs.iter()
                .filter_map(|e| {
                    let msg = e.get("message").and_then(Value::as_str)?;
                    Some(match e.get("code").and_then(Value::as_i64) {
                        Some(c) => format!("{msg} ({c})"),
                        None => msg.to_string(),
                    })
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|s| !s.is_empty());
    if let Some(o) = http_status::classify(resp) {
        return Err(match (o, errors) {
            (Outcome::Fatal { reason }, Some(e)) => Outcome::Fatal { reason: format!("{reason}: {}", excerpt(&e)) },
            (o, _) => o,
        });
    }
    let Some(v) = parsed else {
        return Err(Outcome::Retry {
            after: None,
            reason: format!("unexpected answer (HTTP {}): {}", resp.status, excerpt(&resp.text())),
        });
    };
    if v.get("success").and_then(Value::as_bool) == Some(true) && (200..300).contains(&resp.status) {
        return Ok(v.get("result").cloned().unwrap_or(Value::Null));
    }
    Err(Outcome::Fatal {
        reason: format!(
            "Cloudflare refused (HTTP {}): {}",
            resp.status,
            excerpt(&errors.unwrap_or_else(|| "no reason given".into()))
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AddrFamily, Service};
    use crate::ddns::providers::testing::{host, v4, v6};
    use crate::types::Secret;

    const ZONE: &str = "023e105f4ecef8ad9ca31a8372d0c353";

    fn h() -> DdnsHost {
        let mut h = host(Service::Cloudflare, &["home.example.com"]);
        h.password = Some(Secret::new("tok"));
        h.username = None;
        h
    }

    fn ok(result: &str) -> HttpResponse {
        HttpResponse::new(200, &format!(r#"{{"success":true,"errors":[],"messages":[],"result":{result}}}"#))
    }

    fn sent(s: Step) -> HttpRequest {
        match s {
            Step::Send(r) => r,
            Step::Done(o) => panic!("done early: {o:?}"),
        }
    }

    #[test]
    fn finds_zone_then_patches_only_content() {
        let host = h();
        let mut f = Flow::update(&Target { host: &host, ipv4: v4(), ipv6: None }).unwrap();
        let r = sent(f.start());
        assert_eq!((r.method, r.url.as_str()), (Method::Get, "https://api.cloudflare.com/client/v4/zones?per_page=50"));
        assert_eq!(r.header_value("Authorization"), Some("Bearer tok"));
        let r = sent(f.on_response(&ok(&format!(
            r#"[{{"id":"aaaa","name":"com"}},{{"id":"{ZONE}","name":"example.com"}},{{"id":"bbbb","name":"other.org"}}]"#
        ))));
        assert_eq!(
            r.url,
            format!("https://api.cloudflare.com/client/v4/zones/{ZONE}/dns_records?type=A&name=home.example.com")
        );
        let r = sent(f.on_response(&ok(
            r#"[{"id":"372e67954025e0ba6aaa6d586b9e0b59","type":"A","name":"home.example.com","content":"192.0.2.1","proxied":true,"ttl":300}]"#,
        )));
        assert_eq!(r.method, Method::Patch);
        assert_eq!(
            r.url,
            format!("https://api.cloudflare.com/client/v4/zones/{ZONE}/dns_records/372e67954025e0ba6aaa6d586b9e0b59")
        );
        assert_eq!(r.body.as_deref(), Some(r#"{"content":"198.51.100.7"}"#));
        assert_eq!(r.header_value("Content-Type"), Some("application/json"));
        assert_eq!(f.on_response(&ok("{}")), Step::Done(Outcome::Updated { detail: "record content changed".into() }));
    }

    #[test]
    fn zone_by_name_or_id_and_nothing_when_current() {
        let mut host = h();
        host.cloudflare_zone = Some("example.com".into());
        let mut f = Flow::update(&Target { host: &host, ipv4: None, ipv6: v6() }).unwrap();
        assert_eq!(sent(f.start()).url, "https://api.cloudflare.com/client/v4/zones?name=example.com");
        let r = sent(f.on_response(&ok(&format!(r#"[{{"id":"{ZONE}","name":"example.com"}}]"#))));
        assert!(r.url.ends_with("dns_records?type=AAAA&name=home.example.com"));
        let done = f.on_response(&ok(r#"[{"id":"x","type":"AAAA","content":"2001:db8:0::7"}]"#));
        assert!(matches!(done, Step::Done(Outcome::Unchanged { .. })));

        host.cloudflare_zone = Some(ZONE.into());
        let mut f = Flow::update(&Target { host: &host, ipv4: v4(), ipv6: None }).unwrap();
        assert!(sent(f.start()).url.contains(&format!("/zones/{ZONE}/dns_records?type=A")));
    }

    #[test]
    fn creates_when_absent_refuses_duplicates() {
        let mut host = h();
        host.cloudflare_zone = Some(ZONE.into());
        let mut f = Flow::update(&Target { host: &host, ipv4: v4(), ipv6: None }).unwrap();
        sent(f.start());
        let r = sent(f.on_response(&ok("[]")));
        assert_eq!(r.method, Method::Post);
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"content":"198.51.100.7","name":"home.example.com","proxied":false,"ttl":1,"type":"A"}"#)
        );
        let mut f = Flow::update(&Target { host: &host, ipv4: v4(), ipv6: None }).unwrap();
        sent(f.start());
        let done = f.on_response(&ok(r#"[{"id":"a","content":"192.0.2.1"},{"id":"b","content":"192.0.2.2"}]"#));
        assert!(matches!(done, Step::Done(Outcome::Fatal { reason }) if reason.contains("2 A records")));
    }

    #[test]
    fn failures() {
        let mut host = h();
        host.cloudflare_zone = Some(ZONE.into());
        let t = Target { host: &host, ipv4: v4(), ipv6: None };
        let run = |resp: HttpResponse| {
            let mut f = Flow::update(&t).unwrap();
            sent(f.start());
            match f.on_response(&resp) {
                Step::Done(o) => o,
                Step::Send(r) => panic!("sent {r:?}"),
            }
        };
        let denied =
            HttpResponse::new(403, r#"{"success":false,"errors":[{"code":10000,"message":"Authentication error"}]}"#);
        assert_eq!(
            run(denied),
            Outcome::Fatal {
                reason: "the provider refused the credentials (HTTP 403): Authentication error (10000)".into()
            }
        );
        let refused =
            HttpResponse::new(200, r#"{"success":false,"errors":[{"code":1004,"message":"DNS Validation Error"}]}"#);
        assert!(matches!(run(refused), Outcome::Fatal { reason } if reason.contains("DNS Validation Error")));
        assert!(matches!(
            run(HttpResponse::new(429, "").with_header("Retry-After", "30")),
            Outcome::Retry { after: Some(_), .. }
        ));
        assert!(matches!(run(HttpResponse::new(200, "<html>")), Outcome::Retry { .. }));
        let mut f = Flow::update(&Target { host: &h(), ipv4: v4(), ipv6: None }).unwrap();
        sent(f.start());
        assert!(matches!(
            f.on_response(&ok(r#"[{"id":"z","name":"example.org"}]"#)),
            Step::Done(Outcome::Fatal { .. })
        ));
    }

    #[test]
    fn read_mode_reports_records() {
        let mut host = h();
        host.cloudflare_zone = Some(ZONE.into());
        host.family = AddrFamily::Both;
        let mut f = Flow::read(&host).unwrap();
        assert!(sent(f.start()).url.ends_with("type=A&name=home.example.com"));
        assert!(
            sent(f.on_response(&ok(r#"[{"id":"a","content":"198.51.100.7","proxied":true}]"#)))
                .url
                .contains("type=AAAA")
        );
        assert!(matches!(f.on_response(&ok("[]")), Step::Done(Outcome::Unchanged { .. })));
        assert_eq!(
            f.registered(),
            vec![("home.example.com".into(), crate::ddns::engine::Addrs { v4: v4(), v6: None })]
        );
    }

    #[test]
    fn read_mode_reads_every_name() {
        let mut host = host(Service::Cloudflare, &["a.example.com", "b.example.com"]);
        host.cloudflare_zone = Some(ZONE.into());
        let mut f = Flow::read(&host).unwrap();
        assert!(sent(f.start()).url.ends_with("name=a.example.com"));
        let second = sent(f.on_response(&ok(r#"[{"id":"a","content":"198.51.100.7"}]"#)));
        assert!(second.url.ends_with("name=b.example.com"), "{}", second.url);
        assert!(matches!(f.on_response(&ok("[]")), Step::Done(_)));
        let a = crate::ddns::engine::Addrs { v4: v4(), v6: None };
        assert_eq!(
            f.registered(),
            vec![("a.example.com".into(), a), ("b.example.com".into(), crate::ddns::engine::Addrs::default())]
        );
    }

    /// Issue 11 item 14: the message reads as a sentence.
    #[test]
    fn no_zone_is_said_plainly() {
        let mut f = Flow::update(&Target { host: &h(), ipv4: v4(), ipv6: None }).unwrap();
        assert!(sent(f.start()).url.ends_with("/zones?per_page=50"));
        match f.on_response(&ok(r#"[{"name":"example.net","id":"z"}]"#)) {
            Step::Done(Outcome::Fatal { reason }) => assert!(
                reason.starts_with("no Cloudflare zone that contains home.example.com is visible to this token"),
                "{reason}"
            ),
            other => panic!("{other:?}"),
        }
    }
}
