//! The provider conformance table (`tests/data/providers.json`, issue 11): for each case,
//! the section's options, the request homeport must send (method, URL, credentials, body),
//! the provider's documented answer, and the reaction homeport must have. The exchange is
//! driven through `ddns::run::update_names` (after `ddns::run::lookup_registered` when the
//! case has a read-back) with a transport that checks every request
//! against the table and answers from it; no network is used. Each case's variants (one
//! documented answer each) run as cases of their own (`support::table::expand`).
//! tests/ddns_e2e.rs runs the same table through the binary over HTTPS.

mod support;

use std::collections::VecDeque;

use homeport::config::{AddrFamily, DdnsHost, Service};
use homeport::ddns::Outcome;
use homeport::ddns::engine::{Addrs, Lookup};
use homeport::ddns::http::{Transport, TransportError};
use homeport::ddns::request::{HttpRequest, HttpResponse, Method};
use homeport::types::{HostPort, Hostname, Secret};
use serde_json::Value;

struct Table {
    case: String,
    expected: VecDeque<Value>,
    failures: Vec<String>,
}

impl Transport for Table {
    fn send(&mut self, req: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let Some(step) = self.expected.pop_front() else {
            self.failures.push(format!("{}: unexpected request {} {}", self.case, req.method, req.redacted_url()));
            return Err(TransportError::Failed("the table has no more answers".into()));
        };
        let s = |k: &str| step.get(k).and_then(Value::as_str);
        let method = match req.method {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
        };
        let mut check = |what: &str, got: Option<&str>, want: Option<&str>| {
            if want.is_some() && got != want {
                self.failures.push(format!("{}: {what}: sent {got:?}, the table wants {want:?}", self.case));
            }
        };
        check("method", Some(method), s("method"));
        check("url", Some(req.url.as_str()), s("url"));
        let basic = s("basic").map(|up| {
            let (u, p) = up.split_once(':').unwrap();
            homeport::ddns::basic_auth::header_value(u, &Secret::new(p))
        });
        check("Authorization", req.header_value("Authorization"), basic.as_deref());
        let bearer = s("bearer").map(|t| format!("Bearer {t}"));
        check("Authorization", req.header_value("Authorization"), bearer.as_deref());
        check("body", req.body.as_deref(), s("request_body"));
        let ua = req.header_value("User-Agent").unwrap_or("");
        if !ua.starts_with("homeport/") || ua.contains("example.invalid") {
            self.failures.push(format!("{}: User-Agent {ua:?}", self.case));
        }
        let mut resp = HttpResponse::new(step["status"].as_u64().unwrap() as u16, s("body").unwrap_or(""));
        if let Some(h) = step.get("headers").and_then(Value::as_object) {
            for (k, v) in h {
                resp = resp.with_header(k, v.as_str().unwrap());
            }
        }
        Ok(resp)
    }
}

fn host(c: &Value) -> DdnsHost {
    let s = |k: &str| c.get(k).and_then(Value::as_str);
    let domains =
        c["domains"].as_array().unwrap().iter().map(|d| Hostname::parse(d.as_str().unwrap()).unwrap()).collect();
    let mut h = DdnsHost::new_for(Service::parse(s("service").unwrap()).unwrap(), domains);
    h.family = match s("family").unwrap_or("ipv4") {
        "both" => AddrFamily::Both,
        "ipv6" => AddrFamily::Ipv6,
        _ => AddrFamily::Ipv4,
    };
    h.username = s("username").map(str::to_string);
    h.password = s("password").map(Secret::new);
    h.password_ipv6 = s("password_ipv6").map(Secret::new);
    h.server = s("server").map(|v| HostPort::parse(v).unwrap());
    h.zone = s("zone").map(|v| Hostname::parse(v).unwrap());
    h.cloudflare_zone = s("cloudflare_zone").map(str::to_string);
    h.update_url = s("update_url").map(str::to_string);
    h.answer = s("answer").map(str::to_string);
    h
}

