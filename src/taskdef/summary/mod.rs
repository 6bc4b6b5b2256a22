//! The plan's summary of a task-definition change in words: one line for the task and one per container,
//! each part naming one changed member by its path in RegisterTaskDefinition's shape with old → new values
//! (wording agreed in the project's summary-wording brief). Computed on the normalised forms, so it is
//! empty exactly when the normalised forms are equal.

mod container;
mod generic;
mod keyed;
mod render;
mod secrets;
mod task;
mod written_order;

use std::collections::BTreeMap;

use serde_json::Value;

use super::normalize::normalize;
pub use secrets::looks_secret;

fn by_name(td: &Value) -> BTreeMap<String, Vec<Value>> {
    let mut map: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for c in td["containerDefinitions"].as_array().into_iter().flatten() {
        let name = c["name"].as_str().unwrap_or("?").to_string();
        map.entry(name).or_default().push(c.clone());
    }
    map
}

/// The container named `name` as written (before normalising).
fn written_container<'a>(td: &'a Value, name: &str) -> Option<&'a Value> {
    td["containerDefinitions"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == name)
}

/// Whether host ports of the (normalised) task are assigned by Docker: bridge (the default when absent)
/// and Windows' "default" mode.
fn dynamic_host_ports(td: &Value) -> bool {
    matches!(
        td["networkMode"].as_str().unwrap_or("bridge"),
        "bridge" | "default"
    )
}

/// The summary per container and for the task, one line each; empty when nothing changes. Environment
/// values of names in `sensitive` and every secret's source are never shown.
pub fn summarize(old: &Value, new: &Value, sensitive: &[String]) -> Vec<String> {
    let (written_old, written_new) = (old, new);
    let (mut old, mut new) = (normalize(old), normalize(new));
    written_order::in_written_order(
        &mut old,
        &mut new,
        Some(written_old),
        Some(written_new),
        written_order::TASK_SETS,
    );
    let mut lines = Vec::new();
    let task = task::task_parts(&old, &new);
    if !task.is_empty() {
        lines.push(format!("task: {}", task.join("; ")));
    }
    let (oc, nc) = (by_name(&old), by_name(&new));
    for (name, c) in &nc {
        match (oc.get(name).map(Vec::as_slice), c.as_slice()) {
            (None, [first, ..]) => lines.push(format!(
                "container {name}: added (image {})",
                render::show(first.get("image"), true)
            )),
            (Some([before]), [after]) => {
                let (mut before, mut after) = (before.clone(), after.clone());
                written_order::in_written_order(
                    &mut before,
                    &mut after,
                    written_container(written_old, name),
                    written_container(written_new, name),
                    written_order::CONTAINER_SETS,
                );
                let parts = container::container_parts(
                    &before,
                    &after,
                    sensitive,
                    dynamic_host_ports(&new),
                );
                if !parts.is_empty() {
                    lines.push(format!("container {name}: {}", parts.join("; ")));
                }
            }
            (Some(before), after) if before != after => lines.push(format!(
                "container {name}: {} definitions → {} definitions",
                before.len(),
                after.len()
            )),
            _ => {}
        }
    }
    for name in oc.keys().filter(|n| !nc.contains_key(*n)) {
        lines.push(format!("container {name}: removed"));
    }
    lines
}
