//! Golden tests for `homeport migrate`: realistic ddns-scripts configs
//! (`tests/golden/migrate/<case>.ddns`) → the homeport sections written (`<case>.uci`) and
//! the notes about what was not carried over (`<case>.notes`). `UPDATE_GOLDEN=1` rewrites.
//! Every output must also be a homeport config the daemon accepts (`<case>.check`: the
//! diagnostics `config::build` gives for it).

use std::fs;
use std::path::{Path, PathBuf};

use homeport::migrate;
use homeport::uci::{self, Package};

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/migrate");
    let mut v: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ddns"))
        .collect();
    v.sort();
    v
}

fn golden(path: &Path, got: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::write(path, got).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let want = fs::read_to_string(path).unwrap_or_default();
    if want != got {
        failures.push(format!("{} differs:\n--- want\n{want}\n--- got\n{got}", path.display()));
    }
}

#[test]
fn migrate_golden() {
    let cases = cases();
    assert!(cases.len() >= 4, "golden cases missing");
    let mut failures = Vec::new();
    for case in &cases {
        let input = fs::read(case).unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        let (ddns, errors) = uci::parse_lenient(&input, "ddns");
        assert!(errors.is_empty(), "{}: {errors:?}", case.display());
        let m = migrate::migrate(&ddns);
        let notes: String = m.notes.iter().map(|d| format!("{d}\n")).collect();
        let out = Package { name: "homeport".into(), sections: m.sections };
        let text = uci::write(&out);
        golden(&case.with_extension("uci"), &text, &mut failures);
        golden(&case.with_extension("notes"), &notes, &mut failures);

        // The written file reads back (strictly, as LuCI does) to the same sections.
        let back = uci::parse_strict(&text, "homeport").unwrap_or_else(|e| panic!("{}: {e}", case.display()));
        assert_eq!(back.sections.len(), out.sections.len(), "{}", case.display());

        // And the daemon accepts it: what config::build says about it is pinned too.
        let (_, diags) = homeport::config::build(&back);
        let check: String = diags.iter().map(|d| format!("{d}\n")).collect();
        golden(&case.with_extension("check"), &check, &mut failures);
        assert!(!homeport::config::has_errors(&diags), "{}: migrated config has errors:\n{check}", case.display());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
