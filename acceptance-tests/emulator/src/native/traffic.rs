//! What a native deployment does to the world: green's task set and tasks, the weights of the production and
//! test listener rules, and the clean-up (or roll-back) that leaves one revision serving.

use serde_json::{json, Value};

use crate::clock::Clock;
use crate::emu::Emu;
use crate::protocol::ApiError;
use crate::services::ecs::rescale;
use crate::world::World;

use super::rules::set_route_weights;

/// Which rule to move.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Listener {
    /// `productionListenerRule`.
    Production,
    /// `testListenerRule`.
    Test,
}

/// The ALB weights for `pct` percent on green: whole percents as they are, fractions in tenths (an ALB
/// weight is an integer 0–999).
pub fn alb_weights(pct: f64) -> (u32, u32) {
    if pct >= 100.0 {
        (0, 100)
    } else if pct <= 0.0 {
        (100, 0)
    } else if (pct - pct.round()).abs() < 1e-9 {
        (100 - pct.round() as u32, pct.round() as u32)
    } else {
        let green = (pct * 10.0).round() as u32;
        (1000 - green, green).min((999, 999))
    }
}

/// (blue target group, green target group, deployment's green task set) of a deployment.
pub fn groups(world: &World, arn: &str) -> Option<(String, String, String)> {
    let d = world.native.deployments.get(arn)?;
    let green = world.native.revisions.get(&d.target)?;
    let traffic = world.native.services.get(&d.service)?.traffic.clone()?;
    let blue = if green.target_group == traffic.primary {
        traffic.alternate
    } else {
        traffic.primary
    };
    Some((blue, green.target_group.clone(), green.task_set_id.clone()))
}

/// True when the deployment's production route is a Network Load Balancer's listener: ECS then adds ten
/// minutes to TEST_TRAFFIC_SHIFT and PRODUCTION_TRAFFIC_SHIFT (ECS guide, NLB resources for blue/green).
pub fn behind_nlb(world: &World, arn: &str) -> bool {
    world
        .native
        .deployments
        .get(arn)
        .and_then(|d| world.native.services.get(&d.service))
        .and_then(|s| s.traffic.as_ref())
        .and_then(|t| world.listeners.get(&t.production_rule))
        .and_then(|l| world.load_balancers.get(&l.load_balancer_arn))
        .is_some_and(|lb| lb["Type"] == "network")
}

/// Sends `pct` percent of one listener rule's traffic to green and records the requested weight.
pub fn shift(emu: &Emu, arn: &str, which: Listener, pct: f64) {
    let mut world = emu.world();
    let rule = world
        .native
        .deployments
        .get(arn)
        .and_then(|d| world.native.services.get(&d.service))
        .and_then(|s| s.traffic.as_ref())
        .map(|t| match which {
            Listener::Production => t.production_rule.clone(),
            Listener::Test => t.test_rule.clone(),
        })
        .unwrap_or_default();
    if let Some((blue, green, _)) = groups(&world, arn) {
        let (b, g) = alb_weights(pct);
        if !rule.is_empty() {
            set_route_weights(emu, &mut world, &rule, &[(blue, b), (green, g)]);
        }
    }
    if let Some(d) = world.native.deployments.get_mut(arn) {
        match which {
            Listener::Production => d.production_weight = pct,
            Listener::Test => d.test_weight = pct,
        }
        d.updated_at = Clock::now_epoch();
    }
    emu.note(format!("service deployment {arn} {which:?} {pct}%"));
}

/// Sets a task set's scale (percent of desired) and brings its tasks to it.
pub async fn scale(
    emu: &Emu,
    key: &(String, String),
    task_set: &str,
    pct: f64,
) -> Result<(), ApiError> {
    {
        let mut world = emu.world();
        if let Some(ts) = world
            .services
            .get_mut(key)
            .and_then(|s| s.task_sets.iter_mut().find(|t| t.id == task_set))
        {
            ts.scale = pct;
            ts.updated_at = Clock::now_epoch();
        }
    }
    rescale(emu, &key.0, &key.1).await
}

