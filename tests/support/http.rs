//! Reading an HTTP/1.1 request head in the tests' own servers (RFC 9112 §2.1: a start
//! line, header fields, an empty line).

use std::io::{self, BufRead};

/// The header fields after the start line, each `(name, value)` trimmed, up to the empty
/// line that ends the head or the end of the stream; lines without a colon are skipped.
/// `Err` when a read fails.
pub fn read_headers(r: &mut impl BufRead) -> io::Result<Vec<(String, String)>> {
    let mut headers = Vec::new();
    loop {
        let mut l = String::new();
        if r.read_line(&mut l)? == 0 {
            break;
        }
        let l = l.trim_end();
        if l.is_empty() {
            break;
        }
        if let Some((n, v)) = l.split_once(':') {
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    Ok(headers)
}

/// The value of header `name` (case-insensitive), the first if repeated.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}
