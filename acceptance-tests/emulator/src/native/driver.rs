//! The native deployment engine: one task per service deployment walking ECS's lifecycle stages with real
//! tasks, real rule weights and real (time-scaled) waits; honouring hooks, StopServiceDeployment, deployment
//! alarms and the circuit breaker; rolling back by flipping the rules back to the source revision.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::alarm_eval::AlarmState;
use crate::clock::Clock;
use crate::emu::Emu;
use crate::protocol::ApiError;
use crate::services::params::opt_num;
use crate::world::TaskSet;

use super::hooks::{self, HooksEnd};
use super::service::{deployment_arn, new_revision};
use super::shapes::circuit_breaker_threshold;
use super::state::{ServiceDeployment, Stop};
use super::traffic::{self, Listener};

/// Emulated time from PENDING to IN_PROGRESS, and spent in each stage without hooks.
const STAGE: Duration = Duration::from_secs(2);
/// How long green must stay healthy before SCALE_UP ends.
const SETTLE: Duration = Duration::from_secs(5);
/// A stage's limit (AWS: 24 h), then the deployment fails.
const STAGE_LIMIT: Duration = Duration::from_secs(24 * 3600);

/// Why a deployment ends before success.
#[derive(Debug)]
enum End {
    /// Roll back to the source revision, with this reason.
    Rollback(String),
    /// Stop where it stands (STOP_REQUESTED → STOPPED), with this reason.
    Stop(String),
}

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
    let top_tg = world
        .native
        .rules
        .get(&traffic.production_rule)
        .and_then(|r| {
            r.forward
                .iter()
                .max_by_key(|(_, w)| *w)
                .map(|(tg, _)| tg.clone())
        });
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
    tokio::spawn(run(emu.clone(), arn.clone()));
    Ok(arn)
}

fn with<T>(emu: &Emu, arn: &str, f: impl FnOnce(&mut ServiceDeployment) -> T) -> Option<T> {
    let mut world = emu.world();
    let d = world.native.deployments.get_mut(arn)?;
    let out = f(d);
    d.updated_at = Clock::now_epoch();
    Some(out)
}

fn stage(emu: &Emu, arn: &str, name: &str) {
    with(emu, arn, |d| d.stage = Some(name.to_string()));
    emu.note(format!("service deployment {arn} {name}"));
}

/// Runs a service deployment to its end.
async fn run(emu: Emu, arn: String) {
    match drive(&emu, &arn).await {
        Ok(()) => {}
        Err(end) => finish(&emu, &arn, end).await,
    }
    emu.inner.steer.notify_waiters();
}

/// What stops a wait: a stop request, a deployment alarm, the circuit breaker.
fn check(emu: &Emu, arn: &str, green_set: &str) -> Result<(), End> {
    let failed = traffic::failed_tasks(emu, green_set);
    let mut world = emu.world();
    let Some(d) = world.native.deployments.get(arn) else {
        return Err(End::Stop("The service deployment disappeared.".into()));
    };
    match d.stop {
        Some(Stop::Rollback) => {
            return Err(End::Rollback(
                "Service deployment rolled back by user.".into(),
            ))
        }
        Some(Stop::Abort) => return Err(End::Stop("Service deployment stopped by user.".into())),
        Some(Stop::Superseded) => {
            return Err(End::Stop(
                "Service deployment stopped because a newer service deployment started.".into(),
            ))
        }
        None => {}
    }
    let alarms = &d.config["alarms"];
    let firing: Vec<String> = if alarms["enable"] == true {
        alarms["alarmNames"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|n| {
                world
                    .alarms
                    .get(*n)
                    .is_some_and(|a| a.state == AlarmState::Alarm)
            })
            .map(str::to_string)
            .collect()
    } else {
        Vec::new()
    };
    let breaker = &d.config["deploymentCircuitBreaker"];
    let threshold = circuit_breaker_threshold(&world, d);
    let breaker_on = breaker["enable"] == true;
    let (alarm_rollback, breaker_rollback) =
        (alarms["rollback"] == true, breaker["rollback"] == true);
    let Some(d) = world.native.deployments.get_mut(arn) else {
        return Ok(());
    };
    d.circuit_breaker.1 = failed;
    if !firing.is_empty() {
        d.alarms = ("TRIGGERED".into(), firing.clone());
        let why = format!(
            "one or more deployment alarms went into ALARM: {}",
            firing.join(", ")
        );
        return Err(if alarm_rollback {
            End::Rollback(format!("Service deployment rolled back because {why}."))
        } else {
            End::Stop(format!("Service deployment stopped because {why}."))
        });
    }
    if breaker_on && failed >= threshold {
        d.circuit_breaker.0 = "TRIGGERED".into();
        let why =
            format!("the circuit breaker counted {failed} failed tasks (threshold {threshold})");
        return Err(if breaker_rollback {
            End::Rollback(format!("Service deployment rolled back because {why}."))
        } else {
            End::Stop(format!("Service deployment stopped because {why}."))
        });
    }
    Ok(())
}

