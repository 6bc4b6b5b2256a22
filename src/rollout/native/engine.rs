//! Start (or adopt) the service deployment and follow it to its end: every poll reads it once, adds what
//! is new to the timeline, checks the watched alarms, runs the gate when a PAUSE hook holds it at
//! `POST_TEST_TRAFFIC_SHIFT`, and ends on ECS's final status (or, with `wait_for = traffic_shifted`, once
//! production is fully on green and the bake time passed).

use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::cause::ecs_saw;
use super::gate::{at_pause, AtPause};
use super::record::Recorder;
use super::rollback::{bake, interrupt, stop_for};
use super::spec::NativeSpec;
use super::wait::sleep;
use crate::aws::{short_id, Aws, ServiceDeploymentView};
use crate::rollout::gate::Gate;
use crate::rollout::report::{EntryKind, Outcome, RolloutReport};
use crate::rollout::WaitFor;

/// Stages at and after which production traffic is (being) moved to green.
const SHIFTED: [&str; 4] = [
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
];

/// Runs one native rollout to its end. `adopt` names a service deployment this provider started earlier
/// (from private state) that is followed instead of starting another.
pub async fn run(
    aws: &Aws,
    spec: &NativeSpec,
    gate: &dyn Gate,
    adopt: Option<&str>,
    stop: &CancellationToken,
) -> RolloutReport {
    let mut rec = Recorder::new();
    let arn = match adopt {
        Some(arn) => {
            rec.note(
                spec,
                Some(arn),
                EntryKind::Deployment,
                format!(
                    "adopted service deployment {} still in flight",
                    short_id(arn)
                ),
            );
            arn.to_string()
        }
        None => match aws
            .update_service_task_definition(&spec.cluster, &spec.service, &spec.task_definition_arn)
            .await
        {
            Ok(arn) => {
                rec.note(
                    spec,
                    Some(&arn),
                    EntryKind::Deployment,
                    format!(
                        "UpdateService to {}: service deployment {} started",
                        spec.task_definition_arn,
                        short_id(&arn)
                    ),
                );
                arn
            }
            Err(err) => {
                let reason = format!(
                    "UpdateService of {}/{} to {} failed: {err}",
                    spec.cluster, spec.service, spec.task_definition_arn
                );
                return report(None, None, Outcome::Failed { reason }, rec);
            }
        },
    };
    let (status, outcome) = follow(aws, spec, gate, &arn, &mut rec, stop).await;
    report(Some(arn), status, outcome, rec)
}

fn report(
    arn: Option<String>,
    status: Option<String>,
    outcome: Outcome,
    rec: Recorder,
) -> RolloutReport {
    RolloutReport {
        deployment_id: arn,
        rollback_deployment_id: None,
        status,
        green_serves_production: matches!(outcome, Outcome::Succeeded | Outcome::TrafficShifted),
        outcome,
        timeline: rec.entries,
    }
}

