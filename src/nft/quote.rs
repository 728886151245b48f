//! The one way free text (forward names, comments) enters nft text: [`comment`].
//!
//! Pure. nftables' scanner has no escapes inside a quoted string (a string runs from `"`
//! to the next `"`, newlines included) and the kernel keeps at most 128 bytes of comment.
//! So the only safe quoting is to keep characters that cannot end or break the string and
//! replace the rest: `"` becomes `'`, `\` becomes `/`, control and invisible characters
//! (bidi overrides, zero-width marks) become `?`, and the result is cut to 128 bytes on a
//! character boundary. Printable Unicode is kept: nft passes it through as UTF-8.

use crate::diag::is_invisible;

/// nftables' limit on a comment (`NFTNL_UDATA_COMMENT_MAXLEN`), in bytes.
pub const COMMENT_MAX: usize = 128;

/// `text` as a complete nft string token, quotes included, safe anywhere nft expects a
/// string (`comment "…"`).
pub fn comment(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(COMMENT_MAX) + 2);
    out.push('"');
    let mut used = 0;
    for c in text.chars() {
        let c = match c {
            '"' => '\'',
            '\\' => '/',
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() || is_invisible(c) => '?',
            c => c,
        };
        if used + c.len_utf8() > COMMENT_MAX {
            break;
        }
        used += c.len_utf8();
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quoted string's body: no `"`, `\`, line break or control character inside.
    fn body_is_safe(q: &str) -> bool {
        let inner = q.strip_prefix('"').and_then(|s| s.strip_suffix('"'));
        match inner {
            Some(b) => b.len() <= COMMENT_MAX && !b.chars().any(|c| c == '"' || c == '\\' || c.is_control()),
            None => false,
        }
    }

    #[test]
    fn plain_names_pass_through() {
        assert_eq!(comment("web server"), "\"web server\"");
        assert_eq!(comment("Kamera Garage (ü)"), "\"Kamera Garage (ü)\"");
        assert_eq!(comment(""), "\"\"");
    }

    #[test]
    fn hostile_characters_are_replaced() {
        assert_eq!(comment("a\"; flush ruleset; \""), "\"a'; flush ruleset; '\"");
        assert_eq!(comment("x\ny\r\tz"), "\"x y  z\"");
        assert_eq!(comment("back\\slash\\"), "\"back/slash/\"");
        assert_eq!(comment("nul\0bell\u{7}"), "\"nul?bell?\"");
        assert_eq!(comment("rtl\u{202e}txt\u{200b}"), "\"rtl?txt?\"");
        // Braces, semicolons, '#' and '$' are harmless inside a quoted string.
        assert_eq!(comment("{ } ; # $x @s"), "\"{ } ; # $x @s\"");
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let q = comment(&"ü".repeat(100));
        assert!(body_is_safe(&q), "{q}");
        assert_eq!(q.len(), 2 + 128);
        let q = comment(&format!("a{}", "€".repeat(60)));
        assert!(body_is_safe(&q));
        assert_eq!(q.len(), 2 + 1 + 3 * 42);
    }

    #[test]
    fn every_byte_pattern_stays_one_string() {
        let nasty = ["\"", "\\\"", "\"\n}\ntable ip x {", "#\"", "\u{0}\u{1b}[2J", "'\"'\"'", "a\u{2028}b\u{85}c"];
        for n in nasty {
            assert!(body_is_safe(&comment(n)), "{n:?} -> {}", comment(n));
        }
    }
}
