//! cty's JSON encoding, the form Terraform stores state in and hands to `UpgradeResourceState`.

use std::collections::BTreeMap;

use super::node::{Number, Value};
use super::number_text::parse_number_text;
use super::types::Type;

/// A JSON document that does not match the schema's type.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("JSON value at {path} does not decode as {expected}")]
pub struct JsonError {
    path: String,
    expected: String,
}

/// Decodes stored JSON against `ty`. Attributes the type lacks are an error, so a schema change without a
/// state upgrade is caught instead of silently dropping data.
pub fn decode_json(ty: &Type, json: &serde_json::Value) -> Result<Value, JsonError> {
    decode_at(ty, json, "$")
}

fn mismatch(ty: &Type, path: &str) -> JsonError {
    JsonError {
        path: path.to_string(),
        expected: ty.to_json().to_string(),
    }
}

fn decode_at(ty: &Type, json: &serde_json::Value, path: &str) -> Result<Value, JsonError> {
    use serde_json::Value as J;
    if json.is_null() {
        return Ok(Value::Null);
    }
    match (ty, json) {
        (Type::String, J::String(s)) => Ok(Value::String(s.clone())),
        (Type::String, J::Number(n)) => Ok(Value::String(n.to_string())),
        (Type::String, J::Bool(b)) => Ok(Value::String(b.to_string())),
        (Type::Bool, J::Bool(b)) => Ok(Value::Bool(*b)),
        (Type::Number, J::Number(n)) => Ok(Value::Number(json_number(n))),
        (Type::Number, J::String(s)) => parse_number_text(s)
            .map(Value::Number)
            .ok_or_else(|| mismatch(ty, path)),
        (Type::List(elem) | Type::Set(elem), J::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| decode_at(elem, item, &format!("{path}[{i}]")))
            .collect::<Result<_, _>>()
            .map(Value::List),
        (Type::Tuple(elems), J::Array(items)) if elems.len() == items.len() => elems
            .iter()
            .zip(items)
            .enumerate()
            .map(|(i, (t, item))| decode_at(t, item, &format!("{path}[{i}]")))
            .collect::<Result<_, _>>()
            .map(Value::List),
        (Type::Map(elem), J::Object(attrs)) => attrs
            .iter()
            .map(|(k, v)| Ok((k.clone(), decode_at(elem, v, &format!("{path}.{k}"))?)))
            .collect::<Result<BTreeMap<_, _>, _>>()
            .map(Value::Map),
        (Type::Object(attr_types), J::Object(attrs)) => {
            let mut out = BTreeMap::new();
            for (k, v) in attrs {
                let attr_ty = attr_types
                    .get(k)
                    .ok_or_else(|| mismatch(ty, &format!("{path}.{k}")))?;
                out.insert(k.clone(), decode_at(attr_ty, v, &format!("{path}.{k}"))?);
            }
            for name in attr_types.keys() {
                out.entry(name.clone()).or_insert(Value::Null);
            }
            Ok(Value::Map(out))
        }
        (Type::Dynamic, J::Object(map))
            if map.contains_key("type") && map.contains_key("value") =>
        {
            let inner = Type::from_json(&map["type"]).map_err(|_| mismatch(ty, path))?;
            decode_at(&inner, &map["value"], path)
        }
        _ => Err(mismatch(ty, path)),
    }
}

