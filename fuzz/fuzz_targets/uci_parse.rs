//! Fuzzes the UCI parser with the properties of tests/uci_property.rs: no panic or hang in
//! either mode; strict success implies the same result leniently; the written form parses
//! back to the same package. Seed it with tests/data/uci/ (`cargo +nightly fuzz run
//! uci_parse tests/data/uci`, from the fuzz directory: `../tests/data/uci`).
#![no_main]

use homeport::uci::{self, Mode, Package};
use libfuzzer_sys::fuzz_target;

fn without_lines(mut p: Package) -> Package {
    for s in &mut p.sections {
        s.line = 0;
        s.options.iter_mut().for_each(|o| o.line = 0);
    }
    p
}

fuzz_target!(|data: &[u8]| {
    let Ok((lenient, errors)) = uci::parse(data, "t", Mode::Lenient) else {
        panic!("lenient parsing failed");
    };
    if let Ok((strict, _)) = uci::parse(data, "t", Mode::Strict) {
        assert!(errors.is_empty());
        assert_eq!(strict, lenient);
    }
    let _ = uci::show_bytes(data, "t", Mode::Strict);
    // libuci writes section types unquoted; types with quoting characters do not survive.
    if lenient.sections.iter().all(|s| !s.ty.contains(['\'', '"', '\\', '#', ';'])) {
        let written = uci::write(&lenient);
        let again = uci::parse_strict(&written, "t").unwrap_or_else(|e| panic!("{e}\n{written}"));
        assert_eq!(without_lines(again), without_lines(lenient));
    }
});
