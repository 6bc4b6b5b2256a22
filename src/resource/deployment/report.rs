//! After a rollout: what serves production now (asked of ECS, never assumed), written into state, and the
//! account the user reads when it did not succeed — which deployment, what happened, the timeline.

use crate::aws::{Aws, Purpose};
use crate::plugin::resource::ApplyResponse;
use crate::rollout::{Outcome, RolloutReport, RolloutSpec};
use crate::taskdef;

use super::model::{private_in_flight, Field, State};

/// Records the rollout's outcome in `state` and `resp`.
pub async fn record(
    aws: &Aws,
    spec: &RolloutSpec,
    target: &str,
    report: RolloutReport,
    state: &mut State,
    resp: &mut ApplyResponse,
) {
    // The truth, from ECS: what serves production now.
    let live_after = match aws
        .deployment_group(
            &spec.application_name,
            &spec.deployment_group_name,
            Purpose::Apply,
        )
        .await
    {
        Ok(g) => g.live_task_definition,
        Err(_) if report.green_serves_production => Some(target.to_string()),
        Err(_) => spec.previous_task_definition_arn.clone(),
    };
    let previous = spec.previous_task_definition_arn.clone();
    write(
        aws,
        target,
        previous,
        live_after,
        report,
        state,
        resp,
        "CodeDeploy deployment",
    )
    .await;
}

/// Writes the outcome into `state` and `resp`, given what serves production now (`live_after`) and what
/// served before; `what` names the engine's deployment in messages.
#[allow(clippy::too_many_arguments)]
pub async fn write(
    aws: &Aws,
    target: &str,
    previous: Option<String>,
    live_after: Option<String>,
    report: RolloutReport,
    state: &mut State,
    resp: &mut ApplyResponse,
    what: &str,
) {
    state.task_definition_arn = Field::from_option(live_after.clone());
    let serving_target = live_after.as_deref() == Some(target);
    if !serving_target || state.task_definition.is_unknown() {
        let described = match &live_after {
            Some(arn) => aws.task_definition(arn).await.ok(),
            None => None,
        };
        state.task_definition = Field::from_option(described.as_ref().map(taskdef::canonical_json));
    }
    state.previous_task_definition_arn = Field::from_option(previous);
    state.deployment_id = Field::from_option(report.deployment_id.clone());
    state.status = Field::Known(report.outcome.word().to_string());
    state.timeline = Field::Known(
        report
            .timeline
            .iter()
            .map(|t| format!("{:>7.1}s {}", t.at_seconds, t.what))
            .collect(),
    );
    let timeline: Vec<String> = report
        .timeline
        .iter()
        .map(|t| format!("  {:>7.1}s  {}", t.at_seconds, t.what))
        .collect();
    let serving = live_after.as_deref().unwrap_or("unknown");
    resp.private = Vec::new();
    match &report.outcome {
        Outcome::Succeeded | Outcome::TrafficShifted => {}
        Outcome::RolledBack { reason } => resp.diagnostics.error(
            format!("Rollout of {target} rolled back"),
            format!("{reason}.\n\nProduction serves {serving}. The state records it, so the next plan shows this change again.\n\nTimeline:\n{}", timeline.join("\n")),
        ),
        Outcome::Failed { reason } => resp.diagnostics.error(
            format!("Rollout of {target} failed"),
            format!("{reason}.\n\nProduction serves {serving}.\n\nTimeline:\n{}", timeline.join("\n")),
        ),
        Outcome::Blocked { reason } => resp.diagnostics.error("Rollout blocked by another deployment", reason.clone()),
        Outcome::Detached => {
            let id = report.deployment_id.clone().unwrap_or_default();
            resp.private = private_in_flight(&id);
            resp.diagnostics.error(
                format!("Interrupted: deployment {id} continues without Terraform"),
                format!("on_interrupt = \"detach\": {what} {id} keeps running. The next apply adopts and follows it. Production serves {serving} at the moment.\n\nTimeline:\n{}", timeline.join("\n")),
            );
        }
    }
}
