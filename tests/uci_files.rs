//! Realistic OpenWrt files (tests/data/uci/{firewall,network,dhcp}, written for homeport
//! in the shape OpenWrt ships them: comments, tab alignment, anonymous sections, lists,
//! both quote styles, a merged section) and file loading.
//!
//! `<name>.show` and `<name>.commit` were recorded from the real libuci CLI (openwrt/uci
//! 66127cd): `uci -c DIR show <name>`, and the file `uci -c DIR commit <name>` wrote.

use std::path::{Path, PathBuf};

use homeport::uci::{self, ConfigDirs, LoadError, Mode, ParseErrorKind};

const FILES: [&str; 3] = ["firewall", "network", "dhcp"];

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/uci").join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(data(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Directories where no override exists, so files load from where they are.
fn no_override() -> ConfigDirs {
    ConfigDirs { config_dir: PathBuf::from("/nonexistent/etc/config"), runtime_dir: PathBuf::from("/nonexistent/run") }
}

#[test]
fn show_matches_uci_show() {
    for name in FILES {
        let loaded = uci::load_in(&data(name), &no_override(), Mode::Strict).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.package.name, name);
        assert!(loaded.errors.is_empty());
        assert_eq!(uci::show(&loaded.package), read(&format!("{name}.show")), "{name}");
        let raw = std::fs::read(data(name)).unwrap_or_default();
        let (bytes, _) = uci::show_bytes(&raw, name, Mode::Strict).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(String::from_utf8_lossy(&bytes), read(&format!("{name}.show")), "{name}");
    }
}

#[test]
fn write_matches_uci_commit_and_round_trips() {
    for name in FILES {
        let p = uci::parse_strict(read(name), name).unwrap_or_else(|e| panic!("{e}"));
        let written = uci::write(&p);
        assert_eq!(written, read(&format!("{name}.commit")), "{name}");
        // The committed form parses back to the same show output.
        let again = uci::parse_strict(&written, name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(uci::show(&again), read(&format!("{name}.show")), "{name}");
        assert_eq!(uci::write(&again), written, "{name}");
    }
}

#[test]
fn realistic_files_model() {
    let fw = uci::parse_strict(read("firewall"), "firewall").unwrap_or_else(|e| panic!("{e}"));
    let redirects: Vec<_> = fw.sections_of("redirect").map(|(i, s)| (i, s.name.clone())).collect();
    assert_eq!(redirects, [(0, Some("nas_https".to_string())), (1, None)]);
    let nas = fw.section("nas_https").and_then(|s| s.option("enabled")).map(|v| v.items().to_vec());
    assert_eq!(nas, Some(vec!["0".to_string()]));
    let game = fw.sections_of("redirect").nth(1).and_then(|(_, s)| s.option("src_ip")).map(|v| v.items().to_vec());
    assert_eq!(game, Some(vec!["198.51.100.0/24".to_string(), "!198.51.100.7".to_string()]));

    let net = uci::parse_strict(read("network"), "network").unwrap_or_else(|e| panic!("{e}"));
    let pw = net.section("wan").and_then(|s| s.option("password")).map(|v| v.items().to_vec());
    assert_eq!(pw, Some(vec!["p4ss'w0rd \"quoted\" \\back".to_string()]));
    let key = net.section("guest").and_then(|s| s.option("key")).map(|v| v.items().to_vec());
    assert_eq!(key, Some(vec!["multi\nline secret".to_string()]));
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("homeport-uci-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("etc/config")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir_all(dir.join("run/uci")).unwrap_or_else(|e| panic!("{e}"));
        TempDir(dir)
    }

    fn dirs(&self) -> ConfigDirs {
        ConfigDirs { config_dir: self.0.join("etc/config"), runtime_dir: self.0.join("run/uci") }
    }

    fn put(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn runtime_override_replaces_config_file() {
    let t = TempDir::new("override");
    let etc = t.put("etc/config/homeport", "config homeport 'main'\n\toption enabled '0'\n");
    let dirs = t.dirs();
    let before = uci::load_in(&etc, &dirs, Mode::Strict).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(before.path, etc);
    assert_eq!(uci::show(&before.package), "homeport.main=homeport\nhomeport.main.enabled='0'\n");

    let run = t.put("run/uci/homeport", "config homeport 'main'\n\toption enabled '1'\n");
    let after = uci::load_in(&etc, &dirs, Mode::Strict).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(after.path, run);
    assert_eq!(after.package.name, "homeport");
    assert_eq!(uci::show(&after.package), "homeport.main=homeport\nhomeport.main.enabled='1'\n");
    assert_eq!(uci::resolve(&etc, &dirs), run);
}

#[test]
fn override_does_not_apply_outside_the_config_dir() {
    let t = TempDir::new("elsewhere");
    let other = t.put("homeport", "config homeport 'main'\n");
    t.put("run/uci/homeport", "config other 'x'\n");
    let loaded = uci::load_in(&other, &t.dirs(), Mode::Strict).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.path, other);
    assert_eq!(uci::show(&loaded.package), "homeport.main=homeport\n");
}

#[test]
fn load_reports_io_and_parse_errors_with_the_path() {
    let t = TempDir::new("errors");
    let missing = t.0.join("etc/config/absent");
    match uci::load_in(&missing, &t.dirs(), Mode::Strict) {
        Err(LoadError::Io { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected an I/O error, got {other:?}"),
    }
    let bad = t.put("etc/config/bad", "config t\n\toption a 'open\n");
    match uci::load_in(&bad, &t.dirs(), Mode::Strict) {
        Err(e @ LoadError::Parse { .. }) => {
            assert_eq!(
                e.to_string(),
                format!("{}: Parse error (EOF with unterminated ') at line 2, byte 16", bad.display())
            );
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
    let lenient = uci::load_in(&bad, &t.dirs(), Mode::Lenient).unwrap_or_else(|e| panic!("{e}"));
    let kinds: Vec<_> = lenient.errors.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [ParseErrorKind::UnterminatedSingleQuote]);
    assert_eq!(lenient.package.sections.len(), 1);
}
