//! `terraform plan`: check the configuration against AWS, decide, and show what will ship — the planned
//! state (unknown where apply decides) and the task definition diff in words.

use crate::aws::{Aws, Purpose};
use crate::plugin::diagnostics::AttributePath;
use crate::plugin::resource::{PlanRequest, PlanResponse};
use crate::taskdef;

use super::decide::{
    decide, moved_message, production_moved, same_task_definition, triggers_changed, DecideError,
    Reason, Revision, Wanted,
};
use super::diagnose::{connect, firing_alarms, HOLD_TRAFFIC_HCL};
use super::facts::gather;
use super::fill::fill_group;
use super::model::{self, attr, Field, Source, State};
use super::references;

/// Plans a change of `ecsbg_deployment`.
pub async fn plan(aws: Option<Aws>, req: PlanRequest) -> PlanResponse {
    let mut resp = PlanResponse {
        planned_state: req.proposed_new_state.clone(),
        planned_private: req.prior_private.clone(),
        ..PlanResponse::default()
    };
    let Some(mut planned) = State::from_value(&req.proposed_new_state) else {
        if let Some(prior) = State::from_value(&req.prior_state) {
            resp.diagnostics.warning(
                "Destroying ecsbg_deployment leaves the service serving",
                format!("Destroy only removes {}:{} from the Terraform state. The ECS service{} keeps serving {}, and the CodeDeploy deployment group and every task definition revision stay as they are. Delete the service with the resource that manages it (e.g. aws_ecs_service) if that is what you want.",
                    prior.application_name(), prior.deployment_group_name(),
                    prior.service_name.as_deref().map(|s| format!(" {s}")).unwrap_or_default(),
                    prior.task_definition_arn.as_deref().unwrap_or("what it serves")),
            );
        }
        return resp;
    };
    let (cfg, diags) = model::parse(&req.config);
    resp.diagnostics.extend(diags);
    if resp.diagnostics.has_errors() {
        return resp;
    }
    if model::addresses_native(&req.config) {
        super::plan_native::plan(aws, &req, &cfg, planned, &mut resp).await;
        return resp;
    }
    let prior = State::from_value(&req.prior_state);
    if let Some(prior) = &prior {
        if prior.application_name() != planned.application_name() {
            resp.requires_replace
                .push(AttributePath::root(attr::APPLICATION_NAME));
        }
        if prior.deployment_group_name() != planned.deployment_group_name() {
            resp.requires_replace
                .push(AttributePath::root(attr::DEPLOYMENT_GROUP_NAME));
        }
    }
    if req.config.get(attr::APPLICATION_NAME).is_unknown()
        || req.config.get(attr::DEPLOYMENT_GROUP_NAME).is_unknown()
    {
        planned.id = Field::Unknown;
        planned.cluster_name = Field::Unknown;
        planned.service_name = Field::Unknown;
        planned.test_listener_url = Field::Unknown;
        planned.task_definition_arn = Field::Unknown;
        plan_rollout_results(&mut planned, None, true);
        planned.previous_task_definition_arn = Field::Unknown;
        resp.planned_state = planned.to_value();
        return resp;
    }
    let (application, group_name) = (
        &cfg.names.application_name,
        &cfg.names.deployment_group_name,
    );
    let (aws, group) = match connect(aws, application, group_name, Purpose::Plan).await {
        Ok(connected) => connected,
        Err(d) => {
            resp.diagnostics.extend(d);
            return resp;
        }
    };
    if cfg.gate.is_some() && !group.holds_traffic {
        resp.diagnostics.attribute_error(
            AttributePath::root(attr::TEST_GATE),
            "The deployment group does not hold traffic for tests",
            format!("Deployment group {group_name:?} moves production traffic to green at once (deployment_ready_option CONTINUE_DEPLOYMENT), so there is no moment to run the test gate before production is affected. Make the group hold traffic:\n\n{HOLD_TRAFFIC_HCL}"),
        );
        return resp;
    }
    if let Some(d) = references::check(&aws, &cfg).await {
        resp.diagnostics.extend(d);
        return resp;
    }
    // (A changed application or group is a replacement, planned again as a create: the prior state
    // recorded another group's revision.)
    if let Some(recorded) = prior.as_ref().filter(|_| resp.requires_replace.is_empty()) {
        let recorded = recorded.task_definition_arn.as_deref();
        if let Some(now) = group
            .live_task_definition
            .as_deref()
            .filter(|now| production_moved(recorded, Some(now)))
        {
            let by = aws
                .latest_deployment(application, group_name)
                .await
                .ok()
                .flatten()
                .map(|d| {
                    format!(
                        "{} (creator {}, created {}, {})",
                        d.id, d.creator, d.created, d.status
                    )
                });
            resp.diagnostics.error(
                "Production changed since the plan",
                moved_message(recorded, now, by.as_deref()),
            );
            return resp;
        }
    }
    fill_group(
        &mut planned,
        application,
        group_name,
        cfg.gate_url.clone(),
        &group,
    );
    if let (Source::Json(td), None) = (&cfg.source, &cfg.appspec.container_name) {
        if let Some(name) = &group.container_name {
            if !taskdef::container_names(td).contains(name) {
                resp.diagnostics.attribute_error(AttributePath::root(attr::TASK_DEFINITION), "Load balancer container missing", format!("The service's load balancer sends traffic to container {name:?}, which this task definition does not have. Add it, or set `container_name`."));
                return resp;
            }
        }
    }
    let target = Target {
        label: format!("{}/{}", group.cluster, group.service),
        live_arn: group.live_task_definition.as_deref(),
        alarms: &group.alarms,
    };
    finish(
        &aws,
        &cfg,
        &target,
        prior.as_ref(),
        planned,
        &req.config,
        &mut resp,
    )
    .await;
    resp
}

