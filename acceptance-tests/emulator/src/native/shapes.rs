//! The JSON shapes of ECS-native deployments, with the member names of the ECS model (aws-sdk-ecs 1.157
//! `ServiceDeployment`, `ServiceDeploymentBrief`, `ServiceRevision`, `ServiceRevisionSummary`,
//! `DeploymentLifecycleHookDetail`), and DescribeServices' native members.

use serde_json::{json, Value};

use crate::world::{Service, World, ACCOUNT, REGION};

use super::state::{HookRun, Revision, ServiceDeployment};

fn cluster_arn(cluster: &str) -> String {
    format!("arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{cluster}")
}

fn service_arn(key: &(String, String)) -> String {
    format!("arn:aws:ecs:{REGION}:{ACCOUNT}:service/{}/{}", key.0, key.1)
}

/// Tasks of a revision: (requested, running).
fn counts(world: &World, revision: &Revision) -> (i64, i64) {
    let Some(service) = world.services.get(&revision.service) else {
        return (0, 0);
    };
    service
        .task_sets
        .iter()
        .find(|t| t.id == revision.task_set_id)
        .map(|t| {
            let want = ((service.desired_count as f64) * t.scale / 100.0).ceil() as i64;
            (want, t.tasks.len() as i64)
        })
        .unwrap_or((0, 0))
}

/// `ServiceRevisionSummary`, with the weights a deployment asks for.
pub fn summary(world: &World, arn: &str, weights: Option<(f64, f64)>) -> Value {
    let (requested, running) = world
        .native
        .revisions
        .get(arn)
        .map(|r| counts(world, r))
        .unwrap_or((0, 0));
    let mut v = json!({
        "arn": arn,
        "requestedTaskCount": requested,
        "runningTaskCount": running,
        "pendingTaskCount": (requested - running).max(0),
    });
    if let Some((test, production)) = weights {
        v["requestedTestTrafficWeight"] = json!(test);
        v["requestedProductionTrafficWeight"] = json!(production);
    }
    v
}

fn hook_json(hook: &HookRun) -> Value {
    let mut v = json!({
        "hookId": hook.hook_id,
        "targetType": hook.target_type,
        "status": hook.status,
        "expiresAt": hook.expires_at,
        "timeoutAction": hook.timeout_action,
    });
    if let Some(arn) = &hook.target_arn {
        v["targetArn"] = json!(arn);
    }
    v
}

fn monitor(config: &Value, key: &str, status: &str) -> String {
    if config[key]["enable"] == true {
        status.to_string()
    } else {
        "DISABLED".to_string()
    }
}

/// `ServiceDeployment`.
pub fn deployment_json(world: &World, d: &ServiceDeployment) -> Value {
    let source_weights = (100.0 - d.test_weight, 100.0 - d.production_weight);
    let mut v = json!({
        "serviceDeploymentArn": d.arn,
        "serviceArn": service_arn(&d.service),
        "clusterArn": cluster_arn(&d.service.0),
        "createdAt": d.created_at,
        "updatedAt": d.updated_at,
        "sourceServiceRevisions": d.sources.iter().map(|s| summary(world, s, Some(source_weights))).collect::<Vec<_>>(),
        "targetServiceRevision": summary(world, &d.target, Some((d.test_weight, d.production_weight))),
        "status": d.status,
        "deploymentConfiguration": d.config,
        "alarms": {
            "status": monitor(&d.config, "alarms", &d.alarms.0),
            "alarmNames": d.config["alarms"]["alarmNames"].as_array().cloned().unwrap_or_default(),
            "triggeredAlarmNames": d.alarms.1,
        },
        "deploymentCircuitBreaker": {
            "status": monitor(&d.config, "deploymentCircuitBreaker", &d.circuit_breaker.0),
            "failureCount": d.circuit_breaker.1,
            "threshold": circuit_breaker_threshold(world, d),
        },
    });
    if d.sources.is_empty() {
        v["sourceServiceRevisions"] = json!([]);
    }
    for (key, at) in [
        ("startedAt", d.started_at),
        ("finishedAt", d.finished_at),
        ("stoppedAt", d.stopped_at),
    ] {
        if let Some(at) = at {
            v[key] = json!(at);
        }
    }
    if let Some(reason) = &d.status_reason {
        v["statusReason"] = json!(reason);
    }
    if let Some(stage) = &d.stage {
        v["lifecycleStage"] = json!(stage);
    }
    if !d.hooks.is_empty() {
        v["lifecycleHookDetails"] = d.hooks.iter().map(hook_json).collect();
    }
    if let Some(rollback) = &d.rollback {
        v["rollback"] = rollback.clone();
    }
    v
}

