//! The ECS-native engine's target in the resource's words: a service that cannot be driven, on
//! `service_name`; the exact HCL that makes a service hold test traffic for the gate; the facts a native
//! service gives the state.

use crate::aws::{Aws, NativeError, NativeService};
use crate::plugin::diagnostics::{AttributePath, Diagnostics};

use super::diagnose::not_configured;
use super::model::{attr, Field, State};

/// The exact HCL (hashicorp/aws 6.x `aws_ecs_service`, `lifecycle_hook` with `target_type` from
/// terraform-provider-aws PR #48128) that holds a deployment at `POST_TEST_TRAFFIC_SHIFT` for the gate.
pub const PAUSE_HOOK_HCL: &str = r#"resource "aws_ecs_service" "this" {
  # ...
  deployment_configuration {
    # strategy = "BLUE_GREEN" (or LINEAR, CANARY) ...
    lifecycle_hook {
      target_type      = "PAUSE"
      lifecycle_stages = ["POST_TEST_TRAFFIC_SHIFT"]
      timeout_configuration {
        timeout_in_minutes = 60
        action             = "ROLLBACK"
      }
    }
  }
}"#;

/// A service that cannot be read or driven, as a diagnostic on `service_name`.
pub fn native_error(cluster: &str, service: &str, err: &NativeError) -> Diagnostics {
    let mut d = Diagnostics::new();
    let on_service = AttributePath::root(attr::SERVICE_NAME);
    match err {
        NativeError::ServiceNotFound => d.attribute_error(
            on_service,
            "ECS service not found",
            format!("Cluster {cluster:?} has no active service {service:?}."),
        ),
        NativeError::NotNative { controller, strategy } if controller == "CODE_DEPLOY" => d.attribute_error(
            on_service,
            "Service deployed through CodeDeploy",
            format!("{cluster}/{service} uses the CODE_DEPLOY deployment controller, so ECS does not deploy it itself. Name its CodeDeploy application and deployment group with `application_name` and `deployment_group_name` instead of `cluster_name` and `service_name` (strategy {strategy}), or move the service to ECS blue/green deployments first (guide: Migrating from CodeDeploy)."),
        ),
        NativeError::NotNative { controller, strategy } => d.attribute_error(
            on_service,
            "Service not on a blue/green strategy",
            format!("{cluster}/{service} uses the {controller} deployment controller with strategy {strategy}; the ECS-native engine needs the ECS controller with strategy BLUE_GREEN, LINEAR or CANARY (`deployment_configuration {{ strategy = \"BLUE_GREEN\" }}` on the aws_ecs_service), which has test traffic and a traffic shift to roll back."),
        ),
        NativeError::Read(err) => d.attribute_error(
            on_service,
            "Cannot read the ECS service",
            format!("Reading {cluster}/{service} failed: {err}"),
        ),
    }
    d
}

/// The configured AWS layer and the native service, or the diagnostics saying why not.
pub async fn connect_native(
    aws: Option<Aws>,
    cluster: &str,
    service: &str,
) -> Result<(Aws, NativeService), Diagnostics> {
    let aws = aws.ok_or_else(not_configured)?;
    match aws.native_service(cluster, service).await {
        Ok(svc) => Ok((aws, svc)),
        Err(err) => Err(native_error(cluster, service, &err)),
    }
}

/// Fills the service's facts into a state (planned, applied or imported).
pub fn fill_service(state: &mut State, gate_url: Option<String>, svc: &NativeService) {
    state.id = Field::Known(format!("{}/{}", svc.cluster, svc.service));
    state.cluster_name = Field::Known(svc.cluster.clone());
    state.service_name = Field::Known(svc.service.clone());
    state.test_listener_url = Field::from_option(gate_url.or_else(|| svc.test_url.clone()));
    if state.container_name.is_unset() {
        state.container_name = Field::from_option(svc.container_name.clone());
    }
    if state.container_port.is_unset() {
        state.container_port = Field::from_option(svc.container_port);
    }
}
