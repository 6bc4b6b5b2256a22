//! Every wording example of the summary brief and of issue 15, one table row each: a base task definition,
//! one edit, and the exact summary line it must produce.

use serde_json::{json, Value};

use super::*;

/// An EC2 bridge task with one container `app`, as ECS describes it (defaults filled).
pub(super) fn base() -> Value {
    json!({
        "family": "svc", "cpu": "256", "memory": "512", "requiresCompatibilities": ["EC2"],
        "containerDefinitions": [{"name": "app", "image": "registry/app:1", "essential": true, "cpu": 0,
            "portMappings": [{"containerPort": 80, "hostPort": 0, "protocol": "tcp"}],
            "mountPoints": [], "volumesFrom": [], "environment": [], "systemControls": []}]
    })
}

/// `base()` with `edit` applied to the task (`task` true) or to container `app`.
pub(super) fn edited(task: bool, before: &Value, after: &Value) -> (Value, Value) {
    let apply = |patch: &Value| {
        let mut td = base();
        let target = if task {
            &mut td
        } else {
            &mut td["containerDefinitions"][0]
        };
        for (k, v) in patch.as_object().into_iter().flatten() {
            if v.is_null() {
                target.as_object_mut().map(|o| o.remove(k));
            } else {
                target[k] = v.clone();
            }
        }
        td
    };
    (apply(before), apply(after))
}

fn container(before: Value, after: Value, line: &str) -> (bool, Value, Value, String) {
    (false, before, after, format!("container app: {line}"))
}

fn task(before: Value, after: Value, line: &str) -> (bool, Value, Value, String) {
    (true, before, after, format!("task: {line}"))
}

