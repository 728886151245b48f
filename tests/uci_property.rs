//! Property test of the UCI parser over thousands of generated inputs: random bytes drawn
//! towards UCI's special characters, random statement streams, and mutations of the
//! realistic files and the conformance inputs. Deterministic (a fixed-seed SplitMix64), so
//! a failure reproduces; the failing input is printed.
//!
//! Properties:
//! - no input panics or hangs, in either mode, and error positions lie inside the input;
//! - lenient parsing always succeeds; when strict parsing succeeds, lenient parsing gives
//!   the same package and no errors;
//! - `show` of the model equals `show_bytes` for UTF-8 input;
//! - round trip: `parse(write(p)) == p` (line numbers aside), and `write` is a fixed point.
//!   libuci writes section types unquoted, so a type holding `'`, `"`, `\`, `#` or `;` does
//!   not survive its own writer, in libuci as here: such packages are left out.

#[path = "support/cases.rs"]
mod cases;

use cases::cases;
use homeport::uci::{self, Mode, Package};

/// SplitMix64: tiny, fast and good enough to drive a generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let i = self.below(items.len());
        &items[i]
    }
}

/// Bytes that steer the tokenizer, each likely; plus any byte at all, sometimes.
const SPECIAL: &[u8] = b"'\"\\#; \t\n\r\x00\x0b\x0c@[]-_.=";
const WORDS: &[&[u8]] = &[
    b"config",
    b"option",
    b"list",
    b"package",
    b"c",
    b"o",
    b"l",
    b"p",
    b"t",
    b"n",
    b"a",
    b"b",
    b"cfg017389",
    b"foo",
    b"''",
    b"\"\"",
    b"'x y'",
    b"\"a\\\"b\"",
    b"\\\n",
    b"#",
    b";",
    b"\n",
    b"\t",
    b" ",
    b"'\n'",
    b"\xff\xfe",
    b"\r\n",
];

fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    let len = rng.below(200);
    (0..len)
        .map(|_| match rng.below(10) {
            0..=3 => *rng.pick(SPECIAL),
            4 => rng.next() as u8,
            _ => b'a' + rng.below(26) as u8,
        })
        .collect()
}

fn random_words(rng: &mut Rng) -> Vec<u8> {
    let n = rng.below(60);
    let mut out = Vec::new();
    for _ in 0..n {
        let w: &[u8] = rng.pick::<&[u8]>(WORDS);
        out.extend_from_slice(w);
        if rng.below(3) > 0 {
            out.push(*rng.pick(b" \t"));
        }
    }
    out
}

/// A well-formed-looking file: statements with random quoting of names and values.
fn random_statements(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    let names = ["a", "b", "c", "name", "x_1", "cfg027389"];
    let types = ["t", "u", "zone", "forward", "a@b", "x'y"];
    for _ in 0..rng.below(30) {
        let ty = *rng.pick(&types);
        let name = *rng.pick(&names);
        let stmt = match rng.below(6) {
            0 => format!("config {}", quote(rng, ty.as_bytes())),
            1 => {
                let ty = quote(rng, ty.as_bytes());
                format!("config {ty} {}", quote(rng, name.as_bytes()))
            }
            2 | 3 => {
                let v = value(rng);
                format!("\toption {name} {}", quote(rng, &v))
            }
            4 => {
                let v = value(rng);
                format!("\tlist {name} {}", quote(rng, &v))
            }
            _ => "# comment".to_string(),
        };
        out.extend_from_slice(stmt.as_bytes());
        out.extend_from_slice(if rng.below(8) == 0 { b";" } else { b"\n" });
    }
    out
}

fn value(rng: &mut Rng) -> Vec<u8> {
    (0..rng.below(12))
        .map(|_| if rng.below(4) == 0 { *rng.pick(SPECIAL) } else { b'a' + rng.below(26) as u8 })
        .collect()
}

/// Quotes `s` in one of the ways a file may, valid or not.
fn quote(rng: &mut Rng, s: &[u8]) -> String {
    let s = String::from_utf8_lossy(s).into_owned();
    match rng.below(5) {
        0 => s,
        1 => format!("'{}'", s.replace('\'', "'\\''")),
        2 => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
        3 => format!("'{s}'"),
        _ => format!("\"{s}\""),
    }
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(v.len() + 1);
        match rng.below(5) {
            0 if at < v.len() => {
                v.remove(at);
            }
            1 if at < v.len() => v[at] = *rng.pick(SPECIAL),
            2 => v.insert(at, *rng.pick(SPECIAL)),
            3 => {
                let end = (at + rng.below(40)).min(v.len());
                let chunk = v[at..end].to_vec();
                let to = rng.below(v.len() + 1);
                v.splice(to..to, chunk);
            }
            _ => v.insert(at, rng.next() as u8),
        }
    }
    v
}

