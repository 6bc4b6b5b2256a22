//! A JSON picture of the world (services, task sets, deployments, listeners, alarms): tests read it through
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
        "alarms": world.alarms.values().map(|a| json!({"name": a.definition.alarm_name, "state": a.state.as_str(), "reason": a.reason})).collect::<Vec<_>>(),
    })
}
