//! Environment variables and secrets in words, without ever showing what must stay hidden: the values of
//! sensitive names (listed by the user, or named like a secret) and every secret's source.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::render::show;

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

/// Name → the values given for it (normally one), from a list of `{name, <value_key>}` elements.
fn by_name(list: &Value, value_key: &str) -> BTreeMap<String, Vec<Value>> {
    let mut map: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for e in list.as_array().into_iter().flatten() {
        let name = match &e["name"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        map.entry(name).or_default().push(e[value_key].clone());
    }
    map
}

fn one_or_all(values: &[Value]) -> String {
    match values {
        [one] => show(Some(one), false),
        many => show(Some(&Value::Array(many.to_vec())), false),
    }
}

/// `env NAME "a" → "b"`, `env NAME added = "v"`, `env NAME removed`; values of sensitive names hidden.
pub(super) fn env_parts(old: &Value, new: &Value, sensitive: &[String], out: &mut Vec<String>) {
    let (a, b) = (by_name(old, "value"), by_name(new, "value"));
    let secret = |name: &str| sensitive.iter().any(|s| s == name) || looks_secret(name);
    for (name, value) in &b {
        match a.get(name) {
            None if secret(name) => out.push(format!("env {name} added (sensitive)")),
            None => out.push(format!("env {name} added = {}", one_or_all(value))),
            Some(before) if before != value && secret(name) => {
                out.push(format!("env {name} changed (sensitive)"))
            }
            Some(before) if before != value => out.push(format!(
                "env {name} {} → {}",
                one_or_all(before),
                one_or_all(value)
            )),
            _ => {}
        }
    }
    for name in a.keys().filter(|n| !b.contains_key(*n)) {
        out.push(format!("env {name} removed"));
    }
}

/// `<label> NAME added|removed|source changed` for secrets (and log secretOptions): never the source.
pub(super) fn secret_parts(label: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    let (a, b) = (by_name(old, "valueFrom"), by_name(new, "valueFrom"));
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for name in names {
        match (a.get(name), b.get(name)) {
            (None, Some(_)) => out.push(format!("{label} {name} added")),
            (Some(_), None) => out.push(format!("{label} {name} removed")),
            (Some(x), Some(y)) if x != y => out.push(format!("{label} {name} source changed")),
            _ => {}
        }
    }
}
