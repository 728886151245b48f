//! Hostile and broken configuration files through `check`, `rules` and `migrate`
//! (issue 10, items 7, 8, 9 and 12; docs/config.md, "How the file is read"), compared with
//! the real libuci where it helps (`../shared/tools/openwrt/bin/uci`; those comparisons
//! skip, saying so, where the tool is absent).

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use homeport::config;

struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("homeport-faults-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).expect("scratch dir");
        Scratch(d)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        fs::write(&p, bytes).expect("write");
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn homeport(args: &[&str], config: &Path) -> Output {
    let none = config.with_file_name("nonexistent");
    let mut c = support::homeport();
    c.args(args).arg("-c").arg(config);
    if args.first() != Some(&"migrate") {
        for opt in ["--network", "--dhcp", "--firewall"] {
            c.arg(opt).arg(&none);
        }
    }
    c.output().expect("run homeport")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The real `uci` (openwrt/uci, see ../shared/tools/README.md), if this machine has it.
fn real_uci() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = ["../shared", "../../shared"]
        .iter()
        .map(|s| root.join(s).join("tools/openwrt/bin/uci"))
        .find(|p| Command::new(p).arg("-c").arg("/nonexistent").arg("show").output().is_ok());
    if found.is_none() {
        eprintln!("SKIPPED (libuci comparison): ../shared/tools/openwrt/bin/uci is not on this machine");
    }
    found
}

/// `uci [-S] -c DIR show NAME`: stdout.
fn uci_show(uci: &Path, file: &Path, lenient: bool) -> Vec<u8> {
    let mut c = Command::new(uci);
    if lenient {
        c.arg("-S");
    }
    let dir = file.parent().expect("dir");
    let name = file.file_name().expect("name");
    c.arg("-c").arg(dir).arg("show").arg(name).output().expect("run uci").stdout
}

const NAS_CAM: &str = "config homeport 'main'\n\toption device 'wan0'\n\n\
config forward 'nas'\n\toption proto 'tcp'\n\toption src_dport '8443'\n\toption dest_ip '192.168.1.10'\n\n\
confg forward 'cam'\n\toption src_dport '8554'\n\toption dest_ip '192.168.1.20'\n\n\
config forward 'web'\n\toption proto 'tcp'\n\toption src_dport '8080'\n\toption dest_ip '192.168.1.30'\n";

#[test]
fn a_typo_in_a_config_line_never_redirects_a_forward() {
    let s = Scratch::new("typo");
    let p = s.file("homeport", NAS_CAM.as_bytes());
    // libuci's lenient reader (init scripts, `uci -S`) puts cam's address into nas:
    if let Some(uci) = real_uci() {
        let shown = text(&uci_show(&uci, &p, true));
        assert!(shown.contains("homeport.nas.dest_ip='192.168.1.20'"), "{shown}");
    }
    // homeport names nas as not applied ...
    let out = homeport(&["check"], &p);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("error: Parse error (invalid command) at line 9, byte 0"), "{err}");
    assert!(
        err.contains("error: section @forward[0] ('nas'): not applied because of the syntax error at line 9"),
        "{err}"
    );
    // ... and leaves it out of the ruleset: no forward to the NAS or the camera; web stays.
    let out = homeport(&["rules"], &p);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let rules = text(&out.stdout);
    assert!(rules.contains("192.168.1.30"), "{rules}");
    assert!(!rules.contains("192.168.1.20") && !rules.contains("192.168.1.10"), "{rules}");
}

#[test]
fn oversized_files_and_lines_are_refused_and_nul_bytes_cost_no_memory() {
    let s = Scratch::new("bounds");
    let big = s.file("big", &[NAS_CAM.as_bytes(), &b"#\n".repeat(600_000)].concat());
    let out = homeport(&["check"], &big);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: cannot read {}: the file is larger than 1 MiB (1048576 bytes); homeport does not read it\n",
            big.display()
        )
    );
    let long = s.file("long", &[b"config forward 'a'\n\toption name '".as_slice(), &[b'x'; 70_000], b"'\n"].concat());
    let out = homeport(&["check", "--show"], &long);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("line 2 is longer than 64 KiB (65536 bytes)"), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    // 200 bytes of `a\0\n` lines: libuci's reader doubles its buffer per line (2^66 bytes
    // here). homeport reads it as libuci does otherwise: one joined line, an invalid command.
    let nul = s.file("nul", &b"a\0\n".repeat(66));
    let out = homeport(&["check"], &nul);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).starts_with("error: Parse error (invalid command) at line "), "{}", text(&out.stderr));
}

