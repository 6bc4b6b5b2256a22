//! Amazon ECS, the calls hashicorp/aws makes to build and tear down a stage beyond what a rollout needs:
//! clusters (settings, describe, delete), service options echoed as set, service deletes, and tags on any
//! ECS resource. Shapes from botocore `ecs/2014-11-13/service-2.json`.

use serde_json::{json, Map, Value};

use super::params::{list, opt_bool, opt_str, req_str, strings};
use crate::emu::Emu;
use crate::protocol::{ApiError, Service as Api};
use crate::world::{World, ACCOUNT, REGION};

/// Dispatches the ECS operations a stage built by hashicorp/aws needs.
pub fn handle(emu: &Emu, op: &str, input: &Value) -> Result<Value, ApiError> {
    match op {
        "CreateCluster" => create_cluster(emu, input),
        "DescribeClusters" => describe_clusters(emu, input),
        "DeleteCluster" => delete_cluster(emu, input),
        "DeleteService" => delete_service(emu, input),
        "ListTagsForResource" => list_tags(emu, input),
        "TagResource" => tag_resource(emu, input),
        "UntagResource" => untag_resource(emu, input),
        _ => Err(ApiError::unknown_operation(Api::Ecs, op)),
    }
}

fn short_name(reference: &str) -> String {
    reference
        .rsplit('/')
        .next()
        .unwrap_or(reference)
        .to_string()
}

fn cluster_arn(name: &str) -> String {
    format!("arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{name}")
}

/// ECS tags are `{key, value}`.
fn tags_of(input: &Value) -> Vec<Value> {
    list(input, "tags")
        .into_iter()
        .filter(|t| opt_str(t, "key").is_some())
        .map(|t| json!({"key": t["key"], "value": t.get("value").cloned().unwrap_or(json!(""))}))
        .collect()
}

fn create_cluster(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = opt_str(input, "clusterName")
        .unwrap_or("default")
        .to_string();
    let arn = cluster_arn(&name);
    let settings = match list(input, "settings") {
        s if s.is_empty() => json!([{"name": "containerInsights", "value": "disabled"}]),
        s => json!(s),
    };
    let mut world = emu.world();
    world.clusters.insert(name.clone(), arn.clone());
    let mut stored = json!({"settings": settings, "status": "ACTIVE"});
    for key in ["configuration", "serviceConnectDefaults"] {
        if let Some(v) = input.get(key).filter(|v| !v.is_null()) {
            stored[key] = v.clone();
        }
    }
    world.attributes.insert(arn.clone(), stored);
    let tags = tags_of(input);
    if !tags.is_empty() {
        world.tags.insert(arn.clone(), tags);
    }
    Ok(json!({"cluster": cluster_json(&world, &name, true)}))
}

/// A cluster as DescribeClusters returns it (`include` TAGS adds its tags).
fn cluster_json(world: &World, name: &str, with_tags: bool) -> Value {
    let arn = cluster_arn(name);
    let stored = world.attributes.get(&arn).cloned().unwrap_or(json!({}));
    let services = world.services.keys().filter(|(c, _)| c == name).count();
    let running: usize = world
        .services
        .iter()
        .filter(|((c, _), _)| c == name)
        .flat_map(|(_, s)| s.task_sets.iter())
        .map(|t| t.tasks.len())
        .sum();
    let mut v = json!({
        "clusterArn": arn,
        "clusterName": name,
        "status": stored.get("status").cloned().unwrap_or(json!("ACTIVE")),
        "registeredContainerInstancesCount": 0,
        "runningTasksCount": running,
        "pendingTasksCount": 0,
        "activeServicesCount": services,
        "statistics": [],
        "settings": stored.get("settings").cloned().unwrap_or(json!([])),
        "capacityProviders": [],
        "defaultCapacityProviderStrategy": [],
        "attachments": [],
    });
    for key in ["configuration", "serviceConnectDefaults"] {
        if let Some(c) = stored.get(key) {
            v[key] = c.clone();
        }
    }
    if with_tags {
        v["tags"] = json!(world.tags.get(&arn).cloned().unwrap_or_default());
    }
    v
}

fn describe_clusters(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let mut names = strings(input, "clusters");
    if names.is_empty() {
        names.push("default".into());
    }
    let with_tags = strings(input, "include").iter().any(|i| i == "TAGS");
    let world = emu.world();
    let mut clusters = Vec::new();
    let mut failures = Vec::new();
    for reference in names {
        let name = short_name(&reference);
        // A deleted cluster stays visible as INACTIVE, as on AWS.
        if world.clusters.contains_key(&name) || world.attributes.contains_key(&cluster_arn(&name))
        {
            clusters.push(cluster_json(&world, &name, with_tags));
        } else {
            failures.push(json!({"arn": cluster_arn(&name), "reason": "MISSING"}));
        }
    }
    Ok(json!({"clusters": clusters, "failures": failures}))
}

fn delete_cluster(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = short_name(&req_str(input, "cluster", "InvalidParameterException")?);
    let mut world = emu.world();
    if !world.clusters.contains_key(&name) {
        return Err(ApiError::client(
            "ClusterNotFoundException",
            "Cluster not found.",
        ));
    }
    if world.services.keys().any(|(c, _)| *c == name) {
        return Err(ApiError::client(
            "ClusterContainsServicesException",
            "The Cluster cannot be deleted while Services are active.",
        ));
    }
    world.clusters.remove(&name);
    let arn = cluster_arn(&name);
    let stored = world.attributes.entry(arn).or_insert_with(|| json!({}));
    stored["status"] = json!("INACTIVE");
    let out = cluster_json(&world, &name, false);
    Ok(json!({"cluster": out}))
}

