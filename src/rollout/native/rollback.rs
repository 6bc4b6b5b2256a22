//! Rolling back a native rollout: an alarm while ECS deploys stops the service deployment with rollback;
//! an alarm in the bake time after ECS finished redeploys the previous revision; an interrupt does what
//! `on_interrupt` says.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::record::Recorder;
use super::spec::NativeSpec;
use super::wait::sleep;
use crate::aws::{short_id, Aws, ServiceDeploymentView};
use crate::rollout::report::{EntryKind, Outcome};
use crate::rollout::spec::OnInterrupt;

/// How long a rollback ECS runs after an interrupt is followed before the apply gives up waiting.
const ROLLBACK_WAIT: Duration = Duration::from_secs(600);

/// The watched alarms in ALARM, in words, or None.
async fn fired(aws: &Aws, spec: &NativeSpec) -> Option<String> {
    let firing = aws.alarms_in_alarm(&spec.alarms).await;
    (!firing.is_empty()).then(|| {
        firing
            .iter()
            .map(|a| format!("alarm '{}' is in ALARM ({})", a.name, a.reason))
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// When a watched alarm fires while ECS deploys: StopServiceDeployment with rollback, and the reason.
pub(super) async fn stop_for(
    aws: &Aws,
    spec: &NativeSpec,
    view: &ServiceDeploymentView,
    rec: &mut Recorder,
) -> Option<String> {
    let alarm = fired(aws, spec).await?;
    let id = short_id(&view.arn);
    let stage = view.stage.as_deref().unwrap_or("its start");
    rec.note(spec, Some(&view.arn), EntryKind::Alarm, alarm.clone());
    let reason = format!("{alarm} during {stage} of service deployment {id}");
    match aws.stop_service_deployment(&view.arn).await {
        Ok(()) => {
            rec.note(
                spec,
                Some(&view.arn),
                EntryKind::Rollback,
                format!("StopServiceDeployment ROLLBACK of {id}"),
            );
            Some(reason)
        }
        Err(err) => Some(format!("{reason}; stopping it with rollback failed: {err}")),
    }
}

/// After ECS reports SUCCESSFUL: keep watching the alarms until `bake_time` has passed since production
/// traffic moved; an alarm then redeploys the previous revision.
pub(super) async fn bake(
    aws: &Aws,
    spec: &NativeSpec,
    shifted_at: Instant,
    rec: &mut Recorder,
    stop: &CancellationToken,
) -> Outcome {
    while shifted_at.elapsed() < spec.bake_time && !stop.is_cancelled() {
        if let Some(alarm) = fired(aws, spec).await {
            rec.note(spec, None, EntryKind::Alarm, alarm.clone());
            return redeploy_previous(aws, spec, &alarm, rec).await;
        }
        sleep(stop).await;
    }
    if spec.bake_time > Duration::ZERO {
        rec.note(
            spec,
            None,
            EntryKind::Note,
            format!(
                "bake time of {}s passed without an alarm",
                spec.bake_time.as_secs()
            ),
        );
    }
    Outcome::Succeeded
}

/// Deploys the previous revision again (ECS already finished the rollout) and follows it.
async fn redeploy_previous(
    aws: &Aws,
    spec: &NativeSpec,
    alarm: &str,
    rec: &mut Recorder,
) -> Outcome {
    let Some(previous) = &spec.previous_task_definition_arn else {
        return Outcome::Failed {
            reason: format!(
                "{alarm} during the bake time, and no previous revision is known to go back to"
            ),
        };
    };
    let arn = match aws
        .update_service_task_definition(&spec.cluster, &spec.service, previous)
        .await
    {
        Ok(arn) => arn,
        Err(err) => {
            return Outcome::Failed {
                reason: format!(
                    "{alarm} during the bake time; redeploying {previous} failed: {err}"
                ),
            }
        }
    };
    rec.note(
        spec,
        Some(&arn),
        EntryKind::Rollback,
        format!(
            "redeploying {previous} as service deployment {}",
            short_id(&arn)
        ),
    );
    let status = follow_to_end(aws, spec, &arn, rec, "rollback: ").await;
    let reason = format!("{alarm} during the bake time after ECS finished; {previous} was redeployed (service deployment {}, {status})", short_id(&arn));
    if status == "SUCCESSFUL" {
        Outcome::RolledBack { reason }
    } else {
        Outcome::Failed { reason }
    }
}

/// Follows a deployment without acting on it, answering any PAUSE hook with CONTINUE (a rollback needs
/// no gate); its final status, or `still running` after [`ROLLBACK_WAIT`].
async fn follow_to_end(
    aws: &Aws,
    spec: &NativeSpec,
    arn: &str,
    rec: &mut Recorder,
    prefix: &str,
) -> String {
    let until = Instant::now() + ROLLBACK_WAIT;
    let never = CancellationToken::new();
    while Instant::now() < until {
        if let Ok(Some(view)) = aws.service_deployment(arn).await {
            rec.saw(spec, &view, prefix);
            if view.is_terminal() {
                return view.status;
            }
            if let Some(hook) = super::gate::held_hook(&view) {
                let _ = aws.continue_service_deployment(arn, hook, false).await;
            }
        }
        sleep(&never).await;
    }
    "still running".into()
}

/// Ctrl-C, SIGTERM or the timeout: stop with rollback and follow it, or detach.
pub(super) async fn interrupt(
    aws: &Aws,
    spec: &NativeSpec,
    arn: &str,
    why: &str,
    rec: &mut Recorder,
) -> (Option<String>, Outcome) {
    let id = short_id(arn).to_string();
    match spec.on_interrupt {
        OnInterrupt::Detach => {
            rec.note(
                spec,
                Some(arn),
                EntryKind::Note,
                format!("{why}: detached from service deployment {id}"),
            );
            (None, Outcome::Detached)
        }
        OnInterrupt::Rollback => {
            if let Err(err) = aws.stop_service_deployment(arn).await {
                let reason = format!(
                    "Rollout {why}; stopping service deployment {id} with rollback failed: {err}"
                );
                return (None, Outcome::Failed { reason });
            }
            rec.note(
                spec,
                Some(arn),
                EntryKind::Rollback,
                format!("{why}: StopServiceDeployment ROLLBACK of {id}"),
            );
            let status = follow_to_end(aws, spec, arn, rec, "").await;
            let reason = format!("Rollout {why} (on_interrupt = \"rollback\"): service deployment {id} was stopped with rollback and ended {status}");
            let outcome = if status == "ROLLBACK_SUCCESSFUL" {
                Outcome::RolledBack { reason }
            } else {
                Outcome::Failed { reason }
            };
            (Some(status), outcome)
        }
    }
}
