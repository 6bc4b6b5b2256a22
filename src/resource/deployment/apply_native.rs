//! `terraform apply` on the ECS-native engine: decide again on facts read afresh, refuse when production
//! moved since the plan, when someone else's service deployment is in flight or an alarm already fires,
//! register (or reuse) the revision, run the native rollout, and record what serves afterwards.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::aws::{short_id, Aws};
use crate::plugin::diagnostics::AttributePath;
use crate::plugin::resource::{ApplyRequest, ApplyResponse};
use crate::plugin::value::Value;
use crate::rollout::gate::{Gate, NoGate};
use crate::rollout::native::{self, NativeSpec};
use crate::rollout::ProgressSink;

use super::decide::{compare, Revision};
use super::diagnose::firing_alarms;
use super::model::{attr, in_flight, Config, State};
use super::native_target::{connect_native, fill_service, PAUSE_HOOK_HCL};
use super::redecide::{decide_again, record_without_rollout, target_revision};
use super::report::write;

/// Applies a planned change on the native engine; `state` is the planned state.
pub async fn apply(
    aws: Option<Aws>,
    progress: Option<Arc<dyn ProgressSink>>,
    req: &ApplyRequest,
    cfg: &Config,
    mut state: State,
    stop: &CancellationToken,
) -> ApplyResponse {
    let mut resp = ApplyResponse {
        new_state: req.prior_state.clone(),
        private: req.planned_private.clone(),
        ..ApplyResponse::default()
    };
    let prior = State::from_value(&req.prior_state).filter(State::is_native);
    let creating = prior.is_none();
    let refuse = |resp: &mut ApplyResponse, summary: &str, detail: String| {
        resp.diagnostics.error(summary, detail);
        if creating {
            resp.new_state = Value::Null;
        }
    };
    let Some((cluster, service)) = cfg.names.native.clone() else {
        refuse(&mut resp, "Service unknown at apply", "cluster_name and service_name are still unknown during apply; this is a bug in the provider.".into());
        return resp;
    };
    let (aws, svc) = match connect_native(aws, &cluster, &service).await {
        Ok(connected) => connected,
        Err(d) => {
            resp.diagnostics.extend(d);
            return resp;
        }
    };
    if cfg.gate.is_some() && !svc.pauses_after_test_traffic {
        // Checked at plan too, unless the service did not exist then (created in this apply).
        refuse(&mut resp, "The service does not hold test traffic for the gate", format!("Service {cluster}/{service} has no PAUSE lifecycle hook at POST_TEST_TRAFFIC_SHIFT, so ECS would move production traffic to green without waiting for the test gate. Nothing was registered or deployed. Add the hook to the aws_ecs_service (hashicorp/aws 6.x):\n\n{PAUSE_HOOK_HCL}"));
        return resp;
    }
    let planned = state.clone();
    fill_service(&mut state, cfg.gate_url.clone(), &svc);
    let live_before = svc.live_task_definition.clone();
    let decision =
        match decide_again(&aws, cfg, live_before.as_deref(), prior.as_ref(), &state).await {
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
        refuse(
            &mut resp,
            "Production changed since the plan",
            format!("{changed}\n\nNothing was registered or deployed."),
        );
        return resp;
    }
    let mut alarms = svc.alarms.clone();
    alarms.extend(
        cfg.names
            .alarms
            .iter()
            .filter(|a| !svc.alarms.contains(a))
            .cloned(),
    );
    let mut adopt = in_flight(&req.planned_private);
    if decision.deploy && adopt.is_none() {
        // After a killed apply nothing names its service deployment; one in flight to the very revision
        // this apply would deploy is that one, and is followed rather than refused.
        if let (Revision::Existing(arn), Some(requested)) =
            (&decision.revision, &svc.requested_task_definition)
        {
            if arn == requested {
                adopt = aws
                    .service_deployments(&cluster, &service, true)
                    .await
                    .ok()
                    .and_then(|a| a.into_iter().next());
            }
        }
    }
    if decision.deploy && adopt.is_none() {
        if let Some(reason) = foreign_in_flight(&aws, &cluster, &service).await {
            refuse(
                &mut resp,
                "Rollout blocked by another deployment",
                format!("{reason} Nothing was registered or deployed."),
            );
            return resp;
        }
        if let Err(reason) = production_healthy(&aws, svc.production_rule.as_deref()).await {
            refuse(
                &mut resp,
                "Rollout refused before it started",
                format!(
                    "{reason}\n\nNothing was registered or deployed; production still serves {}.",
                    live_before.as_deref().unwrap_or("what it served")
                ),
            );
            return resp;
        }
        let firing = aws.alarms_in_alarm(&alarms).await;
        if !firing.is_empty() {
            refuse(&mut resp, "Rollout refused before it started", format!("{}. The service deployment would be rolled back at once. Fix what the alarm reports first.\n\nNothing was registered or deployed; production still serves {}.", firing_alarms(&firing), live_before.as_deref().unwrap_or("what it served")));
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
    let spec = NativeSpec {
        cluster: cluster.clone(),
        service: service.clone(),
        task_definition_arn: target.clone(),
        previous_task_definition_arn: live_before.clone(),
        alarms,
        bake_time: cfg.timing.bake_time,
        on_interrupt: cfg.timing.on_interrupt,
        timeout: cfg.timeout(creating),
        test_url: state.test_listener_url.as_deref().map(str::to_string),
        progress,
    };
    let no_gate = NoGate;
    let gate: &dyn Gate = match &cfg.gate {
        Some(g) => g,
        None => &no_gate,
    };
    let report = native::run(&aws, &spec, gate, adopt.as_deref(), stop).await;
    let live_after = match aws.native_service(&cluster, &service).await {
        Ok(now) => now.live_task_definition,
        Err(_) if report.green_serves_production => Some(target.clone()),
        Err(_) => live_before.clone(),
    };
    write(
        &aws,
        &target,
        live_before,
        live_after,
        report,
        &mut state,
        &mut resp,
        "service deployment",
    )
    .await;
    resp.new_state = state.to_value();
    resp
}

/// Someone else's service deployment still in flight on the service, in words.
pub async fn foreign_in_flight(aws: &Aws, cluster: &str, service: &str) -> Option<String> {
    let arns = aws.service_deployments(cluster, service, true).await.ok()?;
    let arn = arns.first()?;
    let view = aws.service_deployment(arn).await.ok().flatten();
    let detail = view
        .map(|v| {
            format!(
                "{}{}",
                v.status,
                v.stage.map(|s| format!(" at {s}")).unwrap_or_default()
            )
        })
        .unwrap_or_else(|| "in flight".into());
    Some(format!("Service deployment {} of {cluster}/{service} is {detail}, started outside this resource; it is left alone. Wait for it to end (or stop it) and apply again.", short_id(arn)))
}

/// Pre-flight: production traffic reaches a target group with healthy targets, so a rollback has somewhere
/// to go back to.
async fn production_healthy(aws: &Aws, rule: Option<&str>) -> Result<(), String> {
    let Some(rule) = rule else {
        return Ok(());
    };
    let weights = aws
        .rule_forwarding(rule)
        .await
        .map_err(|e| format!("Cannot read the production listener rule {rule}: {e}"))?;
    let serving: Vec<String> = weights
        .into_iter()
        .filter_map(|(tg, w)| (w > 0).then_some(tg))
        .collect();
    if serving.is_empty() {
        return Err(format!("The production listener rule {rule} forwards to no target group, so production is already down."));
    }
    for tg in &serving {
        let healthy = aws
            .healthy_targets(tg)
            .await
            .map_err(|e| format!("Cannot read target health of {tg}: {e}"))?;
        if healthy == 0 {
            return Err(format!("Production listener rule {rule} sends traffic to target group {tg}, which has no healthy targets: production is already down (or the rule was changed outside ECS), and a blue/green rollout cannot roll back to it."));
        }
    }
    Ok(())
}