/// ECS's circuit breaker threshold: half the desired count, at least 3, at most 200.
pub fn circuit_breaker_threshold(world: &World, d: &ServiceDeployment) -> i64 {
    let desired = world
        .services
        .get(&d.service)
        .map(|s| s.desired_count)
        .unwrap_or(0);
    (desired / 2).clamp(3, 200)
}

/// `ServiceDeploymentBrief`.
pub fn brief_json(d: &ServiceDeployment) -> Value {
    let mut v = json!({
        "serviceDeploymentArn": d.arn,
        "serviceArn": service_arn(&d.service),
        "clusterArn": cluster_arn(&d.service.0),
        "createdAt": d.created_at,
        "targetServiceRevisionArn": d.target,
        "status": d.status,
    });
    if let Some(at) = d.started_at {
        v["startedAt"] = json!(at);
    }
    if let Some(at) = d.finished_at.or(d.stopped_at) {
        v["finishedAt"] = json!(at);
    }
    if let Some(reason) = &d.status_reason {
        v["statusReason"] = json!(reason);
    }
    v
}

/// `ServiceRevision`; `resolvedConfiguration` only while the revision has tasks (ACTIVE), as in AWS's sample.
pub fn revision_json(world: &World, revision: &Revision) -> Value {
    let mut v = revision.body.clone();
    let serving = world
        .services
        .get(&revision.service)
        .is_some_and(|s| s.task_sets.iter().any(|t| t.id == revision.task_set_id));
    if serving {
        let rule = world
            .native
            .services
            .get(&revision.service)
            .and_then(|s| s.traffic.as_ref())
            .map(|t| t.production_rule.clone())
            .unwrap_or_default();
        v["resolvedConfiguration"] = json!({"loadBalancers": [{"targetGroupArn": revision.target_group, "productionListenerRule": rule}]});
    }
    v
}

/// Adds DescribeServices' native members to a service: `deploymentConfiguration`, `deployments[]` from the
/// revisions' task sets (`ecs-svc/<n>`, PRIMARY for the newest), `currentServiceDeployment`,
/// `currentServiceRevisions`, and the load balancers as configured.
pub fn decorate(world: &World, service: &Service, out: &mut Value) {
    let key = (service.cluster.clone(), service.name.clone());
    let Some(native) = world.native.services.get(&key) else {
        return;
    };
    out["deploymentConfiguration"] = native.config.clone();
    out["loadBalancers"] = json!(service.load_balancers);
    let busy = native
        .deployments
        .last()
        .and_then(|a| world.native.deployments.get(a))
        .is_some_and(|d| !d.is_terminal());
    let deployments: Vec<Value> = service
        .task_sets
        .iter()
        .rev()
        .map(|t| {
            let want = ((service.desired_count as f64) * t.scale / 100.0).ceil() as i64;
            json!({
                "id": t.id,
                "status": t.status,
                "taskDefinition": t.task_definition,
                "desiredCount": want,
                "runningCount": t.tasks.len(),
                "pendingCount": (want - t.tasks.len() as i64).max(0),
                "failedTasks": 0,
                "createdAt": t.created_at,
                "updatedAt": t.updated_at,
                "launchType": service.launch_type,
                "rolloutState": if t.status == "PRIMARY" && busy { "IN_PROGRESS" } else { "COMPLETED" },
            })
        })
        .collect();
    out["deployments"] = json!(deployments);
    if let Some(last) = native.deployments.last() {
        out["currentServiceDeployment"] = json!(last);
    }
    let current: Vec<Value> = native
        .revisions
        .iter()
        .filter(|arn| {
            world
                .native
                .revisions
                .get(*arn)
                .is_some_and(|r| service.task_sets.iter().any(|t| t.id == r.task_set_id))
        })
        .map(|arn| summary(world, arn, None))
        .collect();
    out["currentServiceRevisions"] = json!(current);
}
