//! The two resource RPCs that change things: planning a change and applying it (in a task that outlives
//! Terraform's call, so an interrupted rollout still winds down).

use tonic::{Request, Response, Status};

use super::convert::{decode, diagnostics_to_proto, encode, path_to_proto};
use super::service::ProviderService;
use crate::plugin::diagnostics::Diagnostics;
use crate::plugin::proto::tfplugin6 as pb;
use crate::plugin::resource::{ApplyRequest, PlanRequest, ProviderType};

pub(super) async fn plan_resource_change<P: ProviderType>(
    service: &ProviderService<P>,
    request: Request<pb::plan_resource_change::Request>,
) -> Result<Response<pb::plan_resource_change::Response>, Status> {
    let req = request.into_inner();
    let resource = match service.resource(&req.type_name) {
        Ok(r) => r,
        Err(diagnostics) => {
            return Ok(Response::new(pb::plan_resource_change::Response {
                diagnostics,
                ..Default::default()
            }))
        }
    };
    let ty = resource.schema().block.value_type();
    let decoded = (|| {
        Ok::<_, Diagnostics>(PlanRequest {
            prior_state: decode(&ty, req.prior_state.as_ref(), "prior state")?,
            proposed_new_state: decode(&ty, req.proposed_new_state.as_ref(), "proposed state")?,
            config: decode(&ty, req.config.as_ref(), "configuration")?,
            prior_private: req.prior_private.clone(),
        })
    })();
    let plan = match decoded {
        Ok(plan) => plan,
        Err(d) => {
            return Ok(Response::new(pb::plan_resource_change::Response {
                diagnostics: diagnostics_to_proto(&d),
                ..Default::default()
            }))
        }
    };
    let out = resource.plan(&service.context(), plan).await;
    Ok(Response::new(pb::plan_resource_change::Response {
        planned_state: encode(&ty, &out.planned_state),
        requires_replace: out.requires_replace.iter().map(path_to_proto).collect(),
        planned_private: out.planned_private,
        diagnostics: diagnostics_to_proto(&out.diagnostics),
        ..Default::default()
    }))
}

pub(super) async fn apply_resource_change<P: ProviderType>(
    service: &ProviderService<P>,
    request: Request<pb::apply_resource_change::Request>,
) -> Result<Response<pb::apply_resource_change::Response>, Status> {
    let req = request.into_inner();
    let resource = match service.resource(&req.type_name) {
        Ok(r) => r,
        Err(diagnostics) => {
            return Ok(Response::new(pb::apply_resource_change::Response {
                new_state: req.prior_state,
                diagnostics,
                ..Default::default()
            }))
        }
    };
    let ty = resource.schema().block.value_type();
    let decoded = (|| {
        Ok::<_, Diagnostics>(ApplyRequest {
            prior_state: decode(&ty, req.prior_state.as_ref(), "prior state")?,
            planned_state: decode(&ty, req.planned_state.as_ref(), "planned state")?,
            config: decode(&ty, req.config.as_ref(), "configuration")?,
            planned_private: req.planned_private.clone(),
        })
    })();
    let apply = match decoded {
        Ok(apply) => apply,
        Err(d) => {
            // Nothing was done: keep the prior state so nothing is lost.
            return Ok(Response::new(pb::apply_resource_change::Response {
                new_state: req.prior_state,
                diagnostics: diagnostics_to_proto(&d),
                ..Default::default()
            }));
        }
    };
    // The apply runs as its own task so that it outlives this call: if Terraform dies (SIGKILL, a crashed
    // runner) the connection drops and tonic drops this future, but the rollout must still finish its
    // interrupt handling (stop with rollback, or detach) rather than vanish mid-flight. Dropping this
    // future cancels the apply's token, which is exactly an interrupt.
    let ctx = service.context();
    let cancel_if_abandoned = ctx.stop.clone().drop_guard();
    let task = {
        let resource = resource.clone();
        service
            .applies
            .spawn(async move { resource.apply(&ctx, apply).await })
    };
    let joined = task.await;
    cancel_if_abandoned.disarm();
    let out = match joined {
        Ok(out) => out,
        Err(err) => {
            let mut d = Diagnostics::new();
            d.error(
                "The provider's apply crashed",
                format!("{err}. The prior state is kept; run `terraform plan` to see what serves production. This is a bug in the provider."),
            );
            return Ok(Response::new(pb::apply_resource_change::Response {
                new_state: req.prior_state,
                diagnostics: diagnostics_to_proto(&d),
                ..Default::default()
            }));
        }
    };
    Ok(Response::new(pb::apply_resource_change::Response {
        new_state: encode(&ty, &out.new_state),
        private: out.private,
        diagnostics: diagnostics_to_proto(&out.diagnostics),
        ..Default::default()
    }))
}
