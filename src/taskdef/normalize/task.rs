//! ECS's rules for the task-level members: units of `cpu`/`memory`, the default network mode, volumes with
//! the defaults ECS fills in, and the order-free task lists. Evidence per rule in
//! docs/guides/task-definition-normalisation.md.

use serde_json::{json, Map, Value};

use super::lists::{
    drop_default, drop_default_str, each_object, numbers, object, sort_by_member, sort_set,
};
use super::units::{canonical_cpu, canonical_memory};

/// The network mode ECS uses when none is given (Linux EC2 and external instances).
pub(super) const DEFAULT_NETWORK_MODE: &str = "bridge";

fn docker_volume(v: &mut Map<String, Value>) {
    let Some(d) = object(v, "dockerVolumeConfiguration") else {
        return;
    };
    drop_default_str(d, "scope", "task");
    if d.contains_key("scope") {
        drop_default(d, "autoprovision", &json!(false));
    } else {
        // Only used with the shared scope; ECS refuses false and ignores true for a task-scoped volume.
        d.remove("autoprovision");
    }
}

fn efs_volume(v: &mut Map<String, Value>) {
    let Some(efs) = object(v, "efsVolumeConfiguration") else {
        return;
    };
    drop_default(efs, "rootDirectory", &json!("/"));
    drop_default_str(efs, "transitEncryption", "DISABLED");
    numbers(efs, &["transitEncryptionPort"]);
    if let Some(auth) = object(efs, "authorizationConfig") {
        drop_default_str(auth, "iam", "DISABLED");
    }
}

fn volumes(td: &mut Map<String, Value>) {
    for v in each_object(td, "volumes") {
        docker_volume(v);
        efs_volume(v);
        drop_default(v, "configuredAtLaunch", &json!(false));
    }
    sort_by_member(td, "volumes", "name");
}

/// The task-level members of `td` in canonical form; returns the effective network mode.
pub(super) fn normalize_task(td: &mut Map<String, Value>) -> String {
    let network_mode = td
        .get("networkMode")
        .and_then(Value::as_str)
        .unwrap_or(DEFAULT_NETWORK_MODE)
        .to_string();
    drop_default(td, "networkMode", &json!(DEFAULT_NETWORK_MODE));
    if let Some(v) = td.get("cpu").map(canonical_cpu) {
        td.insert("cpu".into(), v);
    }
    if let Some(v) = td.get("memory").map(canonical_memory) {
        td.insert("memory".into(), v);
    }
    drop_default(td, "enableFaultInjection", &json!(false));
    if let Some(storage) = object(td, "ephemeralStorage") {
        numbers(storage, &["sizeInGiB"]);
    }
    sort_set(td, "requiresCompatibilities");
    sort_set(td, "placementConstraints");
    sort_by_member(td, "inferenceAccelerators", "deviceName");
    if let Some(proxy) = object(td, "proxyConfiguration") {
        sort_by_member(proxy, "properties", "name");
    }
    volumes(td);
    network_mode
}
