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
    let first = body.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
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
        w.push_str(&first.chars().take(60).collect::<String>());
    }
    if w.is_empty() { "HTTP 200, empty body".into() } else { w.trim().to_string() }
}
