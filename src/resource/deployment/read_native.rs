//! Refresh and import on the ECS-native engine: what the service serves, from ECS, and a warning for a
//! service deployment in flight.

use crate::aws::{short_id, Aws};
use crate::plugin::resource::{ImportResponse, ReadResponse};
use crate::taskdef;

use super::model::{Field, State};
use super::native_target::{connect_native, fill_service};
use super::schema;

/// Refreshes a native resource's state.
pub async fn read(aws: Option<Aws>, mut state: State, resp: &mut ReadResponse) {
    let (Some(cluster), Some(service)) = (
        state.cluster_name.as_deref().map(str::to_string),
        state.service_name.as_deref().map(str::to_string),
    ) else {
        return;
    };
    let (aws, svc) = match connect_native(aws, &cluster, &service).await {
        Ok(connected) => connected,
        Err(d) => {
            resp.diagnostics.extend(d);
            return;
        }
    };
    if let Some(live) = &svc.live_task_definition {
        if state.task_definition_arn.as_deref() != Some(live.as_str()) {
            state.task_definition_arn = Field::Known(live.clone());
            if !matches!(state.task_definition, Field::Null) {
                if let Ok(json) = aws.task_definition(live).await {
                    state.task_definition = Field::Known(taskdef::canonical_json(&json));
                }
            }
        }
    }
    if let Some(arn) = aws
        .service_deployments(&cluster, &service, true)
        .await
        .ok()
        .and_then(|a| a.into_iter().next())
    {
        let id = short_id(&arn);
        resp.diagnostics.warning(
            format!("Service deployment {id} is in flight for {cluster}/{service}"),
            format!("ECS is running service deployment {arn} right now. The next apply follows it when this resource started it, and otherwise refuses to start another until it ends."),
        );
    }
    resp.new_state = state.to_value();
}

/// Imports `<cluster>/<service>`: the service's facts and the revision serving production.
pub async fn import(aws: Option<Aws>, cluster: &str, service: &str) -> ImportResponse {
    let mut resp = ImportResponse::default();
    let (aws, svc) = match connect_native(aws, cluster, service).await {
        Ok(connected) => connected,
        Err(d) => {
            resp.diagnostics.extend(d);
            return resp;
        }
    };
    let mut state = State::imported_native(&schema::schema().block.value_type(), cluster, service);
    fill_service(&mut state, None, &svc);
    if let Some(live) = &svc.live_task_definition {
        state.task_definition_arn = Field::Known(live.clone());
        if let Ok(json) = aws.task_definition(live).await {
            state.task_definition = Field::Known(taskdef::canonical_json(&json));
        }
    }
    resp.state = state.to_value();
    resp
}
