//! Following a deployment through its lifecycle: green's stopped tasks until production traffic moves
//! (`green_health`), the test gate when CodeDeploy holds traffic in the Ready wait, production traffic
//! moving to green during AllowTraffic (weights noted as they change), the bake time once all of it has,
//! and alarms, timeouts and interrupts at every step.

use std::time::{Duration, Instant};

use super::engine::Rollout;
use super::gate::Gate;
use super::green_health::GreenWatch;
use super::report::{EntryKind, Outcome};
use super::spec::WaitFor;
use super::timeline::TRAFFIC_FULL;
use crate::aws::watch::Observed;
use crate::aws::{Status, TargetView};
use crate::duration::format_duration;

impl Rollout<'_> {
    /// Follows a created or adopted deployment to its end: the gate in the Ready wait, traffic weights
    /// while production shifts (AllowTraffic), the bake once it has, alarms and interrupts throughout.
    pub(super) async fn follow(&mut self, id: &str, gate: &dyn Gate) -> Outcome {
        let deadline = self.started + self.spec.timeout;
        let watch = self.aws.watcher().clone();
        let mut feed = watch.deployment(id);
        let mut alarms = watch.alarms(&self.spec.alarms);
        let mut gate_done = false;
        let mut bake_until: Option<Instant> = None;
        let mut last_weight: Option<f64> = None;
        let mut last_status: Option<Status> = None;
        let mut polls: u64 = 0;
        let mut green = GreenWatch::default();
        // Lifecycle detail (weights, traffic shifted) is needed at every look only to time the bake or to
        // return at traffic_shifted, or for a progress stream someone watches live; otherwise a look every few
        // keeps the timeline without doubling the calls (the end of the rollout reads the lifecycle once more).
        let target_every = if self.spec.bake_time > Duration::ZERO
            || self.spec.wait_for == WaitFor::TrafficShifted
            || self.spec.progress.is_some()
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
                    match self.aws.deployment(id).await {
                        Ok(Some(view)) if view.status == Status::Succeeded => {
                            self.status = Some(view.status.as_str().to_string());
                            self.note_as(EntryKind::Status, format!("deployment {id} is Succeeded"));
                            drop(feed);
                            return self.bake_after_success(id, bake_until, alarms).await;
                        }
                        Ok(Some(view)) if view.status.is_terminal() => {
                            self.note_as(EntryKind::Alarm, format!("alarm {firing} fired"));
                            return self.after_failure(view).await;
                        }
                        _ => {}
                    }
                    let reason = format!("alarm {firing} fired");
                    self.note_as(EntryKind::Alarm, reason.clone());
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
                self.note_as(
                    EntryKind::Status,
                    format!("deployment {id} is {}", view.status.as_str()),
                );
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
            let wants_target = view.status == Status::InProgress
                && (polls % target_every == 0 || green.wants_target());
            if let Some(target) = if wants_target {
                self.target(id).await
            } else {
                None
            } {
                green.saw(&target);
                if target.green_weight != last_weight {
                    if let Some(w) = target.green_weight {
                        if w < 100.0 || self.said.first(id, TRAFFIC_FULL.0, TRAFFIC_FULL.1) {
                            self.note_as(
                                EntryKind::Traffic,
                                format!("production traffic on green: {w}%"),
                            );
                        }
                    }
                    last_weight = target.green_weight;
                }
                if target.traffic_shifted() && bake_until.is_none() {
                    bake_until = Some(Instant::now() + self.spec.bake_time);
                    self.said.first(id, TRAFFIC_FULL.0, TRAFFIC_FULL.1);
                    self.note_as(
                        EntryKind::Traffic,
                        format!(
                            "all production traffic on green; baking for {}",
                            format_duration(self.spec.bake_time)
                        ),
                    );
                }
            }
            if let Some(outcome) = self.watch_green(id, &view.status, &mut green).await {
                return outcome;
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

    /// The deployment's ECS target (lifecycle events, green's weight); None when it cannot be read now.
    pub(super) async fn target(&mut self, id: &str) -> Option<TargetView> {
        if self.target_id.is_none() {
            self.target_id = match &self.spec.ecs_target_id {
                Some(known) => Some(known.clone()),
                None => self.aws.first_target_id(id).await.ok().flatten(),
            };
        }
        let cluster_service = self.target_id.clone()?;
        let target = self
            .aws
            .deployment_target(id, &cluster_service)
            .await
            .ok()
            .flatten()?;
        self.heard(id, &target);
        Some(target)
    }
}
