//! Round trips and rejections that need both halves of the codec.

use super::decode::decode_msgpack;
use super::encode::encode_msgpack;
use crate::plugin::value::node::{Number, Value};
use crate::plugin::value::types::Type;

fn schema_type() -> Type {
    Type::object([
        ("id", Type::String),
        ("count", Type::Number),
        ("ratio", Type::Number),
        ("huge", Type::Number),
        ("enabled", Type::Bool),
        ("names", Type::list(Type::String)),
        ("tags", Type::map(Type::String)),
        ("later", Type::String),
        ("nothing", Type::String),
        ("anything", Type::Dynamic),
    ])
}

#[test]
fn round_trips_every_kind() {
    let value = Value::object([
        ("id", Value::string("dep-1")),
        ("count", Value::int(-42)),
        ("ratio", Value::Number(Number::Float(0.25))),
        (
            "huge",
            Value::Number(Number::Big("123456789012345678901234567890".into())),
        ),
        ("enabled", Value::Bool(true)),
        (
            "names",
            Value::List(vec![Value::string("a"), Value::Unknown]),
        ),
        ("tags", Value::object([("team", Value::string("web"))])),
        ("later", Value::Unknown),
        ("nothing", Value::Null),
        (
            "anything",
            Value::object([("port", Value::int(8080)), ("tls", Value::Bool(false))]),
        ),
    ]);
    let ty = schema_type();
    let bytes = encode_msgpack(&ty, &value);
    assert_eq!(decode_msgpack(&ty, &bytes), Ok(value));
}

#[test]
fn rejects_type_mismatch_and_truncation() {
    let bytes = encode_msgpack(&Type::String, &Value::string("x"));
    assert!(decode_msgpack(&Type::Bool, &bytes).is_err());
    assert!(decode_msgpack(&Type::String, &bytes[..1]).is_err());
    assert!(decode_msgpack(
        &Type::Number,
        &encode_msgpack(&Type::String, &Value::string("abc"))
    )
    .is_err());
}
