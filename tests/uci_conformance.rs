//! UCI conformance: tricky inputs, each with the exact output of the real libuci `uci` CLI
//! (openwrt/uci at 66127cd, built on x86_64) recorded as expected data:
//! - `strict`: stdout of `uci show t`, or on failure its error without the `uci: ` prefix;
//! - `lenient`: stderr then stdout of `uci -S show t` (skipped errors, then the rest);
//! - `commit`: the file `uci commit t` writes (after a no-op change), when the file parses.
//!
//! The `uci show` form states the parsed result exactly (types, names, values, lists and
//! their order), so each row pins both parsing and rendering. Model-level checks follow
//! the table's tests.

use homeport::uci::{self, Mode, ParseError, ParseErrorKind, Value};

struct Case {
    name: &'static str,
    input: &'static [u8],
    strict: &'static [u8],
    lenient: &'static [u8],
    commit: Option<&'static [u8]>,
}

fn error_line(e: &ParseError) -> Vec<u8> {
    format!("{e}\n").into_bytes()
}

fn shown(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn strict_parse_matches_uci_show() {
    let mut failures = Vec::new();
    for c in CASES {
        let got = match uci::show_bytes(c.input, "t", Mode::Strict) {
            Ok((out, errors)) => {
                assert!(errors.is_empty(), "{}: strict mode returned skipped errors", c.name);
                out
            }
            Err(e) => error_line(&e),
        };
        if got != c.strict {
            failures.push(format!("{}:\n--- uci show\n{}--- homeport\n{}", c.name, shown(c.strict), shown(&got)));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), CASES.len(), failures.join("\n"));
}

#[test]
fn lenient_parse_matches_uci_dash_s_show() {
    let mut failures = Vec::new();
    for c in CASES {
        let got = match uci::show_bytes(c.input, "t", Mode::Lenient) {
            Ok((out, errors)) => {
                let mut all: Vec<u8> = errors.iter().flat_map(error_line).collect();
                all.extend_from_slice(&out);
                all
            }
            Err(e) => format!("lenient parse failed: {e}\n").into_bytes(),
        };
        if got != c.lenient {
            failures.push(format!("{}:\n--- uci -S show\n{}--- homeport\n{}", c.name, shown(c.lenient), shown(&got)));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), CASES.len(), failures.join("\n"));
}

#[test]
fn writer_matches_uci_commit() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for c in CASES {
        let Some(expected) = c.commit else { continue };
        let got = match uci::parse_strict(c.input, "t") {
            Ok(p) => uci::write(&p).into_bytes(),
            Err(e) => error_line(&e),
        };
        // The model holds text: for a file that is not UTF-8, compare what it can hold.
        let expected = String::from_utf8_lossy(expected).into_owned().into_bytes();
        if got != expected {
            failures.push(format!("{}:\n--- uci commit\n{}--- homeport\n{}", c.name, shown(&expected), shown(&got)));
        }
        checked += 1;
    }
    assert!(checked > 40, "only {checked} cases have a recorded commit");
    assert!(failures.is_empty(), "{} cases differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn parse_and_show_bytes_agree_on_errors() {
    for c in CASES {
        let a = uci::parse_strict(c.input, "t").err();
        let b = uci::show_bytes(c.input, "t", Mode::Strict).err();
        assert_eq!(a, b, "{}", c.name);
        let (_, lenient) = uci::parse_lenient(c.input, "t");
        let (_, lenient_show) = uci::show_bytes(c.input, "t", Mode::Lenient).unwrap_or_default();
        assert_eq!(lenient, lenient_show, "{}", c.name);
    }
}

fn parse(input: &str) -> uci::Package {
    match uci::parse_strict(input, "t") {
        Ok(p) => p,
        Err(e) => panic!("{input:?}: {e}"),
    }
}

fn value<'a>(p: &'a uci::Package, section: usize, option: &str) -> Option<&'a Value> {
    p.sections.get(section).and_then(|s| s.option(option))
}

#[test]
fn model_list_and_option_interplay() {
    let p = parse(
        "config t\n\toption a 1\n\tlist a 2\n\toption b x\n\tlist c y\n\toption c z\n\toption d ''\n\tlist e ''\n",
    );
    assert_eq!(value(&p, 0, "a"), Some(&Value::List(vec!["1".into(), "2".into()])));
    assert_eq!(value(&p, 0, "b"), Some(&Value::Single("x".into())));
    assert_eq!(value(&p, 0, "c"), Some(&Value::Single("z".into())));
    assert_eq!(value(&p, 0, "d"), None);
    assert_eq!(value(&p, 0, "e"), Some(&Value::List(vec![String::new()])));
    let names: Vec<_> = p.sections.iter().flat_map(|s| s.options.iter().map(|o| o.name.as_str())).collect();
    assert_eq!(names, ["a", "b", "c", "e"]);
}

