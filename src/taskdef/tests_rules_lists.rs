//! The second half of the normalisation rule table: order-free lists by natural key, order that matters,
//! units, empty values and the remaining ECS defaults.

use serde_json::{json, Value};

/// A task with `task` members over an EC2 default, and one container `app` with `container` members.
pub(super) fn td(task: Value, container: Value) -> Value {
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
pub(super) type Row = (&'static str, Value, Value, bool);

pub(super) fn lists_units_and_defaults() -> Vec<Row> {
    let c = |a: Value, b: Value| (td(json!({}), a), td(json!({}), b));
    let t = |a: Value, b: Value| (td(a, json!({})), td(b, json!({})));
    let row = |name, (a, b): (Value, Value), eq| (name, a, b, eq);
    vec![
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
                json!({"command": [], "dockerLabels": {}, "user": null, "linuxParameters": {"devices": []}, "environment": [{}, null]}),
                json!({}),
            ),
            true,
        ),
        row(
            "an empty string in command is real",
            c(json!({"command": [""]}), json!({})),
            false,
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
