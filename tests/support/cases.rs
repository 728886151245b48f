//! How many generated inputs a property test runs. Natively each test's own count; under
//! qemu-user (cross/test-qemu.sh sets `HOMEPORT_TEST_RUNNER`) a tenth of it, at least
//! 100: emulation is 10-50x slower, and on a loaded CI machine the full counts ran the
//! armv7 suite into its 900 s limit (issue 13). The tenth still runs every generator on
//! the target's byte order and word size. `HOMEPORT_PROP_CASES` overrides both.

/// Inputs per generator for a test whose native count is `native`.
pub fn cases(native: usize) -> usize {
    let emulated = std::env::var("HOMEPORT_TEST_RUNNER").is_ok_and(|r| !r.trim().is_empty());
    let fixed = std::env::var("HOMEPORT_PROP_CASES").ok().and_then(|s| s.parse().ok());
    scaled(native, emulated, fixed)
}

fn scaled(native: usize, emulated: bool, fixed: Option<usize>) -> usize {
    match fixed {
        Some(n) => n,
        None if emulated => (native / 10).max(100).min(native),
        None => native,
    }
}

#[test]
fn emulation_runs_a_tenth_and_the_override_wins() {
    assert_eq!(scaled(3000, false, None), 3000);
    assert_eq!(scaled(3000, true, None), 300);
    assert_eq!(scaled(500, true, None), 100);
    assert_eq!(scaled(50, true, None), 50);
    assert_eq!(scaled(3000, true, Some(7)), 7);
}
