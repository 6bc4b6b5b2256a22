//! The task definition's vocabulary, shared by parsing, normalising and registering: the fields
//! RegisterTaskDefinition accepts, the fields ECS adds, and how a numeric field reads (number or string).

use serde_json::Value;

/// Fields of RegisterTaskDefinition's input.
pub(super) const TASK_FIELDS: &[&str] = &[
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "tags",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
    "enableFaultInjection",
];

/// Fields ECS adds to what it returns; never part of the user's intent.
pub(super) const READ_ONLY: &[&str] = &[
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
];

/// Fields of a container definition.
pub(super) const CONTAINER_FIELDS: &[&str] = &[
    "name",
    "image",
    "repositoryCredentials",
    "cpu",
    "memory",
    "memoryReservation",
    "links",
    "portMappings",
    "essential",
    "restartPolicy",
    "entryPoint",
    "command",
    "environment",
    "environmentFiles",
    "mountPoints",
    "volumesFrom",
    "linuxParameters",
    "secrets",
    "dependsOn",
    "startTimeout",
    "stopTimeout",
    "versionConsistency",
    "hostname",
    "user",
    "workingDirectory",
    "disableNetworking",
    "privileged",
    "readonlyRootFilesystem",
    "dnsServers",
    "dnsSearchDomains",
    "extraHosts",
    "dockerSecurityOptions",
    "interactive",
    "pseudoTerminal",
    "dockerLabels",
    "ulimits",
    "logConfiguration",
    "healthCheck",
    "systemControls",
    "resourceRequirements",
    "firelensConfiguration",
    "credentialSpecs",
];

pub(super) fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}
