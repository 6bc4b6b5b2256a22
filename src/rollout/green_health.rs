//! Green that cannot start fails fast. An image that cannot be pulled, an essential container that exits or
//! a container that never passes its health checks keeps green unhealthy, and CodeDeploy lets Install wait
//! for it up to an hour before it fails the deployment. ECS knows much sooner: it stops such tasks with a
//! reason and launches replacements that fail alike, forever. So while production traffic is still on blue
//! the rollout looks at the tasks ECS stopped in green's task set, and on evidence stops the deployment with
//! rollback, naming the task, ECS's reason and the container's exit code.
//!
//! The numbers: a look every [`LOOK_EVERY`] (10 s; ECS calls — ListTasks and DescribeTasks — not
//! CodeDeploy's, so they do not take the CodeDeploy pace's turns), so a failure is acted on within about
//! ten seconds of ECS recording the first stopped task, that is within a minute of the evidence for every
//! failure ECS reports inside its usual fifty seconds (pull retries, a container's start, two failed health
//! checks). Evidence is one task that failed to start or whose essential container exited — nothing else
//! stops a green task that way, and ECS would retry forever — or [`HEALTH_CHECK_FAILURES`] (two) tasks
//! stopped for failed health checks, since one may be a slow start on a bad host that the next one survives.

use std::time::{Duration, Instant};

use super::engine::Rollout;
use super::report::Outcome;
use crate::aws::{Status, StoppedTask, TargetView};

/// How often green's stopped tasks are looked at.
const LOOK_EVERY: Duration = Duration::from_secs(10);
/// How often the follower asks CodeDeploy for green's task set until Install has created it
/// (GetDeploymentTarget, on the CodeDeploy pace; once known it never changes).
const UNTIL_GREEN_EXISTS: Duration = Duration::from_secs(3);
/// Tasks stopped for failed health checks that make evidence.
const HEALTH_CHECK_FAILURES: usize = 2;

/// What the rollout knows of green while it watches it.
pub(super) struct GreenWatch {
    /// Green's task set id, once CodeDeploy has created it.
    task_set: Option<String>,
    /// When to look next.
    next_look: Instant,
    /// Production traffic has moved (or the look is over): green is no longer watched.
    done: bool,
}

impl Default for GreenWatch {
    /// A watch that looks first at the next chance.
    fn default() -> GreenWatch {
        GreenWatch {
            task_set: None,
            next_look: Instant::now(),
            done: false,
        }
    }
}

impl GreenWatch {
    /// Production traffic reached green: from here an alarm, not this watch, speaks for it.
    pub(super) fn traffic_moved(&mut self) {
        self.done = true;
    }

    /// True when the follower should read the deployment's target now: green's task set is not known yet
    /// and it is time to look. The follower reads it (so that every read also times the bake and notes
    /// weights) and hands it to [`saw`](Self::saw).
    pub(super) fn wants_target(&self) -> bool {
        !self.done && self.task_set.is_none() && Instant::now() >= self.next_look
    }

    /// Learns from a read of the deployment's target: green's task set once Install has created it (else
    /// ask again soon), and whether production traffic has begun to move.
    pub(super) fn saw(&mut self, target: &TargetView) {
        if target.green_weight.is_some_and(|w| w > 0.0)
            || target
                .event_status("AllowTraffic")
                .is_some_and(|s| s != "Pending")
        {
            self.traffic_moved();
        }
        if self.task_set.is_none() {
            self.task_set = target.green_task_set.clone();
            if self.task_set.is_none() {
                self.next_look = Instant::now() + UNTIL_GREEN_EXISTS;
            }
        }
    }
}

/// How a stopped task shows green cannot start: `Some(true)` on its own, `Some(false)` when it takes
/// [`HEALTH_CHECK_FAILURES`] of them, `None` when it says nothing (scaled in, stopped by a person).
fn evidence(task: &StoppedTask) -> Option<bool> {
    let reason = task.stopped_reason.as_deref().unwrap_or_default();
    match task.stop_code.as_deref() {
        Some("TaskFailedToStart" | "EssentialContainerExited") => Some(true),
        _ if reason.starts_with("CannotPullContainerError")
            || reason.starts_with("CannotStartContainerError")
            || reason.starts_with("ResourceInitializationError") =>
        {
            Some(true)
        }
        _ if reason.contains("failed ELB health checks")
            || reason.contains("failed container health checks") =>
        {
            Some(false)
        }
        _ => None,
    }
}