fn json_number(n: &serde_json::Number) -> Number {
    if let Some(i) = n.as_i64() {
        Number::Int(i)
    } else if let Some(u) = n.as_u64() {
        Number::Big(u.to_string())
    } else {
        Number::Float(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// Encodes a value as stored-state JSON (used for tests and state upgrades). Unknowns cannot be stored and
/// become null.
pub fn encode_json(ty: &Type, value: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Null | Value::Unknown => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::String(s) => J::String(s.clone()),
        Value::Number(Number::Int(i)) => J::from(*i),
        Value::Number(Number::Float(f)) => serde_json::Number::from_f64(*f)
            .map(J::Number)
            .unwrap_or(J::Null),
        Value::Number(Number::Big(s)) => J::String(s.clone()),
        Value::List(items) => J::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let elem = match ty {
                        Type::List(t) | Type::Set(t) => t.as_ref(),
                        Type::Tuple(ts) => ts.get(i).unwrap_or(&Type::Dynamic),
                        _ => &Type::Dynamic,
                    };
                    encode_json(elem, item)
                })
                .collect(),
        ),
        Value::Map(attrs) => J::Object(
            attrs
                .iter()
                .map(|(k, v)| {
                    let elem = match ty {
                        Type::Map(t) => t.as_ref(),
                        Type::Object(ts) => ts.get(k).unwrap_or(&Type::Dynamic),
                        _ => &Type::Dynamic,
                    };
                    (k.clone(), encode_json(elem, v))
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_state_json_with_missing_attributes_as_null() {
        let ty = Type::object([
            ("id", Type::String),
            ("port", Type::Number),
            ("weight", Type::Number),
            ("gone", Type::String),
        ]);
        let value =
            decode_json(&ty, &json!({"id": "x", "port": 80, "weight": 0.5})).expect("decodes");
        assert_eq!(value.get("port"), &Value::int(80));
        assert_eq!(value.get("weight"), &Value::Number(Number::Float(0.5)));
        assert_eq!(value.get("gone"), &Value::Null);
        assert_eq!(encode_json(&ty, &value)["weight"], json!(0.5));
    }

    #[test]
    fn unexpected_attribute_names_its_path() {
        let ty = Type::object([("a", Type::object([("b", Type::String)]))]);
        let err = decode_json(&ty, &json!({"a": {"c": "x"}})).expect_err("must fail");
        assert!(err.to_string().contains("$.a.c"), "{err}");
    }
}

/// Parses stored state JSON without losing numbers: Terraform numbers are arbitrary precision, but a plain JSON
/// parser turns `123456789012345678901234567890` into an f64. Number tokens that an f64 cannot hold exactly
/// are turned into strings before parsing, which [`decode_json`] reads back as exact numbers.
pub fn parse_state_json(bytes: &[u8]) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::from_slice(&quote_wide_numbers(bytes))
}

/// Rewrites number tokens (outside strings) that would lose precision as JSON strings.
fn quote_wide_numbers(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    let mut copied = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 2,
                b'"' => {
                    in_string = false;
                    i += 1;
                }
                _ => i += 1,
            }
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        if b == b'-' || b.is_ascii_digit() {
            let start = i;
            while i < bytes.len()
                && matches!(bytes[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
            {
                i += 1;
            }
            let token = &bytes[start..i];
            if loses_precision(token) {
                let buf = out.get_or_insert_with(|| Vec::with_capacity(bytes.len() + 16));
                buf.extend_from_slice(&bytes[copied..start]);
                buf.push(b'"');
                buf.extend_from_slice(token);
                buf.push(b'"');
                copied = i;
            }
            continue;
        }
        i += 1;
    }
    match out {
        Some(mut buf) => {
            buf.extend_from_slice(&bytes[copied..]);
            std::borrow::Cow::Owned(buf)
        }
        None => std::borrow::Cow::Borrowed(bytes),
    }
}

/// True when an f64 (or i64) cannot represent the decimal token exactly enough to round-trip.
fn loses_precision(token: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(token) else {
        return false;
    };
    if text.parse::<i64>().is_ok() {
        return false;
    }
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    let significant = mantissa
        .trim_start_matches('-')
        .replace('.', "")
        .trim_start_matches('0')
        .trim_end_matches('0')
        .len();
    significant > 15 || (!mantissa.contains('.') && !text.contains(['e', 'E']))
}

#[cfg(test)]
mod wide_number_tests {
    use super::*;

    #[test]
    fn wide_numbers_survive_state_parsing() {
        let raw = br#"{"big": 123456789012345678901234567890, "small": 42, "ratio": 0.25, "s": "123456789012345678901234567890", "neg": -9223372036854775809}"#;
        let json = parse_state_json(raw).expect("parses");
        assert_eq!(json["big"], "123456789012345678901234567890");
        assert_eq!(json["small"], 42);
        assert_eq!(json["ratio"], 0.25);
        assert_eq!(json["s"], "123456789012345678901234567890");
        assert_eq!(json["neg"], "-9223372036854775809");
        let ty = Type::object([("big", Type::Number)]);
        let value =
            decode_json(&ty, &serde_json::json!({"big": json["big"].clone()})).expect("decodes");
        assert_eq!(
            value.get("big"),
            &Value::Number(Number::Big("123456789012345678901234567890".into()))
        );
    }

    #[test]
    fn strings_with_escaped_quotes_are_left_alone() {
        let raw = br#"{"a": "x\"123456789012345678901234567890", "b": 1}"#;
        assert!(matches!(
            quote_wide_numbers(raw),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
