//! Reading request members as the AWS wire protocols send them, and paging lists: every service's
//! handlers share these, so they sit beside the services rather than above them.

use serde_json::Value;

use crate::protocol::ApiError;

/// A string member.
pub fn opt_str<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A required string member, with the error AWS services give for a missing one.
pub fn req_str(v: &Value, key: &str, code: &str) -> Result<String, ApiError> {
    opt_str(v, key)
        .map(str::to_string)
        .ok_or_else(|| ApiError::client(code, format!("{key} is required")))
}

/// A number member; awsQuery sends numbers as strings.
pub fn opt_num(v: &Value, key: &str) -> Option<f64> {
    match v.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A boolean member; awsQuery sends booleans as strings.
pub fn opt_bool(v: &Value, key: &str) -> Option<bool> {
    match v.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A list member (absent = empty).
pub fn list(v: &Value, key: &str) -> Vec<Value> {
    v.get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// A list of strings (absent = empty).
pub fn strings(v: &Value, key: &str) -> Vec<String> {
    list(v, key)
        .iter()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// Pages a list by a numeric token.
pub fn page<T: Clone>(items: &[T], token: Option<&str>, size: usize) -> (Vec<T>, Option<String>) {
    let start = token.and_then(|t| t.parse::<usize>().ok()).unwrap_or(0);
    let end = (start + size.max(1)).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    (
        items.get(start..end).map(<[T]>::to_vec).unwrap_or_default(),
        next,
    )
}
