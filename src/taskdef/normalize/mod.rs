//! One canonical form of a task definition.
//!
//! Applied to what the user wrote and to what ECS returns, it erases every difference ECS itself introduces:
//! read-only fields, filled-in defaults, empty lists, numbers sent as strings, units, and the order of lists
//! whose order has no meaning — and nothing else, so a real change always survives. The rules and their
//! public evidence are listed in docs/guides/task-definition-normalisation.md.

mod container;
mod lists;
mod task;
mod units;

use serde_json::Value;

use super::fields::READ_ONLY;
use lists::sort_by_member;

/// Drops nulls and empty lists/objects recursively (members and list elements), so "absent" and "empty"
/// compare equal.
fn prune(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for v in map.values_mut() {
                prune(v);
            }
            map.retain(|_, v| {
                !(v.is_null()
                    || v.as_array().is_some_and(|a| a.is_empty())
                    || v.as_object().is_some_and(|o| o.is_empty()))
            });
        }
        Value::Array(items) => {
            items.iter_mut().for_each(prune);
            // An empty element (`{}` or null in `environment`, `mountPoints`, ...) configures nothing.
            items.retain(|v| !(v.is_null() || v.as_object().is_some_and(|o| o.is_empty())));
        }
        _ => {}
    }
}

/// One pass of the rules; two passes make sorting see the fully pruned elements (a rule can empty an
/// object, which the prune then removes, which can change how equal-keyed elements sort).
fn pass(td: &mut Value) {
    prune(td);
    let Value::Object(map) = td else {
        return;
    };
    for key in READ_ONLY {
        map.remove(*key);
    }
    map.remove("tags");
    let network_mode = task::normalize_task(map);
    if let Some(Value::Array(containers)) = map.get_mut("containerDefinitions") {
        for c in containers.iter_mut().filter_map(Value::as_object_mut) {
            container::normalize_container(c, &network_mode);
        }
    }
    sort_by_member(map, "containerDefinitions", "name");
    prune(td);
}

/// The canonical form of a task definition (the user's, or one ECS returned).
pub fn normalize(td: &Value) -> Value {
    let mut td = td.clone();
    pass(&mut td);
    pass(&mut td);
    td
}

/// Stable, sorted-key, compact JSON of the canonical form: equal definitions give equal strings.
pub fn canonical_json(td: &Value) -> String {
    // serde_json's Map keeps keys sorted (no preserve_order feature), so to_string is stable.
    normalize(td).to_string()
}