/// Green's (running, wanted, healthy) task counts.
pub fn green_health(emu: &Emu, key: &(String, String), task_set: &str) -> (usize, usize, usize) {
    let (running, wanted, tg) = {
        let world = emu.world();
        let Some(service) = world.services.get(key) else {
            return (0, 0, 0);
        };
        let Some(ts) = service.task_sets.iter().find(|t| t.id == task_set) else {
            return (0, 0, 0);
        };
        let wanted = ((service.desired_count as f64) * ts.scale / 100.0).ceil() as usize;
        (ts.tasks.len(), wanted, ts.target_group_arn.clone())
    };
    let healthy = emu
        .data()
        .target_health(&tg)
        .iter()
        .filter(|t| t.state == "healthy")
        .count();
    (running, wanted, healthy)
}

/// Tasks of this task set that ECS stopped (the circuit breaker's failure count).
pub fn failed_tasks(emu: &Emu, task_set: &str) -> i64 {
    emu.world()
        .stopped_tasks
        .iter()
        .filter(|t| t["startedBy"] == Value::String(task_set.to_string()))
        .count() as i64
}

/// Leaves only `keep` serving: every other task set scaled to zero and removed, `keep` PRIMARY.
pub async fn keep_only(emu: &Emu, key: &(String, String), keep: &str) -> Result<(), ApiError> {
    let others: Vec<String> = emu
        .world()
        .services
        .get(key)
        .map(|s| {
            s.task_sets
                .iter()
                .filter(|t| t.id != keep)
                .map(|t| t.id.clone())
                .collect()
        })
        .unwrap_or_default();
    for id in &others {
        scale(emu, key, id, 0.0).await?;
    }
    let mut world = emu.world();
    if let Some(service) = world.services.get_mut(key) {
        service.task_sets.retain(|t| t.id == keep);
        for t in service.task_sets.iter_mut() {
            t.status = "PRIMARY".into();
            t.updated_at = Clock::now_epoch();
        }
    }
    Ok(())
}

/// Rolls green back: its task set scaled to zero and removed; `blue` PRIMARY again unless a newer
/// deployment's task set already is (only this deployment's green goes, never a newer one's).
pub async fn remove(
    emu: &Emu,
    key: &(String, String),
    green: &str,
    blue: &str,
) -> Result<(), ApiError> {
    scale(emu, key, green, 0.0).await?;
    let mut world = emu.world();
    if let Some(service) = world.services.get_mut(key) {
        service.task_sets.retain(|t| t.id != green);
        let newer_primary = service.task_sets.iter().any(|t| t.status == "PRIMARY");
        if !newer_primary {
            for t in service.task_sets.iter_mut().filter(|t| t.id == blue) {
                t.status = "PRIMARY".into();
                t.updated_at = Clock::now_epoch();
            }
        }
    }
    Ok(())
}

/// After a successful deployment the service's `loadBalancers[0]` names the target group production is
/// on now as `targetGroupArn` and the other as `advancedConfiguration.alternateTargetGroupArn`: ECS swaps
/// the pair on every blue/green deployment (what makes hashicorp/aws's `load_balancer` drift, and a
/// configuration that sends the original pair back deploy onto production's target group,
/// terraform-provider-aws #45678). The engine's own record of the pair stays as configured.
pub fn production_is(world: &mut World, deployment: &str) {
    let Some((blue, green, _)) = groups(world, deployment) else {
        return;
    };
    let Some(key) = world
        .native
        .deployments
        .get(deployment)
        .map(|d| d.service.clone())
    else {
        return;
    };
    let Some(Value::Object(first)) = world
        .services
        .get_mut(&key)
        .and_then(|s| s.load_balancers.first_mut())
    else {
        return;
    };
    if first.get("targetGroupArn").and_then(Value::as_str) == Some(green.as_str()) {
        return;
    }
    first.insert("targetGroupArn".into(), json!(green));
    if let Some(Value::Object(advanced)) = first.get_mut("advancedConfiguration") {
        advanced.insert("alternateTargetGroupArn".into(), json!(blue));
    }
}