/// Waits an emulated duration, or until `done` says so, watching everything `check` watches.
async fn wait_until(
    emu: &Emu,
    arn: &str,
    green_set: &str,
    emulated: Duration,
    mut done: impl FnMut() -> bool,
) -> Result<bool, End> {
    let deadline = Instant::now() + emu.clock().real(emulated);
    loop {
        let steer = emu.inner.steer.notified();
        check(emu, arn, green_set)?;
        if done() {
            return Ok(true);
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(false);
        }
        let until = deadline.min(now + Duration::from_millis(25));
        tokio::select! {
            _ = steer => {}
            _ = tokio::time::sleep_until(until.into()) => {}
        }
    }
}

async fn pause(emu: &Emu, arn: &str, green_set: &str, emulated: Duration) -> Result<(), End> {
    wait_until(emu, arn, green_set, emulated, || false)
        .await
        .map(|_| ())
}

/// Runs the hooks of a stage (PAUSE hooks only where allowed) until they all end.
async fn hook_stage(
    emu: &Emu,
    arn: &str,
    green_set: &str,
    name: &str,
    pause_allowed: bool,
) -> Result<(), End> {
    let ids = hooks::start(emu, arn, name, pause_allowed);
    if ids.is_empty() {
        return Ok(());
    }
    let mut outcome = None;
    let settled = wait_until(emu, arn, green_set, STAGE_LIMIT, || {
        outcome = hooks::settle(emu, arn, &ids);
        outcome.is_some()
    })
    .await?;
    match outcome {
        Some(HooksEnd::Passed) => Ok(()),
        Some(HooksEnd::Rollback(why)) => Err(End::Rollback(why)),
        None if !settled => Err(End::Rollback(format!(
            "Service deployment rolled back because {name} exceeded 24 hours."
        ))),
        None => Ok(()),
    }
}

/// Percent steps of production traffic for the strategy, and the bake between them.
fn steps(config: &Value) -> (Vec<f64>, Duration) {
    let minutes = |v: Option<f64>| Duration::from_secs_f64(v.unwrap_or(0.0).max(0.0) * 60.0);
    match config["strategy"].as_str() {
        Some("LINEAR") => {
            let step = opt_num(&config["linearConfiguration"], "stepPercent")
                .unwrap_or(10.0)
                .max(0.1);
            let mut out = Vec::new();
            let mut pct = step;
            while pct < 100.0 - 1e-9 {
                out.push((pct * 10.0).round() / 10.0);
                pct += step;
            }
            out.push(100.0);
            (
                out,
                minutes(opt_num(
                    &config["linearConfiguration"],
                    "stepBakeTimeInMinutes",
                )),
            )
        }
        Some("CANARY") => {
            let pct = opt_num(&config["canaryConfiguration"], "canaryPercent").unwrap_or(5.0);
            let mut out = vec![pct];
            if pct < 100.0 {
                out.push(100.0);
            }
            (
                out,
                minutes(opt_num(
                    &config["canaryConfiguration"],
                    "canaryBakeTimeInMinutes",
                )),
            )
        }
        _ => (vec![100.0], Duration::ZERO),
    }
}

