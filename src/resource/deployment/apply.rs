//! `terraform apply`: decide again on facts read afresh (refusing when they no longer match the plan),
//! check that starting is safe, register the revision if needed, run the rollout, and record what serves
//! production afterwards.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::aws::{Aws, Purpose};
use crate::plugin::diagnostics::AttributePath;
use crate::plugin::resource::{ApplyRequest, ApplyResponse};
use crate::rollout::appspec::AppSpec;
use crate::rollout::gate::{Gate, NoGate};
use crate::rollout::{foreign_in_flight, rollout_description, ProgressSink, RolloutSpec};

use super::decide::compare;
use super::diagnose::connect;
use super::fill::fill_group;
use super::model::{self, attr, in_flight, State};
use super::preflight;
use super::redecide::{decide_again, record_without_rollout, target_revision};
use super::references;
use super::report::record;

/// Applies a planned change of `ecsbg_deployment`.
pub async fn apply(
    aws: Option<Aws>,
    progress: Option<Arc<dyn ProgressSink>>,
    req: ApplyRequest,
    stop: &CancellationToken,
) -> ApplyResponse {
    let mut resp = ApplyResponse {
        new_state: req.prior_state.clone(),
        private: req.planned_private.clone(),
        ..ApplyResponse::default()
    };
    let Some(mut state) = State::from_value(&req.planned_state) else {
        // Destroy forgets the resource; the service keeps serving what it serves.
        resp.new_state = crate::plugin::value::Value::Null;
        resp.private = Vec::new();
        return resp;
    };
    let (cfg, diags) = model::parse(&req.config);
    resp.diagnostics.extend(diags);
    if resp.diagnostics.has_errors() {
        return resp;
    }
    if model::addresses_native(&req.config) {
        return super::apply_native::apply(aws, progress, &req, &cfg, state, stop).await;
    }
    let (application, group_name) = (
        &cfg.names.application_name,
        &cfg.names.deployment_group_name,
    );
    let (aws, group) = match connect(aws, application, group_name, Purpose::Apply).await {
        Ok(connected) => connected,
        Err(d) => {
            resp.diagnostics.extend(d);
            return resp;
        }
    };
    if let Some(d) = references::recheck(&aws, &cfg, &group, &req.planned_private).await {
        resp.diagnostics.extend(d);
        return resp;
    }
    let planned = state.clone();
    fill_group(
        &mut state,
        application,
        group_name,
        cfg.gate_url.clone(),
        &group,
    );
    let prior = State::from_value(&req.prior_state);
    let creating = prior.is_none();
    let decision = match decide_again(
        &aws,
        &cfg,
        group.live_task_definition.as_deref(),
        prior.as_ref(),
        &state,
    )
    .await
    {
        Ok(decision) => decision,
        Err(message) => {
            resp.diagnostics.attribute_error(
                AttributePath::root(attr::TASK_DEFINITION_ARN),
                "Conflicting task definitions",
                message,
            );
            return resp;
        }
    };
    let live_before = group.live_task_definition.clone();
    let planned_deploy = planned.plans_rollout();
    if let Some(changed) = compare(
        planned_deploy,
        planned
            .previous_task_definition_arn
            .as_deref()
            .filter(|_| planned_deploy),
        planned.task_definition_arn.as_deref(),
        &decision,
        live_before.as_deref(),
    ) {
        resp.diagnostics.error(
            "Production changed since the plan",
            format!("{changed}\n\nNothing was registered or deployed."),
        );
        if creating {
            resp.new_state = crate::plugin::value::Value::Null;
        }
        return resp;
    }
    let alarms = cfg.alarms_or(&group.alarms);
    let adopt = in_flight(&req.planned_private);
    if decision.deploy && adopt.is_none() {
        if let Some(reason) = foreign_in_flight(&aws, application, group_name).await {
            resp.diagnostics.error(
                "Rollout blocked by another deployment",
                format!("{reason} Nothing was registered or deployed."),
            );
            if creating {
                resp.new_state = crate::plugin::value::Value::Null;
            }
            return resp;
        }
        if let Err(reason) = preflight::check(&aws, &group, &alarms).await {
            resp.diagnostics.error(
                "Rollout refused before it started",
                format!(
                    "{reason}\n\nNothing was registered or deployed; production still serves {}.",
                    live_before.as_deref().unwrap_or("what it served")
                ),
            );
            if creating {
                resp.new_state = crate::plugin::value::Value::Null;
            }
            return resp;
        }
    }
    let target = match target_revision(&aws, &decision, &cfg.source).await {
        Ok(arn) => arn,
        Err(d) => {
            resp.diagnostics.extend(d);
            return resp;
        }
    };
    if !decision.deploy {
        record_without_rollout(&aws, &mut state, &target, prior.as_ref()).await;
        resp.new_state = state.to_value();
        return resp;
    }

    let appspec = AppSpec {
        task_definition_arn: target.clone(),
        container_name: state
            .container_name
            .as_deref()
            .unwrap_or_default()
            .to_string(),
        container_port: state.container_port.known().copied().unwrap_or(0),
        platform_version: cfg.appspec.platform_version.clone(),
        network_configuration: cfg.appspec.network_configuration.clone(),
        capacity_provider_strategy: cfg.appspec.capacity_provider_strategy.clone(),
        hooks: cfg.hooks.clone(),
    };
    let spec = RolloutSpec {
        application_name: application.clone(),
        deployment_group_name: group_name.clone(),
        appspec,
        deployment_config_name: cfg.names.deployment_config_name.clone(),
        alarms,
        bake_time: cfg.timing.bake_time,
        previous_task_definition_arn: live_before.clone(),
        on_interrupt: cfg.timing.on_interrupt,
        wait_for: cfg.timing.wait_for,
        timeout: cfg.timeout(creating),
        test_url: cfg.gate_url.clone().or_else(|| group.test_url.clone()),
        description: rollout_description(application, group_name),
        ecs_target_id: Some(format!("{}:{}", group.cluster, group.service)),
        progress,
    };
    let no_gate = NoGate;
    let gate: &dyn Gate = match &cfg.gate {
        Some(g) => g,
        None => &no_gate,
    };
    let report = crate::rollout::run(&aws, &spec, gate, adopt.as_deref(), stop).await;
    record(&aws, &spec, &target, report, &mut state, &mut resp).await;
    resp.new_state = state.to_value();
    resp
}
