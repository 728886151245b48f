//! `homeport check` end to end: output on stdout/stderr and exit statuses 0/1/2, `--show`,
//! `--version`, usage errors. Runs the built binary (under qemu-user for cross targets).

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

use support::homeport;

/// A scratch directory of this test process, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "homeport-cli-check-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        fs::write(&p, text).expect("write scratch file");
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str]) -> Output {
    homeport().args(args).output().expect("run homeport")
}

fn check(path: &Path, extra: &[&str]) -> Output {
    let p = path.to_str().expect("utf-8 path");
    let mut args = vec!["check", "-c", p];
    args.extend_from_slice(extra);
    run(&args)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const GOOD: &str = "\
config homeport 'main'
\toption interface 'wan'

config forward 'web'
\toption proto 'tcp'
\toption src_dport '50443'
\toption dest_ip '192.168.1.10'
\toption dest_port '443'

config forward
\tlist src_ip '198.51.100.0/24'
\tlist src_ip '!198.51.100.7'
\toption src_dport '50022'
\toption dest_ip '192.168.1.11'
\toption name 'it'\\''s ssh'
";

#[test]
fn version() {
    let out = run(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), format!("homeport {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn help_lists_check() {
    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let s = text(&out.stdout);
    assert!(s.contains("Usage: homeport"), "{s}");
    assert!(s.contains("check"), "{s}");
    let out = run(&["check", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let s = text(&out.stdout);
    assert!(s.contains("-c, --config") && s.contains("--show"), "{s}");
}

#[test]
fn usage_errors_exit_2() {
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no command given"));
    for args in [&["frobnicate"][..], &["check", "--no-such-option"], &["check", "-c"]] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn clean_config_exits_0_silently() {
    let s = Scratch::new();
    let out = check(&s.file("homeport", GOOD), &[]);
    assert_eq!(text(&out.stderr), "");
    assert_eq!(text(&out.stdout), "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn warnings_only_exit_0() {
    let s = Scratch::new();
    let p = s.file("homeport", "config forward 'f'\n\toption src_dport '50000'\n\toption dest_prot '1'\n");
    let out = check(&p, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stderr),
        "warning: section @forward[0] ('f'): option 'dest_prot': unknown option, ignored (did you mean 'dest_port'?)\n"
    );
}

#[test]
fn errors_exit_1_and_name_section_option_value() {
    let s = Scratch::new();
    let p = s.file(
        "homeport",
        "config forward 'ok'\n\toption src_dport '1000'\n\n\
         config forward 'rdp'\n\toption src_dport '3389'\n\toption dest_port '70000'\n\n\
         config ddns 'home'\n\toption service 'duckdns'\n\toption domain 'x'\n\toption password 'hunter2\x01'\n",
    );
    let out = check(&p, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: section @forward[1] ('rdp'): option 'dest_port': '70000' is not a port (1-65535)\n\
         warning: section @forward[1] ('rdp'): skipped due to invalid options\n\
         error: section @ddns[0] ('home'): option 'password': contains control characters\n\
         warning: section @ddns[0] ('home'): skipped due to invalid options\n"
    );
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn unreadable_exits_2() {
    let s = Scratch::new();
    let missing = s.0.join("nope");
    let out = check(&missing, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.starts_with(&format!("error: cannot read {}: ", missing.display())), "{err}");
    let out = check(&s.0, &[]);
    assert_eq!(out.status.code(), Some(2), "a directory is unreadable as a config");
}

#[test]
fn syntax_errors_are_diagnostics_in_lenient_mode() {
    let s = Scratch::new();
    let p = s.file("homeport", "config forward 'a'\n\toption src-dport '1'\n\toption dest_ip '192.168.1.2'\n");
    let out = check(&p, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: Parse error (invalid character in name field) at line 2, byte 18; the rest of that line is ignored\n\
         error: section @forward[0] ('a'): not applied because of the syntax error at line 2 (a broken line can \
         move options from one section into another)\n"
    );
}

#[test]
fn what_only_strict_readers_refuse_is_an_error() {
    // libuci's lenient mode keeps `option x y z` as x='y' without a word; uci and LuCI
    // refuse the file.
    let s = Scratch::new();
    let p = s.file("homeport", "config forward 'a'\n\toption src_dport '50000' 'x'\n");
    let out = check(&p, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: Parse error (too many arguments) at line 2, byte 30; uci and LuCI refuse the file because of it\n\
         error: section @forward[0] ('a'): not applied because of the syntax error at line 2 (a broken line can \
         move options from one section into another)\n"
    );
}

#[test]
fn show_prints_uci_show_form() {
    let s = Scratch::new();
    let out = check(&s.file("homeport", GOOD), &["--show"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "homeport.main=homeport\n\
         homeport.main.interface='wan'\n\
         homeport.web=forward\n\
         homeport.web.proto='tcp'\n\
         homeport.web.src_dport='50443'\n\
         homeport.web.dest_ip='192.168.1.10'\n\
         homeport.web.dest_port='443'\n\
         homeport.@forward[1]=forward\n\
         homeport.@forward[1].src_ip='198.51.100.0/24' '!198.51.100.7'\n\
         homeport.@forward[1].src_dport='50022'\n\
         homeport.@forward[1].dest_ip='192.168.1.11'\n\
         homeport.@forward[1].name='it'\\''s ssh'\n"
    );
    assert_eq!(text(&out.stderr), "");
}

/// `check --show` on the realistic OpenWrt files prints, byte for byte, what the real
/// libuci `uci show <name>` printed for them (recorded in tests/data/uci/<name>.show; see
/// tests/uci_files.rs). The package is named after the file, as with uci.
#[test]
fn show_is_byte_identical_to_recorded_uci_show() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/uci");
    let none = data.join("nonexistent");
    let none = none.to_str().expect("utf-8 path");
    for name in ["firewall", "network", "dhcp"] {
        let want = fs::read(data.join(format!("{name}.show"))).expect("recorded uci show output");
        let out =
            check(&data.join(name), &["--show", "--reveal", "--network", none, "--dhcp", none, "--firewall", none]);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{name}: {:?} {}", out.status, text(&out.stderr));
        assert!(out.stdout == want, "{name}: stdout differs from uci show:\n{}", text(&out.stdout));
    }
}

#[test]
fn show_names_the_package_after_the_file() {
    let s = Scratch::new();
    let out = check(&s.file("myconf", "config homeport 'main'\n"), &["--show"]);
    assert_eq!(text(&out.stdout), "myconf.main=homeport\n");
}

#[test]
fn show_parses_strictly_and_reports_line_and_byte() {
    let s = Scratch::new();
    let p = s.file("homeport", "config forward 'a'\n\toption src_dport '1' 'x'\n");
    let out = check(&p, &["--show"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "", "nothing is shown for a file uci show would refuse");
    let err = text(&out.stderr);
    assert!(err.starts_with(&format!("error: {}: Parse error (", p.display())), "{err}");
    assert!(err.contains(" at line 2, byte "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn show_still_reports_config_errors() {
    let s = Scratch::new();
    let p = s.file("homeport", "config forward 'a'\n\toption src_dport 'x'\n");
    let out = check(&p, &["--show"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "homeport.a=forward\nhomeport.a.src_dport='x'\n");
    assert!(text(&out.stderr).starts_with("error: section @forward[0] ('a'): option 'src_dport': 'x'"));
}

#[test]
fn long_option_name_works() {
    let s = Scratch::new();
    let p = s.file("homeport", GOOD);
    let out = run(&["check", "--config", p.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn secrets_never_reach_stderr() {
    let s = Scratch::new();
    let p = s.file(
        "homeport",
        "config ddns 'a'\n\toption service 'custom'\n\toption domain 'a.example.org'\n\
         \toption update_url 'https://x.example/u/s3cr3t/[BAD]'\n\toption pasword 's3cr3t'\n\
         \toption key_secret 's3cr3t!'\n\toption password 's3cr3t\x07'\n",
    );
    let out = check(&p, &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("unknown placeholder '[BAD]'"), "{err}");
    assert!(!err.contains("s3cr3t"), "{err}");
}

#[test]
fn shipped_example_config_passes() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("openwrt-package/homeport/files/etc/config/homeport");
    let out = check(&p, &[]);
    assert_eq!(text(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
    let out = check(&p, &["--show"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("homeport.main=homeport\nhomeport.main.enabled='1'\n"));
}
