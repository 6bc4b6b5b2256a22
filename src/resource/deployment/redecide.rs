//! Apply's second decision, on facts read afresh the way plan read them, and what a no-rollout apply keeps
//! of the prior state; shared by both engines' applies.

use crate::aws::Aws;

use super::decide::{decide, triggers_changed, DecideError, Decision, Wanted};
use super::facts::gather;
use super::model::{Config, Field, State};

/// The decision on facts read now, the same way plan read them.
pub(super) async fn decide_again(
    aws: &Aws,
    cfg: &Config,
    live: Option<&str>,
    prior: Option<&State>,
    state: &State,
) -> Result<Decision, String> {
    let live = gather(aws, cfg, live, prior).await;
    let prior_appspec = prior.map(State::appspec_key);
    let planned_appspec = state.appspec_key();
    let wanted = Wanted {
        source: &cfg.source,
        pinned_arn: cfg.pinned_arn.as_deref(),
        sensitive: &cfg.names.sensitive_environment,
        prior_appspec: prior_appspec.as_ref(),
        planned_appspec: &planned_appspec,
        redeploy: triggers_changed(
            prior.map(State::redeploy_triggers),
            state.redeploy_triggers(),
        ),
    };
    decide(&wanted, &live).map_err(|err| match err {
        DecideError::PinnedDiffers { pinned } => format!(
            "task_definition_arn {pinned} does not hold the content of task_definition. Nothing was registered or deployed."
        ),
    })
}

/// Without a rollout, the last rollout's results stay as they were.
pub(super) fn keep_prior_results(state: &mut State, prior: Option<&State>) {
    let keep = |field: &mut Field<String>, prior: Option<&Field<String>>| {
        if field.is_unknown() {
            *field = prior.cloned().unwrap_or_default();
        }
    };
    keep(&mut state.deployment_id, prior.map(|p| &p.deployment_id));
    keep(&mut state.status, prior.map(|p| &p.status));
    keep(
        &mut state.previous_task_definition_arn,
        prior.map(|p| &p.previous_task_definition_arn),
    );
    if state.timeline.is_unknown() {
        state.timeline = prior.map(|p| p.timeline.clone()).unwrap_or_default();
    }
}
