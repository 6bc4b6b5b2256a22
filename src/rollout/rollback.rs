//! Every way back: an alarm or failed check stops the deployment with rollback and follows CodeDeploy's
//! rollback to its end; an alarm in the bake after blue is gone redeploys the previous task definition; an
//! interrupt rolls back or detaches as configured. Rollbacks are followed to the end even past a stop:
//! finishing one is the safe way out.

use std::time::{Duration, Instant};

use super::appspec::AppSpec;
use super::engine::Rollout;
use super::report::{EntryKind, Outcome};
use super::spec::OnInterrupt;
use crate::aws::watch::{AlarmFeed, Observed};
use crate::aws::{DeploymentView, ErrorKind, Status};
use crate::duration::format_duration;

/// How long to keep following a rollback after the rollout itself ended or was interrupted.
const ROLLBACK_FOLLOW_LIMIT: Duration = Duration::from_secs(30 * 60);
/// How long to wait for CodeDeploy to record the rollback of a stopped or failed deployment.
const ROLLBACK_APPEARS_WITHIN: Duration = Duration::from_secs(60);
/// How often ContinueDeployment on a redeploy's Ready wait is retried while following it.
const CONTINUE_RETRY: Duration = Duration::from_secs(1);

impl Rollout<'_> {
    pub(super) async fn bake_after_success(
        &mut self,
        id: &str,
        bake_until: Option<Instant>,
        mut alarms: AlarmFeed,
    ) -> Outcome {
        if self.spec.alarms.is_empty() {
            return Outcome::Succeeded;
        }
        let until = bake_until.unwrap_or_else(|| Instant::now() + self.spec.bake_time);
        if Instant::now() >= until {
            return Outcome::Succeeded;
        }
        if let Some(firing) = alarms.firing_now() {
            return self.redeploy_previous(id, &firing).await;
        }
        tokio::select! {
            _ = self.stop.cancelled() => {
                self.note("interrupted during the bake time after success: green stays");
                Outcome::Succeeded
            }
            _ = tokio::time::sleep_until(until.into()) => Outcome::Succeeded,
            firing = alarms.firing() => self.redeploy_previous(id, &firing).await,
        }
    }

    /// After blue is gone, an alarm during the bake means deploying the previous task definition again.
    pub(super) async fn redeploy_previous(&mut self, id: &str, alarms: &str) -> Outcome {
        let Some(previous) = self.spec.previous_task_definition_arn.clone() else {
            return Outcome::Failed {
                reason: format!("alarm {alarms} fired during the bake time after deployment {id} succeeded, and the previous task definition is unknown, so it could not be redeployed. Green still serves production."),
            };
        };
        self.note_as(
            EntryKind::Alarm,
            format!("alarm {alarms} fired after {id} succeeded: redeploying {previous}"),
        );
        let appspec = AppSpec {
            task_definition_arn: previous.clone(),
            ..self.spec.appspec.clone()
        };
        let rollback_id = match self
            .create(&appspec, Some("CodeDeployDefault.ECSAllAtOnce".into()), false)
            .await
        {
            Ok(rid) => rid,
            Err(reason) => {
                return Outcome::Failed {
                    reason: format!("alarm {alarms} fired after {id} succeeded, and redeploying {previous} failed: {reason}"),
                }
            }
        };
        self.deployment_id = Some(id.to_string());
        self.rollback_deployment_id = Some(rollback_id.clone());
        let status = self.follow_to_end(&rollback_id, true).await;
        Outcome::RolledBack {
            reason: format!(
                "alarm {alarms} fired during the bake time after deployment {id} succeeded; rollback deployment {rollback_id} redeployed {previous} ({status})"
            ),
        }
    }

    pub(super) async fn after_failure(&mut self, view: DeploymentView) -> Outcome {
        // The poller may not have seen the end yet (an alarm noticed first): the timeline and the report
        // still say how the deployment ended.
        if self.status.as_deref() != Some(view.status.as_str()) {
            self.status = Some(view.status.as_str().to_string());
            self.note_as(
                EntryKind::Status,
                format!("deployment {} is {}", view.id, view.status.as_str()),
            );
        }
        // CodeDeploy stopped it for an alarm before the rollout's own alarm watch saw one: say which.
        if view.error_code.as_deref() == Some("ALARM_ACTIVE") {
            self.note_as(
                EntryKind::Alarm,
                format!(
                    "CodeDeploy stopped {} for an alarm: {}",
                    view.id,
                    view.error_message.as_deref().unwrap_or("ALARM_ACTIVE")
                ),
            );
        }
        let mut reason = format!(
            "deployment {} {}{}",
            view.id,
            view.status.as_str(),
            match (&view.error_code, &view.error_message) {
                (Some(code), Some(msg)) => format!(": {code}: {msg}"),
                (Some(code), None) => format!(": {code}"),
                (None, Some(msg)) => format!(": {msg}"),
                (None, None) => String::new(),
            }
        );
        if let Some(target) = self.target(&view.id).await {
            if let Some(event) = target.failed_event() {
                reason.push_str(&format!(
                    "; lifecycle event {} failed{}",
                    event.name,
                    event
                        .diagnostics
                        .as_ref()
                        .map(|d| format!(" ({d})"))
                        .unwrap_or_default()
                ));
            }
        }
        self.follow_rollback_of(&view.id, reason).await
    }

    /// Stops the deployment asking CodeDeploy to roll back, then follows the rollback.
    pub(super) async fn stop_with_rollback(&mut self, id: &str, reason: &str) -> Outcome {
        self.note_as(
            EntryKind::Rollback,
            format!("stopping {id} with rollback: {reason}"),
        );
        let mut stopped = false;
        for attempt in 0..5u32 {
            match self.aws.stop_with_rollback(id).await {
                Ok(()) => {
                    stopped = true;
                    break;
                }
                Err(err) if err.kind == ErrorKind::AlreadyCompleted => {
                    stopped = true;
                    break;
                }
                Err(err) => {
                    tracing::warn!(deployment_id = id, error = %err, "StopDeployment failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500 * 2u64.pow(attempt))).await;
                }
            }
        }
        if !stopped {
            return Outcome::Failed {
                reason: format!("{reason}, but StopDeployment on {id} kept failing; the deployment may still be running"),
            };
        }
        self.follow_rollback_of(id, format!("deployment {id} stopped: {reason}"))
            .await
    }

    /// Waits for CodeDeploy to record the rollback of `id`, then follows it to its end.
    pub(super) async fn follow_rollback_of(&mut self, id: &str, reason: String) -> Outcome {
        let waited = Instant::now();
        let mut feed = self.aws.watcher().deployment(id);
        loop {
            let observed = tokio::select! {
                observed = feed.next() => observed,
                _ = tokio::time::sleep_until((waited + ROLLBACK_FOLLOW_LIMIT).into()) => {
                    return Outcome::Failed {
                        reason: format!(
                            "{reason}; no rollback recorded within {}",
                            format_duration(ROLLBACK_FOLLOW_LIMIT)
                        ),
                    };
                }
            };
            match observed {
                Observed::Seen(view) => {
                    if let Some(rollback) = view.rollback_deployment_id.clone() {
                        drop(feed);
                        self.rollback_deployment_id = Some(rollback.clone());
                        self.note_as(
                            EntryKind::Rollback,
                            format!("CodeDeploy rolls back with deployment {rollback}"),
                        );
                        let status = self.follow_to_end(&rollback, false).await;
                        return Outcome::RolledBack {
                            reason: format!("{reason}; rollback deployment {rollback} {status}"),
                        };
                    }
                    if view.status.is_terminal() && waited.elapsed() > ROLLBACK_APPEARS_WITHIN {
                        return Outcome::Failed {
                            reason: format!("{reason}; CodeDeploy started no rollback"),
                        };
                    }
                }
                Observed::Error(err) => {
                    tracing::warn!(deployment_id = id, error = %err, "reading the deployment failed")
                }
                Observed::Pending | Observed::Missing => {}
            }
        }
    }

    /// Follows a deployment (a rollback or a redeploy) to a terminal status, continuing a Ready wait at once.
    /// Stops are not honoured here: finishing a rollback is the safe way out.
    pub(super) async fn follow_to_end(&mut self, id: &str, continue_ready: bool) -> String {
        let limit = Instant::now() + ROLLBACK_FOLLOW_LIMIT;
        let mut feed = self.aws.watcher().deployment(id);
        let mut last = String::new();
        let mut continued_at: Option<Instant> = None;
        loop {
            let observed = tokio::select! {
                observed = feed.next() => observed,
                _ = tokio::time::sleep_until(limit.into()) => break,
            };
            let Observed::Seen(view) = observed else {
                continue;
            };
            let status = view.status.as_str().to_string();
            if status != last {
                self.note_as(EntryKind::Status, format!("deployment {id} is {status}"));
                last = status.clone();
            }
            if view.status.is_terminal() {
                return status;
            }
            if continue_ready
                && view.status == Status::Ready
                && continued_at.is_none_or(|at| at.elapsed() >= CONTINUE_RETRY)
            {
                continued_at = Some(Instant::now());
                if let Err(err) = self.aws.continue_ready_wait(id).await {
                    tracing::debug!(deployment_id = id, error = %err, "ContinueDeployment of the redeploy failed; retrying");
                }
            }
        }
        format!(
            "still {last} after {}",
            format_duration(ROLLBACK_FOLLOW_LIMIT)
        )
    }

    pub(super) async fn interrupt(&mut self, id: &str, why: &str) -> Outcome {
        match self.spec.on_interrupt {
            OnInterrupt::Detach => {
                self.note(format!(
                    "{why}: detaching; deployment {id} keeps running and the next apply adopts it"
                ));
                Outcome::Detached
            }
            OnInterrupt::Rollback => self.stop_with_rollback(id, why).await,
        }
    }
}
