//! Helpers shared by the task and container rules: order-free lists sorted by their natural key, numbers
//! that ECS accepts as strings, and members whose value equals the default ECS fills in.

use serde_json::{Map, Value};

use super::super::fields::as_f64;

/// Sorts an order-free list by its natural key (`key` picks it out of an element), ties broken by the
/// whole element so the result never depends on the input order.
pub(super) fn sort_by(list: &mut [Value], key: impl Fn(&Value) -> String) {
    list.sort_by_cached_key(|v| (key(v), v.to_string()));
}

/// Sorts an order-free list by one member (`name`, `containerPath`, ...).
pub(super) fn sort_by_member(map: &mut Map<String, Value>, list: &str, member: &str) {
    if let Some(Value::Array(items)) = map.get_mut(list) {
        sort_by(items, |v| text(&v[member]));
    }
}

/// Sorts a set-like list (whole element as key) and drops repeats, which ECS does not keep either.
pub(super) fn sort_set(map: &mut Map<String, Value>, list: &str) {
    if let Some(Value::Array(items)) = map.get_mut(list) {
        sort_by(items, Value::to_string);
        items.dedup();
    }
}

/// A value as text, for sorting keys.
pub(super) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Members ECS takes as a number or a numeric string become numbers.
pub(super) fn numbers(map: &mut Map<String, Value>, keys: &[&str]) {
    for key in keys {
        if let Some(n) = map.get(*key).and_then(as_f64) {
            if n.fract() == 0.0 {
                map.insert((*key).to_string(), serde_json::json!(n as i64));
            }
        }
    }
}

/// Removes `key` when it holds ECS's default `default` (absent and default mean the same).
pub(super) fn drop_default(map: &mut Map<String, Value>, key: &str, default: &Value) {
    if map.get(key) == Some(default) {
        map.remove(key);
    }
}

/// The same for a string default compared without regard to case (ECS's enums answer in one case).
pub(super) fn drop_default_str(map: &mut Map<String, Value>, key: &str, default: &str) {
    if map
        .get(key)
        .and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case(default))
    {
        map.remove(key);
    }
}

/// Each object element of `map[list]`, mutably.
pub(super) fn each_object<'a>(
    map: &'a mut Map<String, Value>,
    list: &str,
) -> impl Iterator<Item = &'a mut Map<String, Value>> {
    map.get_mut(list)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

/// `map[key]` as a mutable object, if it is one.
pub(super) fn object<'a>(
    map: &'a mut Map<String, Value>,
    key: &str,
) -> Option<&'a mut Map<String, Value>> {
    map.get_mut(key).and_then(Value::as_object_mut)
}