#[test]
fn a_value_that_is_not_utf8_is_refused_by_section_and_option_never_altered() {
    let input = b"config ddns 'home'\n\toption service 'noip'\n\tlist domain 'home.example.org'\n\
        \toption username 'u'\n\toption password 'p\xE4ss'\n\n\
        config forward 'web'\n\toption src_dport '8080'\n\toption dest_ip '192.168.1.30'\n\toption name 'caf\xE9'\n\n\
        config forward 'ok'\n\toption src_dport '8081'\n\toption dest_ip '192.168.1.31'\n";
    let loaded = config::from_text(input, "homeport");
    let diags: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        diags,
        [
            "error: section @ddns[0] ('home'): option 'password': is not valid UTF-8; no byte is changed to guess, \
             the section is not applied",
            "error: section @forward[0] ('web'): option 'name': is not valid UTF-8; no byte is changed to guess, \
             the section is not applied",
        ]
    );
    assert!(loaded.config.ddns.is_empty());
    let names: Vec<&str> = loaded.config.forwards.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["ok"]);
    let json = serde_json::to_string(&loaded.config).expect("json");
    assert!(!json.contains('\u{FFFD}'), "{json}");
}

#[test]
fn migrate_keeps_untouched_sections_byte_for_byte_and_skips_non_utf8_sources() {
    let s = Scratch::new("migrate");
    // The homeport config has a non-UTF-8 value in a section migrate does not touch.
    let target_bytes = b"\nconfig homeport 'main'\n\toption interface 'wan'\n\n\
        config forward 'web'\n\toption src_dport '8080'\n\toption dest_ip '192.168.1.30'\n\toption comment 'caf\xE9'\n\n";
    let target = s.file("homeport", target_bytes);
    let from = s.file(
        "ddns",
        b"config service 'good'\n\toption enabled '1'\n\toption service_name 'duckdns.org'\n\
          \toption domain 'a.duckdns.org'\n\toption username 'a'\n\toption password 'tok'\n\n\
          config service 'bad'\n\toption enabled '1'\n\toption service_name 'duckdns.org'\n\
          \toption domain 'b.duckdns.org'\n\toption username 'b'\n\toption password 't\xF6k'\n",
    );
    let out = homeport(&["migrate", "--from", from.to_str().expect("utf-8")], &target);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("section @service[1] ('bad'): option 'password': is not valid UTF-8: not migrated"), "{err}");
    assert!(!err.contains("t\u{FFFD}k") && !err.contains("tok"), "a secret was printed: {err}");
    let written = fs::read(&target).expect("read back");
    assert!(written.starts_with(target_bytes), "{}", text(&written));
    assert!(!text(&written).contains("'bad'") && text(&written).contains("config ddns 'good'"), "{}", text(&written));
    assert!(!written.windows(3).any(|w| w == "\u{FFFD}".as_bytes()), "{}", text(&written));
    // libuci reads back what it would have kept: the same bytes in the untouched section.
    if let Some(uci) = real_uci() {
        let shown = uci_show(&uci, &target, false);
        assert!(shown.windows(27).any(|w| w == b"homeport.web.comment='caf\xE9'"), "{}", text(&shown));
    }
}

#[test]
fn check_show_masks_secrets_and_reveal_is_uci_show_byte_for_byte() {
    let s = Scratch::new("show");
    let input = b"config ddns 'home'\n\toption service 'custom'\n\tlist domain 'home.example.org'\n\
        \toption username 'me'\n\toption password 's3cr3t\xE4'\n\
        \toption update_url 'https://x.example/u?t=s3cr3t&ip=[IP]'\n\tlist key_secret 'k3y1'\n\tlist key_secret 'k3y2'\n\
        \toption pasword 's3cr3t'\n\n\
        config forward 'web'\n\toption src_dport '8080'\n\toption dest_ip '192.168.1.30'\n\toption name 'it'\\''s'\n";
    let p = s.file("homeport", input);
    let masked = homeport(&["check", "--show"], &p);
    let shown = text(&masked.stdout);
    assert!(!shown.contains("s3cr3t") && !shown.contains("k3y"), "{shown}");
    let want = "homeport.home=ddns\n\
        homeport.home.service='custom'\n\
        homeport.home.domain='home.example.org'\n\
        homeport.home.username='me'\n\
        homeport.home.password='***'\n\
        homeport.home.update_url='***'\n\
        homeport.home.key_secret='***' '***'\n\
        homeport.home.pasword='***'\n\
        homeport.web=forward\n\
        homeport.web.src_dport='8080'\n\
        homeport.web.dest_ip='192.168.1.30'\n\
        homeport.web.name='it'\\''s'\n";
    assert_eq!(shown, want);
    let revealed = homeport(&["check", "--show", "--reveal"], &p);
    assert!(text(&revealed.stdout).contains("homeport.home.key_secret='k3y1' 'k3y2'\n"));
    if let Some(uci) = real_uci() {
        assert_eq!(text(&revealed.stdout), text(&uci_show(&uci, &p, false)));
        assert!(revealed.stdout == uci_show(&uci, &p, false), "bytes differ from uci show");
    }
}

