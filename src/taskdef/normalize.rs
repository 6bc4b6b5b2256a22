//! One canonical form of a task definition.
//!
//! Applied to what the user wrote and to what ECS returns, it erases every difference ECS itself introduces:
//! read-only fields, filled-in defaults, empty lists, numbers sent as strings, and the order of lists whose
//! order has no meaning.

use serde_json::{Map, Value};

use super::fields::{as_f64, READ_ONLY};

/// Turns "1 vCPU" / "2 GB" / 512 into ECS's canonical "1024" / "2048" / "512".
fn canonical_units(v: &Value, per_unit: f64) -> Value {
    match v {
        Value::Number(n) => Value::String(format!("{}", n.as_f64().unwrap_or(0.0) as i64)),
        Value::String(s) => {
            let t = s.trim();
            let lower = t.to_ascii_lowercase();
            for unit in ["vcpu", "gb"] {
                if let Some(n) = lower
                    .strip_suffix(unit)
                    .and_then(|n| n.trim().parse::<f64>().ok())
                {
                    return Value::String(format!("{}", (n * per_unit) as i64));
                }
            }
            Value::String(t.to_string())
        }
        other => other.clone(),
    }
}

fn sort_by_key(list: &mut [Value], key: &str) {
    list.sort_by(|a, b| a[key].to_string().cmp(&b[key].to_string()));
}

fn sort_canonically(list: &mut [Value]) {
    list.sort_by_key(|v| v.to_string());
}

/// Drops nulls and empty lists/objects recursively, so "absent" and "empty" compare equal.
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
        Value::Array(items) => items.iter_mut().for_each(prune),
        _ => {}
    }
}

/// Numbers ECS accepts as strings (and vice versa) become numbers.
fn numbers(map: &mut Map<String, Value>, keys: &[&str]) {
    for key in keys {
        if let Some(v) = map.get(*key) {
            if let Some(n) = as_f64(v) {
                map.insert((*key).to_string(), serde_json::json!(n as i64));
            }
        }
    }
}

fn normalize_container(c: &mut Map<String, Value>, network_mode: &str) {
    if c.get("essential").and_then(Value::as_bool) == Some(true) {
        c.remove("essential");
    }
    numbers(
        c,
        &[
            "cpu",
            "memory",
            "memoryReservation",
            "startTimeout",
            "stopTimeout",
        ],
    );
    if c.get("cpu").and_then(Value::as_i64) == Some(0) {
        c.remove("cpu");
    }
    if let Some(Value::Array(ports)) = c.get_mut("portMappings") {
        for p in ports.iter_mut() {
            let Value::Object(p) = p else { continue };
            numbers(p, &["containerPort", "hostPort"]);
            if p.get("protocol")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
                .as_deref()
                == Some("tcp")
            {
                p.remove("protocol");
            }
            if network_mode == "awsvpc" && p.get("hostPort") == p.get("containerPort") {
                p.remove("hostPort");
            }
        }
        sort_by_key(ports, "containerPort");
    }
    if let Some(Value::Array(env)) = c.get_mut("environment") {
        for e in env.iter_mut() {
            if let Some(v) = e.get("value").cloned() {
                if !v.is_string() {
                    e["value"] = Value::String(match v {
                        Value::Null => String::new(),
                        other => other.to_string(),
                    });
                }
            }
        }
        sort_by_key(env, "name");
    }
    for key in ["secrets", "ulimits", "systemControls"] {
        if let Some(Value::Array(list)) = c.get_mut(key) {
            sort_by_key(
                list,
                if key == "systemControls" {
                    "namespace"
                } else {
                    "name"
                },
            );
        }
    }
    for key in [
        "mountPoints",
        "volumesFrom",
        "extraHosts",
        "dependsOn",
        "environmentFiles",
        "resourceRequirements",
        "dnsServers",
        "dnsSearchDomains",
        "dockerSecurityOptions",
        "links",
    ] {
        if let Some(Value::Array(list)) = c.get_mut(key) {
            sort_canonically(list);
        }
    }
    if let Some(Value::Object(hc)) = c.get_mut("healthCheck") {
        numbers(hc, &["interval", "timeout", "retries", "startPeriod"]);
        for (key, default) in [("interval", 30), ("timeout", 5), ("retries", 3)] {
            if hc.get(key).and_then(Value::as_i64) == Some(default) {
                hc.remove(key);
            }
        }
    }
}

/// The canonical form of a task definition (the user's, or one ECS returned).
pub fn normalize(td: &Value) -> Value {
    let mut td = td.clone();
    let Value::Object(map) = &mut td else {
        return td;
    };
    for key in READ_ONLY {
        map.remove(*key);
    }
    map.remove("tags");
    let network_mode = map
        .get("networkMode")
        .and_then(Value::as_str)
        .unwrap_or("bridge")
        .to_string();
    if network_mode == "bridge" {
        map.remove("networkMode");
    }
    if let Some(v) = map.get("cpu").cloned() {
        map.insert("cpu".into(), canonical_units(&v, 1024.0));
    }
    if let Some(v) = map.get("memory").cloned() {
        map.insert("memory".into(), canonical_units(&v, 1024.0));
    }
    if let Some(Value::Array(containers)) = map.get_mut("containerDefinitions") {
        for c in containers.iter_mut() {
            if let Value::Object(c) = c {
                normalize_container(c, &network_mode);
            }
        }
        sort_by_key(containers, "name");
    }
    for key in [
        "requiresCompatibilities",
        "placementConstraints",
        "inferenceAccelerators",
    ] {
        if let Some(Value::Array(list)) = map.get_mut(key) {
            sort_canonically(list);
        }
    }
    if let Some(Value::Array(volumes)) = map.get_mut("volumes") {
        for v in volumes.iter_mut() {
            if v.get("host")
                .is_some_and(|h| h.as_object().is_some_and(|o| o.is_empty()))
            {
                if let Value::Object(v) = v {
                    v.remove("host");
                }
            }
        }
        sort_by_key(volumes, "name");
    }
    prune(&mut td);
    td
}

/// Stable, sorted-key, compact JSON of the canonical form: equal definitions give equal strings.
pub fn canonical_json(td: &Value) -> String {
    // serde_json's Map keeps keys sorted (no preserve_order feature), so to_string is stable.
    normalize(td).to_string()
}
