//! `homeport migrate` end to end: reads a ddns-scripts config, adds the sections to the
//! homeport config atomically (mode kept), adds nothing on a second run, never touches a
//! config it cannot parse strictly, and `--dry-run` masks secrets and changes nothing.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

const HOMEPORT: &str = "
config homeport 'main'
\toption interface 'wan'

config ddns 'home'
\toption service 'noip'
\tlist domain 'home.example.org'
\toption username 'u'
\toption password 'p'
";

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/migrate").join(name)
}

fn migrate(args: &[&str]) -> Output {
    // Through the qemu runner for cross targets (no binfmt_misc there).
    support::homeport().arg("migrate").args(args).output().unwrap_or_else(|e| panic!("run homeport: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn setup(dir: &Path) -> PathBuf {
    let cfg = dir.join("homeport");
    fs::write(&cfg, HOMEPORT).unwrap_or_else(|e| panic!("{e}"));
    fs::set_permissions(&cfg, fs::Permissions::from_mode(0o600)).unwrap_or_else(|e| panic!("{e}"));
    cfg
}

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("homeport-migrate-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
    d
}

#[test]
fn adds_sections_once_and_keeps_mode() {
    let dir = tempdir("add");
    let cfg = setup(&dir);
    let from = golden("dual_stack.ddns");
    let out = migrate(&["-c", cfg.to_str().unwrap_or_default(), "--from", from.to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("added to"), "{}", text(&out.stdout));
    let written = fs::read_to_string(&cfg).unwrap_or_default();
    let want_tail = fs::read_to_string(golden("dual_stack.uci")).unwrap_or_default();
    assert!(written.ends_with(&want_tail), "written:\n{written}");
    assert!(written.contains("config ddns 'home'"), "existing section kept:\n{written}");
    let mode = fs::metadata(&cfg).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
    assert_eq!(mode, 0o600);
    // merged-family note on stderr, naming sections, never the token
    let err = text(&out.stderr);
    assert!(err.contains("merged into 'duck_v4'"), "{err}");
    assert!(!err.contains("0d6f6e7c"), "secret in output: {err}");

    let again = migrate(&["-c", cfg.to_str().unwrap_or_default(), "--from", from.to_str().unwrap_or_default()]);
    assert_eq!(again.status.code(), Some(0));
    assert!(text(&again.stdout).contains("nothing added"), "{}", text(&again.stdout));
    assert_eq!(fs::read_to_string(&cfg).unwrap_or_default(), written, "second run changed the file");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn dry_run_masks_secrets_and_writes_nothing() {
    let dir = tempdir("dry");
    let cfg = setup(&dir);
    let from = golden("luci_defaults.ddns");
    let out = migrate(&["-n", "-c", cfg.to_str().unwrap_or_default(), "--from", from.to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains("config ddns 'myddns_ipv4'") && shown.contains("option password '***'"), "{shown}");
    assert!(!shown.contains("hunter2") && !text(&out.stderr).contains("hunter2"), "secret printed");
    assert!(shown.contains("option update_url '***'"), "{shown}");
    assert_eq!(fs::read_to_string(&cfg).unwrap_or_default(), HOMEPORT);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn refuses_a_config_it_cannot_parse_strictly() {
    let dir = tempdir("strict");
    let cfg = dir.join("homeport");
    let broken = "config homeport 'main'\n\toption interface 'wan' extra\n";
    fs::write(&cfg, broken).unwrap_or_else(|e| panic!("{e}"));
    let from = golden("cloudflare.ddns");
    let out = migrate(&["-c", cfg.to_str().unwrap_or_default(), "--from", from.to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("nothing was changed"), "{}", text(&out.stderr));
    assert_eq!(fs::read_to_string(&cfg).unwrap_or_default(), broken);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn missing_ddns_config_is_an_error() {
    let dir = tempdir("missing");
    let cfg = setup(&dir);
    let out =
        migrate(&["-c", cfg.to_str().unwrap_or_default(), "--from", dir.join("nope").to_str().unwrap_or_default()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("nope"), "{}", text(&out.stderr));
    let _ = fs::remove_dir_all(&dir);
}
