//! One canonical form of a task definition.
//!
//! Applied to what the user wrote and to what ECS returns, it erases every difference ECS itself introduces:
//! read-only fields, filled-in defaults, empty lists, numbers sent as strings, and the order of lists whose
//! order has no meaning.

use serde_json::{Map, Value};

/// A task definition the user wrote that ECS would refuse, with the JSON path of the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskDefError {
    /// e.g. `containerDefinitions[0].portMapings`.
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for TaskDefError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Fields of RegisterTaskDefinition's input.
const TASK_FIELDS: &[&str] = &[
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "tags",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
    "enableFaultInjection",
];

/// Fields ECS adds to what it returns; never part of the user's intent.
const READ_ONLY: &[&str] = &[
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
];

/// Fields of a container definition.
const CONTAINER_FIELDS: &[&str] = &[
    "name",
    "image",
    "repositoryCredentials",
    "cpu",
    "memory",
    "memoryReservation",
    "links",
    "portMappings",
    "essential",
    "restartPolicy",
    "entryPoint",
    "command",
    "environment",
    "environmentFiles",
    "mountPoints",
    "volumesFrom",
    "linuxParameters",
    "secrets",
    "dependsOn",
    "startTimeout",
    "stopTimeout",
    "versionConsistency",
    "hostname",
    "user",
    "workingDirectory",
    "disableNetworking",
    "privileged",
    "readonlyRootFilesystem",
    "dnsServers",
    "dnsSearchDomains",
    "extraHosts",
    "dockerSecurityOptions",
    "interactive",
    "pseudoTerminal",
    "dockerLabels",
    "ulimits",
    "logConfiguration",
    "healthCheck",
    "systemControls",
    "resourceRequirements",
    "firelensConfiguration",
    "credentialSpecs",
];

fn err(path: impl Into<String>, message: impl Into<String>) -> TaskDefError {
    TaskDefError {
        path: path.into(),
        message: message.into(),
    }
}

/// The closest known field, for "did you mean" hints.
fn suggestion(unknown: &str, known: &[&str]) -> Option<String> {
    let lower = unknown.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (distance(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, k)| k.to_string())
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn check_fields(
    object: &Map<String, Value>,
    known: &[&str],
    path: &str,
) -> Result<(), TaskDefError> {
    for key in object.keys() {
        if !known.contains(&key.as_str()) && !READ_ONLY.contains(&key.as_str()) {
            let hint = suggestion(key, known)
                .map(|s| format!(" Did you mean \"{s}\"?"))
                .unwrap_or_default();
            let at = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            return Err(err(
                at,
                format!("unknown task definition field \"{key}\".{hint}"),
            ));
        }
    }
    Ok(())
}

/// Parses the JSON a user wrote (the `register-task-definition --cli-input-json` format) and checks it.
pub fn parse_user(text: &str) -> Result<Value, TaskDefError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| err("", format!("not valid JSON: {e}")))?;
    let Value::Object(object) = &value else {
        return Err(err("", "a task definition is a JSON object"));
    };
    check_fields(object, TASK_FIELDS, "")?;
    match object.get("family") {
        Some(Value::String(f)) if !f.is_empty() => {
            if !f
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(err(
                    "family",
                    format!("\"{f}\" may contain only letters, numbers, hyphens and underscores"),
                ));
            }
        }
        _ => return Err(err("family", "a family name is required")),
    }
    for key in ["cpu", "memory"] {
        if let Some(v) = object.get(key) {
            if !(v.is_string() || v.is_number()) {
                return Err(err(
                    key,
                    format!("{key} must be a number or a string such as \"512\""),
                ));
            }
        }
    }
    let containers = match object.get("containerDefinitions") {
        Some(Value::Array(c)) if !c.is_empty() => c,
        Some(Value::Array(_)) | None => {
            return Err(err(
                "containerDefinitions",
                "at least one container definition is required",
            ))
        }
        Some(_) => {
            return Err(err(
                "containerDefinitions",
                "containerDefinitions must be a list",
            ))
        }
    };
    let mut names = std::collections::BTreeSet::new();
    for (i, c) in containers.iter().enumerate() {
        let path = format!("containerDefinitions[{i}]");
        let Value::Object(c) = c else {
            return Err(err(path, "a container definition is a JSON object"));
        };
        check_fields(c, CONTAINER_FIELDS, &path)?;
        let name = c
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| err(format!("{path}.name"), "a container name is required"))?;
        if !names.insert(name.to_string()) {
            return Err(err(
                format!("{path}.name"),
                format!("container name \"{name}\" is used twice"),
            ));
        }
        if c.get("image")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .is_none()
        {
            return Err(err(format!("{path}.image"), "an image is required"));
        }
        for list in ["portMappings", "environment", "secrets", "mountPoints"] {
            if let Some(v) = c.get(list) {
                if !v.is_array() {
                    return Err(err(
                        format!("{path}.{list}"),
                        format!("{list} must be a list"),
                    ));
                }
            }
        }
        for (j, p) in c
            .get("portMappings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            match p.get("containerPort") {
                Some(v) if as_f64(v).is_some() => {}
                _ => {
                    return Err(err(
                        format!("{path}.portMappings[{j}].containerPort"),
                        "containerPort must be a number",
                    ))
                }
            }
        }
    }
    Ok(value)
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

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

/// The RegisterTaskDefinition input for what the user wrote (nothing ECS-added).
pub fn register_input(user: &Value) -> Value {
    let mut input = user.clone();
    if let Value::Object(map) = &mut input {
        for key in READ_ONLY {
            map.remove(*key);
        }
    }
    input
}

/// Container names, for validating `container_name`.
pub fn container_names(td: &Value) -> Vec<String> {
    td["containerDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect()
}

/// A container's ports, for validating `container_port`.
pub fn container_ports(td: &Value, container: &str) -> Vec<i64> {
    td["containerDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["name"] == container)
        .flat_map(|c| c["portMappings"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| as_f64(&p["containerPort"]).map(|n| n as i64))
        .collect()
}
