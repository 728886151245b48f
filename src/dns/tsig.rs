//! TSIG transaction signatures (RFC 8945) with HMAC-SHA256, HMAC-SHA512 and HMAC-SHA1.
//!
//! Pure: the clock is a parameter. A request is signed over the message plus the TSIG
//! variables (§4.3.3); a response is verified over the request's MAC, the response
//! without its TSIG record (ARCOUNT decremented, original ID restored) and the variables
//! (§4.3.1, §5.3). HMAC comes from `ring`, which rustls already links in.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::fmt;

use ring::hmac;

use super::base64::{self, Base64Error};
use super::wire::{Message, Name, RData, Rcode, TsigData, WireError, class, rtype};
use crate::config::TsigAlgorithm;

/// Allowed clock difference in seconds; RFC 8945 §10 recommends 300.
pub const DEFAULT_FUDGE: u16 = 300;

/// A TSIG key: its name, algorithm and secret. `Debug` never shows the secret.
pub struct TsigKey {
    name: Name,
    algorithm: TsigAlgorithm,
    key: hmac::Key,
}

impl fmt::Debug for TsigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TsigKey")
            .field("name", &self.name)
            .field("algorithm", &self.algorithm)
            .field("secret", &"***")
            .finish()
    }
}

impl TsigKey {
    pub fn new(name: Name, algorithm: TsigAlgorithm, secret: &[u8]) -> TsigKey {
        let alg = match algorithm {
            TsigAlgorithm::HmacSha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            TsigAlgorithm::HmacSha256 => hmac::HMAC_SHA256,
            TsigAlgorithm::HmacSha512 => hmac::HMAC_SHA512,
        };
        TsigKey { name, algorithm, key: hmac::Key::new(alg, secret) }
    }

    /// From the base64 secret as `tsig-keygen` prints it.
    pub fn from_base64(name: Name, algorithm: TsigAlgorithm, secret: &str) -> Result<TsigKey, Base64Error> {
        Ok(TsigKey::new(name, algorithm, &base64::decode(secret)?))
    }

    pub fn name(&self) -> &Name {
        &self.name
    }

    pub fn algorithm(&self) -> TsigAlgorithm {
        self.algorithm
    }

    fn mac_len(&self) -> usize {
        self.key.algorithm().digest_algorithm().output_len()
    }
}

/// The algorithm's name on the wire (RFC 8945 §6).
pub fn algorithm_name(alg: TsigAlgorithm) -> Name {
    let text = match alg {
        TsigAlgorithm::HmacSha1 => "hmac-sha1",
        TsigAlgorithm::HmacSha256 => "hmac-sha256",
        TsigAlgorithm::HmacSha512 => "hmac-sha512",
    };
    Name::parse(text).unwrap_or_default()
}

/// Why a response's signature is not acceptable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TsigError {
    /// The response carries no TSIG record although the request was signed.
    Unsigned,
    /// A TSIG record that is not the last record of the message (RFC 8945 §5.1).
    NotLast,
    /// The response is signed with another key or algorithm.
    OtherKey(String),
    /// The server reported a TSIG error (BADSIG, BADKEY, BADTIME, BADTRUNC).
    Server {
        error: Rcode,
        server_time: Option<u64>,
    },
    /// The MAC does not match: the response was altered or signed with another secret.
    BadMac,
    /// The response's time is further from ours than the fudge allows.
    Time {
        signed: u64,
        now: u64,
        fudge: u16,
    },
    Malformed(WireError),
}

impl fmt::Display for TsigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TsigError::Unsigned => f.write_str("the server's answer is not signed (TSIG missing)"),
            TsigError::NotLast => f.write_str("the server's answer has a misplaced TSIG record"),
            TsigError::OtherKey(k) => write!(f, "the server's answer is signed with another key ({k})"),
            TsigError::Server { error, server_time } => {
                let words = match *error {
                    Rcode::BADKEY => "the server does not know this key name or algorithm (BADKEY)",
                    Rcode::BADSIG => "the server rejected the signature: wrong key secret (BADSIG)",
                    Rcode::BADTIME => "the server rejected the signature's time: clocks differ (BADTIME)",
                    Rcode::BADTRUNC => "the server rejected the truncated signature (BADTRUNC)",
                    _ => return write!(f, "the server reported TSIG error {error}"),
                };
                f.write_str(words)?;
                if let Some(t) = server_time {
                    write!(f, "; server time is {t}")?;
                }
                Ok(())
            }
            TsigError::BadMac => f.write_str("the server's answer has a wrong signature (MAC mismatch)"),
            TsigError::Time { signed, now, fudge } => write!(
                f,
                "the server's answer was signed at {signed}, {} s from our clock ({now}), more than the {fudge} s allowed",
                signed.abs_diff(*now)
            ),
            TsigError::Malformed(e) => write!(f, "the server's TSIG record is malformed: {e}"),
        }
    }
}

