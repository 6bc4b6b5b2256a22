//! The msgpack decoder: reads one value of a schema type, accepting every number and unknown form Terraform
//! sends, and reports a mismatch as a [`MsgpackError`].

use rmp::Marker;
use std::collections::BTreeMap;

use crate::plugin::value::node::{Number, Value};
use crate::plugin::value::number_text::parse_number_text;
use crate::plugin::value::types::Type;

/// A msgpack payload that does not match the schema's type.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("msgpack value does not decode as {expected}: {detail}")]
pub struct MsgpackError {
    expected: String,
    detail: String,
}

fn error(expected: &Type, detail: impl Into<String>) -> MsgpackError {
    MsgpackError {
        expected: expected.to_json().to_string(),
        detail: detail.into(),
    }
}

/// Decodes one value of type `ty`.
pub fn decode_msgpack(ty: &Type, bytes: &[u8]) -> Result<Value, MsgpackError> {
    let mut reader = Reader { buf: bytes };
    let value = reader.value(ty)?;
    if !reader.buf.is_empty() {
        return Err(error(ty, "trailing bytes after the value"));
    }
    Ok(value)
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, ty: &Type) -> Result<&'a [u8], MsgpackError> {
        if self.buf.len() < n {
            return Err(error(ty, "unexpected end of input"));
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    fn uint(&mut self, n: usize, ty: &Type) -> Result<u64, MsgpackError> {
        let bytes = self.take(n, ty)?;
        Ok(bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    fn marker(&mut self, ty: &Type) -> Result<Marker, MsgpackError> {
        let byte = self.take(1, ty)?[0];
        Ok(Marker::from_u8(byte))
    }

    fn value(&mut self, ty: &Type) -> Result<Value, MsgpackError> {
        let marker = self.marker(ty)?;
        match marker {
            Marker::Null => return Ok(Value::Null),
            Marker::FixExt1
            | Marker::FixExt2
            | Marker::FixExt4
            | Marker::FixExt8
            | Marker::FixExt16 => {
                let len = match marker {
                    Marker::FixExt1 => 1,
                    Marker::FixExt2 => 2,
                    Marker::FixExt4 => 4,
                    Marker::FixExt8 => 8,
                    _ => 16,
                };
                self.take(1 + len, ty)?;
                return Ok(Value::Unknown);
            }
            Marker::Ext8 | Marker::Ext16 | Marker::Ext32 => {
                let width = match marker {
                    Marker::Ext8 => 1,
                    Marker::Ext16 => 2,
                    _ => 4,
                };
                let len = self.uint(width, ty)? as usize;
                self.take(1 + len, ty)?;
                return Ok(Value::Unknown);
            }
            _ => {}
        }
        match ty {
            Type::Dynamic => self.dynamic(marker),
            Type::String => Ok(Value::String(self.string_body(marker, ty)?)),
            Type::Bool => match marker {
                Marker::True => Ok(Value::Bool(true)),
                Marker::False => Ok(Value::Bool(false)),
                other => Err(error(ty, format!("found {other:?}"))),
            },
            Type::Number => self.number(marker, ty),
            Type::List(elem) | Type::Set(elem) => {
                let len = self.array_len(marker, ty)?;
                let mut items = Vec::with_capacity(len.min(1024));
                for _ in 0..len {
                    items.push(self.value(elem)?);
                }
                Ok(Value::List(items))
            }
            Type::Tuple(elems) => {
                let len = self.array_len(marker, ty)?;
                if len != elems.len() {
                    return Err(error(ty, format!("tuple of {len} elements")));
                }
                let items = elems
                    .iter()
                    .map(|t| self.value(t))
                    .collect::<Result<_, _>>()?;
                Ok(Value::List(items))
            }
            Type::Map(elem) => {
                let len = self.map_len(marker, ty)?;
                let mut attrs = BTreeMap::new();
                for _ in 0..len {
                    let key_marker = self.marker(ty)?;
                    let key = self.string_body(key_marker, ty)?;
                    attrs.insert(key, self.value(elem)?);
                }
                Ok(Value::Map(attrs))
            }
            Type::Object(attr_types) => {
                let len = self.map_len(marker, ty)?;
                let mut attrs = BTreeMap::new();
                for _ in 0..len {
                    let key_marker = self.marker(ty)?;
                    let key = self.string_body(key_marker, ty)?;
                    let attr_ty = attr_types
                        .get(&key)
                        .ok_or_else(|| error(ty, format!("unexpected attribute {key:?}")))?;
                    attrs.insert(key, self.value(attr_ty)?);
                }
                for name in attr_types.keys() {
                    attrs.entry(name.clone()).or_insert(Value::Null);
                }
                Ok(Value::Map(attrs))
            }
        }
    }

    fn dynamic(&mut self, marker: Marker) -> Result<Value, MsgpackError> {
        let ty = Type::Dynamic;
        if self.array_len(marker, &ty)? != 2 {
            return Err(error(&ty, "dynamic value is not [type, value]"));
        }
        let type_marker = self.marker(&ty)?;
        let type_bytes = match type_marker {
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => {
                let width = match type_marker {
                    Marker::Bin8 => 1,
                    Marker::Bin16 => 2,
                    _ => 4,
                };
                let len = self.uint(width, &ty)? as usize;
                self.take(len, &ty)?.to_vec()
            }
            other => self.string_body(other, &ty)?.into_bytes(),
        };
        let json: serde_json::Value = serde_json::from_slice(&type_bytes)
            .map_err(|e| error(&ty, format!("dynamic type is not JSON: {e}")))?;
        let inner = Type::from_json(&json).map_err(|e| error(&ty, e.to_string()))?;
        self.value(&inner)
    }

    fn string_body(&mut self, marker: Marker, ty: &Type) -> Result<String, MsgpackError> {
        let len = match marker {
            Marker::FixStr(n) => n as usize,
            Marker::Str8 => self.uint(1, ty)? as usize,
            Marker::Str16 => self.uint(2, ty)? as usize,
            Marker::Str32 => self.uint(4, ty)? as usize,
            other => return Err(error(ty, format!("expected a string, found {other:?}"))),
        };
        let bytes = self.take(len, ty)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| error(ty, "string is not UTF-8"))
    }

    fn number(&mut self, marker: Marker, ty: &Type) -> Result<Value, MsgpackError> {
        let n = match marker {
            Marker::FixPos(v) => Number::Int(i64::from(v)),
            Marker::FixNeg(v) => Number::Int(i64::from(v)),
            Marker::U8 => Number::Int(self.uint(1, ty)? as i64),
            Marker::U16 => Number::Int(self.uint(2, ty)? as i64),
            Marker::U32 => Number::Int(self.uint(4, ty)? as i64),
            Marker::U64 => {
                let v = self.uint(8, ty)?;
                i64::try_from(v)
                    .map(Number::Int)
                    .unwrap_or_else(|_| Number::Big(v.to_string()))
            }
            Marker::I8 => Number::Int(i64::from(self.uint(1, ty)? as u8 as i8)),
            Marker::I16 => Number::Int(i64::from(self.uint(2, ty)? as u16 as i16)),
            Marker::I32 => Number::Int(i64::from(self.uint(4, ty)? as u32 as i32)),
            Marker::I64 => Number::Int(self.uint(8, ty)? as i64),
            Marker::F32 => Number::Float(f64::from(f32::from_bits(self.uint(4, ty)? as u32))),
            Marker::F64 => Number::Float(f64::from_bits(self.uint(8, ty)?)),
            Marker::FixStr(_) | Marker::Str8 | Marker::Str16 | Marker::Str32 => {
                let text = self.string_body(marker, ty)?;
                parse_number_text(&text)
                    .ok_or_else(|| error(ty, format!("{text:?} is not a number")))?
            }
            other => return Err(error(ty, format!("expected a number, found {other:?}"))),
        };
        Ok(Value::Number(n))
    }

    fn array_len(&mut self, marker: Marker, ty: &Type) -> Result<usize, MsgpackError> {
        match marker {
            Marker::FixArray(n) => Ok(n as usize),
            Marker::Array16 => Ok(self.uint(2, ty)? as usize),
            Marker::Array32 => Ok(self.uint(4, ty)? as usize),
            other => Err(error(ty, format!("expected an array, found {other:?}"))),
        }
    }

    fn map_len(&mut self, marker: Marker, ty: &Type) -> Result<usize, MsgpackError> {
        match marker {
            Marker::FixMap(n) => Ok(n as usize),
            Marker::Map16 => Ok(self.uint(2, ty)? as usize),
            Marker::Map32 => Ok(self.uint(4, ty)? as usize),
            other => Err(error(ty, format!("expected a map, found {other:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_refined_unknown_and_float32_and_u64() {
        // ext8 of type 12 (refined unknown) with a 2-byte payload.
        let refined = [0xc7, 2, 12, 0x81, 0x01];
        assert_eq!(decode_msgpack(&Type::String, &refined), Ok(Value::Unknown));
        let f32_half = [0xca, 0x3f, 0x00, 0x00, 0x00];
        assert_eq!(
            decode_msgpack(&Type::Number, &f32_half),
            Ok(Value::Number(Number::Float(0.5)))
        );
        let u64_max = [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(
            decode_msgpack(&Type::Number, &u64_max),
            Ok(Value::Number(Number::Big("18446744073709551615".into())))
        );
    }
}