#[test]
fn model_sections_anonymous_named_and_merged() {
    let p = parse("config t n1\n\toption a 1\nconfig t\nconfig u n2\nconfig t ''\nconfig t n1\n\toption b 2\n");
    let summary: Vec<_> =
        p.sections.iter().map(|s| (s.ty.as_str(), s.name.as_deref(), s.options.len(), s.line)).collect();
    assert_eq!(summary, [("t", Some("n1"), 2, 1), ("t", None, 0, 3), ("u", Some("n2"), 0, 4), ("t", None, 0, 5)]);
    // @t[N] counts named sections too.
    let index: Vec<_> = p.sections_of("t").map(|(i, s)| (i, s.name.clone())).collect();
    assert_eq!(index, [(0, Some("n1".to_string())), (1, None), (2, None)]);
    let lines: Vec<_> = p.sections.first().map(|s| s.options.iter().map(|o| o.line).collect()).unwrap_or_default();
    assert_eq!(lines, [2, 7]);
}

#[test]
fn model_multi_line_value_and_line_numbers() {
    let p = parse("config t\n\toption a 'one\ntwo'\n\toption b \"x\\\ny\"\n\toption c z\n");
    assert_eq!(value(&p, 0, "a"), Some(&Value::Single("one\ntwo".into())));
    assert_eq!(value(&p, 0, "b"), Some(&Value::Single("xy".into())));
    let lines: Vec<_> = p.sections.iter().flat_map(|s| s.options.iter().map(|o| o.line)).collect();
    assert_eq!(lines, [2, 4, 6]);
}

#[test]
fn strict_errors_carry_kind_line_and_byte() {
    // Positions as the real `uci show` reports them for the same inputs.
    let cases: &[(&str, ParseErrorKind, usize, usize)] = &[
        ("config t\n\toption a b c\n", ParseErrorKind::TooManyArguments, 2, 14),
        ("config t\n\toption a \"b\n", ParseErrorKind::UnterminatedDoubleQuote, 2, 13),
        ("config t\n\toption a 'b\n\n", ParseErrorKind::UnterminatedSingleQuote, 3, 14),
        ("option a b\n", ParseErrorKind::OptionBeforeSection, 1, 0),
        ("config t\n\toption a-b c\n", ParseErrorKind::InvalidName, 2, 12),
        ("config 'a b'\n", ParseErrorKind::InvalidType, 1, 13),
        ("config t\nbogus\n", ParseErrorKind::InvalidCommand, 2, 0),
        ("config t n\nconfig u n\n", ParseErrorKind::SectionTypeConflict, 2, 11),
    ];
    for &(input, kind, line, byte) in cases {
        assert_eq!(uci::parse_strict(input, "t").err(), Some(ParseError { kind, line, byte }), "{input:?}");
    }
}

#[test]
fn lenient_mode_skips_the_bad_line_and_keeps_the_rest() {
    let (p, errors) = uci::parse_lenient("config t n\n\toption a 'ok'\n\toption b-c 1\n\tbogus\n\toption d 2\n", "t");
    let kinds: Vec<_> = errors.iter().map(|e| (e.kind, e.line)).collect();
    assert_eq!(kinds, [(ParseErrorKind::InvalidName, 3), (ParseErrorKind::InvalidCommand, 4)]);
    let opts: Vec<_> = p.sections.iter().flat_map(|s| s.options.iter().map(|o| o.name.as_str())).collect();
    assert_eq!(opts, ["a", "d"]);
}

#[test]
fn accepts_str_and_bytes() {
    let from_str = uci::parse_strict("config t\n", "t");
    let from_bytes = uci::parse_strict(b"config t\n".as_slice(), "t");
    assert_eq!(from_str, from_bytes);
}

#[test]
fn non_utf8_values_become_replacement_characters_in_the_model() {
    let (p, _) = uci::parse_lenient(b"config t\n\toption a 'x\xffy'\n".as_slice(), "t");
    assert_eq!(value(&p, 0, "a"), Some(&Value::Single("x\u{fffd}y".into())));
}

