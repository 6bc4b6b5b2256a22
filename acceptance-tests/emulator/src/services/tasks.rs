//! ECS tasks: ListTasks and DescribeTasks over the running tasks of every task set and the stopped tasks
//! ECS keeps visible (see `task_failures`). Shapes as the ECS model gives them: a task's `startedBy` is the
//! id of the task set that launched it, its `group` is `service:<name>`.

use serde_json::{json, Value};

use super::params::{opt_num, opt_str, page, strings};
use crate::emu::Emu;
use crate::protocol::ApiError;
use crate::world::{World, ACCOUNT, REGION};

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidParameterException", message)
}

fn cluster_of(input: &Value) -> String {
    opt_str(input, "cluster")
        .map(|c| c.rsplit('/').next().unwrap_or(c).to_string())
        .unwrap_or_else(|| "default".to_string())
}

/// Every task of `cluster`, running ones first (built from the task sets), then the stopped ones.
fn tasks_of(world: &World, cluster: &str) -> Vec<Value> {
    let cluster_arn = format!("arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{cluster}");
    let mut tasks = Vec::new();
    for service in world.services.values().filter(|s| s.cluster == cluster) {
        for ts in &service.task_sets {
            for (arn, _) in &ts.tasks {
                tasks.push(json!({
                    "taskArn": arn,
                    "clusterArn": cluster_arn,
                    "taskDefinitionArn": ts.task_definition,
                    "group": format!("service:{}", service.name),
                    "startedBy": ts.id,
                    "lastStatus": "RUNNING",
                    "desiredStatus": "RUNNING",
                    "launchType": service.launch_type,
                    "createdAt": ts.created_at,
                    "startedAt": ts.created_at,
                    "containers": [{
                        "taskArn": arn,
                        "name": ts.container_name,
                        "lastStatus": "RUNNING",
                    }],
                }));
            }
        }
    }
    tasks.extend(
        world
            .stopped_tasks
            .iter()
            .filter(|t| t["clusterArn"] == cluster_arn.as_str())
            .cloned(),
    );
    tasks
}

/// ListTasks: by service, task set (`startedBy`), family and desired status (RUNNING unless asked).
pub fn list_tasks(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let cluster = cluster_of(input);
    let desired = opt_str(input, "desiredStatus").unwrap_or("RUNNING");
    if !["RUNNING", "PENDING", "STOPPED"].contains(&desired) {
        return Err(invalid(format!("Invalid desiredStatus: {desired}")));
    }
    let size = match opt_num(input, "maxResults") {
        Some(n) if !(1.0..=100.0).contains(&n) => {
            return Err(invalid("maxResults must be between 1 and 100."))
        }
        Some(n) => n as usize,
        None => 100,
    };
    let world = emu.world();
    if !world.clusters.contains_key(&cluster) {
        return Err(ApiError::client(
            "ClusterNotFoundException",
            "Cluster not found.",
        ));
    }
    let service = opt_str(input, "serviceName").map(|s| s.rsplit('/').next().unwrap_or(s));
    if let Some(name) = service {
        if !world
            .services
            .contains_key(&(cluster.clone(), name.to_string()))
        {
            return Err(ApiError::client(
                "ServiceNotFoundException",
                "Service not found.",
            ));
        }
    }
    let started_by = opt_str(input, "startedBy");
    let family = opt_str(input, "family");
    let arns: Vec<String> = tasks_of(&world, &cluster)
        .iter()
        .filter(|t| t["desiredStatus"] == desired)
        .filter(|t| service.is_none_or(|s| t["group"] == format!("service:{s}").as_str()))
        .filter(|t| started_by.is_none_or(|b| t["startedBy"] == b))
        .filter(|t| {
            family.is_none_or(|f| {
                t["taskDefinitionArn"]
                    .as_str()
                    .is_some_and(|a| a.contains(&format!(":task-definition/{f}:")))
            })
        })
        .filter_map(|t| t["taskArn"].as_str().map(str::to_string))
        .collect();
    let (items, next) = page(&arns, opt_str(input, "nextToken"), size);
    let mut out = json!({"taskArns": items});
    if let Some(next) = next {
        out["nextToken"] = json!(next);
    }
    Ok(out)
}

/// DescribeTasks: up to 100 tasks by ARN or id; the unknown ones are `failures` with reason MISSING.
pub fn describe_tasks(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let cluster = cluster_of(input);
    let wanted = strings(input, "tasks");
    if wanted.is_empty() {
        return Err(invalid("Tasks cannot be empty."));
    }
    if wanted.len() > 100 {
        return Err(invalid("Tasks cannot have more than 100 items."));
    }
    let world = emu.world();
    if !world.clusters.contains_key(&cluster) {
        return Err(ApiError::client(
            "ClusterNotFoundException",
            "Cluster not found.",
        ));
    }
    let all = tasks_of(&world, &cluster);
    let mut tasks = Vec::new();
    let mut failures = Vec::new();
    for reference in wanted {
        let found = all.iter().find(|t| {
            t["taskArn"]
                .as_str()
                .is_some_and(|a| a == reference || a.rsplit('/').next() == Some(reference.as_str()))
        });
        match found {
            Some(t) => tasks.push(t.clone()),
            None => failures.push(json!({
                "arn": if reference.starts_with("arn:") { reference.clone() } else {
                    format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task/{cluster}/{reference}")
                },
                "reason": "MISSING",
            })),
        }
    }
    Ok(json!({"tasks": tasks, "failures": failures}))
}
