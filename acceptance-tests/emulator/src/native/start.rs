//! Starting a service deployment: green's task set and revision beside blue's, the deployment record
//! (PENDING), a running deployment superseded, and the engine's task spawned.

use crate::clock::Clock;
use crate::emu::Emu;
use crate::protocol::ApiError;
use crate::world::TaskSet;

use super::revisions::{deployment_arn, new_revision};
use super::state::{ServiceDeployment, Stop};

/// Starts a service deployment of `task_definition` for a native service; a running one is superseded.
pub fn start(emu: &Emu, key: &(String, String), task_definition: &str) -> Result<String, ApiError> {
    let mut world = emu.world();
    let traffic = world
        .native
        .services
        .get(key)
        .and_then(|s| s.traffic.clone())
        .ok_or_else(|| {
            ApiError::invalid(
                "A blue/green deployment needs loadBalancers[0].advancedConfiguration.",
            )
        })?;
    let config = world
        .native
        .services
        .get(key)
        .map(|s| s.config.clone())
        .unwrap_or_default();
    if let Some(running) = world
        .native
        .services
        .get(key)
        .and_then(|s| s.deployments.last().cloned())
        .and_then(|a| world.native.deployments.get_mut(&a))
        .filter(|d| !d.is_terminal())
    {
        running.stop = Some(Stop::Superseded);
    }
    let service = world
        .services
        .get(key)
        .ok_or_else(|| ApiError::client("ServiceNotFoundException", "Service not found."))?;
    // Blue is the task set production traffic goes to (after a superseded deployment, not the PRIMARY one).
    let top_tg = super::rules::route_weights(&world, &traffic.production_rule)
        .and_then(|f| f.into_iter().max_by_key(|(_, w)| *w).map(|(tg, _)| tg));
    let blue = service
        .task_sets
        .iter()
        .find(|t| Some(&t.target_group_arn) == top_tg.as_ref() && !t.tasks.is_empty())
        .or_else(|| service.primary())
        .cloned()
        .ok_or_else(|| ApiError::invalid("The service has no serving revision."))?;
    let green_tg = if blue.target_group_arn == traffic.primary {
        traffic.alternate.clone()
    } else {
        traffic.primary.clone()
    };
    let source_sets: Vec<String> = service.task_sets.iter().map(|t| t.id.clone()).collect();
    let n = world.next();
    let now = Clock::now_epoch();
    let green = TaskSet {
        id: format!("ecs-svc/{:019}", n * 7_919),
        arn: format!(
            "arn:aws:ecs:{}:{}:task-set/{}/{}/ecs-svc/{:019}",
            crate::world::REGION,
            crate::world::ACCOUNT,
            key.0,
            key.1,
            n * 7_919
        ),
        status: "PRIMARY".into(),
        task_definition: task_definition.to_string(),
        external_id: None,
        started_by: Some("ecs-svc".into()),
        scale: 0.0,
        target_group_arn: green_tg.clone(),
        container_name: blue.container_name.clone(),
        container_port: blue.container_port,
        tasks: Vec::new(),
        created_at: now,
        updated_at: now,
    };
    if let Some(s) = world.services.get_mut(key) {
        for t in s.task_sets.iter_mut() {
            t.status = "ACTIVE".into();
        }
        s.task_sets.push(green.clone());
    }
    let sources: Vec<String> = world
        .native
        .revisions
        .values()
        .filter(|r| &r.service == key && source_sets.contains(&r.task_set_id))
        .map(|r| r.arn.clone())
        .collect();
    let target = new_revision(&mut world, key, &green.id, task_definition, &green_tg);
    let arn = deployment_arn(&mut world, key);
    let deployment = ServiceDeployment {
        arn: arn.clone(),
        service: key.clone(),
        sources,
        target,
        status: "PENDING".into(),
        status_reason: None,
        stage: None,
        created_at: now,
        started_at: None,
        finished_at: None,
        stopped_at: None,
        updated_at: now,
        config,
        rollback: None,
        alarms: ("MONITORING".into(), Vec::new()),
        circuit_breaker: ("MONITORING".into(), 0),
        hooks: Vec::new(),
        test_weight: 0.0,
        production_weight: 0.0,
        stop: None,
    };
    world.native.deployments.insert(arn.clone(), deployment);
    if let Some(s) = world.native.services.get_mut(key) {
        s.deployments.push(arn.clone());
    }
    drop(world);
    emu.inner.steer.notify_waiters();
    emu.note(format!("service deployment {arn} PENDING"));
    tokio::spawn(super::driver::run(emu.clone(), arn.clone()));
    Ok(arn)
}