async fn drive(emu: &Emu, arn: &str) -> Result<(), End> {
    let (key, config, green_set, sources) = {
        let world = emu.world();
        let d = world
            .native
            .deployments
            .get(arn)
            .ok_or_else(|| End::Stop("gone".into()))?;
        let green = traffic::groups(&world, arn)
            .map(|g| g.2)
            .unwrap_or_default();
        (
            d.service.clone(),
            d.config.clone(),
            green,
            d.sources.clone(),
        )
    };
    pause(emu, arn, &green_set, STAGE).await?;
    with(emu, arn, |d| {
        d.status = "IN_PROGRESS".into();
        d.started_at = Some(Clock::now_epoch());
    });
    if sources.len() > 1 {
        stage(emu, arn, "RECONCILE_SERVICE");
        reconcile(emu, arn, &key, &green_set).await?;
        hook_stage(emu, arn, &green_set, "RECONCILE_SERVICE", true).await?;
    }
    stage(emu, arn, "PRE_SCALE_UP");
    hook_stage(emu, arn, &green_set, "PRE_SCALE_UP", true).await?;
    pause(emu, arn, &green_set, STAGE).await?;
    stage(emu, arn, "SCALE_UP");
    traffic::scale(emu, &key, &green_set, 100.0)
        .await
        .map_err(|e| {
            End::Rollback(format!(
                "Service deployment rolled back because tasks could not start: {}",
                e.message
            ))
        })?;
    let healthy = wait_until(emu, arn, &green_set, STAGE_LIMIT, || {
        let (running, wanted, healthy) = traffic::green_health(emu, &key, &green_set);
        running >= wanted && healthy >= wanted
    })
    .await?;
    if !healthy {
        return Err(End::Rollback(
            "Service deployment rolled back because SCALE_UP exceeded 24 hours.".into(),
        ));
    }
    pause(emu, arn, &green_set, SETTLE).await?;
    stage(emu, arn, "POST_SCALE_UP");
    hook_stage(emu, arn, &green_set, "POST_SCALE_UP", true).await?;
    stage(emu, arn, "TEST_TRAFFIC_SHIFT");
    traffic::shift(emu, arn, Listener::Test, 100.0);
    hook_stage(emu, arn, &green_set, "TEST_TRAFFIC_SHIFT", false).await?;
    pause(emu, arn, &green_set, STAGE).await?;
    stage(emu, arn, "POST_TEST_TRAFFIC_SHIFT");
    hook_stage(emu, arn, &green_set, "POST_TEST_TRAFFIC_SHIFT", true).await?;
    let (steps, step_bake) = steps(&config);
    let last = steps.len().saturating_sub(1);
    for (i, pct) in steps.into_iter().enumerate() {
        // PRE_PRODUCTION_TRAFFIC_SHIFT is hookable but not a ServiceDeploymentLifecycleStage in the model:
        // its hooks run while the deployment reports PRODUCTION_TRAFFIC_SHIFT.
        stage(emu, arn, "PRODUCTION_TRAFFIC_SHIFT");
        hook_stage(emu, arn, &green_set, "PRE_PRODUCTION_TRAFFIC_SHIFT", true).await?;
        traffic::shift(emu, arn, Listener::Production, pct);
        hook_stage(emu, arn, &green_set, "PRODUCTION_TRAFFIC_SHIFT", false).await?;
        if i < last {
            pause(emu, arn, &green_set, step_bake.max(STAGE)).await?;
        }
    }
    pause(emu, arn, &green_set, STAGE).await?;
    stage(emu, arn, "POST_PRODUCTION_TRAFFIC_SHIFT");
    hook_stage(emu, arn, &green_set, "POST_PRODUCTION_TRAFFIC_SHIFT", true).await?;
    stage(emu, arn, "BAKE_TIME");
    let bake = opt_num(&config, "bakeTimeInMinutes")
        .unwrap_or(0.0)
        .max(0.0);
    pause(
        emu,
        arn,
        &green_set,
        Duration::from_secs_f64(bake * 60.0).max(STAGE),
    )
    .await?;
    stage(emu, arn, "CLEAN_UP");
    traffic::keep_only(emu, &key, &green_set)
        .await
        .map_err(|e| {
            End::Stop(format!(
                "Service deployment stopped because clean-up failed: {}",
                e.message
            ))
        })?;
    with(emu, arn, |d| {
        d.status = "SUCCESSFUL".into();
        d.finished_at = Some(Clock::now_epoch());
        d.alarms.0 = "MONITORING_COMPLETE".into();
        d.circuit_breaker.0 = "MONITORING_COMPLETE".into();
    });
    emu.note(format!("service deployment {arn} SUCCESSFUL"));
    Ok(())
}

