//! Golden tests for port forwarding: tests/golden/forward/<case>.uci (with optional
//! <case>.network, .dhcp, .firewall for the lint) → <case>.nft (stdout of `homeport
//! rules`) and <case>.diag (its stderr). `UPDATE_GOLDEN=1` rewrites the expected files;
//! review the diff. Every .nft is also loaded with `nft -c -f` in a fresh network
//! namespace.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/forward")
}

fn cases() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir())
        .expect("golden dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "uci"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    v.sort();
    v
}

/// `homeport rules` for one case, run in the golden directory so that paths in messages
/// are the fixture names. Absent siblings are passed as absent files.
fn run_case(case: &str) -> (String, String) {
    let out = support::homeport()
        .current_dir(dir())
        .args(["rules", "-c", &format!("{case}.uci")])
        .args(["--network", &format!("{case}.network")])
        .args(["--dhcp", &format!("{case}.dhcp")])
        .args(["--firewall", &format!("{case}.firewall")])
        .output()
        .expect("run homeport rules");
    assert!(out.status.code().is_some_and(|c| c <= 1), "{case}: {out:?}");
    // A case with a device target makes `rules` dump this machine's neighbour table.
    // Where that cannot be read (qemu-user before 10.x refuses RTM_GETNEIGH with
    // EOPNOTSUPP) `rules` says so: a fact of the machine, not of the case, so the line is
    // left out of the comparison. The cases' devices have locally administered MACs
    // (02:00:5e:…) that no machine running the tests has as a neighbour.
    let diag: String = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.starts_with("warning: cannot read the neighbour table:"))
        .map(|l| format!("{l}\n"))
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), diag)
}

#[test]
fn golden_forward_cases() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let cases = cases();
    assert!(cases.len() >= 10, "golden cases missing: {cases:?}");
    let mut failures = Vec::new();
    for case in &cases {
        let (nft, diag) = run_case(case);
        for (ext, got) in [("nft", &nft), ("diag", &diag)] {
            let path = dir().join(format!("{case}.{ext}"));
            if update {
                std::fs::write(&path, got).expect("write golden");
                continue;
            }
            let want = std::fs::read_to_string(&path).unwrap_or_default();
            if &want != got {
                failures.push(format!("{}: differs (UPDATE_GOLDEN=1 rewrites)\n--- got ---\n{got}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn golden_rulesets_load_in_nft() {
    require_netns!();
    let ns = format!("hp-golden-{}", std::process::id());
    assert!(Command::new("ip").args(["netns", "add", &ns]).status().expect("ip").success());
    let mut failures = Vec::new();
    for case in cases() {
        let path = dir().join(format!("{case}.nft"));
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.contains("table inet fw4") {
            // The pinhole script after the table fills firewall4's sets: declare them
            // first, as fw4 does from our table-pre include.
            text = format!("table inet fw4 {{\n{}}}\n{text}", fw4_sets());
        }
        let out = Command::new("ip")
            .args(["netns", "exec", &ns, "nft", "-c", "-f", "-"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                c.stdin.take().map(|mut i| i.write_all(text.as_bytes()));
                c.wait_with_output()
            })
            .expect("nft");
        if text.is_empty() || !out.status.success() {
            failures.push(format!("{}: {}", path.display(), String::from_utf8_lossy(&out.stderr)));
        }
    }
    let _ = Command::new("ip").args(["netns", "del", &ns]).status();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Our table-pre include: the pinhole set declarations fw4 puts in its table.
fn fw4_sets() -> String {
    let zone = homeport::types::UciName::parse("wan").expect("zone");
    let incs = homeport::nft::fw4::includes(&zone);
    incs.into_iter().find(|i| i.path.starts_with("table-pre")).map(|i| i.text).expect("table-pre include")
}

/// The shipped firewall4 includes are exactly what `nft::fw4::includes("wan")` renders.
#[test]
fn shipped_fw4_includes_match_the_renderer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("openwrt-package/homeport/files/usr/share/nftables.d");
    let zone = homeport::types::UciName::parse("wan").expect("zone");
    for inc in homeport::nft::fw4::includes(&zone) {
        let path = root.join(&inc.path);
        assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), inc.text, "{}", path.display());
    }
}
