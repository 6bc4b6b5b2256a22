//! A JSON picture of the world (services, task sets, deployments, service deployments, listeners, rules, alarms): tests read it through
//! the library and through the admin API's `/state`, so it sits below both.

use serde_json::{json, Value};

use crate::world::World;

/// The picture of `world`.
pub fn snapshot(world: &World) -> Value {
    json!({
        "services": world.services.values().map(|s| json!({
            "name": s.name, "cluster": s.cluster, "desiredCount": s.desired_count,
            "taskSets": s.task_sets.iter().map(|t| json!({"id": t.id, "status": t.status, "taskDefinition": t.task_definition, "scale": t.scale, "targetGroupArn": t.target_group_arn, "externalId": t.external_id, "tasks": t.tasks.len()})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "deployments": world.deployment_order.iter().filter_map(|id| world.deployments.get(id)).map(|d| json!({
            "id": d.id, "status": d.status, "creator": d.creator, "taskDefinition": d.task_definition, "error": d.error, "rollbackInfo": d.rollback_info,
            "events": d.events.iter().map(|e| json!({"name": e.name, "status": e.status})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "listeners": world.listeners.values().map(|l| json!({"arn": l.arn, "port": l.port, "forward": l.forward})).collect::<Vec<_>>(),
        "serviceDeployments": world.native.deployments.values().map(|d| json!({
            "arn": d.arn, "service": d.service.1, "status": d.status, "lifecycleStage": d.stage, "target": d.target,
            "testWeight": d.test_weight, "productionWeight": d.production_weight,
            "hooks": d.hooks.iter().map(|h| json!({"hookId": h.hook_id, "stage": h.stage, "status": h.status})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "rules": world.native.rules.values().map(|r| json!({"arn": r.arn, "listener": r.listener_arn, "priority": r.priority, "forward": r.forward})).collect::<Vec<_>>(),
        "alarms": world.alarms.values().map(|a| json!({"name": a.definition.alarm_name, "state": a.state.as_str(), "reason": a.reason})).collect::<Vec<_>>(),
    })
}
