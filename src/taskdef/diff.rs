//! What changes between two task definitions: a structural list, and a per-container summary in words —
//! the `ecspresso diff` of a `terraform plan`.

use std::collections::BTreeMap;

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

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn pairs(list: &Value, value_key: &str) -> BTreeMap<String, String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| Some((e["name"].as_str()?.to_string(), text(&e[value_key]))))
        .collect()
}

fn ports(c: &Value) -> String {
    let list: Vec<String> = c["portMappings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            format!(
                "{}/{}",
                text(&p["containerPort"]),
                p["protocol"].as_str().unwrap_or("tcp")
            )
        })
        .collect();
    if list.is_empty() {
        "none".into()
    } else {
        list.join(", ")
    }
}

fn shown(v: &Value) -> String {
    if v.is_null() {
        "unset".into()
    } else {
        text(v)
    }
}

/// Fragments of environment variable names that hold secrets by convention; their values are hidden even
/// when the configuration does not list them in `sensitive_environment`.
const SECRET_NAME_PARTS: [&str; 8] = [
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "CREDENTIAL",
    "PRIVATE_KEY",
    "API_KEY",
    "ACCESS_KEY",
];

/// Whether an environment variable's name says it holds a secret (`DB_PASSWORD`, `github_token`, …).
pub fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_NAME_PARTS.iter().any(|part| upper.contains(part))
}

/// What changed in one container, in words.
fn container_changes(old: &Value, new: &Value, sensitive: &[String]) -> Vec<String> {
    let mut parts = Vec::new();
    if old["image"] != new["image"] {
        parts.push(format!(
            "image {} → {}",
            shown(&old["image"]),
            shown(&new["image"])
        ));
    }
    let (oe, ne) = (
        pairs(&old["environment"], "value"),
        pairs(&new["environment"], "value"),
    );
    let secret = |name: &str| sensitive.iter().any(|s| s == name) || looks_secret(name);
    for (name, value) in &ne {
        match oe.get(name) {
            None if secret(name) => parts.push(format!("env {name} added (sensitive)")),
            None => parts.push(format!("env {name} added = {value:?}")),
            Some(before) if before != value && secret(name) => {
                parts.push(format!("env {name} changed (sensitive)"))
            }
            Some(before) if before != value => {
                parts.push(format!("env {name} {before:?} → {value:?}"))
            }
            _ => {}
        }
    }
    for name in oe.keys().filter(|n| !ne.contains_key(*n)) {
        parts.push(format!("env {name} removed"));
    }
    let (os, ns) = (
        pairs(&old["secrets"], "valueFrom"),
        pairs(&new["secrets"], "valueFrom"),
    );
    for (name, from) in &ns {
        match os.get(name) {
            None => parts.push(format!("secret {name} added")),
            Some(before) if before != from => parts.push(format!("secret {name} source changed")),
            _ => {}
        }
    }
    for name in os.keys().filter(|n| !ns.contains_key(*n)) {
        parts.push(format!("secret {name} removed"));
    }
    if old["portMappings"] != new["portMappings"] {
        parts.push(format!("ports {} → {}", ports(old), ports(new)));
    }
    for key in ["cpu", "memory", "memoryReservation"] {
        if old[key] != new[key] {
            parts.push(format!("{key} {} → {}", shown(&old[key]), shown(&new[key])));
        }
    }
    for key in ["command", "entryPoint"] {
        if old[key] != new[key] {
            parts.push(format!("{key} {} → {}", shown(&old[key]), shown(&new[key])));
        }
    }
    if old["healthCheck"] != new["healthCheck"] {
        parts.push(format!(
            "health check {} → {}",
            shown(&old["healthCheck"]["command"]),
            shown(&new["healthCheck"]["command"])
        ));
    }
    if old["logConfiguration"] != new["logConfiguration"] {
        parts.push(format!(
            "logging {} → {}",
            shown(&old["logConfiguration"]["logDriver"]),
            shown(&new["logConfiguration"]["logDriver"])
        ));
    }
    let covered = [
        "name",
        "image",
        "environment",
        "secrets",
        "portMappings",
        "cpu",
        "memory",
        "memoryReservation",
        "command",
        "entryPoint",
        "healthCheck",
        "logConfiguration",
    ];
    let keys: std::collections::BTreeSet<&String> = old
        .as_object()
        .into_iter()
        .flat_map(|o| o.keys())
        .chain(new.as_object().into_iter().flat_map(|o| o.keys()))
        .collect();
    for key in keys {
        if !covered.contains(&key.as_str()) && old.get(key) != new.get(key) {
            parts.push(format!("{key} changed"));
        }
    }
    parts
}

/// The summary per container and for the task, one line each; empty when nothing changes. Environment
/// values of names in `sensitive` and every secret's source are never shown.
pub fn summarize(old: &Value, new: &Value, sensitive: &[String]) -> Vec<String> {
    let (old, new) = (normalize(old), normalize(new));
    let mut lines = Vec::new();
    let mut task = Vec::new();
    for (key, label) in [
        ("cpu", "cpu"),
        ("memory", "memory"),
        ("taskRoleArn", "task role"),
        ("executionRoleArn", "execution role"),
        ("networkMode", "network mode"),
        ("requiresCompatibilities", "compatibilities"),
        ("runtimePlatform", "runtime platform"),
        ("pidMode", "pid mode"),
        ("ipcMode", "ipc mode"),
        ("ephemeralStorage", "ephemeral storage"),
    ] {
        if old[key] != new[key] {
            task.push(format!(
                "{label} {} → {}",
                shown(&old[key]),
                shown(&new[key])
            ));
        }
    }
    if old["volumes"] != new["volumes"] {
        task.push("volumes changed".into());
    }
    if old["family"] != new["family"] {
        task.push(format!(
            "family {} → {}",
            shown(&old["family"]),
            shown(&new["family"])
        ));
    }
    if !task.is_empty() {
        lines.push(format!("task: {}", task.join("; ")));
    }
    let by_name = |td: &Value| -> BTreeMap<String, Value> {
        td["containerDefinitions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| (c["name"].as_str().unwrap_or("?").to_string(), c.clone()))
            .collect()
    };
    let (oc, nc) = (by_name(&old), by_name(&new));
    for (name, c) in &nc {
        match oc.get(name) {
            None => lines.push(format!(
                "container {name}: added (image {})",
                shown(&c["image"])
            )),
            Some(before) => {
                let parts = container_changes(before, c, sensitive);
                if !parts.is_empty() {
                    lines.push(format!("container {name}: {}", parts.join("; ")));
                }
            }
        }
    }
    for name in oc.keys().filter(|n| !nc.contains_key(*n)) {
        lines.push(format!("container {name}: removed"));
    }
    lines
}
