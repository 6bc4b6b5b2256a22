//! What changed at the task level, member by member in RegisterTaskDefinition's order: volumes by name,
//! placement constraints and compatibilities as sets, proxy properties by name, everything else by path.

use serde_json::Value;

use super::super::fields::TASK_FIELDS;
use super::generic::{member, members};
use super::keyed::{keyed, Keyed};
use super::render::{keys_in_shape_order, part};

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn nothing(_: &Value) -> String {
    String::new()
}

fn volumes(old: Option<&Value>, new: Option<&Value>, out: &mut Vec<String>) {
    let key = |v: &Value| text(&v["name"]);
    keyed(
        &Keyed {
            label: "volume",
            scope: "volumes",
            key: &key,
            key_members: &["name"],
            value: None,
            added: &nothing,
        },
        old,
        new,
        out,
    );
}

/// `placementConstraint memberOf "attribute:…" added`: a constraint is all key, so it is added or removed.
fn placement_constraints(old: Option<&Value>, new: Option<&Value>, out: &mut Vec<String>) {
    let key = |c: &Value| match c.get("expression") {
        Some(e) => format!("{} {}", text(&c["type"]), e),
        None => text(&c["type"]),
    };
    keyed(
        &Keyed {
            label: "placementConstraint",
            scope: "placementConstraints",
            key: &key,
            key_members: &["type", "expression"],
            value: None,
            added: &nothing,
        },
        old,
        new,
        out,
    );
}

fn inference_accelerators(old: Option<&Value>, new: Option<&Value>, out: &mut Vec<String>) {
    let key = |a: &Value| text(&a["deviceName"]);
    keyed(
        &Keyed {
            label: "inferenceAccelerator",
            scope: "inferenceAccelerators",
            key: &key,
            key_members: &["deviceName"],
            value: None,
            added: &|a: &Value| format!(" (deviceType {})", a["deviceType"]),
        },
        old,
        new,
        out,
    );
}

fn proxy(old: Option<&Value>, new: Option<&Value>, out: &mut Vec<String>) {
    let key = |p: &Value| text(&p["name"]);
    keyed(
        &Keyed {
            label: "proxyConfiguration property",
            scope: "properties",
            key: &key,
            key_members: &["name"],
            value: Some(("value", false)),
            added: &nothing,
        },
        old.and_then(|p| p.get("properties")),
        new.and_then(|p| p.get("properties")),
        out,
    );
    members(
        "proxyConfiguration",
        "proxyConfiguration",
        old,
        new,
        &["properties"],
        out,
    );
}

/// Parts for the task-level members (containers are summarised separately).
pub(super) fn task_parts(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in keys_in_shape_order(old, new, TASK_FIELDS) {
        let (a, b) = (old.get(key), new.get(key));
        if a == b {
            continue;
        }
        match key.as_str() {
            "containerDefinitions" => {}
            "volumes" => volumes(a, b, &mut out),
            "placementConstraints" => placement_constraints(a, b, &mut out),
            "inferenceAccelerators" => inference_accelerators(a, b, &mut out),
            "proxyConfiguration" => proxy(a, b, &mut out),
            "requiresCompatibilities" => out.extend(part(key, a, b, true, None)),
            other => member(other, "task", other, a, b, &mut out),
        }
    }
    out
}
