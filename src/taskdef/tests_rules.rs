//! One row per normalisation rule: what ECS fills in or reorders compares equal, and the nearby real change
//! (the opposite error) still compares different.

use serde_json::{json, Value};

use super::tests_rules_lists::{td, Row};
use super::*;

fn ports_mounts_and_volumes() -> Vec<Row> {
    let c = |a: Value, b: Value| (td(json!({}), a), td(json!({}), b));
    let t = |a: Value, b: Value| (td(a, json!({})), td(b, json!({})));
    let awsvpc = |p: Value| {
        td(
            json!({"networkMode": "awsvpc"}),
            json!({"portMappings": [p]}),
        )
    };
    let host = |p: Value| td(json!({"networkMode": "host"}), json!({"portMappings": [p]}));
    let efs = |extra: Value| {
        let mut e = json!({"fileSystemId": "fs-1"});
        for (k, v) in extra.as_object().into_iter().flatten() {
            e[k] = v.clone();
        }
        td(
            json!({"volumes": [{"name": "v", "efsVolumeConfiguration": e}]}),
            json!({}),
        )
    };
    let docker = |d: Value| {
        td(
            json!({"volumes": [{"name": "v", "dockerVolumeConfiguration": d}]}),
            json!({}),
        )
    };
    let row = |name, (a, b): (Value, Value), eq| (name, a, b, eq);
    vec![
        row(
            "bridge: hostPort 0 is the dynamic port ECS answers for an omitted one",
            c(
                json!({"portMappings": [{"containerPort": 80, "hostPort": 0}]}),
                json!({"portMappings": [{"containerPort": 80}]}),
            ),
            true,
        ),
        row(
            "bridge: a static hostPort is a real change",
            c(
                json!({"portMappings": [{"containerPort": 80, "hostPort": 8080}]}),
                json!({"portMappings": [{"containerPort": 80}]}),
            ),
            false,
        ),
        row(
            "bridge: hostPort = containerPort is static, not dynamic",
            c(
                json!({"portMappings": [{"containerPort": 80, "hostPort": 80}]}),
                json!({"portMappings": [{"containerPort": 80}]}),
            ),
            false,
        ),
        row(
            "awsvpc: ECS answers hostPort = containerPort",
            (
                awsvpc(json!({"containerPort": 80, "hostPort": 80})),
                awsvpc(json!({"containerPort": 80})),
            ),
            true,
        ),
        row(
            "awsvpc: hostPort 0 means the container port too",
            (
                awsvpc(json!({"containerPort": 80, "hostPort": 0})),
                awsvpc(json!({"containerPort": 80})),
            ),
            true,
        ),
        row(
            "host: ECS answers hostPort = containerPort",
            (
                host(json!({"containerPort": 80, "hostPort": 80})),
                host(json!({"containerPort": 80})),
            ),
            true,
        ),
        row(
            "protocol tcp is the default, in any case",
            c(
                json!({"portMappings": [{"containerPort": 80, "protocol": "TCP"}]}),
                json!({"portMappings": [{"containerPort": 80}]}),
            ),
            true,
        ),
        row(
            "protocol udp is real",
            c(
                json!({"portMappings": [{"containerPort": 80, "protocol": "udp"}]}),
                json!({"portMappings": [{"containerPort": 80}]}),
            ),
            false,
        ),
        row(
            "appProtocol has no default",
            c(
                json!({"portMappings": [{"containerPort": 80, "appProtocol": "http"}]}),
                json!({"portMappings": [{"containerPort": 80}]}),
            ),
            false,
        ),
        row(
            "FireLens router: ECS sets user \"0\"",
            c(
                json!({"firelensConfiguration": {"type": "fluentbit"}, "user": "0"}),
                json!({"firelensConfiguration": {"type": "fluentbit"}}),
            ),
            true,
        ),
        row(
            "user \"0\" elsewhere is real",
            c(json!({"user": "0"}), json!({})),
            false,
        ),
        row(
            "mountPoints readOnly false is the default",
            c(
                json!({"mountPoints": [{"sourceVolume": "v", "containerPath": "/d", "readOnly": false}]}),
                json!({"mountPoints": [{"sourceVolume": "v", "containerPath": "/d"}]}),
            ),
            true,
        ),
        row(
            "mountPoints readOnly true is real",
            c(
                json!({"mountPoints": [{"sourceVolume": "v", "containerPath": "/d", "readOnly": true}]}),
                json!({"mountPoints": [{"sourceVolume": "v", "containerPath": "/d"}]}),
            ),
            false,
        ),
        row(
            "volumesFrom readOnly false is the default",
            c(
                json!({"volumesFrom": [{"sourceContainer": "x", "readOnly": false}]}),
                json!({"volumesFrom": [{"sourceContainer": "x"}]}),
            ),
            true,
        ),
        row(
            "EFS rootDirectory \"/\" is the default",
            (efs(json!({"rootDirectory": "/"})), efs(json!({}))),
            true,
        ),
        row(
            "EFS rootDirectory elsewhere is real",
            (efs(json!({"rootDirectory": "/data"})), efs(json!({}))),
            false,
        ),
        row(
            "EFS transitEncryption DISABLED is the default",
            (
                efs(json!({"transitEncryption": "DISABLED"})),
                efs(json!({})),
            ),
            true,
        ),
        row(
            "EFS transitEncryption ENABLED is real",
            (efs(json!({"transitEncryption": "ENABLED"})), efs(json!({}))),
            false,
        ),
        row(
            "EFS authorizationConfig iam DISABLED is the default",
            (
                efs(json!({"authorizationConfig": {"iam": "DISABLED"}})),
                efs(json!({})),
            ),
            true,
        ),
        row(
            "EFS authorizationConfig accessPointId is real",
            (
                efs(json!({"authorizationConfig": {"accessPointId": "fsap-1"}})),
                efs(json!({})),
            ),
            false,
        ),
        row(
            "docker volume scope task is the default",
            (
                docker(json!({"scope": "task", "driver": "local"})),
                docker(json!({"driver": "local"})),
            ),
            true,
        ),
        row(
            "docker volume scope shared is real",
            (
                docker(json!({"scope": "shared", "driver": "local"})),
                docker(json!({"driver": "local"})),
            ),
            false,
        ),
        row(
            "autoprovision means nothing with task scope",
            (
                docker(json!({"scope": "task", "autoprovision": true})),
                docker(json!({"scope": "task"})),
            ),
            true,
        ),
        row(
            "autoprovision false is the default with shared scope",
            (
                docker(json!({"scope": "shared", "autoprovision": false})),
                docker(json!({"scope": "shared"})),
            ),
            true,
        ),
        row(
            "autoprovision true with shared scope is real",
            (
                docker(json!({"scope": "shared", "autoprovision": true})),
                docker(json!({"scope": "shared"})),
            ),
            false,
        ),
        row(
            "a bare volume comes back with host {}",
            t(
                json!({"volumes": [{"name": "v", "host": {}}]}),
                json!({"volumes": [{"name": "v"}]}),
            ),
            true,
        ),
        row(
            "a host sourcePath is real",
            t(
                json!({"volumes": [{"name": "v", "host": {"sourcePath": "/a"}}]}),
                json!({"volumes": [{"name": "v"}]}),
            ),
            false,
        ),
        row(
            "volumes by name",
            t(
                json!({"volumes": [{"name": "a"}, {"name": "b"}]}),
                json!({"volumes": [{"name": "b"}, {"name": "a"}]}),
            ),
            true,
        ),
        row(
            "proxyConfiguration properties by name",
            t(
                json!({"proxyConfiguration": {"containerName": "envoy", "properties": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}}),
                json!({"proxyConfiguration": {"containerName": "envoy", "properties": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}]}}),
            ),
            true,
        ),
        row(
            "placementConstraints as a set",
            t(
                json!({"placementConstraints": [{"type": "memberOf", "expression": "a"}, {"type": "memberOf", "expression": "b"}]}),
                json!({"placementConstraints": [{"type": "memberOf", "expression": "b"}, {"type": "memberOf", "expression": "a"}]}),
            ),
            true,
        ),
        row(
            "requiresCompatibilities as a set",
            t(
                json!({"requiresCompatibilities": ["EC2", "FARGATE"]}),
                json!({"requiresCompatibilities": ["FARGATE", "EC2"]}),
            ),
            true,
        ),
        row(
            "inferenceAccelerators by deviceName",
            t(
                json!({"inferenceAccelerators": [{"deviceName": "a", "deviceType": "t"}, {"deviceName": "b", "deviceType": "t"}]}),
                json!({"inferenceAccelerators": [{"deviceName": "b", "deviceType": "t"}, {"deviceName": "a", "deviceType": "t"}]}),
            ),
            true,
        ),
    ]
}

#[test]
fn every_rule_erases_what_ecs_adds_and_keeps_real_changes() {
    let mut wrong = Vec::new();
    let rows = ports_mounts_and_volumes()
        .into_iter()
        .chain(super::tests_rules_lists::lists_units_and_defaults());
    for (rule, a, b, equal) in rows {
        let (na, nb) = (normalize(&a), normalize(&b));
        let summary = summarize(&a, &b, &[]);
        if (na == nb) != equal || summary.is_empty() != equal {
            wrong.push(format!(
                "{rule}: equal={} summary={summary:?}\n  {na}\n  {nb}",
                na == nb
            ));
        }
        assert_eq!(
            normalize(&na),
            na,
            "{rule}: normalising twice changes nothing"
        );
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
