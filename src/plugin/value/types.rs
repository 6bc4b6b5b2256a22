//! Terraform's type system (cty) as far as the wire needs it: schemas declare attribute types in cty's JSON
//! form, and every value on the wire is decoded and encoded against a type.

use std::collections::BTreeMap;

/// A cty type. Values carry no type of their own; the schema supplies it.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    /// `string`
    String,
    /// `number`: arbitrary precision in Terraform.
    Number,
    /// `bool`
    Bool,
    /// `dynamic`: the value travels with its own type.
    Dynamic,
    /// `list(T)`
    List(Box<Type>),
    /// `set(T)`
    Set(Box<Type>),
    /// `map(T)`
    Map(Box<Type>),
    /// `object({...})`: attribute names in sorted order, as cty encodes them.
    Object(BTreeMap<String, Type>),
    /// `tuple([...])`
    Tuple(Vec<Type>),
}

/// A type description Terraform sent that we cannot read.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("invalid type description: {0}")]
pub struct TypeError(pub String);

impl Type {
    /// Shorthand for `list(T)` in schema code.
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }
    /// Shorthand for `set(T)` in schema code.
    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }
    /// Shorthand for `map(T)` in schema code.
    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }
    /// Shorthand for an object type from `(name, type)` pairs.
    pub fn object<I: IntoIterator<Item = (S, Type)>, S: Into<String>>(attrs: I) -> Type {
        Type::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// cty's JSON type description, as schemas carry it in `Attribute.type`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{json, Value as J};
        match self {
            Type::String => J::from("string"),
            Type::Number => J::from("number"),
            Type::Bool => J::from("bool"),
            Type::Dynamic => J::from("dynamic"),
            Type::List(t) => json!(["list", t.to_json()]),
            Type::Set(t) => json!(["set", t.to_json()]),
            Type::Map(t) => json!(["map", t.to_json()]),
            Type::Object(attrs) => {
                let map: serde_json::Map<String, J> = attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_json()))
                    .collect();
                json!(["object", map])
            }
            Type::Tuple(elems) => {
                json!(["tuple", elems.iter().map(Type::to_json).collect::<Vec<_>>()])
            }
        }
    }

    /// Reads cty's JSON type description (dynamic values carry one).
    pub fn from_json(json: &serde_json::Value) -> Result<Type, TypeError> {
        use serde_json::Value as J;
        match json {
            J::String(s) => match s.as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(TypeError(format!("unknown primitive type {other:?}"))),
            },
            J::Array(parts) => {
                let kind = parts
                    .first()
                    .and_then(J::as_str)
                    .ok_or_else(|| TypeError(json.to_string()))?;
                let arg = parts.get(1).ok_or_else(|| TypeError(json.to_string()))?;
                match kind {
                    "list" => Ok(Type::list(Type::from_json(arg)?)),
                    "set" => Ok(Type::set(Type::from_json(arg)?)),
                    "map" => Ok(Type::map(Type::from_json(arg)?)),
                    "object" => {
                        let attrs = arg.as_object().ok_or_else(|| TypeError(json.to_string()))?;
                        let mut out = BTreeMap::new();
                        for (name, t) in attrs {
                            out.insert(name.clone(), Type::from_json(t)?);
                        }
                        Ok(Type::Object(out))
                    }
                    "tuple" => {
                        let elems = arg.as_array().ok_or_else(|| TypeError(json.to_string()))?;
                        Ok(Type::Tuple(
                            elems
                                .iter()
                                .map(Type::from_json)
                                .collect::<Result<_, _>>()?,
                        ))
                    }
                    other => Err(TypeError(format!("unknown type constructor {other:?}"))),
                }
            }
            other => Err(TypeError(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let t = Type::object([
            ("name", Type::String),
            ("ports", Type::list(Type::Number)),
            ("tags", Type::map(Type::String)),
            ("flags", Type::set(Type::Bool)),
            ("pair", Type::Tuple(vec![Type::String, Type::Dynamic])),
        ]);
        assert_eq!(Type::from_json(&t.to_json()), Ok(t));
    }

    #[test]
    fn object_with_optional_attribute_list_is_accepted() {
        let json = serde_json::json!(["object", {"a": "string"}, ["a"]]);
        assert_eq!(
            Type::from_json(&json),
            Ok(Type::object([("a", Type::String)]))
        );
    }
}
