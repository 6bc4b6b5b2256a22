//! The task definition corpus (`testdata/taskdefs/NN-name/`), loaded once for both corpus tests: each case
//! is what a team writes (`user.json`), what ECS's `DescribeTaskDefinition` answers for it
//! (`described.json`) and single changes with the plan summary they must produce (`changes.json`).
//! See `testdata/taskdefs/README.md` for the sources each answer is built from.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use serde_json::{json, Map, Value};

/// The corpus may grow but never shrink below these counts (issue 15 asks for at least 60 of each).
pub const MIN_CASES: usize = 60;
/// See [`MIN_CASES`].
#[allow(dead_code)] // the plan test samples changes without counting them
pub const MIN_CHANGES: usize = 60;

/// One task definition as written and as ECS describes it, with its single-change variants.
pub struct Case {
    /// Directory name, e.g. `39-efs-root-directory`.
    pub name: String,
    /// RegisterTaskDefinition input as a team writes it.
    pub user: Value,
    /// The `taskDefinition` object of ECS's DescribeTaskDefinition answer for `user`.
    pub described: Value,
    /// One-change variants of `user`.
    pub changes: Vec<OneChange>,
}

/// A single edit of the user file and the summary lines the plan must show for it.
pub struct OneChange {
    /// What a reviewer would call the edit.
    pub description: String,
    /// JSON Patch operations (add, replace, remove) applied to `user.json`.
    pub patch: Vec<PatchOp>,
    /// `summarize(described, changed user, sensitive)`, exactly.
    pub expected: Vec<String>,
    /// Names passed as `sensitive_environment`.
    #[allow(dead_code)] // the plan test's sample carries none
    pub sensitive: Vec<String>,
}

/// One RFC 6902 operation (the subset the corpus needs).
pub struct PatchOp {
    /// `add`, `replace` or `remove`.
    pub op: String,
    /// JSON Pointer into the user file; `-` appends to an array.
    pub path: String,
    /// The new value (absent for `remove`).
    pub value: Option<Value>,
}

/// The corpus directory.
pub fn dir() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/taskdefs")).to_path_buf()
}

fn read_json(path: &Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Every case, sorted by name; a case directory missing a file is an error, not a skip.
pub fn cases() -> anyhow::Result<Vec<Case>> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir())?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|d| {
            let name = d
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let changes = parse_changes(&read_json(&d.join("changes.json"))?)
                .with_context(|| format!("{name}/changes.json"))?;
            Ok(Case {
                user: read_json(&d.join("user.json"))?,
                described: read_json(&d.join("described.json"))?,
                changes,
                name,
            })
        })
        .collect()
}

fn strings(v: &Value) -> anyhow::Result<Vec<String>> {
    v.as_array()
        .ok_or_else(|| anyhow!("expected a list of strings"))?
        .iter()
        .map(|s| {
            s.as_str()
                .map(str::to_string)
                .ok_or_else(|| anyhow!("expected a string, found {s}"))
        })
        .collect()
}

