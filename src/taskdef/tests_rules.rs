//! One row per normalisation rule: what ECS fills in or reorders compares equal, and the nearby real change
//! (the opposite error) still compares different.

use serde_json::{json, Value};

use super::*;

/// A task with `task` members over an EC2 default, and one container `app` with `container` members.
fn td(task: Value, container: Value) -> Value {
    let mut td =
        json!({"family": "svc", "containerDefinitions": [{"name": "app", "image": "img"}]});
    for (k, v) in task.as_object().into_iter().flatten() {
        td[k] = v.clone();
    }
    for (k, v) in container.as_object().into_iter().flatten() {
        td["containerDefinitions"][0][k] = v.clone();
    }
    td
}

/// (rule, a, b, whether a and b must normalise equal).
type Row = (&'static str, Value, Value, bool);

fn rows() -> Vec<Row> {
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
        row(
            "dependsOn by containerName",
            c(
                json!({"dependsOn": [{"containerName": "a", "condition": "START"}, {"containerName": "b", "condition": "START"}]}),
                json!({"dependsOn": [{"containerName": "b", "condition": "START"}, {"containerName": "a", "condition": "START"}]}),
            ),
            true,
        ),
        row(
            "ulimits by name",
            c(
                json!({"ulimits": [{"name": "nofile", "softLimit": 1, "hardLimit": 2}, {"name": "core", "softLimit": 0, "hardLimit": 0}]}),
                json!({"ulimits": [{"name": "core", "softLimit": 0, "hardLimit": 0}, {"name": "nofile", "softLimit": 1, "hardLimit": 2}]}),
            ),
            true,
        ),
        row(
            "systemControls by namespace",
            c(
                json!({"systemControls": [{"namespace": "a", "value": "1"}, {"namespace": "b", "value": "2"}]}),
                json!({"systemControls": [{"namespace": "b", "value": "2"}, {"namespace": "a", "value": "1"}]}),
            ),
            true,
        ),
        row(
            "mountPoints by containerPath",
            c(
                json!({"mountPoints": [{"sourceVolume": "v", "containerPath": "/a"}, {"sourceVolume": "v", "containerPath": "/b"}]}),
                json!({"mountPoints": [{"sourceVolume": "v", "containerPath": "/b"}, {"sourceVolume": "v", "containerPath": "/a"}]}),
            ),
            true,
        ),
        row(
            "volumesFrom by sourceContainer",
            c(
                json!({"volumesFrom": [{"sourceContainer": "a"}, {"sourceContainer": "b"}]}),
                json!({"volumesFrom": [{"sourceContainer": "b"}, {"sourceContainer": "a"}]}),
            ),
            true,
        ),
        row(
            "extraHosts by hostname",
            c(
                json!({"extraHosts": [{"hostname": "a", "ipAddress": "1.1.1.1"}, {"hostname": "b", "ipAddress": "2.2.2.2"}]}),
                json!({"extraHosts": [{"hostname": "b", "ipAddress": "2.2.2.2"}, {"hostname": "a", "ipAddress": "1.1.1.1"}]}),
            ),
            true,
        ),
        row(
            "environmentFiles as a set",
            c(
                json!({"environmentFiles": [{"type": "s3", "value": "arn:a"}, {"type": "s3", "value": "arn:b"}]}),
                json!({"environmentFiles": [{"type": "s3", "value": "arn:b"}, {"type": "s3", "value": "arn:a"}]}),
            ),
            true,
        ),
        row(
            "resourceRequirements by type",
            c(
                json!({"resourceRequirements": [{"type": "GPU", "value": "1"}, {"type": "InferenceAccelerator", "value": "x"}]}),
                json!({"resourceRequirements": [{"type": "InferenceAccelerator", "value": "x"}, {"type": "GPU", "value": "1"}]}),
            ),
            true,
        ),
        row(
            "secrets by name",
            c(
                json!({"secrets": [{"name": "A", "valueFrom": "a"}, {"name": "B", "valueFrom": "b"}]}),
                json!({"secrets": [{"name": "B", "valueFrom": "b"}, {"name": "A", "valueFrom": "a"}]}),
            ),
            true,
        ),
        row(
            "environment by name, values as strings",
            c(
                json!({"environment": [{"name": "A", "value": 1}, {"name": "B", "value": true}]}),
                json!({"environment": [{"name": "B", "value": "true"}, {"name": "A", "value": "1"}]}),
            ),
            true,
        ),
        row(
            "ports by containerPort and protocol",
            c(
                json!({"portMappings": [{"containerPort": 81}, {"containerPort": 80, "protocol": "udp"}, {"containerPort": 80}]}),
                json!({"portMappings": [{"containerPort": 80}, {"containerPort": 80, "protocol": "udp"}, {"containerPort": 81}]}),
            ),
            true,
        ),
        row(
            "linuxParameters capabilities as sets",
            c(
                json!({"linuxParameters": {"capabilities": {"add": ["A", "B"], "drop": []}, "devices": [], "tmpfs": []}}),
                json!({"linuxParameters": {"capabilities": {"add": ["B", "A"]}}}),
            ),
            true,
        ),
        row(
            "dockerSecurityOptions as a set",
            c(
                json!({"dockerSecurityOptions": ["no-new-privileges", "label:x"]}),
                json!({"dockerSecurityOptions": ["label:x", "no-new-privileges"]}),
            ),
            true,
        ),
        row(
            "command order is significant",
            c(
                json!({"command": ["a", "b"]}),
                json!({"command": ["b", "a"]}),
            ),
            false,
        ),
        row(
            "entryPoint order is significant",
            c(
                json!({"entryPoint": ["sh", "-c"]}),
                json!({"entryPoint": ["-c", "sh"]}),
            ),
            false,
        ),
        row(
            "dnsServers order is significant (resolver order)",
            c(
                json!({"dnsServers": ["10.0.0.2", "10.0.0.3"]}),
                json!({"dnsServers": ["10.0.0.3", "10.0.0.2"]}),
            ),
            false,
        ),
        row(
            "dnsSearchDomains order is significant",
            c(
                json!({"dnsSearchDomains": ["a.local", "b.local"]}),
                json!({"dnsSearchDomains": ["b.local", "a.local"]}),
            ),
            false,
        ),
        row(
            "containerDefinitions by name",
            (
                json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "i"}, {"name": "b", "image": "i"}]}),
                json!({"family": "f", "containerDefinitions": [{"name": "b", "image": "i"}, {"name": "a", "image": "i"}]}),
            ),
            true,
        ),
        row(
            "\"1 vCPU\" is 1024",
            t(json!({"cpu": "1 vCPU"}), json!({"cpu": "1024"})),
            true,
        ),
        row(
            "\"0.5 vcpu\" is 512",
            t(json!({"cpu": "0.5 vcpu"}), json!({"cpu": 512})),
            true,
        ),
        row(
            "\"2 GB\" is 2048",
            t(json!({"memory": "2 GB"}), json!({"memory": "2048"})),
            true,
        ),
        row(
            "\"2GB\" is 2048",
            t(json!({"memory": "2GB"}), json!({"memory": 2048})),
            true,
        ),
        row(
            "\"512 MiB\" is 512",
            t(json!({"memory": "512 MiB"}), json!({"memory": "512"})),
            true,
        ),
        row(
            "\"1 vCPU\" is not 512",
            t(json!({"cpu": "1 vCPU"}), json!({"cpu": "512"})),
            false,
        ),
        row(
            "[] / {} / null equal absent",
            c(
                json!({"command": [], "dockerLabels": {}, "user": null, "linuxParameters": {"devices": []}}),
                json!({}),
            ),
            true,
        ),
        row(
            "essential true is the default",
            c(json!({"essential": true}), json!({})),
            true,
        ),
        row(
            "essential false is real",
            c(json!({"essential": false}), json!({})),
            false,
        ),
        row(
            "container cpu 0 is the default",
            c(json!({"cpu": 0}), json!({})),
            true,
        ),
        row(
            "numbers given as strings",
            c(
                json!({"memory": "512", "stopTimeout": "30"}),
                json!({"memory": 512, "stopTimeout": 30}),
            ),
            true,
        ),
        row(
            "health check interval 30 / timeout 5 / retries 3 / startPeriod 0 are the defaults",
            c(
                json!({"healthCheck": {"command": ["CMD", "true"], "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 0}}),
                json!({"healthCheck": {"command": ["CMD", "true"]}}),
            ),
            true,
        ),
        row(
            "health check interval 10 is real",
            c(
                json!({"healthCheck": {"command": ["CMD", "true"], "interval": 10}}),
                json!({"healthCheck": {"command": ["CMD", "true"]}}),
            ),
            false,
        ),
        row(
            "networkMode bridge is the EC2 default",
            t(json!({"networkMode": "bridge"}), json!({})),
            true,
        ),
        row(
            "networkMode awsvpc is real",
            t(json!({"networkMode": "awsvpc"}), json!({})),
            false,
        ),
        row(
            "false container booleans are Docker's default",
            c(
                json!({"privileged": false, "readonlyRootFilesystem": false, "interactive": false, "pseudoTerminal": false, "disableNetworking": false}),
                json!({}),
            ),
            true,
        ),
        row(
            "privileged true is real",
            c(json!({"privileged": true}), json!({})),
            false,
        ),
        row(
            "initProcessEnabled false is the default",
            c(
                json!({"linuxParameters": {"initProcessEnabled": false}}),
                json!({}),
            ),
            true,
        ),
        row(
            "enableFaultInjection false is the default",
            t(json!({"enableFaultInjection": false}), json!({})),
            true,
        ),
        row(
            "logConfiguration secretOptions [] and options {} equal absent",
            c(
                json!({"logConfiguration": {"logDriver": "awslogs", "options": {}, "secretOptions": []}}),
                json!({"logConfiguration": {"logDriver": "awslogs"}}),
            ),
            true,
        ),
        row(
            "read-only fields and tags are not content",
            (
                json!({"family": "f", "revision": 3, "status": "ACTIVE", "taskDefinitionArn": "arn", "compatibilities": ["EC2"], "requiresAttributes": [{"name": "x"}], "registeredAt": 1, "registeredBy": "me", "tags": [{"key": "a", "value": "b"}], "containerDefinitions": [{"name": "a", "image": "i"}]}),
                json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "i"}]}),
            ),
            true,
        ),
    ]
}

#[test]
fn every_rule_erases_what_ecs_adds_and_keeps_real_changes() {
    let mut wrong = Vec::new();
    for (rule, a, b, equal) in rows() {
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
