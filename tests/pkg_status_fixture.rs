//! The status document luci-app-homeport's tests feed the views
//! (tests/pkg/fixtures/status.json) is exactly the daemon's schema (src/status.rs):
//! it deserializes into `Status`, and serializing that back gives the same JSON, so no
//! field is missing, misspelt or extra. If the schema grows, this fails until the
//! fixture (and with it the LuCI tests) covers the new field.

use homeport::json_fields::FromJson;
use homeport::status::Status;

#[test]
fn luci_status_fixture_matches_schema() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pkg/fixtures/status.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let fixture: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let status: Status =
        serde_json::from_value(fixture.clone()).unwrap_or_else(|e| panic!("{path}: not a Status: {e}"));
    // `homeport status` reads it field by field (json_fields), to the same value.
    assert_eq!(Status::from_json(&fixture).as_ref(), Ok(&status), "{path}: read by hand");
    let back = serde_json::to_value(&status).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, fixture, "fixture and schema differ");
}
