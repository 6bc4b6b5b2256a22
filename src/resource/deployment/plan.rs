//! `terraform plan`: check the configuration against AWS, decide, and show what will ship — the planned
//! state (unknown where apply decides) and the task definition diff in words.

use crate::aws::Aws;
use crate::plugin::diagnostics::AttributePath;
use crate::plugin::resource::{PlanRequest, PlanResponse};
use crate::taskdef;

use super::decide::{moved_message, production_moved};
use super::diagnose::{connect_at_plan, gate_without_hold, AtPlan};
use super::fill::{fill_group, fill_unknown_group};
use super::model::{self, attr, Field, Source, State};
use super::plan_finish::{finish, Target};
use super::references::{self, When};

/// Plans a change of `ecsbg_deployment`.
pub async fn plan(aws: Option<Aws>, req: PlanRequest) -> PlanResponse {
    let mut resp = PlanResponse {
        planned_state: req.proposed_new_state.clone(),
        planned_private: req.prior_private.clone(),
        ..PlanResponse::default()
    };
    let Some(mut planned) = State::from_value(&req.proposed_new_state) else {
        if let Some(prior) = State::from_value(&req.prior_state) {
            let serves = prior
                .task_definition_arn
                .as_deref()
                .unwrap_or("what it serves");
            let detail = if prior.is_native() {
                let (cluster, service) = (
                    prior.cluster_name.as_deref().unwrap_or_default(),
                    prior.service_name.as_deref().unwrap_or_default(),
                );
                format!("Destroy only removes {cluster}/{service} from the Terraform state. The ECS service {service} keeps serving {serves}, and every task definition revision stays as it is. Delete the service with the resource that manages it (e.g. aws_ecs_service) if that is what you want.")
            } else {
                format!("Destroy only removes {}:{} from the Terraform state. The ECS service{} keeps serving {serves}, and the CodeDeploy deployment group and every task definition revision stay as they are. Delete the service with the resource that manages it (e.g. aws_ecs_service) if that is what you want.",
                    prior.application_name(), prior.deployment_group_name(),
                    prior.service_name.as_deref().map(|s| format!(" {s}")).unwrap_or_default())
            };
            resp.diagnostics.warning(
                "Destroying ecsbg_deployment leaves the service serving",
                detail,
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
        fill_unknown_group(&mut planned);
        resp.planned_state = planned.to_value();
        resp.planned_private = references::ask_recheck(&resp.planned_private);
        return resp;
    }
    let (application, group_name) = (
        &cfg.names.application_name,
        &cfg.names.deployment_group_name,
    );
    let (aws, group) = match connect_at_plan(aws, application, group_name).await {
        AtPlan::Ready(aws, group) => (aws, group),
        AtPlan::NotYet(aws, warning) => {
            // Created by this configuration, maybe: plan what the group would tell as unknown.
            resp.diagnostics.extend(warning);
            resp.diagnostics
                .extend(references::check(&aws, &cfg, When::Plan).await);
            fill_unknown_group(&mut planned);
            resp.planned_state = planned.to_value();
            resp.planned_private = references::ask_recheck(&resp.planned_private);
            return resp;
        }
        AtPlan::Failed(d) => {
            resp.diagnostics.extend(d);
            return resp;
        }
    };
    for (name, theirs) in [
        (attr::CLUSTER_NAME, &group.cluster),
        (attr::SERVICE_NAME, &group.service),
    ] {
        if let Some(written) = req.config.get(name).as_str().filter(|w| w != theirs) {
            resp.diagnostics.attribute_error(
                AttributePath::root(name),
                "Not the deployment group's service",
                format!("Deployment group {group_name:?} deploys {}/{}, but `{name}` says {written:?}. With a deployment group, leave `cluster_name` and `service_name` out (they are read from the group) or write the group's; to deploy a service that ECS deploys itself, remove `application_name` and `deployment_group_name` instead.", group.cluster, group.service),
            );
        }
    }
    if resp.diagnostics.has_errors() {
        return resp;
    }
    if let Some(d) = gate_without_hold(group_name, cfg.gate.is_some(), &group) {
        resp.diagnostics.extend(d);
        return resp;
    }
    let references = references::check(&aws, &cfg, When::Plan).await;
    if references.has_errors() {
        resp.diagnostics.extend(references);
        return resp;
    }
    if !references.is_empty() {
        resp.diagnostics.extend(references);
        resp.planned_private = references::ask_recheck(&resp.planned_private);
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
    // A cluster or service written as a value known only at apply must stay unknown in the plan.
    if req.config.get(attr::CLUSTER_NAME).is_unknown() {
        planned.cluster_name = Field::Unknown;
    }
    if req.config.get(attr::SERVICE_NAME).is_unknown() {
        planned.service_name = Field::Unknown;
    }
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
        migrating_from: None,
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
