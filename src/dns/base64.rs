//! Base64 decoding (RFC 4648 §4, the standard alphabet), for TSIG key secrets as
//! `tsig-keygen` and `dnssec-keygen` print them.
//!
//! Pure. White space is skipped (keys are sometimes wrapped); padding is optional but,
//! when present, must be where RFC 4648 puts it.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Base64Error {
    /// A character outside the alphabet, with its position (the character itself is not
    /// repeated: it is part of a secret).
    BadChar(usize),
    /// Data after `=` padding, or padding in the wrong place.
    BadPadding,
    /// A length that no encoding produces (one character left over).
    BadLength,
}

impl fmt::Display for Base64Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Base64Error::BadChar(at) => write!(f, "is not base64 (bad character at position {})", at + 1),
            Base64Error::BadPadding => f.write_str("is not base64 (misplaced '=' padding)"),
            Base64Error::BadLength => f.write_str("is not base64 (length is not a whole number of bytes)"),
        }
    }
}

impl std::error::Error for Base64Error {}

fn value(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

pub fn decode(text: &str) -> Result<Vec<u8>, Base64Error> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut n = 0usize; // sextets in `acc`
    let mut pads = 0usize;
    let mut data_chars = 0usize;
    for (i, c) in text.bytes().enumerate() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            pads += 1;
            continue;
        }
        if pads > 0 {
            return Err(Base64Error::BadPadding);
        }
        let v = value(c).ok_or(Base64Error::BadChar(i))?;
        data_chars += 1;
        acc = (acc << 6) | v;
        n += 1;
        if n == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            n = 0;
        }
    }
    // A final group of 2 or 3 sextets holds 1 or 2 bytes; 1 sextet holds none.
    match n {
        0 => {}
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => return Err(Base64Error::BadLength),
    }
    if (pads > 0 && (data_chars + pads) % 4 != 0) || pads > 2 {
        return Err(Base64Error::BadPadding);
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        // RFC 4648 §10.
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(decode(enc).unwrap(), plain.as_bytes(), "{enc}");
            assert_eq!(decode(enc.trim_end_matches('=')).unwrap(), plain.as_bytes(), "{enc} unpadded");
        }
    }

    #[test]
    fn keys_and_whitespace() {
        // A 32-byte key as tsig-keygen prints it, and wrapped over two lines.
        let key = "2vYd6Vs6q0D1mt6VWLHUMI4wWPYi9bBwO4h7nixmSHA=";
        let bytes = decode(key).unwrap();
        assert_eq!(bytes.len(), 32);
        assert_eq!(&bytes[..4], &[0xda, 0xf6, 0x1d, 0xe9]);
        assert_eq!(decode(&format!("  {}\n {} ", &key[..20], &key[20..])).unwrap(), bytes);
        assert_eq!(decode("+/+/").unwrap(), vec![0xfb, 0xff, 0xbf]);
    }

    #[test]
    fn rejects() {
        assert_eq!(decode("Zm9v!"), Err(Base64Error::BadChar(4)));
        assert_eq!(decode("Zm-v"), Err(Base64Error::BadChar(2)));
        assert_eq!(decode("Zg==Zg=="), Err(Base64Error::BadPadding));
        assert_eq!(decode("Zg="), Err(Base64Error::BadPadding));
        assert_eq!(decode("Zm9v="), Err(Base64Error::BadPadding));
        assert_eq!(decode("Zg==="), Err(Base64Error::BadPadding));
        assert_eq!(decode("Z"), Err(Base64Error::BadLength));
        assert_eq!(decode("Zm9vY"), Err(Base64Error::BadLength));
        // Error text never repeats the secret.
        assert!(!decode("secret#").unwrap_err().to_string().contains("secret"));
    }
}