/// The account of one stopped task: its id, ECS's stop code and reason, and each container's exit code or
/// reason where it adds to the task's.
fn account(task: &StoppedTask) -> String {
    let mut words = format!("task {} stopped", task.id());
    if let Some(code) = &task.stop_code {
        words.push_str(&format!(" ({code})"));
    }
    if let Some(reason) = &task.stopped_reason {
        words.push_str(&format!(": {reason}"));
    }
    for c in &task.containers {
        if let Some(code) = c.exit_code {
            words.push_str(&format!("; container {} exit code {code}", c.name));
        }
        if let Some(reason) = c
            .reason
            .as_ref()
            .filter(|r| Some(*r) != task.stopped_reason.as_ref())
        {
            words.push_str(&format!("; container {}: {reason}", c.name));
        }
    }
    words
}

/// The failure account when `stopped` makes evidence, naming the first decisive task and how many stopped.
fn verdict(stopped: &[StoppedTask]) -> Option<String> {
    let alone = stopped.iter().find(|t| evidence(t) == Some(true));
    let checks: Vec<&StoppedTask> = stopped
        .iter()
        .filter(|t| evidence(t) == Some(false))
        .collect();
    let first = match alone {
        Some(task) => task,
        None if checks.len() >= HEALTH_CHECK_FAILURES => checks.first().copied()?,
        None => return None,
    };
    let failed = stopped.iter().filter(|t| evidence(t).is_some()).count();
    Some(format!(
        "{} ({failed} of green's tasks stopped so far)",
        account(first)
    ))
}

impl Rollout<'_> {
    /// Looks at green's stopped tasks when it is time to; stops the deployment with rollback on evidence
    /// and returns how that ended. None: keep following.
    pub(super) async fn watch_green(
        &mut self,
        id: &str,
        status: &Status,
        green: &mut GreenWatch,
    ) -> Option<Outcome> {
        if green.done
            || !matches!(status, Status::InProgress | Status::Ready)
            || Instant::now() < green.next_look
        {
            return None;
        }
        // Until the follower's reads of the target have shown green's task set, there is nothing to look at.
        let task_set = green.task_set.clone()?;
        green.next_look = Instant::now() + LOOK_EVERY;
        let (cluster, service) = self.target_id.as_deref()?.split_once(':')?;
        let (cluster, service) = (cluster.to_string(), service.to_string());
        let stopped = match self.aws.stopped_tasks(&cluster, &service, &task_set).await {
            Ok(stopped) => stopped,
            Err(err) => {
                tracing::warn!(deployment_id = id, error = %err, "reading green's stopped tasks failed; looking again later");
                return None;
            }
        };
        let found = verdict(&stopped)?;
        // Name the lifecycle event the deployment is stuck in (Install, as a rule); if production traffic
        // has begun to move meanwhile, this watch has no more say.
        let target = self.target(id).await;
        if let Some(t) = &target {
            green.saw(t);
            if green.done {
                return None;
            }
        }
        let event = target
            .and_then(|t| {
                t.events
                    .iter()
                    .find(|e| e.status == "InProgress")
                    .map(|e| e.name.clone())
            })
            .map(|e| format!(" during {e}"))
            .unwrap_or_default();
        let reason = format!("green cannot start{event}: ECS {found}");
        Some(self.stop_with_rollback(id, &reason).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::StoppedContainer;

    fn task(code: Option<&str>, reason: &str, exit: Option<i32>) -> StoppedTask {
        StoppedTask {
            task_arn: "arn:aws:ecs:us-east-1:123456789012:task/demo/abc123".into(),
            stop_code: code.map(str::to_string),
            stopped_reason: Some(reason.into()),
            containers: vec![StoppedContainer {
                name: "web".into(),
                exit_code: exit,
                reason: None,
            }],
        }
    }

    #[test]
    fn one_task_that_failed_to_start_or_exited_is_evidence() {
        let pull = task(
            Some("TaskFailedToStart"),
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found",
            None,
        );
        let found = verdict(&[pull]).expect("evidence");
        assert!(
            found.starts_with("task abc123 stopped (TaskFailedToStart): CannotPullContainerError"),
            "{found}"
        );
        let exited = task(
            Some("EssentialContainerExited"),
            "Essential container in task exited",
            Some(3),
        );
        let found = verdict(&[exited]).expect("evidence");
        assert!(found.contains("container web exit code 3"), "{found}");
    }

    #[test]
    fn health_check_failures_take_two_and_scale_in_is_no_evidence() {
        let unhealthy = task(
            Some("ServiceSchedulerInitiated"),
            "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:…)",
            Some(143),
        );
        assert_eq!(verdict(std::slice::from_ref(&unhealthy)), None);
        assert!(verdict(&[unhealthy.clone(), unhealthy]).is_some());
        let scaled_in = task(
            Some("ServiceSchedulerInitiated"),
            "Scaling activity initiated by (deployment ecs-svc/123)",
            Some(0),
        );
        let by_hand = task(Some("UserInitiated"), "Task stopped by user", Some(0));
        assert_eq!(verdict(&[scaled_in, by_hand]), None);
    }
}
