//! Lists compared element by element, by their natural key (ports by containerPort, mount points by
//! containerPath, ulimits by name, ...), and maps compared key by key (labels, log options): a change
//! names the element and then the member, so reordering never reads as a change and one edit reads as one.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::generic::members;
use super::render::{join, part, show};

/// How one keyed list reads.
pub(super) struct Keyed<'a> {
    /// The element's word (`port`, `mountPoint`, `ulimit`).
    pub label: &'a str,
    /// The list's member name (scope for ECS's documented defaults of the element's members).
    pub scope: &'a str,
    /// The element's natural key as shown.
    pub key: &'a dyn Fn(&Value) -> String,
    /// Members that make up the key (not compared again).
    pub key_members: &'a [&'a str],
    /// The member that is "the value" of a key/value element (`systemControl NS "a" → "b"` rather than
    /// `... value "a" → "b"`), and whether it reads bare.
    pub value: Option<(&'a str, bool)>,
    /// What follows "added" for a new element (`(volume data)`), empty for nothing.
    pub added: &'a dyn Fn(&Value) -> String,
}

/// Keys that are numbers sort as numbers (port 9090 before port 10000), the rest as text.
fn natural(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.cmp(b),
    }
}

fn grouped<'v>(
    list: Option<&'v Value>,
    key: &dyn Fn(&Value) -> String,
) -> BTreeMap<String, Vec<&'v Value>> {
    let mut map: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for item in list.and_then(Value::as_array).into_iter().flatten() {
        map.entry(key(item)).or_default().push(item);
    }
    map
}

fn sorted_keys<'k, V>(a: &'k BTreeMap<String, V>, b: &'k BTreeMap<String, V>) -> Vec<&'k String> {
    let mut keys: Vec<&String> = a
        .keys()
        .chain(b.keys())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    keys.sort_by(|x, y| natural(x, y));
    keys
}

/// Parts for two versions of one element under `prefix` (`port 8080`).
fn element(k: &Keyed, prefix: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    let before = out.len();
    let mut skip: Vec<&str> = k.key_members.to_vec();
    if let Some((value, bare)) = k.value {
        skip.push(value);
        out.extend(part(prefix, old.get(value), new.get(value), bare, None));
    }
    members(prefix, k.scope, Some(old), Some(new), &skip, out);
    if out.len() == before {
        out.extend(part(prefix, Some(old), Some(new), false, None));
    }
}

/// Parts for a keyed list: `label key added…`, `label key removed`, or the element's changed members.
pub(super) fn keyed(k: &Keyed, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<String>) {
    let (a, b) = (grouped(old, k.key), grouped(new, k.key));
    for key in sorted_keys(&a, &b) {
        let prefix = join(k.label, key);
        match (a.get(key).map(Vec::as_slice), b.get(key).map(Vec::as_slice)) {
            (None, Some([added])) => {
                let detail = (k.added)(added);
                match k.value {
                    Some((value, bare)) if detail.is_empty() => {
                        out.push(format!("{prefix} added = {}", show(added.get(value), bare)))
                    }
                    _ => out.push(format!("{prefix} added{detail}")),
                }
            }
            (Some(_), None) => out.push(format!("{prefix} removed")),
            (Some([x]), Some([y])) if x != y => element(k, &prefix, x, y, out),
            (x, y) if x != y => {
                let json = |v: Option<&[&Value]>| {
                    v.map(|items| Value::Array(items.iter().map(|i| (*i).clone()).collect()))
                };
                out.extend(part(
                    &prefix,
                    json(x).as_ref(),
                    json(y).as_ref(),
                    false,
                    None,
                ));
            }
            _ => {}
        }
    }
}

/// Parts for a string map compared key by key: `label key "a" → "b"`, `label key added = "v"`,
/// `label key removed`.
pub(super) fn map_parts(
    label: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    out: &mut Vec<String>,
) {
    let empty = Map::new();
    let obj = |v: Option<&Value>| {
        v.and_then(Value::as_object)
            .cloned()
            .unwrap_or_else(|| empty.clone())
    };
    let (a, b) = (obj(old), obj(new));
    let (a, b): (BTreeMap<String, Value>, BTreeMap<String, Value>) =
        (a.into_iter().collect(), b.into_iter().collect());
    for key in sorted_keys(&a, &b) {
        let prefix = join(label, key);
        match (a.get(key), b.get(key)) {
            (None, Some(v)) => out.push(format!("{prefix} added = {}", show(Some(v), false))),
            (Some(_), None) => out.push(format!("{prefix} removed")),
            (x, y) => out.extend(part(&prefix, x, y, false, None)),
        }
    }
}
