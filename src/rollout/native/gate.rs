//! The gate at the pause: while a PAUSE hook holds the service deployment at `POST_TEST_TRAFFIC_SHIFT`
//! (test traffic on green, production on blue), run the checks against the test listener and answer the
//! hook with CONTINUE, or ROLLBACK naming the check that failed.

use tokio_util::sync::CancellationToken;

use super::record::Recorder;
use super::spec::NativeSpec;
use crate::aws::{short_id, Aws, ServiceDeploymentView, GATE_STAGE};
use crate::rollout::gate::{Gate, GateContext};
use crate::rollout::report::EntryKind;

/// What the gate decided.
pub(super) enum AtPause {
    /// Not held at the gate's pause (or already answered).
    NotHeld,
    /// Answered CONTINUE.
    Continued,
    /// Answered ROLLBACK; the reason in words.
    RolledBack(String),
    /// Interrupted while the gate ran; the hook is unanswered.
    Interrupted,
}

/// The PAUSE hook awaiting an answer at the gate's stage, if the deployment is held there.
pub(super) fn held_hook(view: &ServiceDeploymentView) -> Option<&str> {
    if view.stage.as_deref() != Some(GATE_STAGE) || view.status != "IN_PROGRESS" {
        return None;
    }
    view.hooks
        .iter()
        .find(|h| h.target_type == "PAUSE" && h.status == "AWAITING_ACTION")
        .map(|h| h.id.as_str())
}

/// Runs the gate at the pause and answers the hook.
pub(super) async fn at_pause(
    aws: &Aws,
    spec: &NativeSpec,
    gate: &dyn Gate,
    view: &ServiceDeploymentView,
    rec: &mut Recorder,
    stop: &CancellationToken,
) -> AtPause {
    let Some(hook) = held_hook(view) else {
        return AtPause::NotHeld;
    };
    let id = short_id(&view.arn).to_string();
    let mut failure = None;
    if !gate.is_empty() {
        rec.note(
            spec,
            Some(&view.arn),
            EntryKind::Gate,
            format!(
                "gate started against {} (hook {hook})",
                spec.test_url.as_deref().unwrap_or("no test listener")
            ),
        );
        let ctx = GateContext {
            deployment_id: view.arn.clone(),
            task_definition_arn: spec.task_definition_arn.clone(),
            test_url: spec.test_url.clone(),
        };
        let verdict = gate.run(&ctx, stop).await;
        if verdict.interrupted {
            return AtPause::Interrupted;
        }
        for check in &verdict.checks {
            let word = if check.passed { "passed" } else { "FAILED" };
            rec.note(
                spec,
                Some(&view.arn),
                EntryKind::Gate,
                format!("gate check {} {word}: {}", check.name, check.detail),
            );
        }
        failure = verdict.first_failure().map(|c| {
            format!("Gate check {} failed while service deployment {id} was held at {GATE_STAGE} (test traffic on {}): {}", c.name, spec.task_definition_arn, c.detail)
        });
        if failure.is_none() {
            rec.note(spec, Some(&view.arn), EntryKind::Gate, "gate passed".into());
        }
    }
    let rollback = failure.is_some();
    match aws
        .continue_service_deployment(&view.arn, hook, rollback)
        .await
    {
        Ok(()) => {
            let action = if rollback { "ROLLBACK" } else { "CONTINUE" };
            rec.note(
                spec,
                Some(&view.arn),
                EntryKind::Note,
                format!("ContinueServiceDeployment {action} (hook {hook})"),
            );
        }
        Err(err) => {
            let reason =
                format!("Answering PAUSE hook {hook} of service deployment {id} failed: {err}");
            return AtPause::RolledBack(
                failure.map_or(reason.clone(), |f| format!("{f}. {reason}")),
            );
        }
    }
    match failure {
        Some(reason) => AtPause::RolledBack(reason),
        None => AtPause::Continued,
    }
}
