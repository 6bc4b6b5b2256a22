//! The fallback that names any member by its path: scalars and scalar lists as `path old → new`, objects
//! member by member with their names as path words, lists of objects as JSON. Every member the special
//! cases do not know (including members AWS adds later) still reads with its values, never bare "changed".

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::render::{default_of, is_bare, join, part};

/// The path word for `member` of an object in `scope` (`healthCheck` reads as "health check", a volume's
/// `efsVolumeConfiguration` as "EFS"); otherwise the member's own name.
pub(super) fn word<'a>(scope: &str, member: &'a str) -> &'a str {
    match (scope, member) {
        ("container", "healthCheck") => "health check",
        ("volumes", "efsVolumeConfiguration") => "EFS",
        ("volumes", "dockerVolumeConfiguration") => "docker",
        ("volumes", "fsxWindowsFileServerVolumeConfiguration") => "FSx",
        _ => member,
    }
}

fn as_object(v: Option<&Value>) -> Option<&Map<String, Value>> {
    v.and_then(Value::as_object)
}

/// Parts for every member that differs between two objects (either may be absent), under `prefix`.
pub(super) fn members(
    prefix: &str,
    scope: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    skip: &[&str],
    out: &mut Vec<String>,
) {
    let empty = Map::new();
    let (a, b) = (
        as_object(old).unwrap_or(&empty),
        as_object(new).unwrap_or(&empty),
    );
    // A health check or EFS configuration (objects with a required member) added or removed whole reads
    // `unset`, not ECS's defaults; other objects may be absent only because all they held were defaults
    // (`linuxParameters {initProcessEnabled: false}`), so their defaults still apply.
    let whole = as_object(old).is_none() || as_object(new).is_none();
    let defaults = !(whole && matches!(scope, "healthCheck" | "efsVolumeConfiguration"));
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for key in keys {
        if skip.contains(&key.as_str()) {
            continue;
        }
        let path = join(prefix, word(scope, key));
        member_in(&path, scope, key, a.get(key), b.get(key), defaults, out);
    }
}

/// Parts for one member `key` of an object in `scope` (present in both versions), shown under `path`.
pub(super) fn member(
    path: &str,
    scope: &str,
    key: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    out: &mut Vec<String>,
) {
    member_in(path, scope, key, old, new, true, out);
}

fn member_in(
    path: &str,
    scope: &str,
    key: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    defaults: bool,
    out: &mut Vec<String>,
) {
    if old == new {
        return;
    }
    let objectish = |v: Option<&Value>| v.is_none_or(Value::is_object);
    if objectish(old) && objectish(new) {
        members(path, key, old, new, &[], out);
        return;
    }
    let holds_objects = |v: Option<&Value>| {
        v.and_then(Value::as_array)
            .is_some_and(|items| items.iter().any(|i| i.is_array() || i.is_object()))
    };
    let bare = is_bare(key) && !holds_objects(old) && !holds_objects(new);
    let default = if defaults {
        default_of(scope, key)
    } else {
        None
    };
    out.extend(part(path, old, new, bare, default));
}