#[test]
fn every_wording_example_reads_exactly_as_agreed() {
    let efs = |root: &str, iam: &str| json!({"volumes": [{"name": "media", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "rootDirectory": root, "transitEncryption": "ENABLED", "authorizationConfig": {"iam": iam}}}]});
    let log = |driver: &str, prefix: &str| json!({"logConfiguration": {"logDriver": driver, "options": {"awslogs-group": "g", "log_stream_prefix": prefix}, "secretOptions": []}});
    let hc = |cmd: &str, interval: i64| json!({"healthCheck": {"command": ["CMD-SHELL", cmd], "interval": interval, "timeout": 5, "retries": 3}});
    let fl = |t: &str, meta: &str| json!({"firelensConfiguration": {"type": t, "options": {"enable-ecs-log-metadata": meta}}});
    let cases = vec![
        container(
            json!({"stopTimeout": 30}),
            json!({"stopTimeout": 60}),
            "stopTimeout 30 → 60",
        ),
        container(
            json!({"readonlyRootFilesystem": false}),
            json!({"readonlyRootFilesystem": true}),
            "readonlyRootFilesystem false → true",
        ),
        container(
            json!({}),
            json!({"readonlyRootFilesystem": true}),
            "readonlyRootFilesystem false → true",
        ),
        container(
            json!({"dependsOn": [{"containerName": "fetch-templates", "condition": "SUCCESS"}]}),
            json!({"dependsOn": [{"containerName": "fetch-templates", "condition": "COMPLETE"}]}),
            "dependsOn fetch-templates condition SUCCESS → COMPLETE",
        ),
        container(
            json!({"dependsOn": []}),
            json!({"dependsOn": [{"containerName": "init", "condition": "SUCCESS"}]}),
            "dependsOn init added (condition SUCCESS)",
        ),
        container(
            json!({"user": "10001:10001"}),
            json!({"user": "10002:10002"}),
            r#"user "10001:10001" → "10002:10002""#,
        ),
        container(
            json!({"workingDirectory": "/app"}),
            json!({"workingDirectory": "/srv"}),
            r#"workingDirectory "/app" → "/srv""#,
        ),
        container(
            json!({}),
            json!({"stopTimeout": 60}),
            "stopTimeout unset → 60",
        ),
        container(json!({"user": "1000"}), json!({}), r#"user "1000" → unset"#),
        container(
            json!({"command": ["node", "a.js"]}),
            json!({"command": ["node", "b.js"]}),
            r#"command ["node","a.js"] → ["node","b.js"]"#,
        ),
        container(
            json!({"dnsServers": ["10.0.0.2"]}),
            json!({"dnsServers": []}),
            r#"dnsServers ["10.0.0.2"] → unset"#,
        ),
        container(
            json!({}),
            json!({"image": "registry/app:2"}),
            "image registry/app:1 → registry/app:2",
        ),
        container(
            json!({"environment": [{"name": "MODE", "value": "a"}]}),
            json!({"environment": [{"name": "MODE", "value": "b"}]}),
            r#"env MODE "a" → "b""#,
        ),
        container(
            json!({}),
            json!({"environment": [{"name": "MODE", "value": "v"}]}),
            r#"env MODE added = "v""#,
        ),
        container(
            json!({"environment": [{"name": "MODE", "value": "v"}]}),
            json!({}),
            "env MODE removed",
        ),
        container(
            json!({"environment": [{"name": "DB_PASSWORD", "value": "a"}]}),
            json!({"environment": [{"name": "DB_PASSWORD", "value": "b"}]}),
            "env DB_PASSWORD changed (sensitive)",
        ),
        container(
            json!({"secrets": [{"name": "K", "valueFrom": "arn:a"}]}),
            json!({"secrets": [{"name": "K", "valueFrom": "arn:b"}]}),
            "secret K source changed",
        ),
        container(json!({"cpu": 256}), json!({"cpu": 512}), "cpu 256 → 512"),
        container(
            json!({"memory": 512}),
            json!({"memory": 1024}),
            "memory 512 → 1024",
        ),
        container(
            json!({"portMappings": [{"containerPort": 8080, "appProtocol": "http"}]}),
            json!({"portMappings": [{"containerPort": 8080, "appProtocol": "http2"}]}),
            "port 8080 appProtocol http → http2",
        ),
        container(
            json!({"portMappings": [{"containerPort": 8080, "name": "web", "appProtocol": "http"}]}),
            json!({"portMappings": [{"containerPort": 8080, "name": "web", "appProtocol": "grpc"}]}),
            "port web appProtocol http → grpc",
        ),
        container(
            json!({"portMappings": [{"containerPort": 80}]}),
            json!({"portMappings": [{"containerPort": 80}, {"containerPort": 8080}]}),
            "port 8080 added",
        ),
        container(
            json!({"portMappings": [{"containerPort": 80}, {"containerPort": 9090}]}),
            json!({"portMappings": [{"containerPort": 80}]}),
            "port 9090 removed",
        ),
        container(
            json!({}),
            json!({"portMappings": [{"containerPort": 80, "hostPort": 8080}]}),
            "port 80 hostPort 0 → 8080",
        ),
        container(
            json!({"mountPoints": [{"containerPath": "/data", "sourceVolume": "data", "readOnly": false}]}),
            json!({"mountPoints": [{"containerPath": "/data", "sourceVolume": "data", "readOnly": true}]}),
            "mountPoint /data readOnly false → true",
        ),
        container(
            json!({}),
            json!({"mountPoints": [{"containerPath": "/data", "sourceVolume": "data"}]}),
            "mountPoint /data added (volume data)",
        ),
        container(
            json!({"volumesFrom": [{"sourceContainer": "app"}]}),
            json!({"volumesFrom": [{"sourceContainer": "app", "readOnly": true}]}),
            "volumesFrom app readOnly false → true",
        ),
        container(
            json!({"ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 8192}]}),
            json!({"ulimits": [{"name": "nofile", "softLimit": 4096, "hardLimit": 8192}]}),
            "ulimit nofile softLimit 1024 → 4096",
        ),
        container(
            json!({"systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}]}),
            json!({"systemControls": [{"namespace": "net.core.somaxconn", "value": "4096"}]}),
            r#"systemControl net.core.somaxconn "1024" → "4096""#,
        ),
        container(
            json!({"dockerLabels": {"team": "a"}}),
            json!({"dockerLabels": {"team": "b"}}),
            r#"dockerLabel team "a" → "b""#,
        ),
        container(
            log("awslogs", "worker/"),
            log("awslogs", "notifications/"),
            r#"log option log_stream_prefix "worker/" → "notifications/""#,
        ),
        container(
            log("awslogs", "x"),
            log("awsfirelens", "x"),
            "log driver awslogs → awsfirelens",
        ),
        container(
            json!({"extraHosts": [{"hostname": "db", "ipAddress": "10.0.0.1"}]}),
            json!({"extraHosts": [{"hostname": "db", "ipAddress": "10.0.0.2"}]}),
            r#"extraHost db "10.0.0.1" → "10.0.0.2""#,
        ),
        container(
            json!({}),
            json!({"environmentFiles": [{"type": "s3", "value": "arn:aws:s3:::b/app.env"}]}),
            "environmentFile arn:aws:s3:::b/app.env added",
        ),
        container(
            json!({"resourceRequirements": [{"type": "GPU", "value": "1"}]}),
            json!({"resourceRequirements": [{"type": "GPU", "value": "2"}]}),
            r#"resourceRequirement GPU "1" → "2""#,
        ),
        container(
            hc("curl -f localhost", 15),
            hc("curl -f localhost", 10),
            "health check interval 15 → 10",
        ),
        container(
            hc("curl -f localhost", 30),
            hc("curl -f localhost/health", 30),
            r#"health check command ["CMD-SHELL","curl -f localhost"] → ["CMD-SHELL","curl -f localhost/health"]"#,
        ),
        container(
            fl("fluentbit", "true"),
            fl("fluentbit", "false"),
            r#"firelens option enable-ecs-log-metadata "true" → "false""#,
        ),
        container(
            fl("fluentbit", "true"),
            fl("fluentd", "true"),
            "firelens type fluentbit → fluentd",
        ),
        container(
            json!({"linuxParameters": {"initProcessEnabled": false}}),
            json!({"linuxParameters": {"initProcessEnabled": true}}),
            "linuxParameters initProcessEnabled false → true",
        ),
        container(
            json!({"linuxParameters": {"capabilities": {"add": ["SYS_PTRACE"]}}}),
            json!({"linuxParameters": {"capabilities": {"add": ["NET_ADMIN", "SYS_PTRACE"]}}}),
            r#"linuxParameters capabilities add ["SYS_PTRACE"] → ["NET_ADMIN","SYS_PTRACE"]"#,
        ),
        container(
            json!({"repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:r:1:secret:a"}}),
            json!({"repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:r:1:secret:b"}}),
            r#"repositoryCredentials credentialsParameter "arn:aws:secretsmanager:r:1:secret:a" → "arn:aws:secretsmanager:r:1:secret:b""#,
        ),
        container(
            json!({"restartPolicy": {"enabled": true, "restartAttemptPeriod": 300}}),
            json!({"restartPolicy": {"enabled": true, "restartAttemptPeriod": 60}}),
            "restartPolicy restartAttemptPeriod 300 → 60",
        ),
        task(
            efs("/exports/media", "ENABLED"),
            efs("/exports/media-v2", "ENABLED"),
            r#"volume media EFS rootDirectory "/exports/media" → "/exports/media-v2""#,
        ),
        task(
            efs("/", "DISABLED"),
            efs("/", "ENABLED"),
            "volume media EFS authorizationConfig iam DISABLED → ENABLED",
        ),
        task(
            json!({"volumes": [{"name": "media", "host": {"sourcePath": "/a"}}]}),
            json!({"volumes": [{"name": "media", "host": {"sourcePath": "/b"}}]}),
            r#"volume media host sourcePath "/a" → "/b""#,
        ),
        task(
            json!({"volumes": [{"name": "data", "dockerVolumeConfiguration": {"driver": "local"}}]}),
            json!({"volumes": [{"name": "data", "dockerVolumeConfiguration": {"driver": "rexray"}}]}),
            r#"volume data docker driver "local" → "rexray""#,
        ),
        task(
            json!({}),
            json!({"volumes": [{"name": "cache"}]}),
            "volume cache added",
        ),
        task(
            json!({}),
            json!({"placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t3.*"}]}),
            r#"placementConstraint memberOf "attribute:ecs.instance-type =~ t3.*" added"#,
        ),
        task(
            json!({"proxyConfiguration": {"type": "APPMESH", "containerName": "envoy", "properties": [{"name": "AppPorts", "value": "8080"}]}}),
            json!({"proxyConfiguration": {"type": "APPMESH", "containerName": "envoy", "properties": [{"name": "AppPorts", "value": "9090"}]}}),
            r#"proxyConfiguration property AppPorts "8080" → "9090""#,
        ),
        task(
            json!({}),
            json!({"requiresCompatibilities": ["EC2", "FARGATE"]}),
            "requiresCompatibilities [EC2] → [EC2,FARGATE]",
        ),
        task(
            json!({"runtimePlatform": {"cpuArchitecture": "X86_64"}}),
            json!({"runtimePlatform": {"cpuArchitecture": "ARM64"}}),
            "runtimePlatform cpuArchitecture X86_64 → ARM64",
        ),
        task(
            json!({"ephemeralStorage": {"sizeInGiB": 21}}),
            json!({"ephemeralStorage": {"sizeInGiB": 30}}),
            "ephemeralStorage sizeInGiB 21 → 30",
        ),
        task(
            json!({"taskRoleArn": "arn:aws:iam::1:role/a"}),
            json!({"taskRoleArn": "arn:aws:iam::1:role/b"}),
            r#"taskRoleArn "arn:aws:iam::1:role/a" → "arn:aws:iam::1:role/b""#,
        ),
        task(
            json!({}),
            json!({"executionRoleArn": "arn:aws:iam::1:role/e"}),
            r#"executionRoleArn unset → "arn:aws:iam::1:role/e""#,
        ),
        task(
            json!({}),
            json!({"pidMode": "task"}),
            "pidMode unset → task",
        ),
        task(json!({}), json!({"cpu": "512"}), "cpu 256 → 512"),
        task(json!({}), json!({"memory": "1 GB"}), "memory 512 → 1024"),
        task(
            json!({"networkMode": "bridge"}),
            json!({"networkMode": "host"}),
            "networkMode bridge → host",
        ),
        task(
            json!({}),
            json!({"enableFaultInjection": true}),
            "enableFaultInjection false → true",
        ),
    ];
    let mut wrong = Vec::new();
    for (is_task, before, after, expected) in cases {
        let (old, new) = edited(is_task, &before, &after);
        let got = summarize(&old, &new, &[]);
        if got != [expected.clone()] {
            wrong.push(format!("want {expected}\n got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