/// RECONCILE_SERVICE: waits for a superseded deployment to stop, then leaves only the revision taking
/// production traffic (and this deployment's green, not yet started) and puts both rules back on it.
async fn reconcile(
    emu: &Emu,
    arn: &str,
    key: &(String, String),
    green_set: &str,
) -> Result<(), End> {
    let prior_done = || {
        let world = emu.world();
        world
            .native
            .services
            .get(key)
            .map(|s| {
                s.deployments.iter().filter(|a| a.as_str() != arn).all(|a| {
                    world
                        .native
                        .deployments
                        .get(a)
                        .is_none_or(|d| d.is_terminal())
                })
            })
            .unwrap_or(true)
    };
    wait_until(emu, arn, green_set, STAGE_LIMIT, prior_done).await?;
    let serving = {
        let world = emu.world();
        let rule = world
            .native
            .services
            .get(key)
            .and_then(|s| s.traffic.clone())
            .map(|t| t.production_rule)
            .unwrap_or_default();
        let top_tg = world
            .native
            .rules
            .get(&rule)
            .and_then(|r| {
                r.forward
                    .iter()
                    .max_by_key(|(_, w)| *w)
                    .map(|(tg, _)| tg.clone())
            })
            .unwrap_or_default();
        world
            .services
            .get(key)
            .and_then(|s| {
                s.task_sets
                    .iter()
                    .find(|t| t.id != green_set && t.target_group_arn == top_tg)
            })
            .map(|t| (t.id.clone(), t.target_group_arn.clone()))
    };
    let Some((blue_set, blue_tg)) = serving else {
        return Ok(());
    };
    let others: Vec<String> = emu
        .world()
        .services
        .get(key)
        .map(|s| {
            s.task_sets
                .iter()
                .filter(|t| t.id != blue_set && t.id != green_set)
                .map(|t| t.id.clone())
                .collect()
        })
        .unwrap_or_default();
    for id in &others {
        let _ = traffic::scale(emu, key, id, 0.0).await;
    }
    let mut world = emu.world();
    if let Some(s) = world.services.get_mut(key) {
        s.task_sets.retain(|t| !others.contains(&t.id));
    }
    let sources: Vec<String> = world
        .native
        .revisions
        .values()
        .filter(|r| r.task_set_id == blue_set)
        .map(|r| r.arn.clone())
        .collect();
    if let Some(d) = world.native.deployments.get_mut(arn) {
        d.sources = sources;
    }
    let traffic = world
        .native
        .services
        .get(key)
        .and_then(|s| s.traffic.clone());
    if let Some(t) = traffic {
        let green_tg = if blue_tg == t.primary {
            t.alternate.clone()
        } else {
            t.primary.clone()
        };
        let green_tg_in_use = world.services.get(key).is_some_and(|s| {
            s.task_sets
                .iter()
                .any(|ts| ts.id == green_set && ts.target_group_arn == green_tg)
        });
        if green_tg_in_use {
            for rule in [&t.production_rule, &t.test_rule] {
                super::rules::set_rule_weights(
                    emu,
                    &mut world,
                    rule,
                    &[(blue_tg.clone(), 100), (green_tg.clone(), 0)],
                );
            }
        }
    }
    Ok(())
}

/// Ends a deployment early: rolled back to the source revision, or stopped where it stands.
async fn finish(emu: &Emu, arn: &str, end: End) {
    let now = Clock::now_epoch();
    match end {
        End::Rollback(reason) => {
            let (key, green_set, source) = {
                let mut world = emu.world();
                let green = traffic::groups(&world, arn)
                    .map(|g| g.2)
                    .unwrap_or_default();
                let Some(d) = world.native.deployments.get_mut(arn) else {
                    return;
                };
                d.status = "ROLLBACK_IN_PROGRESS".into();
                d.status_reason = Some(reason.clone());
                let source = d.sources.first().cloned().unwrap_or_default();
                d.rollback =
                    Some(json!({"reason": reason, "startedAt": now, "serviceRevisionArn": source}));
                d.updated_at = now;
                (d.service.clone(), green, source)
            };
            emu.note(format!("service deployment {arn} ROLLBACK_IN_PROGRESS"));
            traffic::shift(emu, arn, Listener::Production, 0.0);
            traffic::shift(emu, arn, Listener::Test, 0.0);
            emu.clock().sleep(STAGE).await;
            let blue_set = emu
                .world()
                .native
                .revisions
                .get(&source)
                .map(|r| r.task_set_id.clone());
            let restored = match blue_set {
                Some(blue) => traffic::keep_only(emu, &key, &blue).await.is_ok(),
                None => {
                    let _ = traffic::scale(emu, &key, &green_set, 0.0).await;
                    false
                }
            };
            with(emu, arn, |d| {
                d.status = if restored {
                    "ROLLBACK_SUCCESSFUL"
                } else {
                    "ROLLBACK_FAILED"
                }
                .into();
                d.finished_at = Some(Clock::now_epoch());
                if d.alarms.0 == "MONITORING" {
                    d.alarms.0 = "MONITORING_COMPLETE".into();
                }
                if d.circuit_breaker.0 == "MONITORING" {
                    d.circuit_breaker.0 = "MONITORING_COMPLETE".into();
                }
            });
            emu.note(format!("service deployment {arn} rolled back"));
        }
        End::Stop(reason) => {
            with(emu, arn, |d| {
                d.status = "STOP_REQUESTED".into();
                d.status_reason = Some(reason);
            });
            emu.clock().sleep(Duration::from_secs(1)).await;
            with(emu, arn, |d| {
                d.status = "STOPPED".into();
                d.stopped_at = Some(Clock::now_epoch());
            });
            emu.note(format!("service deployment {arn} STOPPED"));
        }
    }
}
