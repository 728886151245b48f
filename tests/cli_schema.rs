//! `homeport schema --json` and `homeport check --json` end to end (issue 12 items 4 and
//! 5): what LuCI's rpcd plugin reads. Runs the built binary (under qemu-user for cross
//! targets).

mod support;

use std::fs;
use std::path::PathBuf;

use serde_json::Value;
use support::homeport;

fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("homeport-cli-schema-{}-{name}", std::process::id()));
    fs::create_dir_all(&dir).expect("scratch dir");
    let p = dir.join("homeport");
    fs::write(&p, bytes).expect("write config");
    p
}

fn option<'a>(schema: &'a Value, ty: &str, name: &str) -> &'a Value {
    let sections = schema["sections"].as_array().expect("sections");
    let sec = sections.iter().find(|s| s["type"] == ty).expect("section type");
    sec["options"].as_array().expect("options").iter().find(|o| o["name"] == name).expect("option")
}

#[test]
fn schema_json_carries_the_daemons_rules() {
    let out = homeport().args(["schema", "--json"]).output().expect("run homeport");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let s: Value = serde_json::from_slice(&out.stdout).expect("schema is JSON");
    assert_eq!(s["version"], 1);
    let debounce = option(&s, "homeport", "debounce");
    assert_eq!((debounce["type"].as_str(), debounce["max"].as_u64()), (Some("duration"), Some(600)));
    assert_eq!(debounce["default"], "2s");
    let check = option(&s, "ddns", "check_interval");
    assert_eq!((check["min"].as_u64(), check["default"].as_str()), (Some(30), Some("10m")));
    let force = option(&s, "ddns", "force_interval");
    assert_eq!((force["min"].as_u64(), force["zero_means_never"].as_bool()), (Some(3600), Some(true)));
    assert_eq!(option(&s, "forward", "dest_port")["same_width_as"], "src_dport");
    assert_eq!(option(&s, "forward", "src_ip")["family_checked"], true);
    assert!(option(&s, "forward", "family").get("default").is_none(), "unset family is not 'any'");
    let units: Vec<&str> = s["duration"]["units"].as_array().unwrap().iter().filter_map(|u| u[0].as_str()).collect();
    assert!(units.contains(&"minutes") && units.contains(&"m"), "{units:?}");
    let levels: Vec<&str> = option(&s, "homeport", "log_level")["choices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["label"].as_str())
        .collect();
    assert_eq!(levels, ["Errors", "Warnings", "Notices", "Info", "Debug"]);
    assert_eq!(s["sections"][0]["bad_value_costs"], "option");
}

#[test]
fn schema_needs_json() {
    let out = homeport().args(["schema"]).output().expect("run homeport");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--json"));
}

#[test]
fn check_json_reports_each_problem_with_stable_fields() {
    // The examples: a debounce over 10m (a warning now: that option's default
    // applies), RDP open to the world, a port that is not one; a control byte and
    // invalid UTF-8 in values; a secret that must not be shown.
    let cfg = scratch(
        "report",
        b"config homeport 'main'\n\toption debounce '15m'\n\toption log_level 'debug'\n\n\
          config forward 'rdp'\n\toption src_dport '3389'\n\toption dest_ip '192.168.1.5'\n\n\
          config forward\n\toption src_dport '70000'\n\n\
          config forward\n\toption src_dport '8080'\n\toption name 'a\xff\x01b'\n\n\
          config ddns 'home'\n\toption service 'duckdns'\n\toption domain 'x'\n\toption password 's3cr3t\x07'\n",
    );
    let p = cfg.to_str().unwrap();
    let none = "/nonexistent/homeport-test";
    let out = homeport()
        .args(["check", "--json", "-c", p, "--network", none, "--dhcp", none, "--firewall", none])
        .output()
        .expect("run homeport");
    assert_eq!(out.status.code(), Some(1), "errors exit 1");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cr3t"), "secret shown");
    let text = std::str::from_utf8(&out.stdout).expect("stdout is UTF-8");
    let r: Value = serde_json::from_str(text).expect("check --json is JSON");
    let diags = r["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(r["errors"].as_u64(), Some(diags.iter().filter(|d| d["severity"] == "error").count() as u64));
    for d in diags {
        for k in ["section", "type", "index", "name", "option", "value", "severity", "message"] {
            assert!(d.get(k).is_some(), "field {k} missing in {d}");
        }
    }
    let find = |option: &str, sev: &str| diags.iter().find(|d| d["option"] == option && d["severity"] == sev);
    let debounce = find("debounce", "warning").expect("debounce warning");
    assert_eq!((debounce["section"].as_str(), debounce["name"].as_str()), (Some("@homeport[0]"), Some("main")));
    assert_eq!(debounce["value"], "15m");
    let rdp = find("src_dport", "warning").expect("RDP lint warning");
    assert_eq!((rdp["name"].as_str(), rdp["index"].as_u64()), (Some("rdp"), Some(0)));
    let port = find("src_dport", "error").expect("port error");
    assert_eq!((port["section"].as_str(), port["name"].as_str()), (Some("@forward[1]"), None));
    // A value that is not UTF-8 costs its section (issue 10 item 9), named by option.
    let name = find("name", "error").expect("non-UTF-8 name error");
    assert_eq!(name["section"].as_str(), Some("@forward[2]"));
    let pw = find("password", "error").expect("password error");
    assert!(pw["value"].is_null(), "a secret's value is never shown");

    let both = homeport().args(["check", "--json", "--show", "-c", p]).output().expect("run homeport");
    assert_eq!(both.status.code(), Some(2));
    let _ = fs::remove_dir_all(cfg.parent().unwrap());
}