fn seeds() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/uci");
    let mut out: Vec<Vec<u8>> = ["firewall", "network", "dhcp"]
        .iter()
        .map(|n| std::fs::read(dir.join(n)).unwrap_or_else(|e| panic!("{n}: {e}")))
        .collect();
    out.push(b"config t n\n\toption a 'x'\\''y';list b \"c\\\nd\" # c\nconfig t\n\tlist b 'e\nf'\n".to_vec());
    out
}

/// The package with line numbers cleared, for comparisons across re-parses.
fn without_lines(mut p: Package) -> Package {
    for s in &mut p.sections {
        s.line = 0;
        for o in &mut s.options {
            o.line = 0;
        }
    }
    p
}

fn writer_safe(p: &Package) -> bool {
    p.sections.iter().all(|s| !s.ty.contains(['\'', '"', '\\', '#', ';']))
}

fn check(input: &[u8]) {
    let (lenient, errors) = match uci::parse(input, "t", Mode::Lenient) {
        Ok(x) => x,
        Err(e) => panic!("lenient parse failed ({e}) on {input:?}"),
    };
    match uci::parse(input, "t", Mode::Strict) {
        Ok((strict, none)) => {
            assert!(none.is_empty(), "strict returned skipped errors on {input:?}");
            assert!(errors.is_empty(), "strict ok but lenient reported {errors:?} on {input:?}");
            assert_eq!(strict, lenient, "strict and lenient differ on {input:?}");
        }
        Err(e) => {
            // Positions stay inside the input: `line` counts newlines read, `byte` is an
            // offset into the bytes read for the statement.
            let newlines = input.iter().filter(|&&b| b == b'\n').count();
            assert!(e.line <= newlines && e.byte <= input.len(), "position {e:?} outside {input:?}");
        }
    }
    if std::str::from_utf8(input).is_ok() {
        let shown = uci::show_bytes(input, "t", Mode::Lenient).map(|(b, _)| b).unwrap_or_default();
        assert_eq!(uci::show(&lenient).into_bytes(), shown, "show differs on {input:?}");
    }
    if writer_safe(&lenient) {
        let written = uci::write(&lenient);
        let again = match uci::parse_strict(&written, "t") {
            Ok(p) => p,
            Err(e) => panic!("written form does not parse ({e}):\n{written}\nfrom {input:?}"),
        };
        assert_eq!(uci::write(&again), written, "writer not a fixed point for {input:?}");
        assert_eq!(without_lines(again), without_lines(lenient), "round trip changed {input:?}");
    }
}

/// Inputs per generator natively; a tenth under qemu (support/cases.rs).
const PER_GENERATOR: usize = 3000;

#[test]
fn random_bytes_never_panic_and_round_trip() {
    let mut rng = Rng(0x5eed_0001);
    for _ in 0..cases(PER_GENERATOR) {
        check(&random_bytes(&mut rng));
    }
}

#[test]
fn random_words_never_panic_and_round_trip() {
    let mut rng = Rng(0x5eed_0002);
    for _ in 0..cases(PER_GENERATOR) {
        check(&random_words(&mut rng));
    }
}

#[test]
fn random_statements_never_panic_and_round_trip() {
    let mut rng = Rng(0x5eed_0003);
    let mut parsed_cleanly = 0;
    for _ in 0..cases(PER_GENERATOR) {
        let input = random_statements(&mut rng);
        check(&input);
        parsed_cleanly += usize::from(uci::parse_strict(&input, "t").is_ok());
    }
    // The generator must reach the success paths too, not only errors.
    assert!(parsed_cleanly > cases(PER_GENERATOR) / 10, "only {parsed_cleanly} inputs parsed cleanly");
}

#[test]
fn mutated_files_never_panic_and_round_trip() {
    let mut rng = Rng(0x5eed_0004);
    let seeds = seeds();
    for seed in &seeds {
        check(seed);
    }
    for _ in 0..cases(PER_GENERATOR) {
        // A window of a seed, so that mutations meet every part of the files quickly.
        let seed = rng.pick(&seeds);
        let start = rng.below(seed.len());
        let end = (start + 1 + rng.below(700)).min(seed.len());
        check(&mutate(&mut rng, &seed[start..end]));
    }
}

#[test]
fn pathological_inputs() {
    let long_line = [b"config t\n\toption a '".as_slice(), &vec![b'x'; 65_000], b"'\n"].concat();
    check(&long_line);
    // Over homeport's line bound (64 KiB), both modes refuse the file (docs/config.md).
    let too_long = [b"config t\n\toption a '".as_slice(), &vec![b'x'; 100_000], b"'\n"].concat();
    assert!(uci::parse(&too_long, "t", Mode::Lenient).is_err() && uci::parse(&too_long, "t", Mode::Strict).is_err());
    check(&vec![b'\\'; 10_000]);
    check(&vec![b'\''; 10_001]);
    check(&vec![b'\n'; 10_000]);
    check(&vec![0u8; 1_000]);
    check(&b"config t;".repeat(2_000));
    check(&b"config t\n".repeat(300));
    check(&[b"config t\n".as_slice(), &b"\tlist a b\n".repeat(2_000)].concat());
}
