//! Property tests over generated task definitions: what ECS answers for a definition (defaults filled,
//! read-only fields, lists reordered) never reads as a change, and after any single edit the summary is
//! non-empty exactly when the normalised forms differ — with no part reading "A → A" and no secret shown.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::tests_gen::{task_definition, Picker};
use super::*;

fn fill(map: &mut Map<String, Value>, key: &str, value: Value) {
    if !map.contains_key(key) {
        map.insert(key.into(), value);
    }
}

fn objects<'a>(v: &'a mut Value, key: &str) -> impl Iterator<Item = &'a mut Map<String, Value>> {
    v.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

fn maybe_reverse(p: &mut Picker, v: Option<&mut Value>) {
    if let Some(Value::Array(items)) = v {
        if p.below(2) == 0 {
            items.reverse();
        }
    }
}

/// Task cpu/memory as ECS stores them (written independently of the normaliser's table).
fn ecs_units(v: &Value) -> Value {
    match v.as_str().map(str::trim) {
        Some("1 vCPU") => json!("1024"),
        Some("2 GB") => json!("2048"),
        Some(s) => json!(s),
        None => json!(v.to_string()),
    }
}

fn ecs_container(c: &mut Map<String, Value>, network_mode: &str, p: &mut Picker) {
    fill(c, "essential", json!(true));
    fill(c, "cpu", json!(0));
    for list in [
        "environment",
        "mountPoints",
        "volumesFrom",
        "systemControls",
        "portMappings",
    ] {
        fill(c, list, json!([]));
    }
    if c.contains_key("firelensConfiguration") {
        fill(c, "user", json!("0"));
    }
    let mut v = Value::Object(std::mem::take(c));
    for port in objects(&mut v, "portMappings") {
        fill(port, "protocol", json!("tcp"));
        if let Some(cp) = port.get("containerPort").cloned() {
            fill(
                port,
                "hostPort",
                if network_mode == "bridge" {
                    json!(0)
                } else {
                    cp
                },
            );
        }
    }
    for list in ["mountPoints", "volumesFrom"] {
        for m in objects(&mut v, list) {
            fill(m, "readOnly", json!(false));
        }
    }
    if let Some(Value::Object(hc)) = v.get_mut("healthCheck") {
        fill(hc, "interval", json!(30));
        fill(hc, "timeout", json!(5));
        fill(hc, "retries", json!(3));
    }
    if let Some(Value::Object(log)) = v.get_mut("logConfiguration") {
        fill(log, "secretOptions", json!([]));
        fill(log, "options", json!({}));
    }
    for list in [
        "environment",
        "secrets",
        "portMappings",
        "mountPoints",
        "volumesFrom",
        "ulimits",
        "systemControls",
        "dependsOn",
        "extraHosts",
        "environmentFiles",
        "resourceRequirements",
        "dockerSecurityOptions",
        "links",
    ] {
        maybe_reverse(p, v.get_mut(list));
    }
    if let Some(caps) = v.pointer_mut("/linuxParameters/capabilities") {
        maybe_reverse(p, caps.get_mut("add"));
    }
    if let Value::Object(m) = v {
        *c = m;
    }
}

/// What DescribeTaskDefinition answers for `td`: ECS's defaults, read-only fields, its own ordering.
fn as_ecs_returns(td: &Value, p: &mut Picker) -> Value {
    let mut td = td.clone();
    let network_mode = td["networkMode"].as_str().unwrap_or("bridge").to_string();
    let Some(map) = td.as_object_mut() else {
        return td;
    };
    fill(map, "networkMode", json!(network_mode));
    for key in ["cpu", "memory"] {
        if let Some(v) = map.get(key).map(ecs_units) {
            map.insert(key.into(), v);
        }
    }
    for (k, v) in [
        (
            "taskDefinitionArn",
            json!("arn:aws:ecs:r:1:task-definition/svc:3"),
        ),
        ("revision", json!(3)),
        ("status", json!("ACTIVE")),
        ("compatibilities", json!(["EC2"])),
        (
            "requiresAttributes",
            json!([{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"}]),
        ),
        ("registeredAt", json!(1_732_480_000.0)),
        ("volumes", json!([])),
        ("placementConstraints", json!([])),
    ] {
        fill(map, k, v);
    }
    for v in objects(&mut td, "volumes") {
        if ![
            "host",
            "dockerVolumeConfiguration",
            "efsVolumeConfiguration",
            "fsxWindowsFileServerVolumeConfiguration",
            "configuredAtLaunch",
        ]
        .iter()
        .any(|k| v.contains_key(*k))
        {
            v.insert("host".into(), json!({}));
        }
        if let Some(Value::Object(efs)) = v.get_mut("efsVolumeConfiguration") {
            fill(efs, "rootDirectory", json!("/"));
            fill(efs, "transitEncryption", json!("DISABLED"));
        }
        if let Some(Value::Object(d)) = v.get_mut("dockerVolumeConfiguration") {
            fill(d, "scope", json!("task"));
        }
    }
    for c in objects(&mut td, "containerDefinitions") {
        ecs_container(c, &network_mode, p);
    }
    for key in [
        "containerDefinitions",
        "volumes",
        "placementConstraints",
        "requiresCompatibilities",
        "inferenceAccelerators",
    ] {
        maybe_reverse(p, td.get_mut(key));
    }
    maybe_reverse(p, td.pointer_mut("/proxyConfiguration/properties"));
    td
}

/// Every JSON pointer below the root.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| {
            let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
            out.push(p.clone());
            pointers(x, p, out);
        }),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, x)| {
            let p = format!("{at}/{i}");
            out.push(p.clone());
            pointers(x, p, out);
        }),
        _ => {}
    }
}

