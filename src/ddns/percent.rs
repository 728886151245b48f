//! Percent-encoding of URL parts (RFC 3986 §2.1): every byte outside the unreserved set
//! (ALPHA / DIGIT / `-` `.` `_` `~`) becomes `%XX`.
//!
//! Pure. This is the only way a value from config or from the network enters a URL, so
//! no value can add a path segment, a query parameter or a fragment of its own.

/// Encodes `s` for use as one path segment or one query value.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(hex_digit(b >> 4));
            out.push(hex_digit(b & 0x0f));
        }
    }
    out
}

fn hex_digit(n: u8) -> char {
    char::from(if n < 10 { b'0' + n } else { b'A' + n - 10 })
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn encodes_everything_but_unreserved() {
        assert_eq!(encode("aZ09-._~"), "aZ09-._~");
        assert_eq!(encode("p@ss w&rd=/?#%+"), "p%40ss%20w%26rd%3D%2F%3F%23%25%2B");
        assert_eq!(encode("ü"), "%C3%BC");
        assert_eq!(encode("2001:db8::1"), "2001%3Adb8%3A%3A1");
        assert_eq!(encode(""), "");
    }
}
