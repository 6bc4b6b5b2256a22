//! The state machine: create (or adopt) a deployment, follow it, run the gate in the Ready wait, watch the
//! alarms through the shift and the bake, and turn every ending into a truthful report.

use std::time::{Duration, Instant};

use aws_sdk_codedeploy::error::DisplayErrorContext;
use aws_sdk_codedeploy::types::{
    AlarmConfiguration, AppSpecContent, AutoRollbackConfiguration, AutoRollbackEvent,
    DeploymentWaitType, RevisionLocation, RevisionLocationType,
};
use tokio_util::sync::CancellationToken;

use super::appspec::AppSpec;
use super::gate::{Gate, GateContext};
use super::observe::{DeploymentView, Status, TargetView};
use super::watch::{AlarmFeed, Observed};
use super::{OnInterrupt, Outcome, RolloutReport, RolloutSpec, TimelineEntry, WaitFor};
use crate::duration::format_duration;
use crate::provider::aws::AwsClients;

/// How long to keep following a rollback after the rollout itself ended or was interrupted.
const ROLLBACK_FOLLOW_LIMIT: Duration = Duration::from_secs(30 * 60);
/// How long to wait for CodeDeploy to record the rollback of a stopped or failed deployment.
const ROLLBACK_APPEARS_WITHIN: Duration = Duration::from_secs(60);
/// How often ContinueDeployment on a redeploy's Ready wait is retried while following it.
const CONTINUE_RETRY: Duration = Duration::from_secs(1);

/// Runs one rollout to its end. `adopt` names a deployment this provider started earlier (from private
/// state): if it is still in flight it is followed instead of creating another.
pub async fn run(
    clients: &AwsClients,
    spec: &RolloutSpec,
    gate: &dyn Gate,
    adopt: Option<&str>,
    stop: &CancellationToken,
) -> RolloutReport {
    let mut rollout = Rollout {
        clients,
        spec,
        stop,
        started: Instant::now(),
        timeline: Vec::new(),
        deployment_id: None,
        rollback_deployment_id: None,
        status: None,
        target_id: None,
    };
    let outcome = rollout.drive(gate, adopt).await;
    let green_serves_production = matches!(outcome, Outcome::Succeeded | Outcome::TrafficShifted);
    RolloutReport {
        deployment_id: rollout.deployment_id,
        rollback_deployment_id: rollout.rollback_deployment_id,
        status: rollout.status,
        outcome,
        green_serves_production,
        timeline: rollout.timeline,
    }
}

struct Rollout<'a> {
    clients: &'a AwsClients,
    spec: &'a RolloutSpec,
    stop: &'a CancellationToken,
    started: Instant,
    timeline: Vec<TimelineEntry>,
    deployment_id: Option<String>,
    rollback_deployment_id: Option<String>,
    status: Option<String>,
    /// `cluster:service`, learned once from ListDeploymentTargets (it never changes for a group).
    target_id: Option<String>,
}

/// An AWS error in a line a person can read: the service's code and message when there is one, the
/// transport failure otherwise (never the raw response dump).
pub(super) fn aws_error<E, R>(err: aws_sdk_codedeploy::error::SdkError<E, R>) -> String
where
    E: aws_sdk_codedeploy::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match err.as_service_error() {
        Some(service) => format!(
            "{}: {}",
            service.code().unwrap_or("error"),
            service.message().unwrap_or("no message")
        ),
        None => DisplayErrorContext(&err).to_string(),
    }
}

