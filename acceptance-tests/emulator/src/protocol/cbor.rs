//! Smithy RPC v2 CBOR: CBOR maps in, CBOR maps out, timestamps as CBOR tag 1 (epoch seconds).

use ciborium::value::Value as Cbor;
use serde_json::{Map, Number, Value};

use super::error::ApiError;

/// Decodes a request body (empty means no input).
pub fn decode(body: &[u8]) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let value: Cbor = ciborium::de::from_reader(body).map_err(|e| {
        ApiError::client("SerializationException", format!("body is not CBOR: {e}"))
    })?;
    Ok(to_json(value))
}

fn to_json(value: Cbor) -> Value {
    match value {
        Cbor::Null => Value::Null,
        Cbor::Bool(b) => Value::Bool(b),
        Cbor::Integer(i) => {
            let n: i128 = i.into();
            i64::try_from(n)
                .map(Value::from)
                .unwrap_or_else(|_| Value::from(n as f64))
        }
        Cbor::Float(f) => Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Cbor::Text(s) => Value::String(s),
        Cbor::Bytes(b) => Value::String(String::from_utf8_lossy(&b).into_owned()),
        Cbor::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Cbor::Map(entries) => Value::Object(
            entries
                .into_iter()
                .filter_map(|(k, v)| match k {
                    Cbor::Text(key) => Some((key, to_json(v))),
                    _ => None,
                })
                .collect(),
        ),
        Cbor::Tag(_, inner) => to_json(*inner),
        _ => Value::Null,
    }
}

/// Encodes an answer; members named `…Timestamp` are written as CBOR timestamps (tag 1).
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = ciborium::ser::into_writer(&from_json(value, false), &mut out);
    out
}

fn from_json(value: &Value, timestamp: bool) -> Cbor {
    match value {
        Value::Null => Cbor::Null,
        Value::Bool(b) => Cbor::Bool(*b),
        Value::Number(n) if timestamp => {
            Cbor::Tag(1, Box::new(Cbor::Float(n.as_f64().unwrap_or(0.0))))
        }
        Value::Number(n) => match n.as_i64() {
            Some(i) => Cbor::Integer(i.into()),
            None => Cbor::Float(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => Cbor::Text(s.clone()),
        Value::Array(items) => Cbor::Array(items.iter().map(|v| from_json(v, timestamp)).collect()),
        Value::Object(map) => Cbor::Map(
            map.iter()
                .map(|(k, v)| {
                    (
                        Cbor::Text(k.clone()),
                        from_json(v, k.ends_with("Timestamp")),
                    )
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_values_and_tags_timestamps() {
        let value = serde_json::json!({"AlarmNames": ["a"], "MaxRecords": 10, "StateUpdatedTimestamp": 1732480000.5});
        let bytes = encode(&value);
        let raw: Cbor = ciborium::de::from_reader(bytes.as_slice()).expect("cbor");
        let Cbor::Map(entries) = raw else {
            panic!("not a map")
        };
        assert!(entries
            .iter()
            .any(|(k, v)| k == &Cbor::Text("StateUpdatedTimestamp".into())
                && matches!(v, Cbor::Tag(1, _))));
        assert_eq!(decode(&bytes).expect("decodes"), value);
    }
}
