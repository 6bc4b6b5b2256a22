//! Apply's second decision, on facts read afresh the way plan read them, and what a no-rollout apply keeps
//! of the prior state; shared by both engines' applies.

use crate::aws::Aws;
use crate::plugin::diagnostics::{AttributePath, Diagnostics};
use crate::taskdef;

use super::decide::{decide, triggers_changed, DecideError, Decision, LiveFacts, Revision, Wanted};
use super::facts::gather;
use super::model::{attr, Config, Field, Source, State};

/// The decision on facts read now, the same way plan read them.
pub(super) async fn decide_again(
    aws: &Aws,
    cfg: &Config,
    live: Option<&str>,
    prior: Option<&State>,
    state: &State,
) -> Result<Decision, String> {
    let (_, decision) = decide_on_live(aws, cfg, live, prior, state).await;
    decision.map_err(|err| match err {
        DecideError::PinnedDiffers { pinned } => format!(
            "task_definition_arn {pinned} does not hold the content of task_definition. Nothing was registered or deployed."
        ),
    })
}

/// The facts read now, the way plan and apply both read them, and the decision on them for `state` (the
/// planned or applied state) after `prior`.
pub(super) async fn decide_on_live(
    aws: &Aws,
    cfg: &Config,
    live_arn: Option<&str>,
    prior: Option<&State>,
    state: &State,
) -> (LiveFacts, Result<Decision, DecideError>) {
    let live = gather(aws, cfg, live_arn, prior).await;
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
    let decision = decide(&wanted, &live);
    (live, decision)
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

/// The revision a rollout ships: the one decided on, or the configuration's JSON registered now. The
/// error is apply's diagnostic (ECS refusing the definition, on `task_definition`); nothing was deployed.
pub(super) async fn target_revision(
    aws: &Aws,
    decision: &Decision,
    source: &Source,
) -> Result<String, Diagnostics> {
    let mut d = Diagnostics::new();
    match (&decision.revision, source) {
        (Revision::Existing(arn), _) => return Ok(arn.clone()),
        (Revision::Register, Source::Json(user)) => {
            match aws.register_task_definition(&taskdef::register_input(user)).await {
                Ok(arn) => {
                    tracing::info!(task_definition = %arn, "registered a new task definition revision");
                    return Ok(arn);
                }
                Err(err) => d.attribute_error(
                    AttributePath::root(attr::TASK_DEFINITION),
                    "ECS refused the task definition",
                    format!("{err}. Nothing was deployed."),
                ),
            }
        }
        _ => d.error(
            "Task definition unknown at apply",
            "The task definition is still unknown during apply, although the plan knew it; nothing was deployed. Run `terraform plan` again, and report this if it repeats.",
        ),
    }
    Err(d)
}

/// An apply with nothing to roll out: records `target` (and its content, when the plan could not know it)
/// and keeps the last rollout's results.
pub(super) async fn record_without_rollout(
    aws: &Aws,
    state: &mut State,
    target: &str,
    prior: Option<&State>,
) {
    state.task_definition_arn = Field::Known(target.to_string());
    if state.task_definition.is_unknown() {
        let live = aws.task_definition(target).await.ok();
        state.task_definition = Field::from_option(live.as_ref().map(taskdef::canonical_json));
    }
    keep_prior_results(state, prior);
}
