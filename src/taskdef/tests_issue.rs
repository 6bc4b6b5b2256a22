//! The examples of issue 15, and the members no special rule knows (the generic fallback).

use serde_json::{json, Value};

use super::tests_wording::{base, edited};
use super::*;

#[test]
fn the_issue_examples_read_as_asked() {
    let mut old = base();
    old["containerDefinitions"] = json!([
        {"name": "api", "image": "a", "healthCheck": {"command": ["CMD", "true"], "interval": 15}},
        {"name": "worker", "image": "w", "logConfiguration": {"logDriver": "awslogs", "options": {"log_stream_prefix": "worker/"}}},
        {"name": "generator", "image": "g", "dependsOn": [{"containerName": "fetch-templates", "condition": "SUCCESS"}]},
        {"name": "renderer", "image": "r", "user": "10001:10001"},
        {"name": "fetch-templates", "image": "f", "essential": false}
    ]);
    old["volumes"] = json!([{"name": "media", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "rootDirectory": "/exports/media"}}]);
    let mut new = old.clone();
    new["containerDefinitions"][0]["healthCheck"]["interval"] = json!(10);
    new["containerDefinitions"][1]["logConfiguration"]["options"]["log_stream_prefix"] =
        json!("notifications/");
    new["containerDefinitions"][2]["dependsOn"][0]["condition"] = json!("COMPLETE");
    new["containerDefinitions"][3]["user"] = json!("10002:10002");
    new["volumes"][0]["efsVolumeConfiguration"]["rootDirectory"] = json!("/exports/media-v2");
    assert_eq!(
        summarize(&old, &new, &[]),
        [
            r#"task: volume media EFS rootDirectory "/exports/media" → "/exports/media-v2""#,
            "container api: health check interval 15 → 10",
            "container generator: dependsOn fetch-templates condition SUCCESS → COMPLETE",
            r#"container renderer: user "10001:10001" → "10002:10002""#,
            r#"container worker: log option log_stream_prefix "worker/" → "notifications/""#,
        ]
    );
}

#[test]
fn a_member_no_rule_knows_still_reads_with_its_path_and_values() {
    let (old, new) = edited(
        false,
        &json!({"futureThing": {"mode": "a", "limits": [1, 2]}}),
        &json!({"futureThing": {"mode": "b", "limits": [1, 3]}}),
    );
    assert_eq!(
        summarize(&old, &new, &[]),
        [r#"container app: futureThing limits [1,2] → [1,3]; futureThing mode "a" → "b""#]
    );
    let (old, new) = edited(
        true,
        &json!({"newTaskList": [{"k": 1}]}),
        &json!({"newTaskList": [{"k": 2}]}),
    );
    assert_eq!(
        summarize(&old, &new, &[]),
        [r#"task: newTaskList [{"k":1}] → [{"k":2}]"#]
    );
}

#[test]
fn an_object_added_whole_reads_unset_rather_than_ecs_defaults() {
    let (old, new) = edited(
        false,
        &json!({}),
        &json!({"healthCheck": {"command": ["CMD", "true"], "interval": 10, "timeout": 5}}),
    );
    assert_eq!(
        summarize(&old, &new, &[]),
        [
            r#"container app: health check command unset → ["CMD","true"]; health check interval unset → 10"#
        ]
    );
    let (old, new) = edited(
        false,
        &json!({"healthCheck": {"command": ["CMD", "true"], "interval": 10}}),
        &json!({}),
    );
    assert_eq!(
        summarize(&old, &new, &[]),
        [
            r#"container app: health check command ["CMD","true"] → unset; health check interval 10 → unset"#
        ]
    );
}

#[test]
fn ports_are_keyed_by_container_port_and_sets_read_in_written_order() {
    let udp = json!({"portMappings": [{"containerPort": 2000, "protocol": "udp"}]});
    let tcp = json!({"portMappings": [{"containerPort": 2000}]});
    let (old, new) = edited(false, &udp, &tcp);
    assert_eq!(
        summarize(&old, &new, &[]),
        ["container app: port 2000 protocol udp → tcp"]
    );
    let two = json!({"portMappings": [{"containerPort": 8080, "name": "web"}, {"containerPort": 9102, "name": "metrics"}]});
    let one = json!({"portMappings": [{"containerPort": 8080, "name": "web"}]});
    let (old, new) = edited(false, &two, &one);
    assert_eq!(
        summarize(&old, &new, &[]),
        ["container app: port metrics removed"]
    );
    assert_eq!(
        summarize(&new, &old, &[]),
        ["container app: port metrics added (containerPort 9102)"]
    );
    let renamed = json!({"portMappings": [{"containerPort": 8080, "name": "http"}]});
    let (old, new) = edited(false, &one, &renamed);
    assert_eq!(
        summarize(&old, &new, &[]),
        [r#"container app: port 8080 name "web" → "http""#]
    );
    let caps = |add: Value| json!({"linuxParameters": {"capabilities": {"add": add}}});
    let (old, new) = edited(
        false,
        &caps(json!(["SYS_PTRACE"])),
        &caps(json!(["SYS_PTRACE", "NET_ADMIN"])),
    );
    assert_eq!(
        summarize(&old, &new, &[]),
        [
            r#"container app: linuxParameters capabilities add ["SYS_PTRACE"] → ["SYS_PTRACE","NET_ADMIN"]"#
        ]
    );
    let (old, reordered) = edited(
        false,
        &caps(json!(["SYS_PTRACE", "NET_ADMIN"])),
        &caps(json!(["NET_ADMIN", "SYS_PTRACE"])),
    );
    assert!(summarize(&old, &reordered, &[]).is_empty());
    let vol = |auto: bool| json!({"volumes": [{"name": "redis-data", "dockerVolumeConfiguration": {"scope": "shared", "autoprovision": auto, "driver": "local"}}]});
    let (old, new) = edited(true, &vol(true), &vol(false));
    assert_eq!(
        summarize(&old, &new, &[]),
        ["task: volume redis-data docker autoprovision true → false"]
    );
}

#[test]
fn a_port_range_stands_in_for_a_container_port() {
    let td = |ports: Value| {
        json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "i", "portMappings": ports}]})
            .to_string()
    };
    assert!(parse_user(&td(
        json!([{"containerPortRange": "10000-10100", "protocol": "udp"}])
    ))
    .is_ok());
    for (bad, path) in [
        (
            json!([{"containerPortRange": "10100-10000"}]),
            "containerDefinitions[0].portMappings[0].containerPortRange",
        ),
        (
            json!([{"containerPortRange": "x"}]),
            "containerDefinitions[0].portMappings[0].containerPortRange",
        ),
        (
            json!([{"protocol": "udp"}]),
            "containerDefinitions[0].portMappings[0].containerPort",
        ),
    ] {
        assert_eq!(
            parse_user(&td(bad.clone())).map_err(|e| e.path),
            Err(path.to_string()),
            "{bad}"
        );
    }
}
