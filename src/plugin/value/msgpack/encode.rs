//! The msgpack encoder: writes one value of a schema type the way cty does, with unknowns as extension 0
//! and dynamic positions as `[type as JSON, value]`.

use crate::plugin::value::node::{Number, Value};
use crate::plugin::value::types::Type;

/// Encodes one value of type `ty`.
pub fn encode_msgpack(ty: &Type, value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, ty, value);
    out
}

fn write_value(out: &mut Vec<u8>, ty: &Type, value: &Value) {
    // Writes to a Vec cannot fail; rmp's Result is for io::Write in general.
    match value {
        Value::Null => {
            let _ = rmp::encode::write_nil(out);
        }
        Value::Unknown => {
            // cty's unknown: fixext1, extension type 0, one zero byte.
            out.extend_from_slice(&[0xd4, 0, 0]);
        }
        _ if matches!(ty, Type::Dynamic) => {
            let inner = implied_type(value);
            let _ = rmp::encode::write_array_len(out, 2);
            let type_json = inner.to_json().to_string();
            let _ = rmp::encode::write_bin(out, type_json.as_bytes());
            write_value(out, &inner, value);
        }
        Value::Bool(b) => {
            let _ = rmp::encode::write_bool(out, *b);
        }
        Value::Number(n) => write_number(out, n),
        Value::String(s) => {
            let _ = rmp::encode::write_str(out, s);
        }
        Value::List(items) => {
            let _ = rmp::encode::write_array_len(out, items.len() as u32);
            for (i, item) in items.iter().enumerate() {
                let elem_ty = match ty {
                    Type::List(t) | Type::Set(t) => t.as_ref(),
                    Type::Tuple(ts) => ts.get(i).unwrap_or(&Type::Dynamic),
                    _ => &Type::Dynamic,
                };
                write_value(out, elem_ty, item);
            }
        }
        Value::Map(attrs) => match ty {
            Type::Object(attr_types) => {
                let _ = rmp::encode::write_map_len(out, attr_types.len() as u32);
                for (name, attr_ty) in attr_types {
                    let _ = rmp::encode::write_str(out, name);
                    write_value(out, attr_ty, attrs.get(name).unwrap_or(&Value::Null));
                }
            }
            _ => {
                let elem_ty = match ty {
                    Type::Map(t) => t.as_ref(),
                    _ => &Type::Dynamic,
                };
                let _ = rmp::encode::write_map_len(out, attrs.len() as u32);
                for (name, v) in attrs {
                    let _ = rmp::encode::write_str(out, name);
                    write_value(out, elem_ty, v);
                }
            }
        },
    }
}

fn write_number(out: &mut Vec<u8>, n: &Number) {
    match n {
        Number::Int(i) => {
            let _ = rmp::encode::write_sint(out, *i);
        }
        Number::Float(f) => {
            let _ = rmp::encode::write_f64(out, *f);
        }
        Number::Big(s) => {
            let _ = rmp::encode::write_str(out, s);
        }
    }
}

/// The type a value implies where the schema says `dynamic`: objects and tuples, as cty infers them.
fn implied_type(value: &Value) -> Type {
    match value {
        Value::Null | Value::Unknown => Type::Dynamic,
        Value::Bool(_) => Type::Bool,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::List(items) => Type::Tuple(items.iter().map(implied_type).collect()),
        Value::Map(attrs) => Type::Object(
            attrs
                .iter()
                .map(|(k, v)| (k.clone(), implied_type(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_is_cty_fixext() {
        assert_eq!(
            encode_msgpack(&Type::String, &Value::Unknown),
            vec![0xd4, 0, 0]
        );
    }
}
