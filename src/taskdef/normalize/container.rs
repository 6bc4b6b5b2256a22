//! ECS's rules for one container definition: the defaults DescribeTaskDefinition fills in, and the lists
//! whose order ECS does not keep or that carry no meaning. Each rule is listed with its evidence in
//! docs/guides/task-definition-normalisation.md.

use serde_json::{json, Map, Value};

use super::lists::{
    drop_default, drop_default_str, each_object, numbers, object, sort_by, sort_by_member,
    sort_set, text,
};

/// Container booleans whose absence means false (Docker's default); ECS may echo an explicit false.
const FALSE_BY_DEFAULT: &[&str] = &[
    "privileged",
    "readonlyRootFilesystem",
    "disableNetworking",
    "interactive",
    "pseudoTerminal",
];

/// Whether host ports are assigned by Docker (bridge, and Windows' "default" NAT mode) rather than being
/// the container port itself (awsvpc, host).
fn dynamic_host_ports(network_mode: &str) -> bool {
    matches!(network_mode, "bridge" | "default")
}

fn ports(c: &mut Map<String, Value>, network_mode: &str) {
    for p in each_object(c, "portMappings") {
        numbers(p, &["containerPort", "hostPort"]);
        drop_default_str(p, "protocol", "tcp");
        let host = p.get("hostPort").and_then(Value::as_i64);
        if host == Some(0) {
            // bridge: 0 asks for a dynamic port, as omitting it does; awsvpc/host: ECS answers with the
            // container port either way.
            p.remove("hostPort");
        } else if !dynamic_host_ports(network_mode)
            && host.is_some()
            && p.get("hostPort") == p.get("containerPort")
        {
            p.remove("hostPort");
        }
    }
    if let Some(Value::Array(list)) = c.get_mut("portMappings") {
        sort_by(list, |p| {
            format!(
                "{:>8}/{}/{}",
                text(&p["containerPort"]),
                p["protocol"].as_str().unwrap_or("tcp"),
                text(&p["containerPortRange"])
            )
        });
    }
}

fn environment(c: &mut Map<String, Value>) {
    for e in each_object(c, "environment") {
        if let Some(v) = e.get("value").cloned() {
            if !v.is_string() && !v.is_null() {
                e.insert("value".into(), Value::String(text(&v)));
            }
        }
    }
    sort_by_member(c, "environment", "name");
}

fn mounts(c: &mut Map<String, Value>) {
    let not_read_only = json!(false);
    for list in ["mountPoints", "volumesFrom"] {
        for m in each_object(c, list) {
            drop_default(m, "readOnly", &not_read_only);
        }
    }
    sort_by_member(c, "mountPoints", "containerPath");
    sort_by_member(c, "volumesFrom", "sourceContainer");
}

fn health_check(c: &mut Map<String, Value>) {
    let Some(hc) = object(c, "healthCheck") else {
        return;
    };
    numbers(hc, &["interval", "timeout", "retries", "startPeriod"]);
    for (key, default) in [
        ("interval", 30),
        ("timeout", 5),
        ("retries", 3),
        ("startPeriod", 0),
    ] {
        drop_default(hc, key, &json!(default));
    }
}

fn linux_parameters(c: &mut Map<String, Value>) {
    let Some(lp) = object(c, "linuxParameters") else {
        return;
    };
    numbers(lp, &["sharedMemorySize", "maxSwap", "swappiness"]);
    drop_default(lp, "initProcessEnabled", &json!(false));
    if let Some(caps) = object(lp, "capabilities") {
        sort_set(caps, "add");
        sort_set(caps, "drop");
    }
    for d in each_object(lp, "devices") {
        sort_set(d, "permissions");
    }
    sort_by_member(lp, "devices", "hostPath");
    for t in each_object(lp, "tmpfs") {
        numbers(t, &["size"]);
        sort_set(t, "mountOptions");
    }
    sort_by_member(lp, "tmpfs", "containerPath");
}

fn other_lists(c: &mut Map<String, Value>) {
    for u in each_object(c, "ulimits") {
        numbers(u, &["softLimit", "hardLimit"]);
    }
    for (list, key) in [
        ("secrets", "name"),
        ("ulimits", "name"),
        ("systemControls", "namespace"),
        ("dependsOn", "containerName"),
        ("extraHosts", "hostname"),
        ("resourceRequirements", "type"),
    ] {
        sort_by_member(c, list, key);
    }
    // Sets: ECS does not give their order a meaning. `command`, `entryPoint`, `dnsServers` and
    // `dnsSearchDomains` keep their order: it is what the container runs or resolves with.
    for list in [
        "environmentFiles",
        "dockerSecurityOptions",
        "links",
        "credentialSpecs",
    ] {
        sort_set(c, list);
    }
    if let Some(log) = object(c, "logConfiguration") {
        sort_by_member(log, "secretOptions", "name");
    }
    if let Some(rp) = object(c, "restartPolicy") {
        numbers(rp, &["restartAttemptPeriod"]);
        if let Some(Value::Array(codes)) = rp.get_mut("ignoredExitCodes") {
            for code in codes.iter_mut() {
                if let Some(n) = code.as_str().and_then(|s| s.parse::<i64>().ok()) {
                    *code = json!(n);
                }
            }
        }
        sort_set(rp, "ignoredExitCodes");
    }
}

/// One container definition in canonical form, given the task's network mode (which decides `hostPort`).
pub(super) fn normalize_container(c: &mut Map<String, Value>, network_mode: &str) {
    drop_default(c, "essential", &json!(true));
    for key in FALSE_BY_DEFAULT {
        drop_default(c, key, &json!(false));
    }
    numbers(
        c,
        &[
            "cpu",
            "memory",
            "memoryReservation",
            "startTimeout",
            "stopTimeout",
        ],
    );
    drop_default(c, "cpu", &json!(0));
    // ECS sets the FireLens log router's user to "0" (root) when none is given; only "0" is accepted.
    if c.get("firelensConfiguration").is_some_and(|f| !f.is_null()) {
        drop_default(c, "user", &json!("0"));
    }
    ports(c, network_mode);
    environment(c);
    mounts(c);
    health_check(c);
    linux_parameters(c);
    other_lists(c);
}
