//! Reading homeport's own JSON documents (`status.json`, the DDNS state files) field by
//! field from a parsed `serde_json::Value`.
//!
//! Pure. Why not `#[derive(Deserialize)]`: each derived reader is a copy of serde_json's
//! parser loop specialised for that type (23 KB for `Status`, 12 KB for `Persisted` on
//! mipsel), while the `Value` parser is in the binary anyway (netifd, Cloudflare);
//! cross/README.md, "Savings of 2026-12-07". The rules are serde's derive's, so the
//! documents read the same (the types keep `Deserialize` for the tests that check it):
//! a field that is absent or `null` is `None` when optional, an error otherwise (unless
//! the type gives a default); a value of the wrong type is an error; unknown fields are
//! ignored.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Value};

/// One JSON object being read; errors name the field.
pub struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// `v` as an object, or an error saying what `what` should have been.
    pub fn of(v: &'a Value, what: &str) -> Result<Self, String> {
        v.as_object().map(Fields).ok_or_else(|| format!("{what} is not a JSON object"))
    }

    fn present(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    /// A field that must be there.
    pub fn req<T: FromJson>(&self, key: &str) -> Result<T, String> {
        match self.present(key) {
            Some(v) => T::from_json(v).map_err(|e| field_error(key, &e)),
            None => Err(format!("missing field `{key}`")),
        }
    }

    /// An `Option` field: absent or `null` is `None`.
    pub fn opt<T: FromJson>(&self, key: &str) -> Result<Option<T>, String> {
        self.present(key).map(|v| T::from_json(v).map_err(|e| field_error(key, &e))).transpose()
    }

    /// A field with `#[serde(default)]`: absent is the default.
    pub fn or_default<T: FromJson + Default>(&self, key: &str) -> Result<T, String> {
        match self.0.get(key) {
            Some(v) => T::from_json(v).map_err(|e| field_error(key, &e)),
            None => Ok(T::default()),
        }
    }
}

fn field_error(key: &str, e: &str) -> String {
    format!("field `{key}`: {e}")
}

/// A value read from JSON the way serde's `Deserialize` for the type reads it.
pub trait FromJson: Sized {
    fn from_json(v: &Value) -> Result<Self, String>;
}

fn expected<T>(what: &str) -> Result<T, String> {
    Err(format!("not {what}"))
}

impl FromJson for String {
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_str().map(String::from).map_or_else(|| expected("a string"), Ok)
    }
}

impl FromJson for bool {
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_bool().map_or_else(|| expected("true or false"), Ok)
    }
}

impl FromJson for u64 {
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_u64().map_or_else(|| expected("an unsigned integer"), Ok)
    }
}

impl FromJson for u32 {
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_u64().and_then(|n| u32::try_from(n).ok()).map_or_else(|| expected("an unsigned 32-bit integer"), Ok)
    }
}

impl FromJson for Ipv4Addr {
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_str().and_then(|s| s.parse().ok()).map_or_else(|| expected("an IPv4 address"), Ok)
    }
}

impl FromJson for Ipv6Addr {
    fn from_json(v: &Value) -> Result<Self, String> {
        v.as_str().and_then(|s| s.parse().ok()).map_or_else(|| expected("an IPv6 address"), Ok)
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: &Value) -> Result<Self, String> {
        if v.is_null() { Ok(None) } else { T::from_json(v).map(Some) }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: &Value) -> Result<Self, String> {
        let Some(items) = v.as_array() else { return expected("an array") };
        items.iter().enumerate().map(|(i, item)| T::from_json(item).map_err(|e| format!("item {i}: {e}"))).collect()
    }
}

/// A pair, as serde writes a tuple: a JSON array of exactly two values.
impl<A: FromJson, B: FromJson> FromJson for (A, B) {
    fn from_json(v: &Value) -> Result<Self, String> {
        match v.as_array().map(Vec::as_slice) {
            Some([a, b]) => Ok((A::from_json(a)?, B::from_json(b)?)),
            _ => expected("an array of two values"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(json: &str) -> Value {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn absent_and_null_are_none_only_where_optional() {
        let v = fields(r#"{"a": null, "n": 5}"#);
        let f = Fields::of(&v, "doc").unwrap();
        assert_eq!(f.opt::<u64>("a"), Ok(None));
        assert_eq!(f.opt::<u64>("b"), Ok(None));
        assert_eq!(f.opt::<u64>("n"), Ok(Some(5)));
        assert_eq!(f.req::<u64>("a"), Err("missing field `a`".into()));
        assert_eq!(f.req::<u64>("b"), Err("missing field `b`".into()));
        assert_eq!(f.or_default::<Vec<String>>("b"), Ok(Vec::new()));
        // As with #[serde(default)], a null that is present is not the default.
        assert!(f.or_default::<Vec<String>>("a").is_err());
    }

    #[test]
    fn a_value_of_the_wrong_type_is_an_error() {
        let v = fields(r#"{"s": 1, "u": -1, "f": 1.5, "big": 4294967296, "ip": "::1", "pair": ["x"]}"#);
        let f = Fields::of(&v, "doc").unwrap();
        assert_eq!(f.req::<String>("s"), Err("field `s`: not a string".into()));
        assert!(f.req::<u64>("u").is_err());
        assert!(f.req::<u64>("f").is_err());
        assert!(f.req::<u32>("big").is_err());
        assert_eq!(f.req::<u64>("big"), Ok(1 << 32));
        assert!(f.req::<Ipv4Addr>("ip").is_err());
        assert_eq!(f.req::<Ipv6Addr>("ip"), Ok(Ipv6Addr::LOCALHOST));
        assert!(f.req::<(String, String)>("pair").is_err());
        assert!(Fields::of(&fields("[]"), "doc").is_err());
    }

    #[test]
    fn list_items_are_read_and_named_in_errors() {
        let v = fields(r#"{"l": ["a", "b"], "bad": ["a", 2]}"#);
        let f = Fields::of(&v, "doc").unwrap();
        assert_eq!(f.req::<Vec<String>>("l"), Ok(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(f.req::<Vec<String>>("bad"), Err("field `bad`: item 1: not a string".into()));
    }
}
