//! `terraform plan` on the ECS-native engine: the same decision, diff and stale-plan refusal as
//! CodeDeploy's (shared through [`finish`](super::plan::finish)), against a service that deploys itself.
//! As on CodeDeploy, a service (or cluster, alarm) that does not exist yet is a warning, since the same
//! configuration may create it, and the apply checks again before anything is registered.

use crate::aws::Aws;
use crate::plugin::diagnostics::AttributePath;
use crate::plugin::resource::{PlanRequest, PlanResponse};

use super::decide::{moved_message, production_moved};
use super::diagnose::not_configured;
use super::model::{attr, Config, Field, State};
use super::native_target::{
    fill_service, fill_unknown_service, native_error, not_found, not_found_now, service_fits,
};
use super::plan_finish::{finish, leave_production_facts_to_apply, Target};
use super::references::{self, When};

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
        fill_unknown_service(&mut planned);
        leave_production_facts_to_apply(&mut planned, &req.config);
        resp.planned_state = planned.to_value();
        resp.planned_private = references::ask_recheck(&resp.planned_private);
        return;
    };
    let Some(aws) = aws else {
        resp.diagnostics.extend(not_configured());
        return;
    };
    let svc = match aws.native_service(&cluster, &service).await {
        Ok(svc) => svc,
        // Created by this configuration, maybe (aws_ecs_service): plan what the service would tell as
        // unknown, and check everything again at apply before anything is registered.
        Err(err) if not_found(&err) => {
            resp.diagnostics.extend(not_found_now(&cluster, &service));
            let references = references::check(&aws, cfg, When::Plan).await;
            let failed = references.has_errors();
            resp.diagnostics.extend(references);
            if failed {
                return;
            }
            planned.id = Field::Known(format!("{cluster}/{service}"));
            fill_unknown_service(&mut planned);
            leave_production_facts_to_apply(&mut planned, &req.config);
            resp.planned_state = planned.to_value();
            resp.planned_private = references::ask_recheck(&resp.planned_private);
            return;
        }
        Err(err) => {
            resp.diagnostics
                .extend(native_error(&cluster, &service, &err));
            return;
        }
    };
    let fits = service_fits(cfg, &svc);
    if fits.has_errors() {
        resp.diagnostics.extend(fits);
        return;
    }
    // What does not exist yet (an alarm this configuration creates) is a warning, checked again at apply.
    let references = references::check(&aws, cfg, When::Plan).await;
    if references.has_errors() {
        resp.diagnostics.extend(references);
        return;
    }
    if !references.is_empty() {
        resp.diagnostics.extend(references);
        resp.planned_private = references::ask_recheck(&resp.planned_private);
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
