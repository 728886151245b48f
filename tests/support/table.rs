//! The provider conformance table (`tests/data/providers.json`), read by the scripted
//! test, the end-to-end tests and the docs/providers.md renderer alike.

use serde_json::Value;

/// The whole table.
pub fn load() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/providers.json"))
        .expect("read tests/data/providers.json");
    serde_json::from_str(&text).expect("tests/data/providers.json is JSON")
}

/// A string field of `v`.
pub fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

const REACTION: [&str; 4] = ["outcome", "reason_has", "retry_after", "confirmed"];

/// A case and each of its variants as cases of their own. A variant replaces the answer
/// of step `step` (default 0) and the expected reaction; when that reaction is a failure,
/// the exchange ends at that step (homeport must send nothing more in the pass).
pub fn expand(case: &Value) -> Vec<Value> {
    let mut base = case.clone();
    let variants = base.as_object_mut().and_then(|o| o.remove("variants"));
    let mut out = vec![base.clone()];
    for (i, v) in variants.as_ref().and_then(Value::as_array).into_iter().flatten().enumerate() {
        let mut c = base.clone();
        let step = v.get("step").and_then(Value::as_u64).unwrap_or(0) as usize;
        let failure = matches!(s(v, "outcome"), Some("retry" | "fatal"));
        let o = c.as_object_mut().unwrap();
        for k in REACTION {
            o.remove(k);
        }
        let ex = o.get_mut("exchange").and_then(Value::as_array_mut).expect("exchange");
        if failure {
            ex.truncate(step + 1);
        }
        let st = ex[step].as_object_mut().unwrap();
        st.remove("headers");
        for k in ["status", "body", "headers"] {
            if let Some(x) = v.get(k) {
                st.insert(k.into(), x.clone());
            }
        }
        for k in REACTION {
            if let Some(x) = v.get(k) {
                o.insert(k.into(), x.clone());
            }
        }
        let name = format!("{} [variant {}: {}]", s(case, "case").unwrap_or(""), i + 1, answer_words(v));
        o.insert("case".into(), Value::String(name));
        out.push(c);
    }
    out
}

/// An answer in a few words: `HTTP 429 Retry-After 600`, `nohost`, `200 good`.
pub fn answer_words(step: &Value) -> String {
    let status = step.get("status").and_then(Value::as_u64);
    let body = s(step, "body").unwrap_or("");
    let lines: Vec<&str> = body.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let first = lines.join("\\n");
    let mut w = match status {
        Some(st) if st != 200 => format!("HTTP {st}"),
        _ => String::new(),
    };
    if let Some(h) = step.get("headers").and_then(Value::as_object) {
        for (k, v) in h {
            w.push_str(&format!(" {k}: {}", v.as_str().unwrap_or("")));
        }
    }
    if !first.is_empty() {
        if !w.is_empty() {
            w.push(' ');
        }
        let mut short: String = first.chars().take(100).collect();
        if short.len() < first.len() {
            short.push('…');
        }
        w.push_str(&short);
    }
    if w.is_empty() { "HTTP 200, empty body".into() } else { w.trim().to_string() }
}

/// The markers around the rendered table in docs/providers.md.
pub const DOC_BEGIN: &str = "<!-- BEGIN conformance table: generated from tests/data/providers.json; \
UPDATE_GOLDEN=1 cargo test --test ddns_conformance rewrites it -->";
pub const DOC_END: &str = "<!-- END conformance table -->";

/// A request in one line: method, URL, credentials, body.
fn request_words(step: &Value) -> String {
    let mut w = format!("`{} {}`", s(step, "method").unwrap_or("GET"), s(step, "url").unwrap_or(""));
    if let Some(b) = s(step, "basic") {
        w.push_str(&format!(", Basic `{b}`"));
    }
    if let Some(b) = s(step, "bearer") {
        w.push_str(&format!(", Bearer `{b}`"));
    }
    if let Some(b) = s(step, "request_body") {
        w.push_str(&format!(", body `{b}`"));
    }
    w
}

