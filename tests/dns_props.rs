//! Property tests: no byte string makes the DNS code panic, and what parses is sane.
//!
//! Inputs come from a small deterministic PRNG (xorshift64*, fixed seeds, no crates):
//! pure noise, messages shaped like DNS (plausible counts, labels and pointers), and
//! mutations of real answers captured from BIND. Every input goes through every reader
//! of untrusted bytes: the parser, TSIG verification, the RFC 2136 classifier, zone
//! discovery and the lookup answer check. See `cases()` for how long a run is.

#[path = "support/rng.rs"]
mod rng;
#[path = "support/cases.rs"]
mod support_cases;

use homeport::config::TsigAlgorithm;
use homeport::dns::lookup::check_answer;
use homeport::dns::rfc2136::{classify, zone_from_answer};
use homeport::dns::tsig::{self, TsigKey};
use homeport::dns::wire::{self, Name, RData};
use rng::Rng;

/// Inputs per generator: 30,000 natively, 3,000 under qemu-user (support/cases.rs),
/// where the native count takes minutes.
fn cases() -> usize {
    support_cases::cases(30_000)
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// Real messages: BIND's SOA answer, its signed UPDATE answer, its BADKEY answer, and an
/// nsupdate request (see the unit tests in src/dns for how they were captured).
fn seeds() -> Vec<Vec<u8>> {
    [
        "abcd84000001000100010001076578616d706c6504746573740000060001c00c000600010000012c0021026e73c00c0561646d696ec00c0000000100000e100000038400093a800000003cc00c000200010000012c0002c02ac02a000100010000012c00047f000001",
        "710ea8000001000000000001076578616d706c65047465737400000600010c686f6d65706f72742d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006b083063012c00202fd2ecdc98fd3fbffaa4f71a544ffb19fc9505c176247137e058239e3190e3ae710e00000000",
        "f669a8090001000000000001076578616d706c65047465737400000600010a6e6f626f64792d6b65790000fa00ff00000000001d0b686d61632d7368613235360000006b083065012c0000f66900110000",
        "710e28000001000000020001076578616d706c650474657374000006000104686f7374c00c000100ff000000000000c01e000100010000003c0004c00002070c686f6d65706f72742d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006b083063012c002069a033628a58a6d127df41fed0757451b482280cf7a2c5e390932d66bbb20d3d710e00000000",
    ]
    .iter()
    .map(|h| hex(h))
    .collect()
}

/// Runs every untrusted-bytes reader over `bytes` and checks what parsed.
fn exercise(bytes: &[u8], key: &TsigKey, zone: &Name) {
    let id = bytes.first().map_or(0, |&b| u16::from(b) << 8);
    let _ = classify(bytes, id, Some((key, &[0u8; 32])), 0x6b08_3063);
    let _ = classify(bytes, id, None, 0);
    let _ = zone_from_answer(bytes, id, zone);
    let _ = check_answer(bytes, id, zone, wire::rtype::A);
    if let Ok(m) = wire::parse(bytes) {
        let _ = tsig::verify(bytes, &m, key, Some(&[1; 32]), 0);
        let _ = tsig::verify(bytes, &m, key, None, 0);
        let records = m.answers.iter().chain(&m.authority).chain(&m.additional);
        for rr in records {
            assert!(rr.offset >= 12 && rr.offset < bytes.len(), "offset {} of {}", rr.offset, bytes.len());
            let mut w = Vec::new();
            rr.name.write(&mut w);
            assert!(w.len() <= 255, "name of {} octets", w.len());
            assert!(rr.name.labels().iter().all(|l| !l.is_empty() && l.len() <= 63));
            let shown = rr.name.to_string();
            assert!(shown.bytes().all(|b| b.is_ascii_graphic()), "{shown:?}");
            if let RData::Soa(s) = &rr.data {
                let _ = (s.mname.to_string(), s.rname.to_string());
            }
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let key = TsigKey::new(Name::parse("homeport-key").unwrap(), TsigAlgorithm::HmacSha256, b"k");
    let zone = Name::parse("example.test").unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..cases() {
        let len = rng.below(600);
        let bytes: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
        exercise(&bytes, &key, &zone);
    }
}

#[test]
fn dns_shaped_bytes_never_panic() {
    let key = TsigKey::new(Name::parse("homeport-key").unwrap(), TsigAlgorithm::HmacSha256, b"k");
    let zone = Name::parse("example.test").unwrap();
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let mut parsed = 0usize;
    for _ in 0..cases() {
        let m = dns_shaped(&mut rng);
        parsed += usize::from(wire::parse(&m).is_ok());
        exercise(&m, &key, &zone);
    }
    eprintln!("{parsed} of {} DNS-shaped inputs parsed", cases());
    // The generator must mostly produce messages that parse, so the deep paths (names,
    // pointers, SOA and TSIG data) run, while the corruptions keep the error paths busy.
    assert!(parsed > cases() / 3 && parsed < cases(), "{parsed} of {} inputs parsed", cases());
}

/// A name at the end of `m`: a few labels, then the root or a pointer to a name written
/// earlier (rarely a random, possibly forward, pointer). Records where it started.
fn name(rng: &mut Rng, m: &mut Vec<u8>, names: &mut Vec<usize>) {
    let start = m.len();
    for _ in 0..rng.below(4) {
        let n = 1 + rng.below(10);
        m.push(n as u8);
        m.extend((0..n).map(|_| b'a' + rng.below(26) as u8));
    }
    match (rng.below(10), names.is_empty()) {
        (0, _) => {
            let t = rng.below(m.len() + 8);
            m.extend_from_slice(&[0xc0 | (t >> 8) as u8, t as u8]);
        }
        (1..=5, false) => {
            let t = names[rng.below(names.len())];
            m.extend_from_slice(&[0xc0 | (t >> 8) as u8, t as u8]);
        }
        _ => m.push(0),
    }
    names.push(start);
}

/// A message that is DNS in shape: consistent counts, names with compression, A, AAAA,
/// SOA, TSIG and opaque records; then, one time in four, one byte corrupted.
fn dns_shaped(rng: &mut Rng) -> Vec<u8> {
    let counts: Vec<usize> = (0..4).map(|_| rng.below(4)).collect();
    let mut m = vec![rng.byte(), rng.byte(), 0x80 | rng.byte(), rng.byte()];
    for c in &counts {
        m.extend_from_slice(&[0, *c as u8]);
    }
    let mut names = Vec::new();
    for _ in 0..counts[0] {
        name(rng, &mut m, &mut names);
        m.extend_from_slice(&[0, 6, 0, 1]);
    }
    for _ in 0..counts[1] + counts[2] + counts[3] {
        name(rng, &mut m, &mut names);
        let ty = [1u16, 6, 28, 250, 99][rng.below(5)];
        m.extend_from_slice(&ty.to_be_bytes());
        m.extend_from_slice(&[0, 1, 0, 0, 0, 60]);
        let len_at = m.len();
        m.extend_from_slice(&[0, 0]);
        match ty {
            1 => m.extend_from_slice(&[192, 0, 2, rng.byte()]),
            28 => m.extend((0..16).map(|_| rng.byte())),
            6 => {
                name(rng, &mut m, &mut names);
                name(rng, &mut m, &mut names);
                m.extend((0..20).map(|_| rng.byte()));
            }
            250 => {
                name(rng, &mut m, &mut names);
                let mac = rng.below(40);
                m.extend_from_slice(&[0, 0, 0x6b, 0x08, 0x30, 0x63, 1, 44, 0, mac as u8]);
                m.extend((0..mac).map(|_| rng.byte()));
                m.extend_from_slice(&[m[0], m[1], 0, [0u8, 16, 17, 18][rng.below(4)], 0, 0]);
            }
            _ => m.extend((0..rng.below(12)).map(|_| rng.byte())),
        }
        let rdlen = (m.len() - len_at - 2) as u16;
        m[len_at..len_at + 2].copy_from_slice(&rdlen.to_be_bytes());
    }
    if rng.below(4) == 0 && !m.is_empty() {
        let at = rng.below(m.len());
        m[at] = rng.byte();
    }
    m
}

#[test]
fn mutated_real_messages_never_panic() {
    let key = TsigKey::from_base64(
        Name::parse("homeport-key").unwrap(),
        TsigAlgorithm::HmacSha256,
        "7s/wB0eK1VHVUoQQZ5KJiGlpNtQdnrMWP5JivuqMIiU=",
    )
    .unwrap();
    let zone = Name::parse("example.test").unwrap();
    let seeds = seeds();
    for s in &seeds {
        wire::parse(s).unwrap();
    }
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    for _ in 0..cases() {
        let mut m = seeds[rng.below(seeds.len())].clone();
        for _ in 0..=rng.below(4) {
            let at = rng.below(m.len());
            match rng.below(5) {
                0 => m[at] ^= 1 << rng.below(8),
                1 => m[at] = rng.byte(),
                2 => m.truncate(at),
                3 => m.insert(at, rng.byte()),
                _ => {
                    m.remove(at);
                }
            }
            if m.is_empty() {
                break;
            }
        }
        exercise(&m, &key, &zone);
    }
}