/// One random edit anywhere: a value changed, a member or element removed, a list reordered.
fn edit(td: &Value, p: &mut Picker) -> Value {
    let mut td = td.clone();
    let mut all = Vec::new();
    pointers(&td, String::new(), &mut all);
    let Some(target) = all.get(p.below(all.len())).cloned() else {
        return td;
    };
    let op = p.below(3);
    let Some(v) = td.pointer_mut(&target) else {
        return td;
    };
    match (op, &*v) {
        (0, Value::Number(n)) => *v = json!(n.as_i64().unwrap_or(0) + 1),
        (0, Value::String(s)) => *v = json!(format!("{s}x")),
        (0, Value::Bool(b)) => *v = json!(!b),
        (0 | 1, Value::Array(items)) if items.len() > 1 => {
            let mut items = items.clone();
            items.rotate_left(1);
            *v = Value::Array(items);
        }
        _ => {
            let (parent, last) = target.rsplit_once('/').unwrap_or(("", ""));
            match td.pointer_mut(parent) {
                Some(Value::Object(m)) => {
                    m.remove(&last.replace("~1", "/").replace("~0", "~"));
                }
                Some(Value::Array(items)) => {
                    if let Ok(i) = last.parse::<usize>() {
                        items.remove(i.min(items.len().saturating_sub(1)));
                    }
                }
                _ => {}
            }
        }
    }
    td
}

/// No part reads "A → A", and nothing secret is shown.
fn check_parts(lines: &[String]) -> Result<(), TestCaseError> {
    for line in lines {
        let body = line.split_once(": ").map_or(line.as_str(), |(_, b)| b);
        for part in body.split("; ") {
            if let Some((left, right)) = part.split_once(" → ") {
                prop_assert!(!left.ends_with(&format!(" {right}")), "A → A in {line}");
            }
        }
        prop_assert!(
            !line.contains("arn:aws:ssm") && !line.contains("arn:k"),
            "secret source in {line}"
        );
        prop_assert!(
            !line.contains("DB_PASSWORD \"") && !line.contains("DB_PASSWORD added ="),
            "sensitive value in {line}"
        );
    }
    Ok(())
}

proptest! {
    // No regression files: tests leave the worktree clean; a failure prints its minimal input.
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn what_ecs_answers_never_reads_as_a_change(choices in proptest::collection::vec(any::<u32>(), 16..96)) {
        let mut p = Picker::new(choices);
        let td = task_definition(&mut p);
        let ecs = as_ecs_returns(&td, &mut p);
        prop_assert_eq!(normalize(&td), normalize(&ecs));
        prop_assert_eq!(canonical_json(&td), canonical_json(&ecs));
        prop_assert!(summarize(&ecs, &td, &[]).is_empty(), "{:?}", summarize(&ecs, &td, &[]));
        prop_assert!(diff(&td, &ecs).is_empty());
        let once = normalize(&td);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn the_summary_is_empty_exactly_when_the_normalised_forms_are_equal(choices in proptest::collection::vec(any::<u32>(), 16..96)) {
        let mut p = Picker::new(choices);
        let td = task_definition(&mut p);
        let ecs = as_ecs_returns(&td, &mut p);
        let edited = edit(&td, &mut p);
        let differ = normalize(&ecs) != normalize(&edited);
        for lines in [summarize(&ecs, &edited, &[]), summarize(&edited, &ecs, &[])] {
            prop_assert_eq!(differ, !lines.is_empty(), "{:?}\nold {}\nnew {}", lines, normalize(&ecs), normalize(&edited));
            check_parts(&lines)?;
        }
    }
}