/// The reaction a case expects, in words.
fn reaction_words(c: &Value) -> String {
    let mut w = s(c, "outcome").unwrap_or("").to_string();
    if let Some(n) = c.get("retry_after").and_then(Value::as_u64) {
        w.push_str(&format!(", not before {n} s"));
    }
    if let Some(r) = s(c, "reason_has") {
        w.push_str(&format!(" (\"{r}\")"));
    }
    if let Some(names) = c.get("confirmed").and_then(Value::as_array) {
        let n: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
        w.push_str(&format!("; {} recorded as updated", n.join(", ")));
    }
    w
}

/// Markdown cell text: no pipes or line breaks of its own.
fn cell(t: &str) -> String {
    t.replace('|', "\\|").replace('\n', " ")
}

/// The table as docs/providers.md shows it (between [`DOC_BEGIN`] and [`DOC_END`]): per
/// provider, its sources and the limits the mock enforces, then one row per case and
/// variant: the requests homeport must send, the answers, and the reaction.
pub fn render_markdown(table: &Value) -> String {
    let cases: Vec<Value> = table["cases"].as_array().into_iter().flatten().flat_map(expand).collect();
    let mut services: Vec<&str> = Vec::new();
    for c in &cases {
        let sv = s(c, "service").unwrap_or("");
        if !services.contains(&sv) {
            services.push(sv);
        }
    }
    let mut out = String::new();
    for sv in services {
        let mine: Vec<&Value> = cases.iter().filter(|c| s(c, "service") == Some(sv)).collect();
        out.push_str(&format!("#### `{sv}`\n\n"));
        let mut sources: Vec<&str> = Vec::new();
        for src in mine.iter().filter_map(|c| s(c, "source")) {
            if !sources.contains(&src) {
                sources.push(src);
            }
        }
        out.push_str(&format!("Sources: {}.\n\n", sources.join("; ")));
        let hosts: Vec<String> = mine
            .iter()
            .flat_map(|c| {
                ["lookup", "exchange"].map(|k| c.get(k).and_then(Value::as_array).cloned().unwrap_or_default())
            })
            .flatten()
            .filter_map(|st| {
                s(&st, "url")
                    .and_then(|u| u.strip_prefix("https://"))
                    .and_then(|u| u.split('/').next())
                    .map(String::from)
            })
            .collect();
        let limits: Vec<String> = table["limits"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|l| s(l, "host").is_some_and(|h| h != "*" && hosts.iter().any(|x| x == h)))
            .map(|l| format!("{} ({})", s(l, "limit").unwrap_or(""), s(l, "source").unwrap_or("")))
            .collect();
        if !limits.is_empty() {
            out.push_str(&format!("Limits the mock enforces: {}.\n\n", limits.join("; ")));
        }
        out.push_str("| Case | Requests homeport must send | Answers | Reaction |\n|---|---|---|---|\n");
        for c in mine {
            let mut reqs = Vec::new();
            let mut answers = Vec::new();
            for (k, steps) in
                ["lookup", "exchange"].map(|k| (k, c.get(k).and_then(Value::as_array).cloned().unwrap_or_default()))
            {
                for st in steps {
                    let pre = if k == "lookup" { "read-back: " } else { "" };
                    reqs.push(format!("{pre}{}", request_words(&st)));
                    answers.push(format!("`{}`", answer_words(&st)));
                }
            }
            let name = s(c, "case").unwrap_or("");
            let name = name.split_once(": ").map(|(_, r)| r).unwrap_or(name);
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(name),
                cell(&reqs.join("<br>")),
                cell(&answers.join("<br>")),
                cell(&reaction_words(c))
            ));
        }
        out.push('\n');
    }
    let general: Vec<String> = table["limits"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| s(l, "host") == Some("*"))
        .map(|l| format!("{} ({})", s(l, "limit").unwrap_or(""), s(l, "source").unwrap_or("")))
        .collect();
    if !general.is_empty() {
        out.push_str(&format!("For every provider the mock also enforces: {}.\n", general.join("; ")));
    }
    out
}