impl Rollout<'_> {
    /// Records a timeline entry and logs it at INFO (visible with TF_LOG).
    fn note(&mut self, what: impl Into<String>) {
        let what = what.into();
        let deployment_id = self.deployment_id.clone().unwrap_or_default();
        tracing::info!(deployment_id = %deployment_id, "{what}");
        self.timeline.push(TimelineEntry {
            at_seconds: (self.started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
            what,
        });
    }

    async fn drive(&mut self, gate: &dyn Gate, adopt: Option<&str>) -> Outcome {
        let ours = self.spec.appspec.sha256();
        let in_flight = match self.find_in_flight().await {
            Ok(found) => found,
            Err(err) => {
                return Outcome::Failed {
                    reason: format!(
                        "Could not list the deployments of group '{}' to check for one in flight: {err}. Nothing was deployed",
                        self.spec.deployment_group_name
                    ),
                }
            }
        };
        let id = match in_flight {
            Some(d)
                if Some(d.id.as_str()) == adopt
                    || d.appspec_sha256.as_deref() == Some(ours.as_str()) =>
            {
                self.deployment_id = Some(d.id.clone());
                self.note(format!(
                    "adopted deployment {} already in flight ({})",
                    d.id,
                    d.status.as_str()
                ));
                d.id
            }
            Some(d) => {
                self.deployment_id = None;
                return Outcome::Blocked {
                    reason: format!(
                        "{} Nothing was deployed.",
                        d.blocks(&self.spec.deployment_group_name)
                    ),
                };
            }
            // Interrupted before anything was created: there is nothing to stop or detach.
            None if self.stop.is_cancelled() => {
                return Outcome::Failed {
                    reason: "Terraform was interrupted before the deployment was created. Nothing was deployed".into(),
                }
            }
            None => match self
                .create(
                    &self.spec.appspec.clone(),
                    self.spec.deployment_config_name.clone(),
                    true,
                )
                .await
            {
                Ok(id) => id,
                Err(reason) => return Outcome::Failed { reason },
            },
        };
        self.follow(&id, gate).await
    }

    async fn find_in_flight(&mut self) -> Result<Option<DeploymentView>, String> {
        let listed = self
            .clients
            .watch
            .in_flight(
                &self.spec.application_name,
                &self.spec.deployment_group_name,
                true,
            )
            .await?;
        for (id, _) in &listed {
            if let Some(view) = self.get(id).await? {
                if !view.status.is_terminal() {
                    return Ok(Some(view));
                }
            }
        }
        Ok(None)
    }

    async fn get(&self, id: &str) -> Result<Option<DeploymentView>, String> {
        super::observe::get_deployment(self.clients, id).await
    }

    async fn target(&mut self, id: &str) -> Option<TargetView> {
        if self.target_id.is_none() {
            self.target_id = match &self.spec.ecs_target_id {
                Some(known) => Some(known.clone()),
                None => self.ecs_target_id(id).await,
            };
        }
        let cluster_service = self.target_id.clone()?;
        self.clients.codedeploy_pace.turn().await;
        let out = self
            .clients
            .codedeploy
            .get_deployment_target()
            .deployment_id(id)
            .target_id(cluster_service)
            .send()
            .await
            .ok()?;
        out.deployment_target().map(TargetView::from_target)
    }

    /// The ECS target id (`cluster:service`), from ListDeploymentTargets.
    async fn ecs_target_id(&self, id: &str) -> Option<String> {
        self.clients.codedeploy_pace.turn().await;
        let out = self
            .clients
            .codedeploy
            .list_deployment_targets()
            .deployment_id(id)
            .send()
            .await
            .ok()?;
        out.target_ids().first().cloned()
    }

    /// Creates a deployment; `with_alarms` passes the configured alarms (a redeploy of the previous version
    /// must not be stopped by the very alarm that triggered it).
    async fn create(
        &mut self,
        appspec: &AppSpec,
        config: Option<String>,
        with_alarms: bool,
    ) -> Result<String, String> {
        let content = AppSpecContent::builder()
            .content(appspec.content())
            .sha256(appspec.sha256())
            .build();
        let revision = RevisionLocation::builder()
            .revision_type(RevisionLocationType::AppSpecContent)
            .app_spec_content(content)
            .build();
        let rollback = AutoRollbackConfiguration::builder()
            .enabled(true)
            .events(AutoRollbackEvent::DeploymentFailure)
            .events(AutoRollbackEvent::DeploymentStopOnAlarm)
            .events(AutoRollbackEvent::DeploymentStopOnRequest)
            .build();
        let mut request = self
            .clients
            .codedeploy
            .create_deployment()
            .application_name(&self.spec.application_name)
            .deployment_group_name(&self.spec.deployment_group_name)
            .revision(revision)
            .description(&self.spec.description)
            .auto_rollback_configuration(rollback)
            .set_deployment_config_name(config);
        if with_alarms && !self.spec.alarms.is_empty() {
            let mut alarms = AlarmConfiguration::builder().enabled(true);
            for name in &self.spec.alarms {
                alarms = alarms.alarms(
                    aws_sdk_codedeploy::types::Alarm::builder()
                        .name(name)
                        .build(),
                );
            }
            request = request.override_alarm_configuration(alarms.build());
        } else if !with_alarms {
            request = request
                .override_alarm_configuration(AlarmConfiguration::builder().enabled(false).build());
        }
        self.clients.codedeploy_pace.turn().await;
        match request.send().await {
            Ok(out) => {
                let id = out.deployment_id().unwrap_or_default().to_string();
                self.deployment_id = Some(id.clone());
                self.note(format!(
                    "created deployment {id} of {}",
                    appspec.task_definition_arn
                ));
                Ok(id)
            }
            Err(err) => {
                let message = aws_error(err);
                // The request may have reached CodeDeploy before the connection failed: adopt rather than
                // create twice.
                if let Ok(Some(d)) = self.find_in_flight().await {
                    if d.appspec_sha256.as_deref() == Some(appspec.sha256().as_str()) {
                        self.deployment_id = Some(d.id.clone());
                        self.note(format!(
                            "CreateDeployment failed ({message}) but deployment {} exists: adopted",
                            d.id
                        ));
                        return Ok(d.id);
                    }
                    // Someone else's deployment got in between our check and our create.
                    return Err(format!(
                        "{} It was started on group '{}' while this apply was starting ({message}). Nothing was deployed",
                        d.blocks(&self.spec.deployment_group_name),
                        self.spec.deployment_group_name
                    ));
                }
                Err(format!(
                    "CodeDeploy refused to create the deployment in group '{}': {message}. Nothing was deployed",
                    self.spec.deployment_group_name
                ))
            }
        }
    }

    async fn follow(&mut self, id: &str, gate: &dyn Gate) -> Outcome {
        let deadline = self.started + self.spec.timeout;
        let watch = self.clients.watch.clone();
        let mut feed = watch.deployment(id);
        let mut alarms = watch.alarms(&self.spec.alarms);
        let mut gate_done = false;
        let mut bake_until: Option<Instant> = None;
        let mut last_weight: Option<f64> = None;
        let mut last_status: Option<Status> = None;
        let mut polls: u64 = 0;
        // Lifecycle detail (weights, traffic shifted) is needed at every look only to time the bake or to
        // return at traffic_shifted; otherwise a look every few keeps the timeline without doubling the calls.
        let target_every = if self.spec.bake_time > Duration::ZERO
            || self.spec.wait_for == WaitFor::TrafficShifted
        {
            1
        } else {
            30
        };
        loop {
            let observed = tokio::select! {
                _ = self.stop.cancelled() => return self.interrupt(id, "Terraform was interrupted").await,
                _ = tokio::time::sleep_until(deadline.into()) => {
                    let reason = format!("the timeout of {} passed", format_duration(self.spec.timeout));
                    return self.interrupt(id, &reason).await;
                }
                firing = alarms.firing() => {
                    // The alarm poller is quicker than the deployment poller: learn where the deployment is
                    // before acting, since an alarm after blue is gone needs a redeploy, not a stop.
                    match self.get(id).await {
                        Ok(Some(view)) if view.status == Status::Succeeded => {
                            self.status = Some(view.status.as_str().to_string());
                            self.note(format!("deployment {id} is Succeeded"));
                            drop(feed);
                            return self.bake_after_success(id, bake_until, alarms).await;
                        }
                        Ok(Some(view)) if view.status.is_terminal() => {
                            return self.after_failure(view).await;
                        }
                        _ => {}
                    }
                    let reason = format!("alarm {firing} fired");
                    return self.stop_with_rollback(id, &reason).await;
                }
                observed = feed.next() => observed,
            };
            let view = match observed {
                Observed::Seen(view) => view,
                Observed::Pending | Observed::Missing => continue,
                Observed::Error(err) => {
                    // The poller backs off for every rollout at once; the SDK has already retried.
                    tracing::warn!(deployment_id = id, error = %err, "reading the deployment failed; the poller backs off");
                    continue;
                }
            };
            polls += 1;
            if last_status.as_ref() != Some(&view.status) {
                self.status = Some(view.status.as_str().to_string());
                self.note(format!("deployment {id} is {}", view.status.as_str()));
                last_status = Some(view.status.clone());
            }
            match view.status {
                Status::Ready if !gate_done => {
                    gate_done = true;
                    // Nothing moves in the Ready wait but by our hand: save the poll budget for what follows.
                    feed.pause();
                    let outcome = self.run_gate(id, gate).await;
                    feed.resume();
                    if let Some(outcome) = outcome {
                        return outcome;
                    }
                }
                Status::Succeeded => {
                    drop(feed);
                    return self.bake_after_success(id, bake_until, alarms).await;
                }
                Status::Failed | Status::Stopped => return self.after_failure(view).await,
                _ => {}
            }
            let wants_target = view.status == Status::InProgress && polls % target_every == 0;
            if let Some(target) = if wants_target {
                self.target(id).await
            } else {
                None
            } {
                if target.green_weight != last_weight {
                    if let Some(w) = target.green_weight {
                        self.note(format!("production traffic on green: {w}%"));
                    }
                    last_weight = target.green_weight;
                }
                if target.traffic_shifted() && bake_until.is_none() {
                    bake_until = Some(Instant::now() + self.spec.bake_time);
                    self.note(format!(
                        "all production traffic on green; baking for {}",
                        format_duration(self.spec.bake_time)
                    ));
                }
            }
            if self.spec.wait_for == WaitFor::TrafficShifted {
                if let Some(until) = bake_until {
                    if Instant::now() >= until {
                        self.note("bake time passed; CodeDeploy finishes the termination wait");
                        return Outcome::TrafficShifted;
                    }
                }
            }
        }
    }

    /// Runs the gate during the Ready wait. None means "continued; keep following".
    async fn run_gate(&mut self, id: &str, gate: &dyn Gate) -> Option<Outcome> {
        if !gate.is_empty() {
            self.note("test gate started against the test listener");
            let ctx = GateContext {
                deployment_id: id.to_string(),
                task_definition_arn: self.spec.appspec.task_definition_arn.clone(),
                test_url: self.spec.test_url.clone(),
            };
            // The gate stops at Terraform's stop or at the rollout's deadline, whichever comes first.
            let gate_stop = self.stop.child_token();
            let deadline = self.started + self.spec.timeout;
            let timer = {
                let gate_stop = gate_stop.clone();
                tokio::spawn(async move {
                    tokio::time::sleep_until(deadline.into()).await;
                    gate_stop.cancel();
                })
            };
            let verdict = gate.run(&ctx, &gate_stop).await;
            timer.abort();
            for check in &verdict.checks {
                self.note(format!(
                    "gate check {}: {}{}",
                    check.name,
                    if check.passed { "passed" } else { "FAILED" },
                    if check.passed {
                        String::new()
                    } else {
                        format!(" — {}", check.detail)
                    }
                ));
            }
            if verdict.interrupted {
                let why = if self.stop.is_cancelled() {
                    "Terraform was interrupted during the test gate".to_string()
                } else {
                    format!(
                        "the timeout of {} passed during the test gate",
                        format_duration(self.spec.timeout)
                    )
                };
                return Some(self.interrupt(id, &why).await);
            }
            if let Some(failed) = verdict.first_failure() {
                let reason = format!(
                    "test gate check {} failed during the Ready wait: {}",
                    failed.name, failed.detail
                );
                return Some(self.stop_with_rollback(id, &reason).await);
            }
        }
        let mut last_error = String::new();
        for attempt in 0..5u32 {
            self.clients.codedeploy_pace.turn().await;
            match self
                .clients
                .codedeploy
                .continue_deployment()
                .deployment_id(id)
                .deployment_wait_type(DeploymentWaitType::ReadyWait)
                .send()
                .await
            {
                Ok(_) => {
                    self.note("gate passed: production traffic released (ContinueDeployment)");
                    return None;
                }
                Err(err) => {
                    last_error = aws_error(err);
                    // Already over (the Ready wait timed out, someone stopped it): the follow loop reads how
                    // it ended and reports that.
                    if last_error.starts_with("DeploymentAlreadyCompleted")
                        || last_error.starts_with("DeploymentIsNotInReadyState")
                    {
                        self.note(format!("ContinueDeployment refused: {last_error}"));
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(500 * 2u64.pow(attempt))).await;
                }
            }
        }
        Some(Outcome::Failed {
            reason: format!("ContinueDeployment on {id} kept failing: {last_error}"),
        })
    }

    async fn bake_after_success(
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
    async fn redeploy_previous(&mut self, id: &str, alarms: &str) -> Outcome {
        let Some(previous) = self.spec.previous_task_definition_arn.clone() else {
            return Outcome::Failed {
                reason: format!("alarm {alarms} fired during the bake time after deployment {id} succeeded, and the previous task definition is unknown, so it could not be redeployed. Green still serves production."),
            };
        };
        self.note(format!(
            "alarm {alarms} fired after {id} succeeded: redeploying {previous}"
        ));
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

    async fn after_failure(&mut self, view: DeploymentView) -> Outcome {
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
    async fn stop_with_rollback(&mut self, id: &str, reason: &str) -> Outcome {
        self.note(format!("stopping {id} with rollback: {reason}"));
        let mut stopped = false;
        for attempt in 0..5u32 {
            self.clients.codedeploy_pace.turn().await;
            match self
                .clients
                .codedeploy
                .stop_deployment()
                .deployment_id(id)
                .auto_rollback_enabled(true)
                .send()
                .await
            {
                Ok(_) => {
                    stopped = true;
                    break;
                }
                Err(err) => {
                    let message = aws_error(err);
                    if message.contains("DeploymentAlreadyCompleted") {
                        stopped = true;
                        break;
                    }
                    tracing::warn!(deployment_id = id, error = %message, "StopDeployment failed; retrying");
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
    async fn follow_rollback_of(&mut self, id: &str, reason: String) -> Outcome {
        let waited = Instant::now();
        let mut feed = self.clients.watch.deployment(id);
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
                        self.note(format!("CodeDeploy rolls back with deployment {rollback}"));
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
    async fn follow_to_end(&mut self, id: &str, continue_ready: bool) -> String {
        let limit = Instant::now() + ROLLBACK_FOLLOW_LIMIT;
        let mut feed = self.clients.watch.deployment(id);
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
                self.note(format!("deployment {id} is {status}"));
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
                self.clients.codedeploy_pace.turn().await;
                let _ = self
                    .clients
                    .codedeploy
                    .continue_deployment()
                    .deployment_id(id)
                    .deployment_wait_type(DeploymentWaitType::ReadyWait)
                    .send()
                    .await;
            }
        }
        format!(
            "still {last} after {}",
            format_duration(ROLLBACK_FOLLOW_LIMIT)
        )
    }

    async fn interrupt(&mut self, id: &str, why: &str) -> Outcome {
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