/// The options CreateService was given that the emulator only echoes, with ECS's defaults.
pub fn remember_service_options(world: &mut World, arn: &str, input: &Value) {
    let mut options = Map::new();
    options.insert(
        "deploymentConfiguration".into(),
        input
            .get("deploymentConfiguration")
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or_else(|| json!({"maximumPercent": 200, "minimumHealthyPercent": 100})),
    );
    for (key, default) in [
        ("placementConstraints", json!([])),
        ("placementStrategy", json!([])),
        ("enableECSManagedTags", json!(false)),
        ("propagateTags", json!("NONE")),
        ("enableExecuteCommand", json!(false)),
        ("schedulingStrategy", json!("REPLICA")),
    ] {
        options.insert(
            key.into(),
            input
                .get(key)
                .filter(|v| !v.is_null())
                .cloned()
                .unwrap_or(default),
        );
    }
    for key in [
        "healthCheckGracePeriodSeconds",
        "serviceRegistries",
        "capacityProviderStrategy",
        "availabilityZoneRebalancing",
    ] {
        if let Some(v) = input.get(key).filter(|v| !v.is_null()) {
            options.insert(key.into(), v.clone());
        }
    }
    world
        .attributes
        .insert(arn.to_string(), Value::Object(options));
    let tags = tags_of(input);
    if !tags.is_empty() {
        world.tags.insert(arn.to_string(), tags);
    }
}

/// Changes UpdateService makes to the echoed options.
pub fn update_service_options(world: &mut World, arn: &str, input: &Value) {
    let Some(Value::Object(options)) = world.attributes.get_mut(arn) else {
        return;
    };
    for key in [
        "deploymentConfiguration",
        "placementConstraints",
        "placementStrategy",
        "enableECSManagedTags",
        "propagateTags",
        "enableExecuteCommand",
        "healthCheckGracePeriodSeconds",
    ] {
        if let Some(v) = input.get(key).filter(|v| !v.is_null()) {
            options.insert(key.into(), v.clone());
        }
    }
}

/// Adds the echoed options (and tags, when asked) to a DescribeServices answer.
pub fn add_service_options(world: &World, arn: &str, with_tags: bool, service: &mut Value) {
    if let Some(Value::Object(options)) = world.attributes.get(arn) {
        for (k, v) in options {
            if k != "status" {
                service[k] = v.clone();
            }
        }
    }
    if with_tags {
        service["tags"] = json!(world.tags.get(arn).cloned().unwrap_or_default());
    }
}

/// A deleted service, as DescribeServices still shows it for a while: INACTIVE, no tasks.
pub fn inactive_service(world: &World, cluster: &str, name: &str) -> Option<Value> {
    let arn = format!("arn:aws:ecs:{REGION}:{ACCOUNT}:service/{cluster}/{name}");
    let stored = world.attributes.get(&arn)?;
    (stored["status"] == "INACTIVE").then(|| {
        json!({
            "serviceArn": arn,
            "serviceName": name,
            "clusterArn": cluster_arn(cluster),
            "status": "INACTIVE",
            "desiredCount": 0,
            "runningCount": 0,
            "pendingCount": 0,
            "loadBalancers": [],
            "deployments": [],
            "events": [],
        })
    })
}

fn delete_service(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let cluster = short_name(opt_str(input, "cluster").unwrap_or("default"));
    let name = short_name(&req_str(input, "service", "InvalidParameterException")?);
    let force = opt_bool(input, "force").unwrap_or(false);
    let mut world = emu.world();
    let key = (cluster.clone(), name.clone());
    let Some(service) = world.services.get(&key) else {
        return Err(ApiError::client(
            "ServiceNotFoundException",
            "Service not found.",
        ));
    };
    if service.desired_count > 0 && !force {
        return Err(ApiError::invalid(
            "The service cannot be stopped while it is scaled above 0.",
        ));
    }
    let Some(service) = world.services.remove(&key) else {
        return Err(ApiError::client(
            "ServiceNotFoundException",
            "Service not found.",
        ));
    };
    for task_set in &service.task_sets {
        for (task, _) in &task_set.tasks {
            emu.data().stop_task(task);
        }
        emu.data()
            .set_targets(&task_set.target_group_arn, Vec::new());
    }
    let stored = world
        .attributes
        .entry(service.arn.clone())
        .or_insert_with(|| json!({}));
    stored["status"] = json!("INACTIVE");
    // DeleteService answers the service as it goes: DRAINING, its tasks stopping.
    let mut out = inactive_service(&world, &cluster, &name).unwrap_or_else(|| json!({}));
    out["status"] = json!("DRAINING");
    out["desiredCount"] = json!(service.desired_count);
    out["launchType"] = json!(service.launch_type);
    out["deploymentController"] = json!({"type": service.controller});
    out["loadBalancers"] = json!(service.load_balancers);
    Ok(json!({"service": out}))
}

/// Tags live by ARN for every ECS resource.
fn list_tags(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "resourceArn", "InvalidParameterException")?;
    let world = emu.world();
    Ok(json!({"tags": world.tags.get(&arn).cloned().unwrap_or_default()}))
}

fn tag_resource(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "resourceArn", "InvalidParameterException")?;
    let new = tags_of(input);
    let mut world = emu.world();
    let tags = world.tags.entry(arn).or_default();
    for tag in new {
        tags.retain(|t| t["key"] != tag["key"]);
        tags.push(tag);
    }
    Ok(json!({}))
}

fn untag_resource(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "resourceArn", "InvalidParameterException")?;
    let keys = strings(input, "tagKeys");
    let mut world = emu.world();
    if let Some(tags) = world.tags.get_mut(&arn) {
        tags.retain(|t| !keys.iter().any(|k| t["key"] == *k));
    }
    Ok(json!({}))
}
