//! How one value reads in a summary part: numbers, booleans and ECS's enums bare, free text JSON-quoted,
//! lists in brackets, absent as `unset` (or as the default ECS applies, when it documents one), and one
//! part per changed member, never "A → A".

use serde_json::{json, Value};

/// Members whose string values are ECS enums (or established bare words), shown without quotes.
const BARE: &[&str] = &[
    "image",
    "cpu",
    "memory",
    "networkMode",
    "pidMode",
    "ipcMode",
    "requiresCompatibilities",
    "condition",
    "logDriver",
    "type",
    "protocol",
    "appProtocol",
    "cpuArchitecture",
    "operatingSystemFamily",
    "versionConsistency",
    "transitEncryption",
    "iam",
    "scope",
];

/// Whether `member`'s string values read bare.
pub(super) fn is_bare(member: &str) -> bool {
    BARE.contains(&member)
}

/// The value ECS applies when `member` of an object in `scope` is absent — exactly the defaults the
/// normaliser removes, so an absent member reads as what it means (`readOnly false → true`).
pub(super) fn default_of(scope: &str, member: &str) -> Option<Value> {
    let v = match (scope, member) {
        ("container", "essential") => json!(true),
        ("container", "cpu") => json!(0),
        (
            "container",
            "privileged"
            | "readonlyRootFilesystem"
            | "disableNetworking"
            | "interactive"
            | "pseudoTerminal",
        ) => json!(false),
        ("healthCheck", "interval") => json!(30),
        ("healthCheck", "timeout") => json!(5),
        ("healthCheck", "retries") => json!(3),
        ("healthCheck", "startPeriod") => json!(0),
        ("mountPoints" | "volumesFrom", "readOnly") => json!(false),
        ("linuxParameters", "initProcessEnabled") => json!(false),
        ("portMappings", "protocol") => json!("tcp"),
        ("efsVolumeConfiguration", "rootDirectory") => json!("/"),
        ("efsVolumeConfiguration", "transitEncryption") => json!("DISABLED"),
        ("authorizationConfig", "iam") => json!("DISABLED"),
        ("dockerVolumeConfiguration", "scope") => json!("task"),
        ("dockerVolumeConfiguration", "autoprovision") => json!(false),
        ("volumes", "configuredAtLaunch") => json!(false),
        ("task", "networkMode") => json!("bridge"),
        ("task", "enableFaultInjection") => json!(false),
        _ => return None,
    };
    Some(v)
}

fn is_scalar(v: &Value) -> bool {
    !(v.is_array() || v.is_object())
}

/// A value as text: `unset`, bare, quoted, or a bracketed list.
pub(super) fn show(v: Option<&Value>, bare: bool) -> String {
    match v {
        None | Some(Value::Null) => "unset".into(),
        Some(Value::String(s)) if bare => s.clone(),
        Some(Value::Array(items)) if bare && items.iter().all(is_scalar) => {
            let inner: Vec<String> = items.iter().map(|i| show(Some(i), true)).collect();
            format!("[{}]", inner.join(","))
        }
        Some(other) => other.to_string(),
    }
}

/// `path old → new` for one changed member, or None when nothing changed. Absent values read as ECS's
/// default where one is documented; if that would read "A → A" the raw values are shown instead.
pub(super) fn part(
    path: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    bare: bool,
    default: Option<Value>,
) -> Option<String> {
    let (old, new) = (old.filter(|v| !v.is_null()), new.filter(|v| !v.is_null()));
    if old == new {
        return None;
    }
    let with_default = |v: Option<&Value>| show(v.or(default.as_ref()), bare);
    let (mut a, mut b) = (with_default(old), with_default(new));
    if a == b {
        (a, b) = (show(old, bare), show(new, bare));
    }
    if a == b {
        (a, b) = (show(old, false), show(new, false));
    }
    Some(format!("{path} {a} → {b}"))
}

/// `prefix word` (or just `word` at the top).
pub(super) fn join(prefix: &str, word: &str) -> String {
    if prefix.is_empty() {
        word.to_string()
    } else {
        format!("{prefix} {word}")
    }
}

/// The members either side has, in the order RegisterTaskDefinition's shape lists them (`fields`), the rest
/// after them by name: parts read in the order a person finds them in the API reference.
pub(super) fn keys_in_shape_order<'a>(
    old: &'a Value,
    new: &'a Value,
    fields: &[&str],
) -> Vec<&'a String> {
    let mut keys: Vec<&String> = old
        .as_object()
        .into_iter()
        .flat_map(|o| o.keys())
        .chain(new.as_object().into_iter().flat_map(|o| o.keys()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let rank = |k: &str| fields.iter().position(|f| *f == k).unwrap_or(usize::MAX);
    keys.sort_by_key(|k| (rank(k), (*k).clone()));
    keys
}
