//! Tolerant readers for scalar fields. PHP back ends (postmart's fields match DSMall's, a PHP
//! marketplace) send numbers as strings (`"120000.00"`) and flags as `0`/`1`, and the doc names
//! types only loosely; presence is still checked by serde, so a missing field stays an error.

use serde::Deserialize;
use serde::de::{Deserializer, Error};
use serde_json::Value;

fn number<'de, D: Deserializer<'de>>(value: &Value) -> Result<f64, D::Error> {
    let parsed = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    parsed.filter(|n| n.is_finite()).ok_or_else(|| D::Error::custom(format!("expected a number, got {}", short(value))))
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 40 { format!("{}…", text.chars().take(40).collect::<String>()) } else { text }
}

/// A whole number; decimals (`"120000.00"`) are rounded, since VND has no subunit.
pub(crate) fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let value = Value::deserialize(d)?;
    if let Some(n) = value.as_i64() {
        return Ok(n);
    }
    let n = number::<D>(&value)?.round();
    if n.abs() < 9.0e15 { Ok(n as i64) } else { Err(D::Error::custom(format!("number out of range: {}", short(&value)))) }
}

/// Like [`int`], with `null` as `None`; pair with `#[serde(default)]` to allow absence.
pub(crate) fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(value) => int(value).map(Some).map_err(D::Error::custom),
    }
}

pub(crate) fn float<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    number::<D>(&Value::deserialize(d)?)
}

/// `1`, `"1"` or `true`; `0`, `"0"` or `false`.
pub(crate) fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let value = Value::deserialize(d)?;
    match &value {
        Value::Bool(b) => Ok(*b),
        _ => {
            let n = number::<D>(&value)?;
            if n == 0.0 || n == 1.0 { Ok(n == 1.0) } else { Err(D::Error::custom(format!("expected 0 or 1, got {}", short(&value)))) }
        }
    }
}

/// Text, or a number written as text: identifiers such as `order_sn` come either way.
pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(D::Error::custom(format!("expected text, got {}", short(&other)))),
    }
}

/// An identifier as sent back to the platform: a number when it looks like one.
pub(crate) fn id_value(id: &str) -> Value {
    id.parse::<i64>().map_or_else(|_| Value::String(id.to_owned()), Value::from)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    struct Probe {
        #[serde(deserialize_with = "super::int")]
        n: i64,
        #[serde(default, deserialize_with = "super::opt_int")]
        o: Option<i64>,
        #[serde(deserialize_with = "super::float")]
        f: f64,
        #[serde(deserialize_with = "super::flag")]
        b: bool,
        #[serde(deserialize_with = "super::text")]
        t: String,
    }

    fn probe(json: &str) -> Result<Probe, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn numbers_arrive_as_numbers_or_strings() {
        let p = probe(r#"{"n": "120000.00", "f": "8.5", "b": "1", "t": 2024001}"#).unwrap();
        assert_eq!((p.n, p.o, p.f, p.b, p.t.as_str()), (120000, None, 8.5, true, "2024001"));
        let p = probe(r#"{"n": 7, "o": "3", "f": 8, "b": 0, "t": "SN1"}"#).unwrap();
        assert_eq!((p.n, p.o, p.f, p.b, p.t.as_str()), (7, Some(3), 8.0, false, "SN1"));
    }

    #[test]
    fn wrong_types_and_missing_fields_are_errors() {
        assert!(probe(r#"{"n": "abc", "f": 1, "b": 1, "t": "x"}"#).unwrap_err().contains("expected a number"));
        assert!(probe(r#"{"n": 1, "f": 1, "b": 2, "t": "x"}"#).unwrap_err().contains("expected 0 or 1"));
        assert!(probe(r#"{"n": 1, "f": 1, "b": 1}"#).unwrap_err().contains("missing field `t`"));
        assert!(probe(r#"{"n": 1e300, "f": 1, "b": 1, "t": "x"}"#).unwrap_err().contains("out of range"));
    }
}
