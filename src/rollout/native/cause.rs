//! What made ECS end a service deployment on its own (a deployment alarm of the service, a Lambda or PAUSE
//! hook that failed or timed out), in words: an apply that ECS rolled back says what ECS saw, not only
//! ECS's one-line status reason.

use crate::aws::{Aws, ServiceDeploymentView};

/// The triggered alarms (with CloudWatch's reason) and the failed or timed-out hooks (with their
/// function) of a deployment ECS is ending; None when the deployment names neither.
pub(super) async fn ecs_saw(aws: &Aws, view: &ServiceDeploymentView) -> Option<String> {
    let mut said = Vec::new();
    for name in &view.triggered_alarms {
        said.push(match aws.alarm(name).await {
            Ok(Some(state)) if state.firing() => {
                format!("alarm '{name}' is in ALARM ({})", state.reason)
            }
            Ok(Some(state)) => format!(
                "alarm '{name}' went into ALARM (now {}: {})",
                state.state, state.reason
            ),
            _ => format!("alarm '{name}' went into ALARM"),
        });
    }
    for hook in view
        .hooks
        .iter()
        .filter(|h| matches!(h.status.as_str(), "FAILED" | "TIMED_OUT"))
    {
        let kind = if hook.target_type == "PAUSE" {
            "PAUSE"
        } else {
            "Lambda"
        };
        let target = hook
            .target_arn
            .as_deref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default();
        said.push(format!(
            "{kind} hook {}{target} ended {}",
            hook.id, hook.status
        ));
    }
    (!said.is_empty()).then(|| said.join("; "))
}
