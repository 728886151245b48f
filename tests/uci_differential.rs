//! Differential corpus: 400 generated and mutated inputs (random bytes, random statement
//! streams, mutated OpenWrt files, well-formed files with every quoting style, long lines
//! with NUL bytes that exercise the fgets chunking) with the
//! outputs of the real libuci CLI recorded for each in tests/data/uci/differential.txt.
//! Each must come out byte for byte the same: `uci show`, `uci -S show`, `uci commit`.

use homeport::uci::{self, Mode};

#[derive(Default)]
struct Record {
    id: String,
    input: Vec<u8>,
    strict: Vec<u8>,
    lenient: Vec<u8>,
    commit: Option<Vec<u8>>,
}

/// Undoes the corpus escapes: `\\`, `\n`, `\t`, `\r`, `\xNN`.
fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'x' => {
                    let hex = s.get(i + 2..i + 4).unwrap_or_else(|| panic!("short \\x escape in {s:?}"));
                    out.push(u8::from_str_radix(hex, 16).unwrap_or_else(|e| panic!("{hex}: {e}")));
                    i += 2;
                }
                other => out.push(other),
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn corpus() -> Vec<Record> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/uci/differential.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut records = Vec::new();
    let mut cur: Option<Record> = None;
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        if let Some(id) = line.strip_prefix("case ") {
            records.extend(cur.take());
            cur = Some(Record { id: id.to_string(), ..Record::default() });
            continue;
        }
        let rec = cur.as_mut().unwrap_or_else(|| panic!("field before the first case: {line}"));
        let (field, value) = line.split_once(": ").unwrap_or_else(|| panic!("bad line: {line}"));
        match field {
            "input" => rec.input = unescape(value),
            "strict" => rec.strict = unescape(value),
            "lenient" => rec.lenient = unescape(value),
            "commit" => rec.commit = Some(unescape(value)),
            _ => panic!("unknown field {field}"),
        }
    }
    records.extend(cur);
    records
}

#[test]
fn corpus_matches_real_uci() {
    let records = corpus();
    assert_eq!(records.len(), 400);
    let mut failures = Vec::new();
    let mut commits = 0;
    for r in &records {
        let strict = match uci::show_bytes(&r.input, "t", Mode::Strict) {
            Ok((out, _)) => out,
            Err(e) => format!("{e}\n").into_bytes(),
        };
        if strict != r.strict {
            failures.push(format!("case {} (strict): {:?}", r.id, String::from_utf8_lossy(&r.input)));
        }
        let lenient = match uci::show_bytes(&r.input, "t", Mode::Lenient) {
            Ok((out, errors)) => {
                [errors.iter().map(|e| format!("{e}\n")).collect::<String>().into_bytes(), out].concat()
            }
            Err(e) => format!("lenient failed: {e}\n").into_bytes(),
        };
        if lenient != r.lenient {
            failures.push(format!("case {} (lenient): {:?}", r.id, String::from_utf8_lossy(&r.input)));
        }
        if let Some(commit) = &r.commit {
            commits += 1;
            let written = uci::parse_strict(&r.input, "t").map(|p| uci::write(&p).into_bytes());
            if written.as_ref() != Ok(commit) {
                failures.push(format!("case {} (commit): {:?}", r.id, String::from_utf8_lossy(&r.input)));
            }
        }
    }
    assert!(commits >= 100, "only {commits} commit records");
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}
