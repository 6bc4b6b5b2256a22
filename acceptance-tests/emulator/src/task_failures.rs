//! Tasks that cannot run, as ECS stops them: an image that cannot be pulled, an essential container that
//! exits, a load balancer container that never passes the target group's health checks. A doomed task
//! never turns healthy; after its failure's (emulated) delay ECS stops it with its stop code and reason,
//! records it as STOPPED (DescribeTasks keeps it visible), and the task set launches a replacement, which
//! fails the same way: ECS keeps trying for as long as the task set wants tasks.
//!
//! The conventions a task definition uses to ask for a failure:
//! - an `image` containing `does-not-exist` cannot be pulled (`TaskFailedToStart`, `CannotPullContainerError`);
//! - `EMULATOR_EXIT_CODE=<n>` in an essential container's environment: it exits with `n`
//!   (`EssentialContainerExited`, "Essential container in task exited");
//! - `EMULATOR_UNHEALTHY=true` on the load balancer container: its target fails health checks and ECS
//!   replaces it ("Task failed ELB health checks in (target-group …)").

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde_json::{json, Value};

use crate::clock::Clock;
use crate::emu::Emu;
use crate::world::{ACCOUNT, REGION};

/// How long after launch a failure shows (emulated). A pull is retried a few times before ECS gives up.
const PULL_FAILS_AFTER: Duration = Duration::from_secs(30);
/// A container that exits does so soon after it starts.
const EXITS_AFTER: Duration = Duration::from_secs(10);
/// Two failed checks 30 s apart (the ALB defaults) mark a target unhealthy; then ECS replaces the task.
const UNHEALTHY_AFTER: Duration = Duration::from_secs(60);

/// How a task will end, decided from its task definition at launch.
#[derive(Clone, Debug)]
pub struct Doom {
    after: Duration,
    stop_code: &'static str,
    /// `None`: the target group's name is filled in when the task stops.
    stopped_reason: Option<String>,
    /// (name, exit code, reason) of each container as DescribeTasks shows it stopped.
    containers: Vec<(String, Option<i64>, Option<String>)>,
}

fn env_of(container: &Value, name: &str) -> Option<String> {
    container["environment"]
        .as_array()?
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str())
        .map(str::to_string)
}

/// The failure a task of `td` will meet, if any; `lb_container` is the container the target group targets.
pub fn doom_of(td: &Value, lb_container: &str) -> Option<Doom> {
    let containers = td["containerDefinitions"].as_array()?;
    let names = || {
        containers
            .iter()
            .map(|c| c["name"].as_str().unwrap_or_default().to_string())
    };
    if let Some(image) = containers
        .iter()
        .filter_map(|c| c["image"].as_str())
        .find(|i| i.contains("does-not-exist"))
    {
        let reason = format!(
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {image}: {image}: not found"
        );
        return Some(Doom {
            after: PULL_FAILS_AFTER,
            stop_code: "TaskFailedToStart",
            stopped_reason: Some(reason.clone()),
            containers: names().map(|n| (n, None, Some(reason.clone()))).collect(),
        });
    }
    let exits = containers.iter().find_map(|c| {
        let essential = c["essential"].as_bool().unwrap_or(true);
        let code = env_of(c, "EMULATOR_EXIT_CODE")?.parse::<i64>().ok()?;
        essential.then(|| (c["name"].as_str().unwrap_or_default().to_string(), code))
    });
    if let Some((exited, code)) = exits {
        return Some(Doom {
            after: EXITS_AFTER,
            stop_code: "EssentialContainerExited",
            stopped_reason: Some("Essential container in task exited".into()),
            containers: names()
                .map(|n| {
                    let code = if n == exited { Some(code) } else { None };
                    (n, code, None)
                })
                .collect(),
        });
    }
    let lb = containers.iter().find(|c| c["name"] == lb_container)?;
    (env_of(lb, "EMULATOR_UNHEALTHY").as_deref() == Some("true")).then(|| Doom {
        after: UNHEALTHY_AFTER,
        stop_code: "ServiceSchedulerInitiated",
        stopped_reason: None,
        containers: names().map(|n| (n, Some(143), None)).collect(),
    })
}

/// Launches the replacements a service's task sets want: (emulator, cluster, service).
pub type Replace = fn(Emu, String, String) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// Stops the task when its failure shows, unless it has gone by then (drained, rolled back), then has
/// `replace` launch what its task set is short of.
pub fn schedule(emu: &Emu, cluster: &str, task_arn: &str, doom: Doom, replace: Replace) {
    let (emu, cluster, task_arn) = (emu.clone(), cluster.to_string(), task_arn.to_string());
    tokio::spawn(async move {
        emu.clock().sleep(doom.after).await;
        if let Some(service) = fail(&emu, &cluster, &task_arn, &doom) {
            // The task set wants its tasks: ECS launches a replacement (which fails alike).
            replace(emu, cluster, service).await;
        }
    });
}

/// Records the task as ECS stops it; the service it belonged to, or None when it had already gone.
fn fail(emu: &Emu, cluster: &str, task_arn: &str, doom: &Doom) -> Option<String> {
    let service = {
        let mut world = emu.world();
        let found = world.services.values_mut().find_map(|s| {
            let ts = s
                .task_sets
                .iter_mut()
                .find(|t| t.tasks.iter().any(|(a, _)| *a == task_arn))?;
            Some((s.name.clone(), s.cluster.clone(), ts))
        });
        let (service, service_cluster, ts) = found?;
        if service_cluster != cluster {
            return None;
        }
        ts.tasks.retain(|(a, _)| *a != task_arn);
        emu.data().set_targets(
            &ts.target_group_arn,
            ts.tasks.iter().map(|(_, a)| *a).collect(),
        );
        let reason = doom.stopped_reason.clone().unwrap_or_else(|| {
            format!(
                "Task failed ELB health checks in (target-group {})",
                ts.target_group_arn
            )
        });
        let now = Clock::now_epoch();
        let record = json!({
            "taskArn": task_arn,
            "clusterArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{cluster}"),
            "taskDefinitionArn": ts.task_definition,
            "group": format!("service:{service}"),
            "startedBy": ts.id,
            "lastStatus": "STOPPED",
            "desiredStatus": "STOPPED",
            "launchType": "FARGATE",
            "stopCode": doom.stop_code,
            "stoppedReason": reason,
            "createdAt": now,
            "stoppingAt": now,
            "stoppedAt": now,
            "containers": doom.containers.iter().map(|(name, code, why)| {
                let mut c = json!({
                    "containerArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:container/{cluster}/{}/{name}", task_arn.rsplit('/').next().unwrap_or_default()),
                    "taskArn": task_arn,
                    "name": name,
                    "lastStatus": "STOPPED",
                });
                if let Some(code) = code {
                    c["exitCode"] = json!(code);
                }
                if let Some(why) = why {
                    c["reason"] = json!(why);
                }
                c
            }).collect::<Vec<_>>(),
        });
        world.stopped_tasks.push(record);
        service
    };
    emu.data().stop_task(task_arn);
    emu.note(format!("task {task_arn} stopped: {}", doom.stop_code));
    Some(service)
}
