//! What changed in one container, member by member in RegisterTaskDefinition's order: the established
//! words (image, env, secret, port, health check, log ...), keyed lists by their natural key, and every
//! other member by its path through the generic fallback.

use serde_json::{json, Value};

use super::super::fields::CONTAINER_FIELDS;
use super::generic::{member, members, word};
use super::keyed::{keyed, map_parts, Keyed};
use super::render::{keys_in_shape_order, part};
use super::secrets::{env_parts, secret_parts};

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn nothing(_: &Value) -> String {
    String::new()
}

/// A port's natural key: containerPort, or its containerPortRange. ECS refuses the same container port for
/// two protocols, so the protocol is a member (`port 2000 protocol udp → tcp`), not part of the key.
fn port_key(p: &Value) -> String {
    match (&p["containerPort"], &p["containerPortRange"]) {
        (Value::Null, range) => text(range),
        (port, _) => text(port),
    }
}

/// The port list with `hostPort` filled in as ECS means it when absent: 0 (dynamic) on bridge, the
/// container port on awsvpc/host — so `port 80 hostPort 0 → 8080` reads as what changes.
fn filled_ports(c: &Value, dynamic_host_ports: bool) -> Option<Value> {
    let mut list = c.get("portMappings")?.clone();
    for p in list.as_array_mut().into_iter().flatten() {
        let Some(p) = p.as_object_mut() else { continue };
        if p.contains_key("hostPort") {
            continue;
        }
        let default = if dynamic_host_ports {
            Some(json!(0))
        } else {
            p.get("containerPort").cloned()
        };
        if let Some(d) = default {
            p.insert("hostPort".into(), d);
        }
    }
    Some(list)
}

/// Ports by containerPort (protocol, range); a named port reads by its name (`port web ...`) unless its
/// name is what changed.
fn ports(old: &Value, new: &Value, dynamic_host_ports: bool, out: &mut Vec<String>) {
    let key = |p: &Value| port_key(p);
    let (a, b) = (
        filled_ports(old, dynamic_host_ports),
        filled_ports(new, dynamic_host_ports),
    );
    let mut parts = Vec::new();
    keyed(
        &Keyed {
            label: "port",
            scope: "portMappings",
            key: &key,
            key_members: &["containerPort", "containerPortRange"],
            value: None,
            added: &|p: &Value| match (p["name"].as_str(), p.get("containerPort")) {
                (Some(_), Some(port)) => format!(" (containerPort {port})"),
                (Some(_), None) => format!(" (containerPortRange {})", port_key(p)),
                (None, _) => String::new(),
            },
        },
        a.as_ref(),
        b.as_ref(),
        &mut parts,
    );
    let pairs = |list: &Option<Value>| -> Vec<(String, Value)> {
        list.iter()
            .flat_map(|l| l.as_array().cloned().unwrap_or_default())
            .map(|p| (port_key(&p), p))
            .collect()
    };
    let (pa, pb) = (pairs(&a), pairs(&b));
    for line in parts {
        out.push(rename_port(line, &pa, &pb));
    }
}

/// `port 8080 …` → `port web …` for a named port: by its name when added (new name) or removed (old
/// name), and when changed if the name is the same on both sides (a renamed port reads by its number).
fn rename_port(line: String, old: &[(String, Value)], new: &[(String, Value)]) -> String {
    let Some(rest) = line.strip_prefix("port ") else {
        return line;
    };
    let key = rest.split(' ').next().unwrap_or_default();
    let name = |list: &[(String, Value)]| -> Option<String> {
        let mut named = list.iter().filter(|(k, _)| k == key);
        let (_, p) = named.next()?;
        named
            .next()
            .is_none()
            .then(|| p["name"].as_str().map(str::to_string))
            .flatten()
    };
    let tail = &rest[key.len()..];
    let label = match (name(old), name(new)) {
        (_, Some(b)) if tail.starts_with(" added") => Some(b),
        (Some(a), _) if tail == " removed" => Some(a),
        (Some(a), Some(b)) if a == b => Some(a),
        _ => None,
    };
    match label {
        Some(label) => format!("port {label}{tail}"),
        None => line,
    }
}

fn log_configuration(old: &Value, new: &Value, out: &mut Vec<String>) {
    let (a, b) = (&old["logConfiguration"], &new["logConfiguration"]);
    out.extend(part(
        "log driver",
        a.get("logDriver"),
        b.get("logDriver"),
        true,
        None,
    ));
    map_parts("log option", a.get("options"), b.get("options"), out);
    secret_parts(
        "log secretOption",
        &a["secretOptions"],
        &b["secretOptions"],
        out,
    );
    members(
        "log",
        "logConfiguration",
        Some(a),
        Some(b),
        &["logDriver", "options", "secretOptions"],
        out,
    );
}

