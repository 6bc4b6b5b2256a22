//! A generator of realistic task definitions for the property tests: containers with random members from
//! RegisterTaskDefinition's shape, plus the two things ECS does to them (fill defaults, reorder order-free
//! lists) and a random single edit.

use serde_json::{json, Map, Value};

/// Deterministic choices drawn from proptest's random numbers (so failures shrink and replay).
pub(super) struct Picker {
    choices: Vec<u32>,
    at: usize,
}

impl Picker {
    pub(super) fn new(choices: Vec<u32>) -> Self {
        Self { choices, at: 0 }
    }

    /// A number in 0..n.
    pub(super) fn below(&mut self, n: usize) -> usize {
        let c = self
            .choices
            .get(self.at % self.choices.len().max(1))
            .copied()
            .unwrap_or(0);
        self.at += 1;
        (c as usize).wrapping_add(self.at / self.choices.len().max(1)) % n.max(1)
    }

    fn coin(&mut self) -> bool {
        self.below(2) == 0
    }

    fn one(&mut self, options: &[Value]) -> Value {
        options[self.below(options.len())].clone()
    }

    /// A random subset of `pool`, in a random order.
    fn some(&mut self, pool: &[Value]) -> Vec<Value> {
        let mut out: Vec<Value> = pool.iter().filter(|_| self.coin()).cloned().collect();
        if out.len() > 1 && self.coin() {
            out.reverse();
        }
        out
    }
}

fn ports(p: &mut Picker, network_mode: &str) -> Value {
    let dynamic = network_mode == "bridge";
    let pool = [
        json!({"containerPort": 80}),
        json!({"containerPort": 8080, "name": "web", "appProtocol": "http"}),
        json!({"containerPort": 9090, "protocol": "udp"}),
        json!({"containerPort": 443, "hostPort": if dynamic { 8443 } else { 443 }}),
        json!({"containerPortRange": "7000-7010"}),
    ];
    Value::Array(p.some(&pool))
}

/// (member, pool of values) for container members other than name/image/ports.
fn container_members() -> Vec<(&'static str, Vec<Value>)> {
    vec![
        ("cpu", vec![json!(0), json!(128), json!(256)]),
        ("memory", vec![json!(256), json!(512)]),
        ("memoryReservation", vec![json!(128), json!(64)]),
        ("essential", vec![json!(true), json!(false)]),
        (
            "environment",
            vec![
                json!([{"name": "A", "value": "1"}, {"name": "B", "value": "x"}]),
                json!([{"name": "DB_PASSWORD", "value": "p"}, {"name": "A", "value": "2"}]),
            ],
        ),
        (
            "secrets",
            vec![
                json!([{"name": "S1", "valueFrom": "arn:aws:ssm:r:1:parameter/a"}, {"name": "S2", "valueFrom": "arn:aws:ssm:r:1:parameter/b"}]),
            ],
        ),
        (
            "command",
            vec![json!(["node", "a.js"]), json!(["node", "b.js", "--x"])],
        ),
        ("entryPoint", vec![json!(["sh", "-c"])]),
        ("dnsServers", vec![json!(["10.0.0.2", "10.0.0.3"])]),
        ("dnsSearchDomains", vec![json!(["a.local", "b.local"])]),
        ("links", vec![json!(["db:db", "cache"])]),
        (
            "dockerSecurityOptions",
            vec![json!(["no-new-privileges", "label:type:x"])],
        ),
        (
            "mountPoints",
            vec![
                json!([{"sourceVolume": "data", "containerPath": "/data"}, {"sourceVolume": "cache", "containerPath": "/cache", "readOnly": true}]),
            ],
        ),
        (
            "volumesFrom",
            vec![
                json!([{"sourceContainer": "app"}, {"sourceContainer": "envoy", "readOnly": true}]),
            ],
        ),
        (
            "ulimits",
            vec![
                json!([{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}, {"name": "core", "softLimit": 0, "hardLimit": 0}]),
            ],
        ),
        (
            "systemControls",
            vec![
                json!([{"namespace": "net.core.somaxconn", "value": "1024"}, {"namespace": "net.ipv4.tcp_keepalive_time", "value": "60"}]),
            ],
        ),
        (
            "dependsOn",
            vec![
                json!([{"containerName": "log_router", "condition": "START"}, {"containerName": "init", "condition": "SUCCESS"}]),
            ],
        ),
        (
            "extraHosts",
            vec![
                json!([{"hostname": "db", "ipAddress": "10.0.0.5"}, {"hostname": "cache", "ipAddress": "10.0.0.6"}]),
            ],
        ),
        (
            "environmentFiles",
            vec![
                json!([{"type": "s3", "value": "arn:aws:s3:::b/a.env"}, {"type": "s3", "value": "arn:aws:s3:::b/b.env"}]),
            ],
        ),
        (
            "resourceRequirements",
            vec![json!([{"type": "GPU", "value": "1"}])],
        ),
        ("dockerLabels", vec![json!({"team": "a", "tier": "web"})]),
        (
            "logConfiguration",
            vec![
                json!({"logDriver": "awslogs", "options": {"awslogs-group": "g", "awslogs-stream-prefix": "p"}}),
                json!({"logDriver": "awsfirelens", "options": {"Name": "cloudwatch"}, "secretOptions": [{"name": "K", "valueFrom": "arn:k"}]}),
            ],
        ),
        (
            "healthCheck",
            vec![
                json!({"command": ["CMD-SHELL", "curl -f localhost"], "interval": 15, "retries": 3}),
                json!({"command": ["CMD", "true"]}),
            ],
        ),
        (
            "linuxParameters",
            vec![
                json!({"initProcessEnabled": true, "capabilities": {"add": ["SYS_PTRACE", "NET_ADMIN"], "drop": ["MKNOD"]}, "sharedMemorySize": 64, "tmpfs": [{"containerPath": "/run", "size": 64, "mountOptions": ["rw", "noexec"]}], "devices": [{"hostPath": "/dev/fuse", "permissions": ["read", "write"]}]}),
            ],
        ),
        (
            "repositoryCredentials",
            vec![json!({"credentialsParameter": "arn:aws:secretsmanager:r:1:secret:c"})],
        ),
        (
            "restartPolicy",
            vec![
                json!({"enabled": true, "ignoredExitCodes": [0, 137], "restartAttemptPeriod": 300}),
            ],
        ),
        ("startTimeout", vec![json!(30), json!(120)]),
        ("stopTimeout", vec![json!(30), json!(60)]),
        (
            "versionConsistency",
            vec![json!("enabled"), json!("disabled")],
        ),
        ("user", vec![json!("10001:10001"), json!("1000")]),
        ("workingDirectory", vec![json!("/app")]),
        ("hostname", vec![json!("box")]),
        ("privileged", vec![json!(true), json!(false)]),
        ("readonlyRootFilesystem", vec![json!(true), json!(false)]),
        ("interactive", vec![json!(true)]),
        ("pseudoTerminal", vec![json!(true)]),
        ("disableNetworking", vec![json!(false)]),
        (
            "credentialSpecs",
            vec![json!(["credentialspecdomainless:arn:aws:s3:::b/cs.json"])],
        ),
    ]
}