fn parse_changes(v: &Value) -> anyhow::Result<Vec<OneChange>> {
    let list = v.as_array().ok_or_else(|| anyhow!("expected a list"))?;
    list.iter()
        .map(|c| {
            let patch = c["patch"]
                .as_array()
                .ok_or_else(|| anyhow!("a change needs a patch list"))?
                .iter()
                .map(|op| {
                    Ok(PatchOp {
                        op: op["op"].as_str().unwrap_or_default().to_string(),
                        path: op["path"]
                            .as_str()
                            .ok_or_else(|| anyhow!("a patch operation needs a path"))?
                            .to_string(),
                        value: op.get("value").cloned(),
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            Ok(OneChange {
                description: c["description"].as_str().unwrap_or_default().to_string(),
                patch,
                expected: strings(&c["expected"])?,
                sensitive: match c.get("sensitive") {
                    Some(s) => strings(s)?,
                    None => Vec::new(),
                },
            })
        })
        .collect()
}

/// `user` with the change's patch applied; fails when a path does not exist, so a stale change cannot
/// silently test nothing.
pub fn apply(user: &Value, change: &OneChange) -> anyhow::Result<Value> {
    let mut doc = user.clone();
    for op in &change.patch {
        apply_op(&mut doc, op).with_context(|| format!("{} {}", op.op, op.path))?;
    }
    if &doc == user {
        bail!("the patch leaves the file as it was");
    }
    Ok(doc)
}

fn apply_op(doc: &mut Value, op: &PatchOp) -> anyhow::Result<()> {
    let (parent_path, last) = op
        .path
        .rsplit_once('/')
        .ok_or_else(|| anyhow!("a JSON Pointer starts with /"))?;
    let last = last.replace("~1", "/").replace("~0", "~");
    let parent = doc
        .pointer_mut(parent_path)
        .ok_or_else(|| anyhow!("no value at {parent_path}"))?;
    let value = || {
        op.value
            .clone()
            .ok_or_else(|| anyhow!("{} needs a value", op.op))
    };
    match (op.op.as_str(), parent) {
        ("add", Value::Array(items)) if last == "-" => items.push(value()?),
        ("add", Value::Array(items)) => {
            let i: usize = last.parse()?;
            if i > items.len() {
                bail!("index {i} is past the end");
            }
            items.insert(i, value()?);
        }
        ("add", Value::Object(map)) => {
            map.insert(last, value()?);
        }
        ("replace", Value::Array(items)) => {
            let slot = items
                .get_mut(last.parse::<usize>()?)
                .ok_or_else(|| anyhow!("no element {last}"))?;
            *slot = value()?;
        }
        ("replace", Value::Object(map)) => {
            let slot = map
                .get_mut(&last)
                .ok_or_else(|| anyhow!("no member {last}"))?;
            *slot = value()?;
        }
        ("remove", Value::Array(items)) => {
            let i: usize = last.parse()?;
            if i >= items.len() {
                bail!("no element {i}");
            }
            items.remove(i);
        }
        ("remove", Value::Object(map)) => {
            map.remove(&last)
                .ok_or_else(|| anyhow!("no member {last}"))?;
        }
        (other, _) => bail!("unsupported operation {other} here"),
    }
    Ok(())
}

/// Lists whose order ECS does not keep or does not mean anything, per container.
const CONTAINER_SETS: [&str; 11] = [
    "environment",
    "secrets",
    "portMappings",
    "ulimits",
    "mountPoints",
    "volumesFrom",
    "dependsOn",
    "systemControls",
    "extraHosts",
    "environmentFiles",
    "resourceRequirements",
];

/// The same definition as another person writes it: every object's keys in reverse order, containers
/// and order-free lists reversed, ECS's defaults spelled out (essential, container cpu 0, protocol tcp,
/// readOnly false, the health check's interval/timeout/retries, hostPort per network mode), task
/// cpu/memory as numbers.
pub fn reordered(user: &Value) -> Value {
    let mut td = user.clone();
    let network_mode = td["networkMode"].as_str().unwrap_or("bridge").to_string();
    for key in ["cpu", "memory"] {
        if let Some(n) = td[key].as_str().and_then(|s| s.parse::<i64>().ok()) {
            td[key] = json!(n);
        }
    }
    for key in ["volumes", "placementConstraints", "requiresCompatibilities"] {
        if let Some(items) = td.get_mut(key).and_then(Value::as_array_mut) {
            items.reverse();
        }
    }
    if let Some(props) = td
        .pointer_mut("/proxyConfiguration/properties")
        .and_then(Value::as_array_mut)
    {
        props.reverse();
    }
    if let Some(containers) = td["containerDefinitions"].as_array_mut() {
        containers.reverse();
        for c in containers.iter_mut() {
            spell_out_container_defaults(c, &network_mode);
            for list in CONTAINER_SETS {
                if let Some(items) = c.get_mut(list).and_then(Value::as_array_mut) {
                    items.reverse();
                }
            }
        }
    }
    reverse_keys(&td)
}

fn spell_out_container_defaults(c: &mut Value, network_mode: &str) {
    let Some(map) = c.as_object_mut() else {
        return;
    };
    map.entry("essential").or_insert(json!(true));
    map.entry("cpu").or_insert(json!(0));
    if let Some(ports) = map.get_mut("portMappings").and_then(Value::as_array_mut) {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            p.entry("protocol").or_insert(json!("tcp"));
            if p.contains_key("containerPort") && !p.contains_key("hostPort") {
                let host = match network_mode {
                    "awsvpc" | "host" => p["containerPort"].clone(),
                    _ => json!(0),
                };
                p.insert("hostPort".into(), host);
            }
        }
    }
    for list in ["mountPoints", "volumesFrom"] {
        if let Some(items) = map.get_mut(list).and_then(Value::as_array_mut) {
            for m in items.iter_mut().filter_map(Value::as_object_mut) {
                m.entry("readOnly").or_insert(json!(false));
            }
        }
    }
    if let Some(hc) = map.get_mut("healthCheck").and_then(Value::as_object_mut) {
        hc.entry("interval").or_insert(json!(30));
        hc.entry("timeout").or_insert(json!(5));
        hc.entry("retries").or_insert(json!(3));
    }
}

fn reverse_keys(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, val) in map.iter().rev() {
                out.insert(k.clone(), reverse_keys(val));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(reverse_keys).collect()),
        other => other.clone(),
    }
}

/// `described` as RegisterTaskDefinition input: without the read-only members ECS adds, so the emulator
/// can be seeded with exactly what production describes.
#[allow(dead_code)] // only the plan test seeds the emulator
pub fn without_read_only(described: &Value) -> Value {
    let mut td = described.clone();
    if let Some(map) = td.as_object_mut() {
        for key in [
            "taskDefinitionArn",
            "revision",
            "status",
            "requiresAttributes",
            "compatibilities",
            "registeredAt",
            "registeredBy",
            "deregisteredAt",
        ] {
            map.remove(key);
        }
    }
    td
}
