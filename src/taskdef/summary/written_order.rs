//! Set-like lists (capabilities, security options, compatibilities ...) read in the order they were
//! written. The canonical form sorts them so that a reorder is no change; when their content does change,
//! the summary shows each side in its own written order (`["SYS_PTRACE"] → ["SYS_PTRACE","NET_ADMIN"]`),
//! and equal content stays canonical on both sides so it still compares equal.

use serde_json::Value;

/// Set-like scalar lists of a container, by member path.
pub(super) const CONTAINER_SETS: &[&[&str]] = &[
    &["dockerSecurityOptions"],
    &["links"],
    &["credentialSpecs"],
    &["linuxParameters", "capabilities", "add"],
    &["linuxParameters", "capabilities", "drop"],
    &["restartPolicy", "ignoredExitCodes"],
];

/// Set-like scalar lists of the task.
pub(super) const TASK_SETS: &[&[&str]] = &[&["requiresCompatibilities"]];

fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

fn at_mut<'a>(v: &'a mut Value, path: &[&str]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |v, k| v.get_mut(*k))
}

/// `canonical`'s list at `path` replaced by `written`'s, when that is the same set in another order.
fn restore(canonical: &mut Value, written: Option<&Value>, path: &[&str]) {
    let Some(Value::Array(raw)) = written.and_then(|w| at(w, path)) else {
        return;
    };
    let mut ordered: Vec<Value> = Vec::new();
    for item in raw {
        if !ordered.contains(item) {
            ordered.push(item.clone());
        }
    }
    let mut sorted = ordered.clone();
    sorted.sort_by_cached_key(Value::to_string);
    if let Some(Value::Array(list)) = at_mut(canonical, path) {
        if *list == sorted {
            *list = ordered;
        }
    }
}

/// Both canonical values with each differing set list in its written order.
pub(super) fn in_written_order(
    old: &mut Value,
    new: &mut Value,
    written_old: Option<&Value>,
    written_new: Option<&Value>,
    sets: &[&[&str]],
) {
    for path in sets {
        if at(old, path) == at(new, path) {
            continue;
        }
        restore(old, written_old, path);
        restore(new, written_new, path);
    }
}
