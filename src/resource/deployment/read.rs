//! Refresh and import: what actually serves production, from ECS, and whether a deployment is in flight.

use crate::aws::{Aws, Purpose};
use crate::plugin::resource::{ImportResponse, ReadRequest, ReadResponse};
use crate::taskdef;

use crate::aws::GroupError;

use super::diagnose::{connect, group_error, not_configured};
use super::fill::fill_group;
use super::model::{Field, State};
use super::schema;

/// Refreshes state: the revision serving production, and a warning for a deployment in flight.
pub async fn read(aws: Option<Aws>, req: ReadRequest) -> ReadResponse {
    let mut resp = ReadResponse {
        new_state: req.current_state.clone(),
        private: req.private.clone(),
        ..ReadResponse::default()
    };
    let Some(mut state) = State::from_value(&req.current_state) else {
        return resp;
    };
    if state.is_native() {
        super::read_native::read(aws, state, &mut resp).await;
        return resp;
    }
    let Some(aws) = aws else {
        resp.diagnostics.extend(not_configured());
        return resp;
    };
    let application = state.application_name();
    let group_name = state.deployment_group_name();
    // What the group points at and whether a deployment is in flight are independent: ask both at once.
    let (group, listed) = tokio::join!(
        aws.deployment_group(&application, &group_name, Purpose::Refresh),
        aws.watcher().in_flight(&application, &group_name, false)
    );
    let group = match group {
        Ok(group) => group,
        Err(err) if left_codedeploy(&err) => {
            // The service left CodeDeploy (or its group was removed): the state keeps what it last saw, so
            // that switching this resource to `cluster_name`/`service_name` plans the move in words.
            resp.diagnostics.warning(
                format!("{application}:{group_name} no longer deploys through CodeDeploy"),
                format!("{} The state keeps the last revision this resource saw. If the service moved to ECS blue/green deployments, replace `application_name` and `deployment_group_name` with `cluster_name` and `service_name`: the next plan adopts what serves without a rollout (guide: Migrating from CodeDeploy).", left_reason(&application, &group_name, &err)),
            );
            return resp;
        }
        Err(err) => {
            resp.diagnostics
                .extend(group_error(&application, &group_name, &err));
            return resp;
        }
    };
    if let Some(live) = &group.live_task_definition {
        if state.task_definition_arn.as_deref() != Some(live.as_str()) {
            state.task_definition_arn = Field::Known(live.clone());
            if !matches!(state.task_definition, Field::Null) {
                if let Ok(json) = aws.task_definition(live).await {
                    state.task_definition = Field::Known(taskdef::canonical_json(&json));
                }
            }
        }
    }
    if let Some((id, status)) = listed.ok().and_then(|list| list.into_iter().next()) {
        resp.diagnostics.warning(
            format!("Deployment {id} is in flight for {group_name}"),
            format!("CodeDeploy deployment {id} is {status} right now. The next apply follows it when this resource started it, and otherwise refuses to start another until it ends."),
        );
    }
    resp.new_state = state.to_value();
    resp
}

/// Imports `<application>:<deployment group>` (CodeDeploy) or `<cluster>/<service>` (ECS-native): the
/// facts and the revision serving production.
pub async fn import(aws: Option<Aws>, id: &str) -> ImportResponse {
    if let Some((cluster, service)) = id
        .split_once('/')
        .filter(|(c, s)| !c.is_empty() && !s.is_empty() && !s.contains('/'))
    {
        return super::read_native::import(aws, cluster, service).await;
    }
    let mut resp = ImportResponse::default();
    let Some((application, group_name)) = id
        .split_once(':')
        .filter(|(a, g)| !a.is_empty() && !g.is_empty())
    else {
        resp.diagnostics.error(
            "Invalid import id",
            format!("{id:?} is not <application>:<deployment_group> (CodeDeploy, e.g. \"web:web-prod\"), nor <cluster>/<service> (ECS-native, e.g. \"prod/web\")."),
        );
        return resp;
    };
    let (aws, group) = match connect(aws, application, group_name, Purpose::Refresh).await {
        Ok(connected) => connected,
        Err(d) => {
            resp.diagnostics.extend(d);
            return resp;
        }
    };
    let mut state = State::imported(
        &schema::schema().block.value_type(),
        application,
        group_name,
    );
    fill_group(&mut state, application, group_name, None, &group);
    if let Some(live) = &group.live_task_definition {
        state.task_definition_arn = Field::Known(live.clone());
        if let Ok(json) = aws.task_definition(live).await {
            state.task_definition = Field::Known(taskdef::canonical_json(&json));
        }
    }
    resp.state = state.to_value();
    resp
}

/// The group is gone, or its service no longer uses the CODE_DEPLOY controller: what a migration to
/// ECS-native deployments leaves behind, not a broken state.
fn left_codedeploy(err: &GroupError) -> bool {
    match err {
        GroupError::ApplicationNotFound | GroupError::GroupNotFound => true,
        GroupError::WrongController { controller, .. } => controller == "ECS",
        _ => false,
    }
}

/// What a refresh found instead of a CodeDeploy deployment group, in a sentence.
fn left_reason(application: &str, group: &str, err: &GroupError) -> String {
    match err {
        GroupError::WrongController {
            cluster,
            service,
            controller,
        } => format!("{cluster}/{service} now uses the {controller} deployment controller."),
        GroupError::ApplicationNotFound => {
            format!("There is no CodeDeploy application {application:?} any more.")
        }
        _ => format!("Application {application:?} has no deployment group {group:?} any more."),
    }
}
