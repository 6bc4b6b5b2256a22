//! A Terraform value, untyped in memory: the schema's [`Type`] drives encoding.

use super::types::Type;
use std::collections::BTreeMap;

/// A Terraform number: integers stay exact, fractions are floats, and anything wider than 64 bits keeps its
/// decimal text so it survives a round trip.
#[derive(Clone, Debug, PartialEq)]
pub enum Number {
    /// Fits in an i64.
    Int(i64),
    /// Needs a fraction (or exceeds i64 but is exact as f64).
    Float(f64),
    /// Too large or precise for the above; cty sends these as decimal strings.
    Big(String),
}

impl Number {
    /// The value as an f64, for comparisons where precision loss is acceptable.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Number::Int(i) => Some(*i as f64),
            Number::Float(f) => Some(*f),
            Number::Big(s) => s.parse().ok(),
        }
    }

    /// The value as an i64 when it is a whole number in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Int(i) => Some(*i),
            Number::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
            Number::Float(_) => None,
            Number::Big(s) => s.parse().ok(),
        }
    }
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
            Number::Big(s) => f.write_str(s),
        }
    }
}

/// One value. Lists, sets and tuples are all `List`; maps and objects are both `Map`.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// Set to nothing.
    #[default]
    Null,
    /// Not known until apply ("known after apply").
    Unknown,
    /// `bool`
    Bool(bool),
    /// `number`
    Number(Number),
    /// `string`
    String(String),
    /// `list`, `set` or `tuple` elements, in wire order.
    List(Vec<Value>),
    /// `map` or `object` attributes.
    Map(BTreeMap<String, Value>),
}

impl Value {
    /// A string value.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// An integer value.
    pub fn int(i: i64) -> Value {
        Value::Number(Number::Int(i))
    }

    /// An object from `(name, value)` pairs.
    pub fn object<I: IntoIterator<Item = (S, Value)>, S: Into<String>>(attrs: I) -> Value {
        Value::Map(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// An object of type `ty` whose attributes are all null: the starting point for state built by hand.
    pub fn null_object(ty: &Type) -> Value {
        match ty {
            Type::Object(attrs) => {
                Value::Map(attrs.keys().map(|k| (k.clone(), Value::Null)).collect())
            }
            _ => Value::Null,
        }
    }

    /// True for null.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// True for an unknown value at this level.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// True when nothing inside is unknown.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) => items.iter().all(Value::is_wholly_known),
            Value::Map(attrs) => attrs.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// An attribute of an object (Null when absent or when self is not an object).
    pub fn get(&self, name: &str) -> &Value {
        const NULL: Value = Value::Null;
        match self {
            Value::Map(attrs) => attrs.get(name).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    /// Mutable access to an object's attribute, inserting Null when absent.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        match self {
            Value::Map(attrs) => Some(attrs.entry(name.to_string()).or_default()),
            _ => None,
        }
    }

    /// Sets an object's attribute; does nothing on non-objects.
    pub fn set(&mut self, name: &str, value: Value) {
        if let Value::Map(attrs) = self {
            attrs.insert(name.to_string(), value);
        }
    }

    /// The string, if this is a known string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bool, if this is a known bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number as i64, if whole and in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The number as f64.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The elements of a list, set or tuple.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The attributes of a map or object.
    pub fn as_map(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Map(attrs) => Some(attrs),
            _ => None,
        }
    }
}