/// The service a plan ships to, as either engine found it.
pub(super) struct Target<'a> {
    /// `<cluster>/<service>`, for messages.
    pub label: String,
    /// The revision serving production.
    pub live_arn: Option<&'a str>,
    /// The alarms the engine watches when `alarms` is not set.
    pub alarms: &'a [String],
}

/// The part of a plan both engines share: decide on the live facts, show the diff, and fill the planned
/// revision, task definition text and rollout results.
pub(super) async fn finish(
    aws: &Aws,
    cfg: &model::Config,
    target: &Target<'_>,
    prior: Option<&State>,
    mut planned: State,
    config: &crate::plugin::value::Value,
    resp: &mut PlanResponse,
) {
    let live = gather(aws, cfg, target.live_arn, prior).await;
    let prior_appspec = prior.map(State::appspec_key);
    let planned_appspec = planned.appspec_key();
    let wanted = Wanted {
        source: &cfg.source,
        pinned_arn: cfg.pinned_arn.as_deref(),
        sensitive: &cfg.names.sensitive_environment,
        prior_appspec: prior_appspec.as_ref(),
        planned_appspec: &planned_appspec,
        redeploy: triggers_changed(
            prior.map(State::redeploy_triggers),
            planned.redeploy_triggers(),
        ),
    };
    let decision = match decide(&wanted, &live) {
        Ok(decision) => decision,
        Err(DecideError::PinnedDiffers { pinned }) => {
            resp.diagnostics.attribute_error(
                AttributePath::root(attr::TASK_DEFINITION_ARN),
                "Conflicting task definitions",
                format!("task_definition_arn {pinned} does not hold the content of task_definition, so it is unclear which to deploy. Set only one, not both: delete the `task_definition_arn` line to deploy the JSON (a block generated by `terraform plan -generate-config-out` carries both), or the `task_definition` line to deploy that revision."),
            );
            return;
        }
    };

    // The task definition text: keep what state holds when it says the same (no diff of formatting), and
    // for a named revision show its content, unknown when it changes.
    let revision_changed = decision.reasons.contains(&Reason::RevisionChanged);
    match &cfg.source {
        Source::Json(user) => {
            let prior_same = prior
                .and_then(|p| p.task_definition.as_deref())
                .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
                .is_some_and(|prior_td| same_task_definition(&prior_td, user));
            if let (true, Some(prior)) = (prior_same, prior) {
                planned.task_definition = prior.task_definition.clone();
            }
        }
        Source::Arn(_) if revision_changed => planned.task_definition = Field::Unknown,
        Source::Arn(_) => {
            planned.task_definition = match prior.map(|p| &p.task_definition) {
                None | Some(Field::Null) => {
                    Field::from_option(live.json.as_ref().map(taskdef::canonical_json))
                }
                Some(kept) => kept.clone(),
            }
        }
        Source::Unknown => {}
    }
    planned.task_definition_arn = match &decision.revision {
        Revision::Existing(arn) => Field::Known(arn.clone()),
        Revision::Register | Revision::Unknown => Field::Unknown,
    };
    if decision.deploy {
        plan_rollout_results(&mut planned, None, true);
        planned.previous_task_definition_arn = Field::from_option(live.arn.clone());
        if !decision.summary.is_empty() {
            resp.diagnostics.warning(
                format!("ecsbg_deployment will roll out to {}", target.label),
                decision.summary.join("\n"),
            );
        }
        let firing = aws.alarms_in_alarm(&cfg.alarms_or(target.alarms)).await;
        if !firing.is_empty() {
            resp.diagnostics.attribute_warning(AttributePath::root(attr::ALARMS), "An alarm is already in ALARM", format!("{}. The rollout would be stopped at once, so the apply will refuse to start it. Fix what the alarm reports, or watch different alarms with `alarms`.", firing_alarms(&firing)));
        }
    } else {
        plan_rollout_results(&mut planned, prior, false);
        planned.previous_task_definition_arn = prior
            .map(|p| p.previous_task_definition_arn.clone())
            .unwrap_or_default();
    }
    if prior.is_none() {
        leave_production_facts_to_apply(&mut planned, config);
    }
    resp.planned_state = planned.to_value();
}

/// On create, Terraform repeats this plan during apply with no prior state, so nothing there could tell
/// that production moved since the plan, and a known value that came out differently would be Terraform's
/// "inconsistent final plan". What depends on what serves production is therefore known only after apply:
/// the revision (unless configured), its content (for a configured ARN), the previous revision and the
/// rollout's results.
fn leave_production_facts_to_apply(planned: &mut State, config: &crate::plugin::value::Value) {
    if config.get(attr::TASK_DEFINITION_ARN).is_null() {
        planned.task_definition_arn = Field::Unknown;
    }
    if config.get(attr::TASK_DEFINITION).is_null() {
        planned.task_definition = Field::Unknown;
    }
    planned.previous_task_definition_arn = Field::Unknown;
    plan_rollout_results(planned, None, true);
}

/// The last rollout's results: unknown when a rollout is planned, else as the prior state has them.
fn plan_rollout_results(planned: &mut State, prior: Option<&State>, rollout: bool) {
    if rollout {
        planned.deployment_id = Field::Unknown;
        planned.status = Field::Unknown;
        planned.timeline = Field::Unknown;
    } else {
        planned.deployment_id = prior.map(|p| p.deployment_id.clone()).unwrap_or_default();
        planned.status = prior.map(|p| p.status.clone()).unwrap_or_default();
        planned.timeline = prior.map(|p| p.timeline.clone()).unwrap_or_default();
    }
}
