//! ECS-native blue/green, linear and canary deployments (the `ECS` deployment controller with a
//! `BLUE_GREEN`, `LINEAR` or `CANARY` strategy), beside the CodeDeploy path and sharing none of its
//! types: service revisions, service deployments walking ECS's lifecycle stages, PAUSE and Lambda hooks,
//! and the ELBv2 listener rules whose weights move the traffic. The dispatcher offers every ECS and ELBv2
//! call here first; what is not native falls through to the plain handlers.

mod api;
pub mod config;
mod driver;
mod ending;
mod hooks;
mod revisions;
pub mod rules;
mod service;
mod shapes;
mod start;
pub mod state;
mod traffic;
mod watch;

use serde_json::Value;

use crate::emu::Emu;
use crate::protocol::ApiError;

/// Handles an ECS call when it is native (new operations, or a service on a native strategy).
pub async fn ecs(emu: &Emu, op: &str, input: &Value) -> Option<Result<Value, ApiError>> {
    match op {
        "ListServiceDeployments" => Some(api::list_service_deployments(emu, input)),
        "DescribeServiceDeployments" => Some(api::describe_service_deployments(emu, input)),
        "DescribeServiceRevisions" => Some(api::describe_service_revisions(emu, input)),
        "StopServiceDeployment" => Some(api::stop_service_deployment(emu, input)),
        "ContinueServiceDeployment" => Some(api::continue_service_deployment(emu, input)),
        "CreateService" => service::create_service(emu, input).await,
        "UpdateService" => service::update_service(emu, input).await,
        "DescribeServices" => Some(service::describe_services(emu, input).await),
        _ => None,
    }
}

/// Handles an ELBv2 listener-rule call.
pub async fn elbv2(emu: &Emu, op: &str, input: &Value) -> Option<Result<Value, ApiError>> {
    rules::handle(emu, op, input).await
}