impl std::error::Error for TsigError {}

/// A signed message and the MAC it carries (needed to verify the response).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    pub message: Vec<u8>,
    pub mac: Vec<u8>,
}

/// Signs a complete unsigned message (header counts final): computes the MAC and appends
/// the TSIG record as the last additional record.
pub fn sign(message: &[u8], key: &TsigKey, time_signed: u64, fudge: u16) -> Result<Signed, WireError> {
    sign_after(None, message, key, time_signed, fudge)
}

/// Signs `message`; with `prior_mac` as a server signs its response (§4.3.1).
fn sign_after(
    prior_mac: Option<&[u8]>,
    message: &[u8],
    key: &TsigKey,
    time_signed: u64,
    fudge: u16,
) -> Result<Signed, WireError> {
    let header = message.get(..12).ok_or(WireError::Truncated("header"))?;
    let original_id = u16::from_be_bytes([header.first().copied().unwrap_or(0), header.get(1).copied().unwrap_or(0)]);
    let arcount = u16::from_be_bytes([header.get(10).copied().unwrap_or(0), header.get(11).copied().unwrap_or(0)]);
    let alg = algorithm_name(key.algorithm);
    let time_signed = time_signed & 0xffff_ffff_ffff;

    let mut ctx = hmac::Context::with_key(&key.key);
    if let Some(prior) = prior_mac {
        ctx.update(&(prior.len() as u16).to_be_bytes());
        ctx.update(prior);
    }
    ctx.update(message);
    ctx.update(&variables(&key.name, &alg, time_signed, fudge, Rcode::NOERROR, &[]));
    let mac = ctx.sign().as_ref().to_vec();

    let mut out = message.to_vec();
    if let Some(ar) = out.get_mut(10..12) {
        ar.copy_from_slice(&arcount.wrapping_add(1).to_be_bytes());
    }
    key.name.write_canonical(&mut out);
    out.extend_from_slice(&rtype::TSIG.to_be_bytes());
    out.extend_from_slice(&class::ANY.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    let rdata = rdata(&alg, time_signed, fudge, &mac, original_id, Rcode::NOERROR, &[]);
    out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    out.extend_from_slice(&rdata);
    Ok(Signed { message: out, mac })
}

/// Verifies the TSIG of a message: a response to a request whose MAC was `request_mac`
/// (`Some`), or a request (`None`). `bytes` are the message as received, `msg` its parse.
pub fn verify(
    bytes: &[u8],
    msg: &Message,
    key: &TsigKey,
    request_mac: Option<&[u8]>,
    now: u64,
) -> Result<(), TsigError> {
    let (last, rest) = match msg.additional.split_last() {
        Some((last, rest)) if last.rtype == rtype::TSIG => (last, rest),
        _ if has_tsig(msg) => return Err(TsigError::NotLast),
        _ => return Err(TsigError::Unsigned),
    };
    if rest.iter().any(|r| r.rtype == rtype::TSIG) || has_tsig_outside_additional(msg) {
        return Err(TsigError::NotLast);
    }
    let tsig: &TsigData = match &last.data {
        RData::Tsig(t) => t,
        _ => return Err(TsigError::Malformed(WireError::BadRdata { rtype: rtype::TSIG, len: 0 })),
    };
    // RFC 8945 §5.3.2: a BADKEY or BADSIG answer is unsigned; BADTIME carries the
    // server's time in Other Data. Either way the request failed: say why.
    if tsig.error != Rcode::NOERROR {
        let server_time = match tsig.other.as_slice() {
            [a, b, c, d, e, f] => Some(u64::from_be_bytes([0, 0, *a, *b, *c, *d, *e, *f])),
            _ => None,
        };
        return Err(TsigError::Server { error: tsig.error, server_time });
    }
    if last.name != key.name || tsig.algorithm != algorithm_name(key.algorithm) {
        return Err(TsigError::OtherKey(format!("{} {}", last.name, tsig.algorithm)));
    }

    let unsigned = bytes.get(..last.offset).ok_or(TsigError::Malformed(WireError::Truncated("TSIG")))?;
    let mut ctx = hmac::Context::with_key(&key.key);
    if let Some(req) = request_mac {
        ctx.update(&(req.len() as u16).to_be_bytes());
        ctx.update(req);
    }
    // The message as it was before signing: original ID, one additional record fewer.
    ctx.update(&tsig.original_id.to_be_bytes());
    ctx.update(unsigned.get(2..10).unwrap_or(&[]));
    ctx.update(&msg.header.arcount.wrapping_sub(1).to_be_bytes());
    ctx.update(unsigned.get(12..).unwrap_or(&[]));
    ctx.update(&variables(&last.name, &tsig.algorithm, tsig.time_signed, tsig.fudge, tsig.error, &tsig.other));
    let full = ctx.sign();
    let full = full.as_ref();

    // RFC 8945 §5.2.2.1: a truncated MAC is acceptable down to half the output and at
    // least 10 bytes.
    let n = tsig.mac.len();
    if n > full.len() || n < (key.mac_len() / 2).max(10) {
        return Err(TsigError::BadMac);
    }
    if !constant_time_eq(full.get(..n).unwrap_or(&[]), &tsig.mac) {
        return Err(TsigError::BadMac);
    }
    if tsig.time_signed.abs_diff(now) > u64::from(tsig.fudge) {
        return Err(TsigError::Time { signed: tsig.time_signed, now, fudge: tsig.fudge });
    }
    Ok(())
}

fn has_tsig(msg: &Message) -> bool {
    msg.additional.iter().any(|r| r.rtype == rtype::TSIG) || has_tsig_outside_additional(msg)
}

fn has_tsig_outside_additional(msg: &Message) -> bool {
    msg.answers.iter().chain(&msg.authority).any(|r| r.rtype == rtype::TSIG)
}

/// A 48-bit big-endian time (RFC 8945 §4.2); higher bits are dropped.
fn u48(t: u64) -> [u8; 6] {
    [(t >> 40) as u8, (t >> 32) as u8, (t >> 24) as u8, (t >> 16) as u8, (t >> 8) as u8, t as u8]
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The TSIG variables (RFC 8945 §4.3.3), in canonical form.
fn variables(key: &Name, alg: &Name, time: u64, fudge: u16, error: Rcode, other: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(64);
    key.write_canonical(&mut v);
    v.extend_from_slice(&class::ANY.to_be_bytes());
    v.extend_from_slice(&0u32.to_be_bytes());
    alg.write_canonical(&mut v);
    v.extend_from_slice(&u48(time));
    v.extend_from_slice(&fudge.to_be_bytes());
    v.extend_from_slice(&error.0.to_be_bytes());
    v.extend_from_slice(&(other.len() as u16).to_be_bytes());
    v.extend_from_slice(other);
    v
}

/// TSIG RDATA (RFC 8945 §4.2).
fn rdata(alg: &Name, time: u64, fudge: u16, mac: &[u8], original_id: u16, error: Rcode, other: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(32 + mac.len());
    alg.write_canonical(&mut v);
    v.extend_from_slice(&u48(time));
    v.extend_from_slice(&fudge.to_be_bytes());
    v.extend_from_slice(&(mac.len() as u16).to_be_bytes());
    v.extend_from_slice(mac);
    v.extend_from_slice(&original_id.to_be_bytes());
    v.extend_from_slice(&error.0.to_be_bytes());
    v.extend_from_slice(&(other.len() as u16).to_be_bytes());
    v.extend_from_slice(other);
    v
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::dns::wire::{self, MessageBuilder, Section, flag, opcode};

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn key(alg: TsigAlgorithm, secret: &str) -> TsigKey {
        TsigKey::from_base64(Name::parse("homeport-key").unwrap(), alg, secret).unwrap()
    }

    /// UPDATE requests captured from BIND 9.18's `nsupdate -k` (sent to a UDP listener on
    /// loopback), for `zone example.test` / `update delete host.example.test A` /
    /// `update add host.example.test 60 A 192.0.2.7`, with keys made by `tsig-keygen`:
    /// (algorithm, secret, message). Time signed is 0x6b082fcc.. in each.
    const NSUPDATE: [(TsigAlgorithm, &str, &str); 3] = [
        (
            TsigAlgorithm::HmacSha256,
            "7s/wB0eK1VHVUoQQZ5KJiGlpNtQdnrMWP5JivuqMIiU=",
            "d4e928000001000000020001076578616d706c650474657374000006000104686f7374c00c000100ff000000000000c01e000100010000003c0004c00002070c686f6d65706f72742d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006b082fcc012c0020f721991879ab5f1e4e287059a970cfe614d2df898799f49b840976dc52a101b6d4e900000000",
        ),
        (
            TsigAlgorithm::HmacSha512,
            "rsyWEx2Ic9jVBCjs4A609ZM6aGms3kMTrUMmXOz1WboUKIOGWJ1QN1y4dHbaECYVi5n81GPp8zZkCdzu9lgHDQ==",
            "baee28000001000000020001076578616d706c650474657374000006000104686f7374c00c000100ff000000000000c01e000100010000003c0004c00002070c686f6d65706f72742d6b65790000fa00ff00000000005d0b686d61632d7368613531320000006b082fcd012c00408e8f687d318049d438ece6ea3790f1b9b7d53a2f20bf0b0846faad4bd5226074bb022ce389d755d1a9b8c529cefe25f0c5eca81297f66d71c42d19d4ad9cf6a6baee00000000",
        ),
        (
            TsigAlgorithm::HmacSha1,
            "Tq5948CP9vm1rIXHuZd5CjU7uC8=",
            "632e28000001000000020001076578616d706c650474657374000006000104686f7374c00c000100ff000000000000c01e000100010000003c0004c00002070c686f6d65706f72742d6b65790000fa00ff00000000002f09686d61632d736861310000006b082fcf012c001420529d4419f8bab1c05fc3ef2098224a79628a2e632e00000000",
        ),
    ];

    #[test]
    fn known_answer_nsupdate_requests() {
        for (alg, secret, msg) in NSUPDATE {
            let bytes = hex(msg);
            let parsed = wire::parse(&bytes).unwrap();
            let tsig_rr = parsed.additional.last().unwrap();
            let RData::Tsig(t) = &tsig_rr.data else { panic!("no TSIG") };
            assert_eq!(t.fudge, 300);
            let k = key(alg, secret);
            // Our verification accepts nsupdate's MAC...
            verify(&bytes, &parsed, &k, None, t.time_signed).unwrap();
            // ...and our signer, given the same message and time, writes the same bytes.
            let mut unsigned = bytes[..tsig_rr.offset].to_vec();
            unsigned[11] -= 1;
            let ours = sign(&unsigned, &k, t.time_signed, t.fudge).unwrap();
            assert_eq!(ours.message, bytes, "{alg:?}");
            assert_eq!(ours.mac, t.mac);
            // A different secret, a flipped bit, or a different time do not verify.
            let other = key(alg, "AAAAAAAAAAAAAAAAAAAAAA==");
            assert_eq!(verify(&bytes, &parsed, &other, None, t.time_signed), Err(TsigError::BadMac));
            let mut flipped = bytes.clone();
            flipped[40] ^= 1; // inside the update section (the A record's TTL)
            let fp = wire::parse(&flipped).unwrap();
            assert_eq!(verify(&flipped, &fp, &k, None, t.time_signed), Err(TsigError::BadMac));
            assert!(matches!(verify(&bytes, &parsed, &k, None, t.time_signed + 301), Err(TsigError::Time { .. })));
        }
    }

    fn response_to(req: &[u8], flags: u16) -> Vec<u8> {
        let id = u16::from_be_bytes([req[0], req[1]]);
        MessageBuilder::new(id, opcode::UPDATE, flag::QR | flags)
            .question(&Name::parse("example.test").unwrap(), rtype::SOA, class::IN)
            .finish()
    }

    #[test]
    fn response_round_trip_and_failures() {
        let k = key(TsigAlgorithm::HmacSha256, "7s/wB0eK1VHVUoQQZ5KJiGlpNtQdnrMWP5JivuqMIiU=");
        let req = MessageBuilder::new(0x4242, opcode::UPDATE, 0).finish();
        let signed = sign(&req, &k, 1_700_000_000, DEFAULT_FUDGE).unwrap();
        let resp = sign_after(Some(&signed.mac), &response_to(&signed.message, 0), &k, 1_700_000_010, 300).unwrap();
        let p = wire::parse(&resp.message).unwrap();
        assert_eq!(verify(&resp.message, &p, &k, Some(&signed.mac), 1_700_000_005), Ok(()));
        // Signed over another request's MAC: rejected.
        assert_eq!(verify(&resp.message, &p, &k, Some(&[0; 32]), 1_700_000_005), Err(TsigError::BadMac));
        // Unsigned response.
        let plain = response_to(&signed.message, 0);
        assert_eq!(verify(&plain, &wire::parse(&plain).unwrap(), &k, Some(&signed.mac), 0), Err(TsigError::Unsigned));
        // Signed by another key name.
        let k2 = TsigKey::from_base64(Name::parse("other").unwrap(), TsigAlgorithm::HmacSha256, "AAAA").unwrap();
        let r2 = sign_after(Some(&signed.mac), &plain, &k2, 1_700_000_010, 300).unwrap();
        let e = verify(&r2.message, &wire::parse(&r2.message).unwrap(), &k, Some(&signed.mac), 1_700_000_010);
        assert_eq!(e, Err(TsigError::OtherKey("other. hmac-sha256.".into())));
        // A record after the TSIG.
        let mut b = MessageBuilder::new(1, 0, flag::QR);
        b.record(
            Section::Additional,
            k.name(),
            rtype::TSIG,
            class::ANY,
            0,
            &rdata(&algorithm_name(k.algorithm()), 0, 0, &[], 1, Rcode::NOERROR, &[]),
        )
        .record(Section::Additional, k.name(), rtype::A, class::IN, 0, &[1, 2, 3, 4]);
        let m = b.finish();
        assert_eq!(verify(&m, &wire::parse(&m).unwrap(), &k, Some(&signed.mac), 0), Err(TsigError::NotLast));
    }

    #[test]
    fn server_errors_in_words() {
        let k = key(TsigAlgorithm::HmacSha1, "Tq5948CP9vm1rIXHuZd5CjU7uC8=");
        for (err, other, word) in [
            (Rcode::BADKEY, vec![], "BADKEY"),
            (Rcode::BADSIG, vec![], "wrong key secret"),
            (Rcode::BADTIME, vec![0, 0, 0x65, 0x53, 0xf1, 0x00], "server time is 1700000000"),
        ] {
            let mut b = MessageBuilder::new(9, opcode::UPDATE, flag::QR | 9);
            b.record(
                Section::Additional,
                k.name(),
                rtype::TSIG,
                class::ANY,
                0,
                &rdata(&algorithm_name(k.algorithm()), 5, 300, &[], 9, err, &other),
            );
            let m = b.finish();
            let e = verify(&m, &wire::parse(&m).unwrap(), &k, Some(&[1; 20]), 5).unwrap_err();
            assert!(matches!(e, TsigError::Server { error, .. } if error == err));
            assert!(e.to_string().contains(word), "{e}");
        }
    }

    #[test]
    fn truncated_mac_limits() {
        let k = key(TsigAlgorithm::HmacSha256, "7s/wB0eK1VHVUoQQZ5KJiGlpNtQdnrMWP5JivuqMIiU=");
        let req = MessageBuilder::new(7, 0, 0).finish();
        let s = sign(&req, &k, 100, 300).unwrap();
        for (keep, ok) in [(32, true), (16, true), (15, false)] {
            let mut unsigned = req.clone();
            let tr = &s.mac[..keep];
            unsigned[11] = 1;
            unsigned
                .extend(k.name().labels().iter().flat_map(|l| std::iter::once(l.len() as u8).chain(l.iter().copied())));
            unsigned.push(0);
            unsigned.extend_from_slice(&[0, 250, 0, 255, 0, 0, 0, 0]);
            let rd = rdata(&algorithm_name(k.algorithm()), 100, 300, tr, 7, Rcode::NOERROR, &[]);
            unsigned.extend_from_slice(&(rd.len() as u16).to_be_bytes());
            unsigned.extend_from_slice(&rd);
            let r = verify(&unsigned, &wire::parse(&unsigned).unwrap(), &k, None, 100);
            assert_eq!(r.is_ok(), ok, "{keep}");
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        let k = key(TsigAlgorithm::HmacSha256, "c2VjcmV0");
        let d = format!("{k:?}");
        assert!(d.contains("***") && d.contains("homeport-key") && !d.contains("c2VjcmV0"), "{d}");
    }
}