/// Follows the deployment to ECS's final status; the last status seen and the outcome.
async fn follow(
    aws: &Aws,
    spec: &NativeSpec,
    gate: &dyn Gate,
    arn: &str,
    rec: &mut Recorder,
    stop: &CancellationToken,
) -> (Option<String>, Outcome) {
    let deadline = Instant::now() + spec.timeout;
    let id = short_id(arn).to_string();
    let mut asked_rollback: Option<String> = None;
    // What ECS saw when it ended the deployment on its own (read once, when that is first seen).
    let mut ecs_cause: Option<Option<String>> = None;
    let mut shifted_at: Option<Instant> = None;
    let mut last: Option<ServiceDeploymentView> = None;
    loop {
        if stop.is_cancelled() || Instant::now() >= deadline {
            let why = if stop.is_cancelled() {
                "interrupted"
            } else {
                "timed out"
            };
            return interrupt(aws, spec, arn, why, rec).await;
        }
        let view = match aws.service_deployment(arn).await {
            Ok(Some(view)) => view,
            Ok(None) => {
                let reason = format!("ECS no longer knows service deployment {arn}");
                return (last.map(|v| v.status), Outcome::Failed { reason });
            }
            Err(err) => {
                tracing::warn!(error = %err, "reading the service deployment failed; trying again");
                sleep(stop).await;
                continue;
            }
        };
        rec.saw(spec, &view, "");
        if asked_rollback.is_none() && ecs_cause.is_none() && view.is_ending() {
            let cause = ecs_saw(aws, &view).await;
            if let Some(cause) = &cause {
                rec.note(
                    spec,
                    Some(arn),
                    EntryKind::Rollback,
                    format!(
                        "ECS ended service deployment {id} ({}): {cause}",
                        view.status
                    ),
                );
            }
            ecs_cause = Some(cause);
        }
        let cause = ecs_cause.clone().flatten();
        if view.is_terminal() {
            let status = Some(view.status.clone());
            let outcome = match view.status.as_str() {
                "SUCCESSFUL" => {
                    bake(
                        aws,
                        spec,
                        shifted_at.unwrap_or_else(Instant::now),
                        rec,
                        stop,
                    )
                    .await
                }
                "ROLLBACK_SUCCESSFUL" => Outcome::RolledBack {
                    reason: asked_rollback
                        .unwrap_or_else(|| ecs_reason(&view, "rolled back", cause.as_deref())),
                },
                _ => Outcome::Failed {
                    reason: match asked_rollback {
                        Some(why) => format!(
                            "{why}; then service deployment {id} ended {}: {}",
                            view.status,
                            ecs_reason(&view, "", None)
                        ),
                        None => ecs_reason(&view, "ended", cause.as_deref()),
                    },
                },
            };
            return (status, outcome);
        }
        if view.stage.as_deref().is_some_and(|s| SHIFTED.contains(&s)) && shifted_at.is_none() {
            shifted_at = Some(Instant::now());
            rec.note(
                spec,
                Some(arn),
                EntryKind::Traffic,
                "production traffic moving to green".into(),
            );
        }
        // A deployment ECS is already rolling back or stopping is not stopped again.
        if asked_rollback.is_none() && !view.is_ending() {
            if let Some(reason) = stop_for(aws, spec, &view, rec).await {
                asked_rollback = Some(reason);
            } else {
                match at_pause(aws, spec, gate, &view, rec, stop).await {
                    AtPause::RolledBack(reason) => asked_rollback = Some(reason),
                    AtPause::Interrupted => continue,
                    AtPause::Continued | AtPause::NotHeld => {}
                }
            }
        }
        if asked_rollback.is_none() && traffic_shifted_done(spec, &view, shifted_at) {
            rec.note(
                spec,
                Some(arn),
                EntryKind::Note,
                format!("all production traffic on green and the bake time passed; ECS finishes {} of service deployment {id} (its bake time, then the clean-up of blue)", view.stage.as_deref().unwrap_or("")),
            );
            return (Some(view.status.clone()), Outcome::TrafficShifted);
        }
        last = Some(view);
        sleep(stop).await;
    }
}

/// Stages in which all production traffic is on green and blue still runs (ECS's bake time) or is being
/// removed: the native counterpart of CodeDeploy's termination wait.
const FULLY_SHIFTED: [&str; 2] = ["BAKE_TIME", "CLEAN_UP"];

/// With `wait_for = traffic_shifted`: true once production is fully on green in a deployment still in
/// progress, and `bake_time` has passed since production traffic began to move.
fn traffic_shifted_done(
    spec: &NativeSpec,
    view: &ServiceDeploymentView,
    shifted_at: Option<Instant>,
) -> bool {
    spec.wait_for == WaitFor::TrafficShifted
        && view.status == "IN_PROGRESS"
        && view.production_shifted()
        && view
            .stage
            .as_deref()
            .is_some_and(|s| FULLY_SHIFTED.contains(&s))
        && shifted_at.is_some_and(|at| at.elapsed() >= spec.bake_time)
}

/// ECS's own account of how a deployment ended, with what it saw (`cause`) when known.
fn ecs_reason(view: &ServiceDeploymentView, verb: &str, cause: Option<&str>) -> String {
    let id = short_id(&view.arn);
    let why = view
        .rollback_reason
        .clone()
        .or_else(|| view.status_reason.clone())
        .unwrap_or_else(|| "ECS gave no reason".into());
    let alarms = if let Some(cause) = cause {
        format!(" What ECS saw: {cause}")
    } else if view.triggered_alarms.is_empty() {
        String::new()
    } else {
        format!(" (alarms fired: {})", view.triggered_alarms.join(", "))
    };
    let stage = view
        .stage
        .as_deref()
        .map(|s| format!(" at {s}"))
        .unwrap_or_default();
    if verb.is_empty() {
        format!("{why}{alarms}")
    } else {
        format!(
            "Service deployment {id} {verb}{stage} ({}): {why}{alarms}",
            view.status
        )
    }
}
