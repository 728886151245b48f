//! Golden tests of the config contract: `tests/golden/config/<case>.uci` is read as
//! `/etc/config/homeport` would be (lenient parse, then `config::build`); the
//! diagnostics must equal `<case>.diag` and the typed config, as JSON, `<case>.json`.
//! `UPDATE_GOLDEN=1 cargo test --test golden_config` rewrites the expected files.
//!
//! Every secret in the cases contains `s3cr3t`; no output may.

use std::fs;
use std::path::{Path, PathBuf};

use homeport::config;

const SECRET_MARK: &str = "s3cr3t";

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/config");
    let mut cases: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "uci"))
        .collect();
    cases.sort();
    cases
}

fn render(input: &[u8]) -> (String, String) {
    let loaded = config::from_text(input, "homeport");
    let diag: String = loaded.diagnostics.iter().map(|d| format!("{d}\n")).collect();
    let json = serde_json::to_string_pretty(&loaded.config).expect("config serialises") + "\n";
    (diag, json)
}

#[test]
fn golden_config() {
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let cases = cases();
    assert!(cases.len() >= 20, "expected the golden cases, found {}", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let input = fs::read(case).expect("read case");
        let (diag, json) = render(&input);
        let name = case.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        for (what, text) in [("diag", &diag), ("json", &json)] {
            if text.contains(SECRET_MARK) {
                failures.push(format!("{name}.{what}: a secret leaked into the output:\n{text}"));
            }
            let path = case.with_extension(what);
            if update {
                fs::write(&path, text).expect("write golden file");
                continue;
            }
            match fs::read_to_string(&path) {
                Ok(want) if &want == text => {}
                Ok(want) => failures.push(format!("{name}.{what} differs:\n{}", diff(&want, text))),
                Err(e) => failures.push(format!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display())),
            }
        }
    }
    assert!(failures.is_empty(), "{} golden mismatches:\n\n{}", failures.len(), failures.join("\n\n"));
}

/// Lines only in `want` (-) and only in `got` (+), in order: enough to see what changed.
fn diff(want: &str, got: &str) -> String {
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    let mut out = String::new();
    for l in w.iter().filter(|l| !g.contains(l)) {
        out += &format!("- {l}\n");
    }
    for l in g.iter().filter(|l| !w.contains(l)) {
        out += &format!("+ {l}\n");
    }
    if out.is_empty() {
        out = "(same lines, different order or repeats)\n".to_string();
    }
    out
}

/// The runner itself must be able to fail: a changed expectation is a mismatch.
#[test]
fn a_changed_expectation_is_caught() {
    let (diag, _) = render(b"config forward 'f'\n\toption src_dport '70000'\n");
    assert!(diag.starts_with("error: section @forward[0] ('f'): option 'src_dport': '70000' is not a port"));
    assert_ne!(diff("a\n", "b\n"), "");
}

/// The shipped example config is part of the contract: usable, without errors.
#[test]
fn shipped_example_config_has_no_errors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openwrt-package/homeport/files/etc/config/homeport");
    let input = fs::read(&path).expect("read shipped config");
    let loaded = config::from_text(&input, "homeport");
    let text: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    assert!(text.is_empty(), "{text:#?}");
    assert_eq!(loaded.config.ddns.len(), 1);
    assert_eq!(loaded.config.forwards.len(), 1);
    assert!(loaded.config.ddns.iter().all(|h| !h.enabled));
    assert!(loaded.config.forwards.iter().all(|f| !f.enabled));
}

/// No input reaches a panic in `config::from_text`: every golden case, mutated many
/// times over (bytes replaced, dropped, duplicated; a deterministic generator), is read
/// and validated, and the result's diagnostics and JSON render, each diagnostic on one
/// line of its own (no value can forge a line).
#[test]
fn mutated_cases_never_panic() {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // Bytes that matter to the grammar and to the value checks.
    const INTERESTING: &[u8] = b" \t\n'\"\\#;-:/![]@.0123456789abcxyz\x00\xff";
    let mut runs = 0;
    for case in cases() {
        let base = fs::read(&case).expect("read case");
        for _ in 0..60 {
            let mut input = base.clone();
            for _ in 0..1 + next() % 4 {
                if input.is_empty() {
                    break;
                }
                let at = (next() % input.len() as u64) as usize;
                let byte = INTERESTING[(next() % INTERESTING.len() as u64) as usize];
                match next() % 3 {
                    0 => input[at] = byte,
                    1 => {
                        input.remove(at);
                    }
                    _ => input.insert(at, byte),
                }
            }
            let (diag, json) = render(&input);
            assert!(json.starts_with('{'));
            assert!(diag.lines().all(|l| l.starts_with("error: ") || l.starts_with("warning: ")), "{diag}");
            runs += 1;
        }
    }
    assert!(runs >= 20 * 60);
}
