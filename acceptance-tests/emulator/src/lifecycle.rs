//! The lifecycle engine: one task per deployment, walking the eight ECS lifecycle events with real task
//! sets, real listener changes and real waits (time-scaled), honouring Continue, Stop, hooks and alarms, and
//! rolling back as a new deployment when it fails.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::alarm_eval::AlarmState;
use crate::clock::Clock;
use crate::emu::Emu;
use crate::services::deployment_config::{config, routing, Routing};
use crate::services::ecs::{health_check_path, start_tasks};
use crate::services::elbv2::set_weights;
use crate::world::{Control, Deployment, LifecycleEvent, TaskSet, World, EVENTS};

/// Why a deployment ended early.
#[derive(Debug)]
struct Failure {
    status: &'static str,
    code: &'static str,
    message: String,
    rollback: bool,
}

/// What the group and service say about this deployment, resolved once.
struct Plan {
    cluster: String,
    service: String,
    prod_listener: String,
    test_listeners: Vec<String>,
    target_groups: (String, String),
    ready_stop: bool,
    ready_wait: Duration,
    termination_wait: Duration,
}

#[derive(PartialEq)]
enum WaitKind {
    Plain,
    Ready,
    Termination,
}

#[derive(PartialEq)]
enum WaitEnd {
    Elapsed,
    Continued,
}

/// Runs deployment `id` to its end.
pub async fn run(emu: Emu, id: String) {
    match drive(&emu, &id).await {
        Ok(()) => {}
        Err(failure) => fail(&emu, &id, failure).await,
    }
}

fn with<T>(emu: &Emu, id: &str, f: impl FnOnce(&mut Deployment) -> T) -> Option<T> {
    let mut world = emu.world();
    let d = world.deployments.get_mut(id)?;
    let out = f(d);
    d.target_updated = Clock::now_epoch();
    Some(out)
}

fn rollback_on(d: &Deployment, event: &str) -> bool {
    d.auto_rollback["enabled"] == true
        && d.auto_rollback["events"]
            .as_array()
            .is_some_and(|e| e.iter().any(|x| x == event))
}