const CASES: &[Case] = &[
    Case {
        name: "concatenation_of_quoted_and_bare_pieces",
        input: b"config t\n\toption v a'b c'\"d\"\n",
        strict: b"t.@t[0]=t\nt.@t[0].v='ab cd'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].v='ab cd'\n",
        commit: Some(b"\nconfig t\n\toption v 'ab cd'\n\n"),
    },
    Case {
        name: "single_quote_inside_value_via_escape",
        input: b"config t\n\toption a 'it'\\''s'\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='it'\\''s'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='it'\\''s'\n",
        commit: Some(b"\nconfig t\n\toption a 'it'\\''s'\n\n"),
    },
    Case {
        name: "single_quotes_are_literal",
        input: b"config t\n\toption a 'back\\slash \\n $x \"dq\"'\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='back\\slash \\n $x \"dq\"'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='back\\slash \\n $x \"dq\"'\n",
        commit: Some(b"\nconfig t\n\toption a 'back\\slash \\n $x \"dq\"'\n\n"),
    },
    Case {
        name: "double_quote_backslash_takes_next_char_literally",
        input: b"config t\n\toption v \"a\\nb\\\\c\\\"d\\'e\\,f\"\n",
        strict: b"t.@t[0]=t\nt.@t[0].v='anb\\c\"d'\\''e,f'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].v='anb\\c\"d'\\''e,f'\n",
        commit: Some(b"\nconfig t\n\toption v 'anb\\c\"d'\\''e,f'\n\n"),
    },
    Case {
        name: "bare_word_backslash_escapes",
        input: b"config t\n\toption v a\\ b\\#c\\;d\n",
        strict: b"t.@t[0]=t\nt.@t[0].v='a b#c;d'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].v='a b#c;d'\n",
        commit: Some(b"\nconfig t\n\toption v 'a b#c;d'\n\n"),
    },
    Case {
        name: "empty_quote_pieces_concatenate_to_empty",
        input: b"config t\n\toption a ''\"\"''\n",
        strict: b"t.@t[0]=t\n",
        lenient: b"t.@t[0]=t\n",
        commit: Some(b"\nconfig t\n\n"),
    },
    Case {
        name: "quoted_names_and_mixed_quotes",
        input: b"config t\n\toption 'a' 'b'\n\toption \"c\" \"d\"\n\toption e\"f\" g\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='b'\nt.@t[0].c='d'\nt.@t[0].ef='g'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='b'\nt.@t[0].c='d'\nt.@t[0].ef='g'\n",
        commit: Some(b"\nconfig t\n\toption a 'b'\n\toption c 'd'\n\toption ef 'g'\n\n"),
    },
    Case {
        name: "hash_and_semicolon_are_literal_in_quotes",
        input: b"config t\n\toption a 'x # y ; z'\n\toption b \"# ;\"\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='x # y ; z'\nt.@t[0].b='# ;'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='x # y ; z'\nt.@t[0].b='# ;'\n",
        commit: Some(b"\nconfig t\n\toption a 'x # y ; z'\n\toption b '# ;'\n\n"),
    },
    Case {
        name: "single_quotes_span_lines",
        input: b"config t\n\toption v 'multi\nline\nvalue'\n\toption w x\n",
        strict: b"t.@t[0]=t\nt.@t[0].v='multi\nline\nvalue'\nt.@t[0].w='x'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].v='multi\nline\nvalue'\nt.@t[0].w='x'\n",
        commit: Some(b"\nconfig t\n\toption v 'multi\nline\nvalue'\n\toption w 'x'\n\n"),
    },
    Case {
        name: "double_quotes_span_lines",
        input: b"config t\n\toption v \"two\nlines\"\n",
        strict: b"t.@t[0]=t\nt.@t[0].v='two\nlines'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].v='two\nlines'\n",
        commit: Some(b"\nconfig t\n\toption v 'two\nlines'\n\n"),
    },
    Case {
        name: "double_quote_backslash_newline_continues",
        input: b"config t\n\toption w \"line1\\\nline2\"\n",
        strict: b"t.@t[0]=t\nt.@t[0].w='line1line2'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].w='line1line2'\n",
        commit: Some(b"\nconfig t\n\toption w 'line1line2'\n\n"),
    },
    Case {
        name: "bare_backslash_newline_continues_word",
        input: b"config t\n\toption a x\\\ny\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='xy'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='xy'\n",
        commit: Some(b"\nconfig t\n\toption a 'xy'\n\n"),
    },
    Case {
        name: "bare_backslash_newline_then_space_ends_word",
        input: b"config t\n\toption a b\\\n c\n",
        strict: b"Parse error (too many arguments) at line 3, byte 15\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='b'\n",
        commit: None,
    },
    Case {
        name: "backslash_crlf_continues",
        input: b"config t\n\toption a \"x\\\r\ny\"\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='xy'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='xy'\n",
        commit: Some(b"\nconfig t\n\toption a 'xy'\n\n"),
    },
    Case {
        name: "backslash_at_eof",
        input: b"config t\n\toption a x\\",
        strict: b"t.@t[0]=t\nt.@t[0].a='x'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='x'\n",
        commit: Some(b"\nconfig t\n\toption a 'x'\n\n"),
    },
    Case {
        name: "backslash_newline_swallows_next_statement",
        input: b"config t\n\toption a x\\\nconfig u\n",
        strict: b"Parse error (too many arguments) at line 3, byte 21\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='xconfig'\n",
        commit: None,
    },
    Case {
        name: "newline_alone_in_single_quotes",
        input: b"config t\n\toption a '\n'\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='\n'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='\n'\n",
        commit: Some(b"\nconfig t\n\toption a '\n'\n\n"),
    },
    Case {
        name: "carriage_return_kept_in_quotes",
        input: b"config t\n\toption a \"x\r\"\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='x\r'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='x\r'\n",
        commit: Some(b"\nconfig t\n\toption a 'x\r'\n\n"),
    },
    Case {
        name: "hash_ends_a_bare_word",
        input: b"config t\n\toption v b#c\n\toption w 'b#c' # comment\n#config x\n",
        strict: b"t.@t[0]=t\nt.@t[0].v='b'\nt.@t[0].w='b#c'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].v='b'\nt.@t[0].w='b#c'\n",
        commit: Some(b"\nconfig t\n\toption v 'b'\n\toption w 'b#c'\n\n"),
    },
    Case {
        name: "hash_right_after_quote",
        input: b"config t\n\toption a 'b'#comment\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='b'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='b'\n",
        commit: Some(b"\nconfig t\n\toption a 'b'\n\n"),
    },
    Case {
        name: "hash_in_option_name",
        input: b"config t\n\toption a#x b\n",
        strict: b"t.@t[0]=t\n",
        lenient: b"t.@t[0]=t\n",
        commit: Some(b"\nconfig t\n\n"),
    },
    Case {
        name: "comments_and_blank_lines_only",
        input: b"# only a comment\n\n   \n\t# another\n",
        strict: b"",
        lenient: b"",
        commit: Some(b"\n"),
    },
    Case {
        name: "empty_file",
        input: b"",
        strict: b"",
        lenient: b"",
        commit: Some(b"\n"),
    },
    Case {
        name: "semicolon_after_quoted_word_separates",
        input: b"config t\n\toption a 'b';option c 'd';list e 'f'\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='b'\nt.@t[0].c='d'\nt.@t[0].e='f'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='b'\nt.@t[0].c='d'\nt.@t[0].e='f'\n",
        commit: Some(b"\nconfig t\n\toption a 'b'\n\toption c 'd'\n\tlist e 'f'\n\n"),
    },
    Case {
        name: "semicolon_after_bare_word_drops_rest_of_line",
        input: b"config t\n\toption a b;option c d\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='b'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='b'\n",
        commit: Some(b"\nconfig t\n\toption a 'b'\n\n"),
    },
    Case {
        name: "semicolon_after_bare_section_name",
        input: b"config a b;option c d\n",
        strict: b"t.b=a\n",
        lenient: b"t.b=a\n",
        commit: Some(b"\nconfig a 'b'\n\n"),
    },
    Case {
        name: "semicolon_after_space_separates",
        input: b"config t\n\toption a b ;option c d\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='b'\nt.@t[0].c='d'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='b'\nt.@t[0].c='d'\n",
        commit: Some(b"\nconfig t\n\toption a 'b'\n\toption c 'd'\n\n"),
    },
    Case {
        name: "double_semicolon",
        input: b"config t\noption a 'x';;option b y\n",
        strict: b"Parse error (invalid command) at line 2, byte 13\n",
        lenient: b"Parse error (invalid command) at line 2, byte 13\nt.@t[0]=t\nt.@t[0].a='x'\n",
        commit: None,
    },
    Case {
        name: "semicolon_then_comment",
        input: b"config t\n\toption a 'b' ;# comment\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='b'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='b'\n",
        commit: Some(b"\nconfig t\n\toption a 'b'\n\n"),
    },
    Case {
        name: "quoted_type_then_semicolon_is_too_many",
        input: b"config 't';option a b\n",
        strict: b"Parse error (too many arguments) at line 1, byte 18\n",
        lenient: b"Parse error (invalid command) at line 1, byte 18\nt.@t[0]=t\n",
        commit: None,
    },
    Case {
        name: "tabs_and_spaces_anywhere",
        input: b"\tconfig\tt\tn\n  option   a   b   \n",
        strict: b"t.n=t\nt.n.a='b'\n",
        lenient: b"t.n=t\nt.n.a='b'\n",
        commit: Some(b"\nconfig t 'n'\n\toption a 'b'\n\n"),
    },
    Case {
        name: "crlf_line_endings",
        input: b"config t\r\n\toption a 'b'\r\n\toption c d\r\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='b'\nt.@t[0].c='d'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='b'\nt.@t[0].c='d'\n",
        commit: Some(b"\nconfig t\n\toption a 'b'\n\toption c 'd'\n\n"),
    },
    Case {
        name: "vertical_tab_and_form_feed_separate",
        input: b"config t\n\toption a x\x0by\n\toption b x\x0cy\n",
        strict: b"Parse error (too many arguments) at line 2, byte 14\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='x'\nt.@t[0].b='x'\n",
        commit: None,
    },
    Case {
        name: "no_final_newline",
        input: b"config t\n\toption a b",
        strict: b"t.@t[0]=t\nt.@t[0].a='b'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='b'\n",
        commit: Some(b"\nconfig t\n\toption a 'b'\n\n"),
    },
    Case {
        name: "short_command_forms",
        input: b"c t\no a 1\nl b 2\np foo\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='1'\nt.@t[0].b='2'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='1'\nt.@t[0].b='2'\n",
        commit: Some(b"\nconfig t\n\toption a '1'\n\tlist b '2'\n\n"),
    },
    Case {
        name: "package_statement_is_checked_then_ignored",
        input: b"package foo\nconfig t\n",
        strict: b"t.@t[0]=t\n",
        lenient: b"t.@t[0]=t\n",
        commit: Some(b"\nconfig t\n\n"),
    },
    Case {
        name: "package_with_dash",
        input: b"package a-b\nconfig t\n",
        strict: b"t.@t[0]=t\n",
        lenient: b"t.@t[0]=t\n",
        commit: Some(b"\nconfig t\n\n"),
    },
    Case {
        name: "package_with_bad_name",
        input: b"package 'bad name'\nconfig t\n",
        strict: b"Parse error (invalid character in name field) at line 1, byte 19\n",
        lenient: b"Parse error (invalid character in name field) at line 1, byte 19\nt.@t[0]=t\n",
        commit: None,
    },
    Case {
        name: "package_with_two_names",
        input: b"package a b\nconfig t\n",
        strict: b"Parse error (too many arguments) at line 1, byte 12\n",
        lenient: b"t.@t[0]=t\n",
        commit: None,
    },
    Case {
        name: "config_then_newline_is_invalid_command",
        input: b"config\n",
        strict: b"Parse error (invalid command) at line 1, byte 0\n",
        lenient: b"Parse error (invalid command) at line 1, byte 0\n",
        commit: None,
    },
    Case {
        name: "option_then_newline_is_invalid_command",
        input: b"config t\noption\n",
        strict: b"Parse error (invalid command) at line 2, byte 0\n",
        lenient: b"Parse error (invalid command) at line 2, byte 0\nt.@t[0]=t\n",
        commit: None,
    },
    Case {
        name: "option_space_newline_is_insufficient",
        input: b"config t\noption \n",
        strict: b"Parse error (insufficient arguments) at line 2, byte 8\n",
        lenient: b"Parse error (insufficient arguments) at line 2, byte 8\nt.@t[0]=t\n",
        commit: None,
    },
    Case {
        name: "unknown_command",
        input: b"config a b\nfoo bar\noption x 1\n",
        strict: b"Parse error (invalid command) at line 2, byte 0\n",
        lenient: b"Parse error (invalid command) at line 2, byte 0\nt.b=a\nt.b.x='1'\n",
        commit: None,
    },
    Case {
        name: "misspelt_command",
        input: b"configx t\nopt a b\n",
        strict: b"Parse error (invalid command) at line 1, byte 0\n",
        lenient: b"Parse error (invalid command) at line 1, byte 0\nParse error (invalid command) at line 2, byte 0\n",
        commit: None,
    },
    Case {
        name: "config_at_eof",
        input: b"c",
        strict: b"Parse error (config without name) at line 0, byte 0\n",
        lenient: b"Parse error (config without name) at line 0, byte 0\n",
        commit: None,
    },
    Case {
        name: "option_at_eof",
        input: b"config t\no",
        strict: b"Parse error (option without name) at line 1, byte 0\n",
        lenient: b"Parse error (option without name) at line 1, byte 0\nt.@t[0]=t\n",
        commit: None,
    },
    Case {
        name: "package_at_eof",
        input: b"package",
        strict: b"Parse error (package without name) at line 0, byte 0\n",
        lenient: b"Parse error (package without name) at line 0, byte 0\n",
        commit: None,
    },
    Case {
        name: "option_before_any_section",
        input: b"option a b\nconfig t\n\toption c d\n",
        strict: b"Parse error (option/list command found before the first section) at line 1, byte 0\n",
        lenient: b"Parse error (option/list command found before the first section) at line 1, byte 0\nt.@t[0]=t\nt.@t[0].c='d'\n",
        commit: None,
    },
    Case {
        name: "invalid_section_and_option_names",
        input: b"config 'b@d' 'n'\nconfig t 'bad-name'\nconfig t 'ok'\n\toption 'bad.opt' 1\n\toption good 2\n",
        strict: b"Parse error (invalid character in name field) at line 2, byte 20\n",
        lenient: b"Parse error (invalid character in name field) at line 2, byte 20\nParse error (invalid character in name field) at line 4, byte 18\nt.n=b@d\nt.ok=t\nt.ok.good='2'\n",
        commit: None,
    },
    Case {
        name: "name_character_set",
        input: b"config t\n\toption 1a x\n\toption _ y\n\toption A Z\n",
        strict: b"t.@t[0]=t\nt.@t[0].1a='x'\nt.@t[0]._='y'\nt.@t[0].A='Z'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].1a='x'\nt.@t[0]._='y'\nt.@t[0].A='Z'\n",
        commit: Some(b"\nconfig t\n\toption 1a 'x'\n\toption _ 'y'\n\toption A 'Z'\n\n"),
    },
    Case {
        name: "type_may_hold_punctuation",
        input: b"config 'a@b:c/d'\n",
        strict: b"t.@a@b:c/d[0]=a@b:c/d\n",
        lenient: b"t.@a@b:c/d[0]=a@b:c/d\n",
        commit: Some(b"\nconfig a@b:c/d\n\n"),
    },
    Case {
        name: "type_with_space_is_invalid",
        input: b"config \"t y\"\n",
        strict: b"Parse error (invalid character in type field) at line 1, byte 13\n",
        lenient: b"Parse error (invalid character in type field) at line 1, byte 13\n",
        commit: None,
    },
    Case {
        name: "type_with_hash_is_cut",
        input: b"config t#x\n",
        strict: b"t.@t[0]=t\n",
        lenient: b"t.@t[0]=t\n",
        commit: Some(b"\nconfig t\n\n"),
    },
    Case {
        name: "empty_type_is_insufficient",
        input: b"config ''\n",
        strict: b"Parse error (insufficient arguments) at line 1, byte 10\n",
        lenient: b"Parse error (insufficient arguments) at line 1, byte 10\n",
        commit: None,
    },
    Case {
        name: "empty_type_with_name",
        input: b"config \"\" n\n",
        strict: b"Parse error (insufficient arguments) at line 1, byte 10\n",
        lenient: b"Parse error (insufficient arguments) at line 1, byte 10\n",
        commit: None,
    },
    Case {
        name: "section_name_with_space",
        input: b"config t 'n n'\n",
        strict: b"Parse error (invalid character in name field) at line 1, byte 15\n",
        lenient: b"Parse error (invalid character in name field) at line 1, byte 15\n",
        commit: None,
    },
    Case {
        name: "extra_section_argument",
        input: b"config t n extra\n\toption x 1\n",
        strict: b"Parse error (too many arguments) at line 1, byte 17\n",
        lenient: b"t.n=t\nt.n.x='1'\n",
        commit: None,
    },
    Case {
        name: "extra_arguments_in_lenient_mode_start_a_new_statement",
        input: b"config a b extra option x y\noption q r s t\n",
        strict: b"Parse error (too many arguments) at line 1, byte 17\n",
        lenient: b"Parse error (invalid command) at line 2, byte 13\nt.b=a\nt.b.x='y'\nt.b.q='r'\n",
        commit: None,
    },
    Case {
        name: "anonymous_and_named_indexing",
        input: b"config t n1\n\toption a 1\nconfig t\n\toption a 2\nconfig u n2\nconfig t\nconfig t n1\n\toption b 3\n",
        strict: b"t.n1=t\nt.n1.a='1'\nt.n1.b='3'\nt.@t[1]=t\nt.@t[1].a='2'\nt.n2=u\nt.@t[2]=t\n",
        lenient: b"t.n1=t\nt.n1.a='1'\nt.n1.b='3'\nt.@t[1]=t\nt.@t[1].a='2'\nt.n2=u\nt.@t[2]=t\n",
        commit: Some(b"\nconfig t 'n1'\n\toption a '1'\n\toption b '3'\n\nconfig t\n\toption a '2'\n\nconfig u 'n2'\n\nconfig t\n\n"),
    },
    Case {
        name: "empty_name_is_anonymous",
        input: b"config t ''\n\toption a 1\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='1'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='1'\n",
        commit: Some(b"\nconfig t\n\toption a '1'\n\n"),
    },
    Case {
        name: "repeated_named_section_merges",
        input: b"config t n\n\toption x 1\nconfig u\nconfig t n\n\toption y 2\n",
        strict: b"t.n=t\nt.n.x='1'\nt.n.y='2'\nt.@u[0]=u\n",
        lenient: b"t.n=t\nt.n.x='1'\nt.n.y='2'\nt.@u[0]=u\n",
        commit: Some(b"\nconfig t 'n'\n\toption x '1'\n\toption y '2'\n\nconfig u\n\n"),
    },
    Case {
        name: "repeated_section_with_other_type",
        input: b"config t n\nconfig u n\n\toption a 1\nconfig t n\n\toption b 2\n",
        strict: b"Parse error (section of different type overwrites prior section with same name) at line 2, byte 11\n",
        lenient: b"t.n=t\nt.n.a='1'\nt.n.b='2'\n",
        commit: None,
    },
    Case {
        name: "retype_same_length_keeps_section",
        input: b"config foo n\nconfig bar n\n\toption a 1\nconfig foo\nconfig bar\n",
        strict: b"Parse error (section of different type overwrites prior section with same name) at line 2, byte 13\n",
        lenient: b"t.n=bar\nt.n.a='1'\nt.@foo[0]=foo\nt.@bar[1]=bar\n",
        commit: None,
    },
    Case {
        name: "retype_other_length_keeps_position",
        input: b"config foo n\nconfig ba n\n\toption a 1\nconfig foo\nconfig ba\n",
        strict: b"Parse error (section of different type overwrites prior section with same name) at line 2, byte 12\n",
        lenient: b"t.n=ba\nt.n.a='1'\nt.@foo[0]=foo\nt.@ba[1]=ba\n",
        commit: None,
    },
    Case {
        name: "generated_name_addresses_anonymous_section",
        input: b"config foo\nconfig foo cfg017389\n\toption a 1\n",
        strict: b"t.@foo[0]=foo\nt.@foo[0].a='1'\n",
        lenient: b"t.@foo[0]=foo\nt.@foo[0].a='1'\n",
        commit: Some(b"\nconfig foo\n\toption a '1'\n\n"),
    },
    Case {
        name: "generated_name_retype_makes_section_named",
        input: b"config foo\nconfig barx cfg017389\n\toption a 1\nconfig foo\n",
        strict: b"Parse error (section of different type overwrites prior section with same name) at line 2, byte 22\n",
        lenient: b"t.cfg017389=barx\nt.cfg017389.a='1'\nt.@foo[0]=foo\n",
        commit: None,
    },
    Case {
        name: "list_option_interplay",
        input: b"config t\n\toption a 1\n\tlist a 2\n\tlist a 3\n\toption b x\n\tlist c y\n\toption c z\n\toption d ''\n\tlist e ''\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='1' '2' '3'\nt.@t[0].b='x'\nt.@t[0].c='z'\nt.@t[0].e=''\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='1' '2' '3'\nt.@t[0].b='x'\nt.@t[0].c='z'\nt.@t[0].e=''\n",
        commit: Some(b"\nconfig t\n\tlist a '1'\n\tlist a '2'\n\tlist a '3'\n\toption b 'x'\n\toption c 'z'\n\tlist e ''\n\n"),
    },
    Case {
        name: "last_option_wins_in_first_position",
        input: b"config t\n\toption a 1\n\toption b 2\n\toption a 3\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='3'\nt.@t[0].b='2'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='3'\nt.@t[0].b='2'\n",
        commit: Some(b"\nconfig t\n\toption a '3'\n\toption b '2'\n\n"),
    },
    Case {
        name: "empty_option_keeps_earlier_value",
        input: b"config t\n\toption a 1\n\toption a ''\n\toption a\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='1'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='1'\n",
        commit: Some(b"\nconfig t\n\toption a '1'\n\n"),
    },
    Case {
        name: "option_list_option_list",
        input: b"config t\n\toption a b\n\tlist a c\n\toption a d\n\tlist a e\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='d' 'e'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='d' 'e'\n",
        commit: Some(b"\nconfig t\n\tlist a 'd'\n\tlist a 'e'\n\n"),
    },
    Case {
        name: "list_without_value_adds_empty_item",
        input: b"config t\nlist a\nlist a\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='' ''\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='' ''\n",
        commit: Some(b"\nconfig t\n\tlist a ''\n\tlist a ''\n\n"),
    },
    Case {
        name: "list_item_quoting_in_show",
        input: b"config t\n\tlist b \"q'uote\"\n\tlist b 'back\\slash'\n\tlist b 'two words'\n",
        strict: b"t.@t[0]=t\nt.@t[0].b='q'\\''uote' 'back\\slash' 'two words'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].b='q'\\''uote' 'back\\slash' 'two words'\n",
        commit: Some(b"\nconfig t\n\tlist b 'q'\\''uote'\n\tlist b 'back\\slash'\n\tlist b 'two words'\n\n"),
    },
    Case {
        name: "unterminated_double_quote",
        input: b"config a b\n\noption x \"unterminated\n",
        strict: b"Parse error (EOF with unterminated \") at line 3, byte 23\n",
        lenient: b"Parse error (EOF with unterminated \") at line 3, byte 23\nt.b=a\n",
        commit: None,
    },
    Case {
        name: "unterminated_single_quote_over_lines",
        input: b"config t\n\toption a 'unterminated\nmore\n",
        strict: b"Parse error (EOF with unterminated ') at line 3, byte 29\n",
        lenient: b"Parse error (EOF with unterminated ') at line 3, byte 29\nt.@t[0]=t\n",
        commit: None,
    },
    Case {
        name: "unterminated_double_quote_no_final_newline",
        input: b"config t\n\toption a \"unterminated\nmore",
        strict: b"Parse error (EOF with unterminated \") at line 2, byte 28\n",
        lenient: b"Parse error (EOF with unterminated \") at line 2, byte 28\nt.@t[0]=t\n",
        commit: None,
    },
    Case {
        name: "escaped_closing_quote_is_unterminated",
        input: b"config t\n\toption a \"x\\\"\n",
        strict: b"Parse error (EOF with unterminated \") at line 2, byte 15\n",
        lenient: b"Parse error (EOF with unterminated \") at line 2, byte 15\nt.@t[0]=t\n",
        commit: None,
    },
    Case {
        name: "stray_quote_line",
        input: b"config t\n\toption a b\n'\n",
        strict: b"Parse error (invalid command) at line 3, byte 0\n",
        lenient: b"Parse error (invalid command) at line 3, byte 0\nt.@t[0]=t\nt.@t[0].a='b'\n",
        commit: None,
    },
    Case {
        name: "unbalanced_quotes_in_section_line",
        input: b"config alias' 'a\n\toption x 1\n",
        strict: b"Parse error (invalid character in type field) at line 1, byte 17\n",
        lenient: b"Parse error (invalid character in type field) at line 1, byte 17\nParse error (option/list command found before the first section) at line 2, byte 1\n",
        commit: None,
    },
    Case {
        name: "too_many_arguments",
        input: b"config a b\n\noption x y z\n",
        strict: b"Parse error (too many arguments) at line 3, byte 13\n",
        lenient: b"t.b=a\nt.b.x='y'\n",
        commit: None,
    },
    Case {
        name: "too_many_arguments_on_last_line",
        input: b"config a b\n\noption x y z",
        strict: b"Parse error (too many arguments) at line 2, byte 12\n",
        lenient: b"t.b=a\nt.b.x='y'\n",
        commit: None,
    },
    Case {
        name: "non_utf8_value",
        input: b"config t\n\toption a 'caf\xc3\xa9 \xff\xfe'\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='caf\xc3\xa9 \xff\xfe'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='caf\xc3\xa9 \xff\xfe'\n",
        commit: Some(b"\nconfig t\n\toption a 'caf\xc3\xa9 \xff\xfe'\n\n"),
    },
    Case {
        name: "nul_byte_in_single_quotes",
        input: b"config t\n\toption a 'x\x00y'\n\toption b c\n",
        strict: b"Parse error (EOF with unterminated ') at line 2, byte 24\n",
        lenient: b"Parse error (EOF with unterminated ') at line 2, byte 24\nt.@t[0]=t\n",
        commit: None,
    },
    Case {
        name: "nul_byte_in_bare_word",
        input: b"config t\n\toption a x\x00y\n\toption b c\n",
        strict: b"Parse error (too many arguments) at line 2, byte 19\n",
        lenient: b"Parse error (invalid command) at line 2, byte 19\nt.@t[0]=t\nt.@t[0].a='x'\n",
        commit: None,
    },
    Case {
        name: "nul_byte_at_line_start",
        input: b"\x00config t\n\toption b c\n",
        strict: b"Parse error (option/list command found before the first section) at line 1, byte 1\n",
        lenient: b"Parse error (option/list command found before the first section) at line 1, byte 1\n",
        commit: None,
    },
    Case {
        name: "nul_byte_in_long_line",
        input: b"config t\n\toption aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\x00yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy'\n\toption b c\n",
        strict: b"t.@t[0]=t\nt.@t[0].aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa='xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy'\nt.@t[0].b='c'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa='xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy'\nt.@t[0].b='c'\n",
        commit: Some(b"\nconfig t\n\toption aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy'\n\toption b 'c'\n\n"),
    },
    Case {
        name: "long_multi_line_value",
        input: b"config t\n\toption a 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\nzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'\n\toption b c\n",
        strict: b"t.@t[0]=t\nt.@t[0].a='xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\nzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'\nt.@t[0].b='c'\n",
        lenient: b"t.@t[0]=t\nt.@t[0].a='xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\nzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'\nt.@t[0].b='c'\n",
        commit: Some(b"\nconfig t\n\toption a 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\nzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'\n\toption b 'c'\n\n"),
    },
];
