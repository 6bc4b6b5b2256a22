//! The task definition corpus (`testdata/taskdefs/`): every definition, registered through the emulator's
//! ECS API and described back with ECS's defaults filled in, equals a differently formatted copy of itself
//! once normalised — the condition for `terraform plan` showing no change.

use std::path::Path;

use ecsbg::taskdef;
use ecsbg_acceptance::emulator::Running;
use serde_json::{json, Value};

/// The same definition as a person might write it differently: containers and lists in another order,
/// defaults spelled out or left out, numbers where ECS also takes strings.
fn reformatted(td: &Value) -> Value {
    let mut td = td.clone();
    for key in ["cpu", "memory"] {
        if let Some(n) = td[key].as_str().and_then(|s| s.parse::<i64>().ok()) {
            td[key] = json!(n);
        }
    }
    if let Some(containers) = td["containerDefinitions"].as_array_mut() {
        containers.reverse();
        for c in containers.iter_mut() {
            if c.get("essential").is_none() {
                c["essential"] = json!(true);
            } else if c["essential"] == true {
                c.as_object_mut().map(|m| m.remove("essential"));
            }
            for list in [
                "environment",
                "secrets",
                "portMappings",
                "ulimits",
                "mountPoints",
            ] {
                if let Some(items) = c.get_mut(list).and_then(Value::as_array_mut) {
                    items.reverse();
                }
            }
            if let Some(ports) = c.get_mut("portMappings").and_then(Value::as_array_mut) {
                for p in ports.iter_mut() {
                    if p["protocol"] == "tcp" {
                        p.as_object_mut().map(|m| m.remove("protocol"));
                    } else if p.get("protocol").is_none() {
                        p["protocol"] = json!("tcp");
                    }
                }
            }
            if c.get("cpu").is_none() {
                c["cpu"] = json!(0);
            }
        }
    }
    td
}

#[test]
fn every_corpus_definition_round_trips_through_ecs_without_a_diff() -> anyhow::Result<()> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/taskdefs"));
    let emu = Running::start(Default::default(), 60.0)?;
    let mut files: Vec<_> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 30,
        "the corpus has {} definitions",
        files.len()
    );
    for file in files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&file)?;
        let user = taskdef::parse_user(&text).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        let registered = emu.ecs("RegisterTaskDefinition", &taskdef::register_input(&user));
        let arn = registered["taskDefinition"]["taskDefinitionArn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let described = emu.ecs("DescribeTaskDefinition", &json!({"taskDefinition": arn}))
            ["taskDefinition"]
            .clone();
        assert_ne!(
            described, user,
            "{name}: ECS's answer should carry defaults and read-only fields"
        );
        let other = reformatted(&user);
        taskdef::parse_user(&other.to_string())
            .map_err(|e| anyhow::anyhow!("{name} reformatted: {e}"))?;
        assert_eq!(
            taskdef::normalize(&described),
            taskdef::normalize(&other),
            "{name}: normalised forms differ"
        );
        assert!(
            taskdef::diff(&described, &other).is_empty(),
            "{name}: {:?}",
            taskdef::diff(&described, &other)
        );
        assert!(
            taskdef::summarize(&described, &other, &[]).is_empty(),
            "{name}: {:?}",
            taskdef::summarize(&described, &other, &[])
        );
        assert_eq!(
            taskdef::canonical_json(&described),
            taskdef::canonical_json(&user),
            "{name}: canonical JSON differs"
        );
    }
    Ok(())
}
