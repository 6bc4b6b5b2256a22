//! What changes between two task definitions as a structural list of changed leaves — the machine view
//! next to the summary in words (`summary`).

use serde_json::Value;

use super::normalize::normalize;

/// One changed leaf, by JSON path.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// e.g. `containerDefinitions[web].image`.
    pub path: String,
    /// Before (None: added).
    pub old: Option<Value>,
    /// After (None: removed).
    pub new: Option<Value>,
}

/// Structural differences between the canonical forms of `old` and `new` (containers keyed by name).
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    walk(
        "",
        &keyed(&normalize(old)),
        &keyed(&normalize(new)),
        &mut changes,
    );
    changes
}

/// Containers keyed by name so a reorder or an insertion does not read as every container changing.
fn keyed(td: &Value) -> Value {
    let mut td = td.clone();
    if let Some(Value::Array(containers)) = td.get("containerDefinitions").cloned() {
        let map: serde_json::Map<String, Value> = containers
            .into_iter()
            .map(|c| (c["name"].as_str().unwrap_or("?").to_string(), c))
            .collect();
        td["containerDefinitions"] = Value::Object(map);
    }
    td
}

fn walk(path: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => walk(&p, x, y, out),
                    (x, y) => out.push(Change {
                        path: p,
                        old: x.cloned(),
                        new: y.cloned(),
                    }),
                }
            }
        }
        _ => out.push(Change {
            path: path.to_string(),
            old: Some(old.clone()),
            new: Some(new.clone()),
        }),
    }
}