fn plan(world: &World, d: &Deployment) -> Option<Plan> {
    let group = world
        .groups
        .get(&(d.application.clone(), d.group.clone()))?;
    let service = &group["ecsServices"][0];
    let pair = &group["loadBalancerInfo"]["targetGroupPairInfoList"][0];
    let tg = |i: usize| {
        pair["targetGroups"][i]["name"]
            .as_str()
            .and_then(|n| world.target_group_by_name(n))
    };
    let bg = &group["blueGreenDeploymentConfiguration"];
    let minutes = |v: &Value| Duration::from_secs_f64(v.as_f64().unwrap_or(0.0).max(0.0) * 60.0);
    Some(Plan {
        cluster: service["clusterName"].as_str()?.to_string(),
        service: service["serviceName"].as_str()?.to_string(),
        prod_listener: pair["prodTrafficRoute"]["listenerArns"][0]
            .as_str()?
            .to_string(),
        test_listeners: pair["testTrafficRoute"]["listenerArns"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        target_groups: (tg(0)?, tg(1)?),
        ready_stop: bg["deploymentReadyOption"]["actionOnTimeout"] == "STOP_DEPLOYMENT",
        ready_wait: minutes(&bg["deploymentReadyOption"]["waitTimeInMinutes"]),
        termination_wait: minutes(
            &bg["terminateBlueInstancesOnDeploymentSuccess"]["terminationWaitTimeInMinutes"],
        ),
    })
}

/// Names of the deployment's alarms currently in ALARM.
fn alarms_firing(emu: &Emu, id: &str) -> Vec<String> {
    let world = emu.world();
    let Some(d) = world.deployments.get(id) else {
        return Vec::new();
    };
    if d.alarm_configuration["enabled"] != true {
        return Vec::new();
    }
    d.alarm_configuration["alarms"]
        .as_array()
        .map(|alarms| {
            alarms
                .iter()
                .filter_map(|a| a["name"].as_str())
                .filter(|name| {
                    world
                        .alarms
                        .get(*name)
                        .is_some_and(|a| a.state == AlarmState::Alarm)
                })
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn control(emu: &Emu, id: &str) -> Control {
    emu.world()
        .deployments
        .get(id)
        .map(|d| d.control.clone())
        .unwrap_or_default()
}

fn stopped_by_request(emu: &Emu, id: &str, requested: Option<bool>) -> Failure {
    let rollback = requested.unwrap_or_else(|| {
        emu.world()
            .deployments
            .get(id)
            .is_some_and(|d| rollback_on(d, "DEPLOYMENT_STOP_ON_REQUEST"))
    });
    Failure {
        status: "Stopped",
        code: "MANUAL_STOP",
        message: "The deployment was stopped by a user request.".into(),
        rollback,
    }
}

/// Waits an emulated duration while honouring Stop, Continue and the alarms.
/// A number in [0, 1) from the clock's nanoseconds, mixed (splitmix64); enough for timing jitter.
fn unit_random() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut z = nanos.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

async fn wait(emu: &Emu, id: &str, emulated: Duration, kind: WaitKind) -> Result<WaitEnd, Failure> {
    let clock = emu.clock();
    let behaviour = &emu.inner.behaviour;
    let emulated = if kind == WaitKind::Ready || behaviour.wait_jitter.is_zero() {
        emulated
    } else {
        emulated + behaviour.wait_jitter.mul_f64(unit_random())
    };
    let deadline = Instant::now() + clock.real(emulated);
    let poll = clock
        .real(behaviour.alarm_poll_interval)
        .max(Duration::from_millis(10));
    let watch_alarms = kind != WaitKind::Termination || behaviour.alarms_in_termination_wait;
    let mut next_alarm_check = Instant::now();
    loop {
        let steer = emu.inner.steer.notified();
        let c = control(emu, id);
        if let Some(requested) = c.stop {
            return Err(stopped_by_request(emu, id, requested));
        }
        if (kind == WaitKind::Ready && c.continue_ready)
            || (kind == WaitKind::Termination && c.continue_termination)
        {
            return Ok(WaitEnd::Continued);
        }
        let now = Instant::now();
        if watch_alarms && now >= next_alarm_check {
            next_alarm_check = now + poll;
            let firing = alarms_firing(emu, id);
            if !firing.is_empty() {
                let rollback = emu
                    .world()
                    .deployments
                    .get(id)
                    .is_some_and(|d| rollback_on(d, "DEPLOYMENT_STOP_ON_ALARM"));
                return Err(Failure {
                    status: "Stopped",
                    code: "ALARM_ACTIVE",
                    message: format!(
                        "One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: {}",
                        firing.join(" ")
                    ),
                    rollback,
                });
            }
        }
        if now >= deadline {
            return Ok(WaitEnd::Elapsed);
        }
        let until = deadline
            .min(next_alarm_check)
            .min(now + Duration::from_millis(50));
        tokio::select! {
            _ = steer => {}
            _ = tokio::time::sleep_until(until.into()) => {}
        }
    }
}

fn set_event(emu: &Emu, id: &str, name: &str, status: &str) {
    with(emu, id, |d| {
        if let Some(e) = d.events.iter_mut().find(|e| e.name == name) {
            let now = Clock::now_epoch();
            if status == "InProgress" {
                e.start = Some(now);
            } else {
                e.start.get_or_insert(now);
                e.end = Some(now);
            }
            e.status = status.to_string();
        }
    });
}

async fn drive(emu: &Emu, id: &str) -> Result<(), Failure> {
    let behaviour = emu.inner.behaviour.clone();
    wait(emu, id, behaviour.start_delay, WaitKind::Plain).await?;
    let plan = {
        let world = emu.world();
        let d = world
            .deployments
            .get(id)
            .ok_or_else(|| internal("deployment vanished"))?;
        plan(&world, d).ok_or_else(|| Failure {
            status: "Failed",
            code: "DEPLOYMENT_GROUP_MISSING",
            message: "The deployment group or its service is missing.".into(),
            rollback: false,
        })?
    };
    with(emu, id, |d| {
        d.status = "InProgress".into();
        d.start_time = Some(Clock::now_epoch());
        d.target_status = "InProgress".into();
    });
    for event in EVENTS {
        set_event(emu, id, event, "InProgress");
        match event {
            "Install" => install(emu, id, &plan).await?,
            "AllowTestTraffic" => {
                let (blue, green) = blue_green_groups(emu, id, &plan);
                let mut world = emu.world();
                for listener in &plan.test_listeners {
                    set_weights(
                        emu,
                        &mut world,
                        listener,
                        &[(blue.clone(), 0), (green.clone(), 100)],
                    );
                }
            }
            "AllowTraffic" => shift(emu, id, &plan).await?,
            hook => run_hook(emu, id, hook).await?,
        }
        set_event(emu, id, event, "Succeeded");
        if event == "AfterAllowTestTraffic" && plan.ready_stop {
            with(emu, id, |d| {
                d.status = "Ready".into();
                d.target_status = "Ready".into();
            });
            emu.note(format!("deployment {id} Ready"));
            let end = wait(emu, id, plan.ready_wait, WaitKind::Ready).await?;
            if end == WaitEnd::Elapsed {
                let rollback = emu
                    .world()
                    .deployments
                    .get(id)
                    .is_some_and(|d| rollback_on(d, "DEPLOYMENT_FAILURE"));
                return Err(Failure {
                    status: "Stopped",
                    code: "TIMEOUT",
                    message: "The deployment timed out while waiting for the replacement task set to be ready to receive production traffic.".into(),
                    rollback,
                });
            }
            with(emu, id, |d| {
                d.status = "InProgress".into();
                d.target_status = "InProgress".into();
            });
        }
    }
    wait(emu, id, plan.termination_wait, WaitKind::Termination).await?;
    finish_success(emu, id, &plan);
    Ok(())
}

fn internal(message: &str) -> Failure {
    Failure {
        status: "Failed",
        code: "INTERNAL_ERROR",
        message: message.into(),
        rollback: false,
    }
}

fn blue_green_groups(emu: &Emu, id: &str, plan: &Plan) -> (String, String) {
    let world = emu.world();
    let service = world
        .services
        .get(&(plan.cluster.clone(), plan.service.clone()));
    let (blue_id, green_id) = world
        .deployments
        .get(id)
        .map(|d| d.task_sets.clone())
        .unwrap_or_default();
    let tg_of = |ts: &Option<String>| {
        service
            .and_then(|s| s.task_sets.iter().find(|t| Some(&t.id) == ts.as_ref()))
            .map(|t| t.target_group_arn.clone())
    };
    let blue = tg_of(&blue_id).unwrap_or_else(|| plan.target_groups.0.clone());
    let green = tg_of(&green_id).unwrap_or_else(|| {
        if blue == plan.target_groups.0 {
            plan.target_groups.1.clone()
        } else {
            plan.target_groups.0.clone()
        }
    });
    (blue, green)
}

async fn install(emu: &Emu, id: &str, plan: &Plan) -> Result<(), Failure> {
    let (td, container, blue, green_tg, desired, health) = {
        let world = emu.world();
        let d = world
            .deployments
            .get(id)
            .ok_or_else(|| internal("deployment vanished"))?;
        let td = world
            .task_definition(&d.task_definition)
            .cloned()
            .ok_or_else(|| Failure {
                status: "Failed",
                code: "ECS_UPDATE_ERROR",
                message: format!(
                    "The ECS service cannot be updated: task definition {} does not exist.",
                    d.task_definition
                ),
                rollback: rollback_on(d, "DEPLOYMENT_FAILURE"),
            })?;
        let service = world
            .services
            .get(&(plan.cluster.clone(), plan.service.clone()))
            .ok_or_else(|| Failure {
                status: "Failed",
                code: "INVALID_ECS_SERVICE",
                message: format!(
                    "The ECS service {}:{} does not exist.",
                    plan.cluster, plan.service
                ),
                rollback: false,
            })?;
        let blue = service
            .primary()
            .cloned()
            .ok_or_else(|| internal("the service has no primary task set"))?;
        let green_tg = if blue.target_group_arn == plan.target_groups.0 {
            plan.target_groups.1.clone()
        } else {
            plan.target_groups.0.clone()
        };
        let health = health_check_path(&world, &green_tg);
        (
            td,
            d.container.0.clone(),
            blue,
            green_tg,
            service.desired_count,
            health,
        )
    };
    let tasks = start_tasks(
        emu,
        &td,
        &container,
        &health,
        &plan.cluster,
        desired.max(0) as usize,
    )
    .await
    .map_err(|e| Failure {
        status: "Failed",
        code: "ECS_UPDATE_ERROR",
        message: e.message,
        rollback: true,
    })?;
    emu.data()
        .set_targets(&green_tg, tasks.iter().map(|(_, a)| *a).collect());
    let now = Clock::now_epoch();
    {
        let mut world = emu.world();
        let n = world.next();
        let Some(service) = world
            .services
            .get_mut(&(plan.cluster.clone(), plan.service.clone()))
        else {
            return Err(internal("service vanished"));
        };
        let green = TaskSet {
            id: format!("ecs-svc/{:019}", n * 7_919),
            arn: format!(
                "{}/ecs-svc/{:019}",
                service.arn.replace(":service/", ":task-set/"),
                n * 7_919
            ),
            status: "ACTIVE".into(),
            task_definition: td["taskDefinitionArn"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            external_id: Some(id.to_string()),
            started_by: Some("CODE_DEPLOY".into()),
            scale: 100.0,
            target_group_arn: green_tg.clone(),
            container_name: container,
            container_port: blue.container_port,
            tasks,
            created_at: now,
            updated_at: now,
        };
        let green_id = green.id.clone();
        service.task_sets.push(green);
        if let Some(d) = world.deployments.get_mut(id) {
            d.task_sets = (Some(blue.id.clone()), Some(green_id));
        }
    }
    let healthy = emu
        .data()
        .target_health(&green_tg)
        .iter()
        .all(|t| t.state == "healthy");
    if !healthy {
        wait(
            emu,
            id,
            emu.inner.behaviour.install_timeout,
            WaitKind::Plain,
        )
        .await?;
        let rollback = emu
            .world()
            .deployments
            .get(id)
            .is_some_and(|d| rollback_on(d, "DEPLOYMENT_FAILURE"));
        return Err(Failure {
            status: "Failed",
            code: "ECS_UPDATE_ERROR",
            message: "The ECS service cannot reach a steady state: the replacement task set's targets are unhealthy.".into(),
            rollback,
        });
    }
    wait(emu, id, emu.inner.behaviour.install_settle, WaitKind::Plain).await?;
    Ok(())
}

async fn shift(emu: &Emu, id: &str, plan: &Plan) -> Result<(), Failure> {
    let (blue, green) = blue_green_groups(emu, id, plan);
    let route = {
        let world = emu.world();
        let name = world
            .deployments
            .get(id)
            .map(|d| d.config.clone())
            .unwrap_or_default();
        config(&world, &name)
            .map(|c| routing(&c))
            .unwrap_or(Routing::AllAtOnce)
    };
    let (steps, interval) = match route {
        Routing::AllAtOnce => (vec![100.0], 0.0),
        Routing::Canary {
            percentage,
            interval_minutes,
        } => (vec![percentage, 100.0], interval_minutes),
        Routing::Linear {
            percentage,
            interval_minutes,
        } => {
            let mut steps = Vec::new();
            let mut w = percentage;
            while w < 100.0 {
                steps.push(w);
                w += percentage;
            }
            steps.push(100.0);
            (steps, interval_minutes)
        }
    };
    for (i, weight) in steps.iter().enumerate() {
        {
            let mut world = emu.world();
            let w = weight.round().clamp(0.0, 100.0) as u32;
            set_weights(
                emu,
                &mut world,
                &plan.prod_listener,
                &[(blue.clone(), 100 - w), (green.clone(), w)],
            );
            if let Some(d) = world.deployments.get_mut(id) {
                d.green_weight = *weight;
            }
            if w == 100 {
                make_primary(&mut world, id, plan, true);
            }
        }
        if i + 1 < steps.len() {
            wait(
                emu,
                id,
                Duration::from_secs_f64(interval * 60.0),
                WaitKind::Plain,
            )
            .await?;
        }
    }
    Ok(())
}

/// Makes green (or blue, on rollback) the PRIMARY task set.
fn make_primary(world: &mut World, id: &str, plan: &Plan, green_primary: bool) {
    let Some((blue_id, green_id)) = world.deployments.get(id).map(|d| d.task_sets.clone()) else {
        return;
    };
    let Some(service) = world
        .services
        .get_mut(&(plan.cluster.clone(), plan.service.clone()))
    else {
        return;
    };
    let now = Clock::now_epoch();
    for ts in service.task_sets.iter_mut() {
        let is_green = Some(&ts.id) == green_id.as_ref();
        let is_blue = Some(&ts.id) == blue_id.as_ref();
        if (is_green && green_primary) || (is_blue && !green_primary) {
            ts.status = "PRIMARY".into();
            ts.updated_at = now;
        } else if ((is_blue && green_primary) || (is_green && !green_primary))
            && ts.status == "PRIMARY"
        {
            ts.status = "ACTIVE".into();
            ts.updated_at = now;
        }
    }
}

/// Scales a task set to zero, stops its tasks and deregisters them.
fn drain(emu: &Emu, world: &mut World, plan: &Plan, task_set: Option<&String>) {
    for arn in deregister(emu, world, plan, task_set) {
        emu.data().stop_task(&arn);
    }
}

/// How long a deregistered task keeps answering requests already sent to it: a load balancer's
/// deregistration delay (300 s by default on ELBv2), shortened to what an in-flight request on loopback
/// needs. A rollback moves production back and deregisters green in one step, so without it a request
/// that had just picked a green task would be refused.
const IN_FLIGHT_GRACE: Duration = Duration::from_secs(1);

/// Marks the task set DRAINING and takes its targets out of its target group; returns its tasks, for the
/// caller to stop (at once, or after [`IN_FLIGHT_GRACE`]).
fn deregister(emu: &Emu, world: &mut World, plan: &Plan, task_set: Option<&String>) -> Vec<String> {
    let Some(service) = world
        .services
        .get_mut(&(plan.cluster.clone(), plan.service.clone()))
    else {
        return Vec::new();
    };
    let Some(ts) = service
        .task_sets
        .iter_mut()
        .find(|t| Some(&t.id) == task_set)
    else {
        return Vec::new();
    };
    ts.status = "DRAINING".into();
    ts.scale = 0.0;
    ts.updated_at = Clock::now_epoch();
    let tasks = ts.tasks.drain(..).map(|(arn, _)| arn).collect();
    emu.data().set_targets(&ts.target_group_arn, Vec::new());
    tasks
}

fn finish_success(emu: &Emu, id: &str, plan: &Plan) {
    let mut world = emu.world();
    let blue = world
        .deployments
        .get(id)
        .and_then(|d| d.task_sets.0.clone());
    drain(emu, &mut world, plan, blue.as_ref());
    if let Some(service) = world
        .services
        .get_mut(&(plan.cluster.clone(), plan.service.clone()))
    {
        service
            .task_sets
            .retain(|t| t.status != "DRAINING" || Some(&t.id) == blue.as_ref());
    }
    if let Some(d) = world.deployments.get_mut(id) {
        d.status = "Succeeded".into();
        d.target_status = "Succeeded".into();
        d.complete_time = Some(Clock::now_epoch());
        emu.note(format!("deployment {id} Succeeded"));
    }
    tracing::info!(deployment_id = id, "deployment succeeded");
}

async fn run_hook(emu: &Emu, id: &str, event: &str) -> Result<(), Failure> {
    let Some(function) = emu
        .world()
        .deployments
        .get(id)
        .and_then(|d| d.hooks.get(event).cloned())
    else {
        return Ok(());
    };
    let exec = {
        let mut world = emu.world();
        let n = world.next();
        let exec = format!("{n:08x}-3333-4000-8000-{:012x}", n * 31);
        if let Some(d) = world.deployments.get_mut(id) {
            d.hook_executions.insert(exec.clone(), None);
        }
        exec
    };
    let hook_failed = |message: String| {
        let rollback = emu
            .world()
            .deployments
            .get(id)
            .is_some_and(|d| rollback_on(d, "DEPLOYMENT_FAILURE"));
        with(emu, id, |d| {
            if let Some(e) = d.events.iter_mut().find(|e| e.name == event) {
                e.diagnostics = Some(
                    json!({"errorCode": "ScriptFailed", "scriptName": function.clone(), "message": message.clone(), "logTail": ""}),
                );
            }
        });
        Failure {
            status: "Failed",
            code: "HOOK_EXECUTION_FAILURE",
            message: format!(
                "The deployment failed because a lifecycle event hook failed: {message}"
            ),
            rollback,
        }
    };
    if emu.inner.hooks.get(&function).is_none() {
        return Err(hook_failed(format!(
            "the {event} hook function {function} does not exist"
        )));
    }
    let payload = json!({"DeploymentId": id, "LifecycleEventHookExecutionId": exec});
    let hooks = emu.inner.hooks.clone();
    let endpoint = emu.endpoint();
    let timeout = emu.clock().real(emu.inner.behaviour.hook_timeout);
    let name = function.clone();
    let mut invocation =
        tokio::spawn(async move { hooks.invoke(&name, &payload, &endpoint, timeout).await });
    let mut exited: Option<Result<i32, String>> = None;
    let deadline = Instant::now() + timeout;
    loop {
        let steer = emu.inner.steer.notified();
        let reported = emu
            .world()
            .deployments
            .get(id)
            .and_then(|d| d.hook_executions.get(&exec).cloned().flatten());
        match reported.as_deref() {
            Some("Succeeded") => return Ok(()),
            Some(_) => {
                return Err(hook_failed(format!(
                    "the {event} hook {function} reported Failed"
                )))
            }
            None => {}
        }
        if let Some(requested) = control(emu, id).stop {
            return Err(stopped_by_request(emu, id, requested));
        }
        if let Some(result) = &exited {
            return match result {
                Ok(0) => Ok(()),
                Ok(code) => Err(hook_failed(format!(
                    "the {event} hook {function} exited with status {code}"
                ))),
                Err(e) => Err(hook_failed(format!(
                    "the {event} hook {function} failed: {e}"
                ))),
            };
        }
        if Instant::now() >= deadline {
            return Err(hook_failed(format!(
                "the {event} hook {function} did not report within the hook timeout"
            )));
        }
        tokio::select! {
            _ = steer => {}
            done = &mut invocation, if exited.is_none() => {
                exited = Some(match done {
                    Ok(Ok(outcome)) => outcome.exit_code.ok_or_else(|| "timed out".to_string()),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(e) => Err(e.to_string()),
                });
                // A status reported just before exiting wins: look once more.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            _ = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
    }
}

async fn fail(emu: &Emu, id: &str, failure: Failure) {
    tracing::info!(
        deployment_id = id,
        code = failure.code,
        "deployment ended early: {}",
        failure.message
    );
    let now = Clock::now_epoch();
    let rollback_id = {
        let mut world = emu.world();
        let Some(d) = world.deployments.get_mut(id) else {
            return;
        };
        let mut failed_one = false;
        for e in d.events.iter_mut() {
            if e.status == "InProgress" && !failed_one {
                e.status = "Failed".into();
                e.end = Some(now);
                if e.diagnostics.is_none() {
                    e.diagnostics =
                        Some(json!({"errorCode": "UnknownError", "message": failure.message}));
                }
                failed_one = true;
            } else if e.status == "Pending" {
                e.status = "Skipped".into();
            }
        }
        d.status = failure.status.to_string();
        emu.note(format!("deployment {} {}", d.id, d.status));
        d.target_status = "Failed".into();
        // The target changed (an event failed, the rest were skipped): its lastUpdatedAt says when.
        d.target_updated = now;
        d.error = Some((failure.code.to_string(), failure.message.clone()));
        d.complete_time = Some(now);
        d.control = Control::default();
        if failure.rollback {
            let original = d.clone();
            let rb = world.deployment_id();
            let mut rollback = original.clone();
            rollback.id = rb.clone();
            rollback.status = "InProgress".into();
            rollback.creator = "codeDeployRollback".into();
            rollback.config = "CodeDeployDefault.ECSAllAtOnce".into();
            rollback.error = None;
            rollback.rollback_info = Some(
                json!({"rollbackTriggeringDeploymentId": id, "rollbackMessage": format!("Deployment {id} was rolled back by this deployment.")}),
            );
            rollback.create_time = now;
            rollback.start_time = Some(now);
            rollback.complete_time = None;
            rollback.target_status = "InProgress".into();
            rollback.hooks.clear();
            rollback.description = Some(format!("Rollback of {id}"));
            rollback.events = LifecycleEvent::all_pending();
            if let Some(d) = world.deployments.get_mut(id) {
                d.rollback_info = Some(
                    json!({"rollbackDeploymentId": rb, "rollbackMessage": format!("Rolled back to the original task set by deployment {rb}.")}),
                );
            }
            world.deployments.insert(rb.clone(), rollback);
            world.deployment_order.push(rb.clone());
            Some(rb)
        } else {
            None
        }
    };
    if let Some(rb) = rollback_id {
        roll_back(emu, id, &rb).await;
    }
}

/// The rollback deployment: production and test traffic back on blue, green drained.
async fn roll_back(emu: &Emu, original: &str, rb: &str) {
    emu.clock().sleep(Duration::from_secs(2)).await;
    let plan = {
        let world = emu.world();
        world
            .deployments
            .get(original)
            .and_then(|d| plan(&world, d))
    };
    let Some(plan) = plan else { return };
    let (blue, green) = blue_green_groups(emu, original, &plan);
    let green_tasks = {
        let mut world = emu.world();
        set_weights(
            emu,
            &mut world,
            &plan.prod_listener,
            &[(blue.clone(), 100), (green.clone(), 0)],
        );
        for listener in &plan.test_listeners {
            set_weights(
                emu,
                &mut world,
                listener,
                &[(blue.clone(), 100), (green.clone(), 0)],
            );
        }
        make_primary(&mut world, original, &plan, false);
        let green_set = world
            .deployments
            .get(original)
            .and_then(|d| d.task_sets.1.clone());
        let green_tasks = deregister(emu, &mut world, &plan, green_set.as_ref());
        if let Some(d) = world.deployments.get_mut(original) {
            d.green_weight = 0.0;
        }
        let now = Clock::now_epoch();
        if let Some(d) = world.deployments.get_mut(rb) {
            for e in d.events.iter_mut() {
                let hook =
                    !["Install", "AllowTestTraffic", "AllowTraffic"].contains(&e.name.as_str());
                e.status = if hook { "Skipped" } else { "Succeeded" }.into();
                e.start = Some(now);
                e.end = Some(now);
            }
            d.task_sets = (green_set.clone(), d.task_sets.0.clone());
            d.green_weight = 100.0;
            d.status = "Succeeded".into();
            d.target_status = "Succeeded".into();
            d.complete_time = Some(now);
        }
        tracing::info!(
            deployment_id = rb,
            rolled_back = original,
            "rollback succeeded"
        );
        green_tasks
    };
    tokio::time::sleep(IN_FLIGHT_GRACE).await;
    for arn in green_tasks {
        emu.data().stop_task(&arn);
    }
}
