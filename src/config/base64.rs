//! Base64 (RFC 4648 §4, the standard alphabet) for TSIG key secrets.
//!
//! Pure, never panics. BIND's `tsig-keygen` writes keys padded; unpadded input is accepted
//! too. Non-zero trailing bits are rejected (RFC 4648 §3.5) so that one key has one
//! spelling.

/// Decodes `s`, or `None` when it is not canonical base64 of at least one byte.
pub fn decode(s: &str) -> Option<Vec<u8>> {
    let body = s.trim_end_matches('=');
    let pad = s.len() - body.len();
    if body.is_empty() || pad > 2 || (pad > 0 && s.len() % 4 != 0) || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for b in body.bytes() {
        acc = (acc << 6) | u32::from(value(b)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (acc == 0).then_some(out)
}

fn value(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        for (enc, dec) in [("Zg==", "f"), ("Zm8=", "fo"), ("Zm9v", "foo"), ("Zm9vYg==", "foob"), ("Zm9vYmE=", "fooba")]
        {
            assert_eq!(decode(enc).as_deref(), Some(dec.as_bytes()), "{enc}");
        }
        assert_eq!(decode("Zm9vYmFy").as_deref(), Some(b"foobar".as_slice()));
        assert_eq!(decode("Zg").as_deref(), Some(b"f".as_slice()));
    }

    #[test]
    fn rejects() {
        for bad in ["", "=", "Z", "Zg=", "Zg===", "Zh==", "Zm9v!", "Zm 9v", "Zm9v\n", "Zm-_", "Z===", "é"] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }
}