fn firelens(old: &Value, new: &Value, out: &mut Vec<String>) {
    let (a, b) = (&old["firelensConfiguration"], &new["firelensConfiguration"]);
    out.extend(part(
        "firelens type",
        a.get("type"),
        b.get("type"),
        true,
        None,
    ));
    map_parts("firelens option", a.get("options"), b.get("options"), out);
    members(
        "firelens",
        "firelensConfiguration",
        Some(a),
        Some(b),
        &["type", "options"],
        out,
    );
}

fn linux_parameters(old: &Value, new: &Value, out: &mut Vec<String>) {
    let (a, b) = (&old["linuxParameters"], &new["linuxParameters"]);
    for (list, label, key_member) in [
        ("devices", "linuxParameters device", "hostPath"),
        ("tmpfs", "linuxParameters tmpfs", "containerPath"),
    ] {
        let key = move |v: &Value| text(&v[key_member]);
        keyed(
            &Keyed {
                label,
                scope: list,
                key: &key,
                key_members: &[key_member],
                value: None,
                added: &nothing,
            },
            a.get(list),
            b.get(list),
            out,
        );
    }
    members(
        "linuxParameters",
        "linuxParameters",
        Some(a),
        Some(b),
        &["devices", "tmpfs"],
        out,
    );
}

/// How a simple keyed list of the container reads: (label, key member, value member, added detail).
type KeyedSpec = (
    &'static str,
    &'static str,
    Option<(&'static str, bool)>,
    fn(&Value) -> String,
);

/// The container's keyed lists other than ports, by member name.
fn simple_keyed(member_name: &str, old: &Value, new: &Value, out: &mut Vec<String>) -> bool {
    let (label, key_member, value, added): KeyedSpec = match member_name {
        "mountPoints" => ("mountPoint", "containerPath", None, |m| {
            format!(" (volume {})", text(&m["sourceVolume"]))
        }),
        "volumesFrom" => ("volumesFrom", "sourceContainer", None, |v| {
            match v["readOnly"].as_bool() {
                Some(true) => " (readOnly true)".into(),
                _ => String::new(),
            }
        }),
        "ulimits" => ("ulimit", "name", None, |u| {
            format!(
                " (softLimit {}, hardLimit {})",
                text(&u["softLimit"]),
                text(&u["hardLimit"])
            )
        }),
        "dependsOn" => ("dependsOn", "containerName", None, |d| {
            format!(" (condition {})", text(&d["condition"]))
        }),
        "systemControls" => (
            "systemControl",
            "namespace",
            Some(("value", false)),
            nothing,
        ),
        "extraHosts" => ("extraHost", "hostname", Some(("ipAddress", false)), nothing),
        "resourceRequirements" => (
            "resourceRequirement",
            "type",
            Some(("value", false)),
            nothing,
        ),
        "environmentFiles" => ("environmentFile", "value", None, nothing),
        _ => return false,
    };
    let key = |v: &Value| text(&v[key_member]);
    keyed(
        &Keyed {
            label,
            scope: member_name,
            key: &key,
            key_members: &[key_member],
            value,
            added: &added,
        },
        old.get(member_name),
        new.get(member_name),
        out,
    );
    true
}

/// Parts for one container present in both versions (already normalised).
pub(super) fn container_parts(
    old: &Value,
    new: &Value,
    sensitive: &[String],
    dynamic_host_ports: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for key in keys_in_shape_order(old, new, CONTAINER_FIELDS) {
        if old.get(key) == new.get(key) {
            continue;
        }
        match key.as_str() {
            "name" => {}
            "image" => out.extend(part("image", old.get(key), new.get(key), true, None)),
            "environment" => env_parts(&old[key], &new[key], sensitive, &mut out),
            "secrets" => secret_parts("secret", &old[key], &new[key], &mut out),
            "portMappings" => ports(old, new, dynamic_host_ports, &mut out),
            "logConfiguration" => log_configuration(old, new, &mut out),
            "firelensConfiguration" => firelens(old, new, &mut out),
            "linuxParameters" => linux_parameters(old, new, &mut out),
            "dockerLabels" => map_parts("dockerLabel", old.get(key), new.get(key), &mut out),
            other if simple_keyed(other, old, new, &mut out) => {}
            other => member(
                word("container", other),
                "container",
                other,
                old.get(key),
                new.get(key),
                &mut out,
            ),
        }
    }
    out
}