#[test]
fn every_provider_as_documented() {
    let table = support::table::load();
    let cases: Vec<Value> = table["cases"].as_array().unwrap().iter().flat_map(support::table::expand).collect();
    assert!(cases.len() >= 60, "the table lost cases");
    let mut failures = Vec::new();
    for c in &cases {
        let name = c["case"].as_str().unwrap().to_string();
        assert!(c["source"].as_str().is_some_and(|s| !s.is_empty()), "{name}: every case cites its source");
        if c["exchange"].as_array().is_some_and(|e| e.is_empty()) {
            // Only a read-back before any update (end to end in tests/ddns_e2e.rs).
            continue;
        }
        let h = host(c);
        let addrs = Addrs {
            v4: c.get("v4").and_then(Value::as_str).map(|a| a.parse().unwrap()),
            v6: c.get("v6").and_then(Value::as_str).map(|a| a.parse().unwrap()),
        };
        // A read-back first when the case has one (homeport with no state): the update
        // starts from what it found.
        let lookup = c.get("lookup").and_then(Value::as_array).cloned().unwrap_or_default();
        let mut t = Table { case: name.clone(), expected: lookup.clone().into(), failures: vec![] };
        let mut known = None;
        if !lookup.is_empty() {
            match homeport::ddns::run::lookup_registered(&h, Lookup::Api, addrs, &mut t) {
                Ok((_, k)) => known = k,
                Err(e) => failures.push(format!("{name}: the read-back failed: {}", e.reason)),
            }
        }
        t.expected.extend(c["exchange"].as_array().unwrap().iter().cloned());
        let (outcome, confirmed) = homeport::ddns::run::update_names(&h, addrs, &[], known, &mut t, 0);
        failures.append(&mut t.failures);
        if !t.expected.is_empty() {
            failures.push(format!("{name}: {} request(s) the table expects were not sent", t.expected.len()));
        }
        let (kind, reason, after) = match &outcome {
            Outcome::Updated { detail } => ("updated", detail.clone(), None),
            Outcome::Unchanged { detail } => ("unchanged", detail.clone(), None),
            Outcome::Retry { after, reason } => ("retry", reason.clone(), after.map(|d| d.as_secs())),
            Outcome::Fatal { reason } => ("fatal", reason.clone(), None),
        };
        if Some(kind) != c["outcome"].as_str() {
            failures.push(format!("{name}: outcome {outcome:?}, the table wants {}", c["outcome"]));
        }
        if let Some(want) = c.get("reason_has").and_then(Value::as_str) {
            if !reason.contains(want) {
                failures.push(format!("{name}: reason {reason:?} lacks {want:?}"));
            }
        }
        if let Some(want) = c.get("retry_after").and_then(Value::as_u64) {
            if after != Some(want) {
                failures.push(format!("{name}: Retry-After {after:?}, the table wants {want}"));
            }
        }
        let want_confirmed: Vec<String> = c
            .get("confirmed")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        if kind != "updated" && kind != "unchanged" && confirmed != want_confirmed {
            failures.push(format!("{name}: confirmed {confirmed:?}, the table wants {want_confirmed:?}"));
        }
        for secret in ["pw", "tok", "key"].iter().filter(|s| reason.contains(&format!("={s}"))) {
            failures.push(format!("{name}: the reason shows a secret ({secret}): {reason}"));
        }
    }
    assert!(failures.is_empty(), "{} conformance failure(s):\n{}", failures.len(), failures.join("\n"));
}

/// docs/providers.md shows the table as `support::table::render_markdown` renders it from
/// the JSON, so the documentation and the tests cannot drift apart.
/// `UPDATE_GOLDEN=1 cargo test --test ddns_conformance` rewrites the doc's copy.
#[test]
fn docs_show_the_table() {
    use support::table::{DOC_BEGIN, DOC_END, render_markdown};
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/providers.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let (Some(a), Some(b)) = (doc.find(DOC_BEGIN), doc.find(DOC_END)) else {
        panic!("docs/providers.md lacks the markers:\n{DOC_BEGIN}\n{DOC_END}");
    };
    let start = a + DOC_BEGIN.len();
    let want = format!("\n\n{}\n", render_markdown(&support::table::load()));
    if doc[start..b] == want {
        return;
    }
    if std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::write(path, format!("{}{want}{}", &doc[..start], &doc[b..])).unwrap();
        return;
    }
    panic!("docs/providers.md's conformance table differs from tests/data/providers.json (run with UPDATE_GOLDEN=1)");
}
