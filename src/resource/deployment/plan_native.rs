//! `terraform plan` on the ECS-native engine: the same decision, diff and stale-plan refusal as
//! CodeDeploy's (shared through [`finish`](super::plan::finish)), against a service that deploys itself.

use crate::aws::Aws;
use crate::plugin::diagnostics::AttributePath;
use crate::plugin::resource::{PlanRequest, PlanResponse};
use crate::taskdef;

use super::decide::{moved_message, production_moved};
use super::model::{attr, Config, Field, Source, State};
use super::native_target::{connect_native, fill_service, PAUSE_HOOK_HCL};
use super::plan_finish::{finish, Target};
use super::references;

/// Plans a change on the native engine; `planned` is the proposed state, `cfg` the parsed configuration.
pub async fn plan(
    aws: Option<Aws>,
    req: &PlanRequest,
    cfg: &Config,
    mut planned: State,
    resp: &mut PlanResponse,
) {
    let prior = State::from_value(&req.prior_state);
    if let Some(prior) = &prior {
        if !prior.application_name().is_empty() {
            // Moving from CodeDeploy to ECS-native: forgetting the old resource changes nothing live.
            resp.requires_replace
                .push(AttributePath::root(attr::APPLICATION_NAME));
        }
        for (name, before, now) in [
            (
                attr::CLUSTER_NAME,
                &prior.cluster_name,
                &planned.cluster_name,
            ),
            (
                attr::SERVICE_NAME,
                &prior.service_name,
                &planned.service_name,
            ),
        ] {
            if before.known().is_some() && before != now {
                resp.requires_replace.push(AttributePath::root(name));
            }
        }
    }
    let (Some(cluster), Some(service)) = (
        planned.cluster_name.as_deref().map(str::to_string),
        planned.service_name.as_deref().map(str::to_string),
    ) else {
        planned.id = Field::Unknown;
        planned.test_listener_url = Field::Unknown;
        planned.task_definition_arn = Field::Unknown;
        planned.deployment_id = Field::Unknown;
        planned.status = Field::Unknown;
        planned.timeline = Field::Unknown;
        planned.previous_task_definition_arn = Field::Unknown;
        resp.planned_state = planned.to_value();
        return;
    };
    let (aws, svc) = match connect_native(aws, &cluster, &service).await {
        Ok(connected) => connected,
        Err(d) => {
            resp.diagnostics.extend(d);
            return;
        }
    };
    if cfg.gate.is_some() && !svc.pauses_after_test_traffic {
        resp.diagnostics.attribute_error(
            AttributePath::root(attr::TEST_GATE),
            "The service does not hold test traffic for the gate",
            format!("Service {cluster}/{service} has no PAUSE lifecycle hook at POST_TEST_TRAFFIC_SHIFT, so ECS moves production traffic to green without waiting, and there is no moment to run the test gate before production is affected. Add the hook to the aws_ecs_service (hashicorp/aws 6.x):\n\n{PAUSE_HOOK_HCL}"),
        );
        return;
    }
    if cfg.gate.is_some() && cfg.gate_url.is_none() && svc.test_url.is_none() {
        resp.diagnostics.attribute_error(
            AttributePath::root(attr::TEST_GATE),
            "No test listener",
            format!("Service {cluster}/{service} names no test listener rule (`load_balancer {{ advanced_configuration {{ test_listener_rule = ... }} }}`), so the gate has nowhere to send its requests. Add one, or set `test_gate {{ url = ... }}`."),
        );
        return;
    }
    // The native engine reads the service at plan and does not check again at apply, so what the
    // configuration names must exist now (strict, as at apply).
    let d = references::check(&aws, cfg, references::When::Apply).await;
    if d.has_errors() {
        resp.diagnostics.extend(d);
        return;
    }
    if let Some(recorded) = prior.as_ref().filter(|_| resp.requires_replace.is_empty()) {
        let recorded = recorded.task_definition_arn.as_deref();
        if let Some(now) = svc
            .live_task_definition
            .as_deref()
            .filter(|now| production_moved(recorded, Some(now)))
        {
            let by = svc
                .current_deployment
                .as_deref()
                .map(|d| format!("service deployment {d}"));
            resp.diagnostics.error(
                "Production changed since the plan",
                moved_message(recorded, now, by.as_deref()),
            );
            return;
        }
    }
    fill_service(&mut planned, cfg.gate_url.clone(), &svc);
    if let (Source::Json(td), None) = (&cfg.source, &cfg.appspec.container_name) {
        if let Some(name) = &svc.container_name {
            if !taskdef::container_names(td).contains(name) {
                resp.diagnostics.attribute_error(AttributePath::root(attr::TASK_DEFINITION), "Load balancer container missing", format!("The service's load balancer sends traffic to container {name:?}, which this task definition does not have. Add it, or set `container_name`."));
                return;
            }
        }
    }
    let target = Target {
        label: format!("{cluster}/{service}"),
        live_arn: svc.live_task_definition.as_deref(),
        alarms: &svc.alarms,
        migrating_from: prior
            .as_ref()
            .filter(|p| !p.application_name().is_empty())
            .filter(|p| same_service(p, &cluster, &service))
            .map(|p| format!("{}:{}", p.application_name(), p.deployment_group_name())),
    };
    let prior = prior.filter(|_| resp.requires_replace.is_empty());
    finish(
        &aws,
        cfg,
        &target,
        prior.as_ref(),
        planned,
        &req.config,
        resp,
    )
    .await;
}

/// The CodeDeploy-flavoured prior state deployed this very service (or does not say which it deployed).
fn same_service(prior: &State, cluster: &str, service: &str) -> bool {
    prior
        .cluster_name
        .known()
        .is_none_or(|c| c.as_str() == cluster)
        && prior
            .service_name
            .known()
            .is_none_or(|s| s.as_str() == service)
}