/// `run --dry-run` without `--state-dir` (issue 10, item 13): a directory another user
/// made under the old fixed name is not used; the run makes its own (mode 0700), writes
/// status.json there, and removes it at the end.
#[test]
fn a_dry_run_keeps_its_state_in_a_directory_of_its_own() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let s = Scratch::new("dryrun");
    let tmp = s.0.join("tmp");
    fs::create_dir_all(&tmp).expect("tmp");
    // What another local user could prepare: the old fixed name, theirs, open to all.
    let uid = nix::unistd::getuid().as_raw();
    let planted = tmp.join(format!("homeport-dry-run-{uid}"));
    fs::create_dir_all(&planted).expect("planted");
    fs::set_permissions(&planted, fs::Permissions::from_mode(0o777)).expect("chmod");
    if uid == 0 {
        std::os::unix::fs::chown(&planted, Some(65534), Some(65534)).expect("chown");
    }
    let cfg = s.file(
        "homeport",
        b"config homeport 'main'\n\toption device 'lo'\n\toption debounce '0'\n\n\
          config forward 'web'\n\toption src_dport '8080'\n\toption dest_ip '192.168.1.30'\n",
    );
    let mut c = support::homeport();
    c.args(["run", "--dry-run", "-c"]).arg(&cfg).env("TMPDIR", &tmp);
    c.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped());
    let mut guard = KillOnDrop(Some(c.spawn().expect("start homeport run --dry-run")));
    let child = guard.0.as_mut().expect("child");
    let started = std::time::Instant::now();
    let own = loop {
        let made: Vec<PathBuf> = fs::read_dir(&tmp)
            .expect("list tmp")
            .map(|e| e.expect("entry").path())
            .filter(|p| p != &planted && p.join("status.json").exists())
            .collect();
        if let [one] = made.as_slice() {
            break one.clone();
        }
        assert!(child.try_wait().expect("wait").is_none(), "homeport exited early");
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "no status.json in a private directory");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let meta = fs::symlink_metadata(&own).expect("stat");
    assert!(meta.is_dir() && meta.uid() == uid && meta.mode() & 0o7777 == 0o700, "{own:?}: {meta:?}");
    assert!(own.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("homeport-dry-run-")));
    assert_eq!(fs::read_dir(&planted).expect("planted").count(), 0, "something was written in the planted directory");
    assert!(Command::new("kill").args(["-s", "INT", &child.id().to_string()]).status().expect("kill").success());
    let out = guard.0.take().expect("child").wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(&format!("dry run: state and status.json in {}", own.display())));
    assert!(!own.exists(), "the private directory is removed at the end");
}

/// Kills the child if the test fails before it is waited for.
struct KillOnDrop(Option<std::process::Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(c) = self.0.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[test]
fn a_main_section_next_to_a_syntax_error_leaves_the_defaults() {
    let loaded = config::from_text(
        "config homeport 'main'\n\toption device 'eth9'\n\nconfg forward 'x'\n\toption device 'eth8'\n",
        "homeport",
    );
    let last = loaded.diagnostics.last().map(ToString::to_string).unwrap_or_default();
    assert_eq!(
        last,
        "error: section @homeport[0] ('main'): not applied because of the syntax error at line 4 (a broken line \
         can move options from one section into another); the defaults apply until it is fixed"
    );
    assert_eq!(loaded.config.main.device, None);
    assert_eq!(loaded.syntax.len(), 1);
}