fn container(p: &mut Picker, name: &str, network_mode: &str) -> Value {
    let mut c = Map::new();
    c.insert("name".into(), json!(name));
    c.insert(
        "image".into(),
        json!(format!("registry/{name}:{}", p.below(3))),
    );
    if p.coin() {
        c.insert("portMappings".into(), ports(p, network_mode));
    }
    for (member, pool) in container_members() {
        if p.below(3) == 0 {
            let v = p.one(&pool);
            c.insert(member.into(), v);
        }
    }
    if name == "log_router" && p.coin() {
        c.insert(
            "firelensConfiguration".into(),
            json!({"type": "fluentbit", "options": {"enable-ecs-log-metadata": "true"}}),
        );
    }
    Value::Object(c)
}

fn volumes(p: &mut Picker) -> Value {
    let pool = [
        json!({"name": "data"}),
        json!({"name": "cache", "host": {"sourcePath": "/var/cache"}}),
        json!({"name": "media", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "rootDirectory": "/exports/media", "transitEncryption": "ENABLED", "authorizationConfig": {"accessPointId": "fsap-1", "iam": "ENABLED"}}}),
        json!({"name": "scratch", "dockerVolumeConfiguration": {"scope": "shared", "autoprovision": true, "driver": "local", "driverOpts": {"type": "tmpfs"}, "labels": {"a": "b"}}}),
        json!({"name": "win", "fsxWindowsFileServerVolumeConfiguration": {"fileSystemId": "fs-2", "rootDirectory": "share", "authorizationConfig": {"credentialsParameter": "arn:c", "domain": "corp"}}}),
        json!({"name": "ebs", "configuredAtLaunch": true}),
    ];
    Value::Array(p.some(&pool))
}

/// A realistic task definition as a user might write it.
pub(super) fn task_definition(p: &mut Picker) -> Value {
    let network_mode = ["bridge", "awsvpc", "host"][p.below(3)];
    let mut td = Map::new();
    td.insert("family".into(), json!("svc"));
    if network_mode != "bridge" || p.coin() {
        td.insert("networkMode".into(), json!(network_mode));
    }
    let optional: Vec<(&str, Vec<Value>)> = vec![
        ("cpu", vec![json!("256"), json!(512), json!("1 vCPU")]),
        ("memory", vec![json!("512"), json!(1024), json!("2 GB")]),
        (
            "requiresCompatibilities",
            vec![json!(["EC2"]), json!(["EC2", "FARGATE"])],
        ),
        ("taskRoleArn", vec![json!("arn:aws:iam::1:role/task")]),
        ("executionRoleArn", vec![json!("arn:aws:iam::1:role/exec")]),
        ("pidMode", vec![json!("task")]),
        ("ipcMode", vec![json!("none")]),
        (
            "placementConstraints",
            vec![
                json!([{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t3.*"}, {"type": "memberOf", "expression": "attribute:ecs.os-type == linux"}]),
            ],
        ),
        (
            "proxyConfiguration",
            vec![
                json!({"type": "APPMESH", "containerName": "envoy", "properties": [{"name": "AppPorts", "value": "8080"}, {"name": "ProxyIngressPort", "value": "15000"}, {"name": "IgnoredUID", "value": "1337"}]}),
            ],
        ),
        (
            "runtimePlatform",
            vec![json!({"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"})],
        ),
        ("ephemeralStorage", vec![json!({"sizeInGiB": 30})]),
        ("enableFaultInjection", vec![json!(true)]),
        (
            "inferenceAccelerators",
            vec![json!([{"deviceName": "d1", "deviceType": "eia2.medium"}])],
        ),
    ];
    for (member, pool) in optional {
        if p.below(3) == 0 {
            let v = p.one(&pool);
            td.insert(member.into(), v);
        }
    }
    if p.coin() {
        td.insert("volumes".into(), volumes(p));
    }
    let names = ["app", "log_router", "envoy"];
    let n = 1 + p.below(names.len());
    let containers: Vec<Value> = names[..n]
        .iter()
        .map(|name| container(p, name, network_mode))
        .collect();
    td.insert("containerDefinitions".into(), Value::Array(containers));
    Value::Object(td)
}
