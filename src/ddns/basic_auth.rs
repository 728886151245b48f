//! HTTP Basic credentials (RFC 7617): `Basic base64(user ":" password)`.
//!
//! Pure. Base64 (RFC 4648 §4, with padding) is written out here because it is the only
//! use in the program and a dependency would cost more flash than these lines.

use crate::types::Secret;

/// The `Authorization` header value for `user` and `password`.
pub fn header_value(user: &str, password: &Secret) -> String {
    let mut raw = Vec::with_capacity(user.len() + 1 + password.expose().len());
    raw.extend_from_slice(user.as_bytes());
    raw.push(b':');
    raw.extend_from_slice(password.expose().as_bytes());
    format!("Basic {}", base64(&raw))
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk.first().copied(), chunk.get(1).copied(), chunk.get(2).copied()];
        let n =
            (u32::from(b[0].unwrap_or(0)) << 16) | (u32::from(b[1].unwrap_or(0)) << 8) | u32::from(b[2].unwrap_or(0));
        let symbols = 1 + chunk.len();
        for i in 0..4 {
            if i < symbols {
                let idx = ((n >> (18 - 6 * i)) & 0x3f) as usize;
                out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        for (i, o) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("foobar", "Zm9vYmFy")]
        {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn rfc7617_example() {
        assert_eq!(header_value("Aladdin", &Secret::new("open sesame")), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    }
}
