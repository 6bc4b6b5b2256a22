//! The ECS-native engine's target in the resource's words: a service that cannot be driven, on
//! `service_name`; the exact HCL that makes a service hold test traffic for the gate; the facts a native
//! service gives the state.

use crate::aws::{Aws, ErrorKind, NativeError, NativeService};
use crate::plugin::diagnostics::{AttributePath, Diagnostics};
use crate::taskdef;

use super::diagnose::not_configured;
use super::model::{attr, Config, Field, Source, State};

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

/// True when the service (or its cluster) does not exist: at plan, this configuration may still create it.
pub fn not_found(err: &NativeError) -> bool {
    match err {
        NativeError::ServiceNotFound => true,
        NativeError::Read(err) => err.kind == ErrorKind::NotFound,
        NativeError::NotNative { .. } => false,
    }
}

/// The warning a plan gives for a service (or cluster) that does not exist now.
pub fn not_found_now(cluster: &str, service: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.attribute_warning(
        AttributePath::root(attr::SERVICE_NAME),
        "ECS service not found now",
        format!("Cluster {cluster:?} has no active service {service:?} now. If this configuration creates it (aws_ecs_service), fine: the apply checks again before anything is registered or deployed, and fails then if it is still missing."),
    );
    d
}

/// What the configuration asks of the service that the service must give, each an error on its
/// attribute: a PAUSE hook and a test listener for the gate, and the load balancer container and port
/// (ECS routes to the service's own `load_balancer`; the native engine has no AppSpec to change them).
pub fn service_fits(cfg: &Config, svc: &NativeService) -> Diagnostics {
    let mut d = Diagnostics::new();
    let (cluster, service) = (&svc.cluster, &svc.service);
    if cfg.gate.is_some() && !svc.pauses_after_test_traffic {
        d.attribute_error(
            AttributePath::root(attr::TEST_GATE),
            "The service does not hold test traffic for the gate",
            format!("Service {cluster}/{service} has no PAUSE lifecycle hook at POST_TEST_TRAFFIC_SHIFT, so ECS moves production traffic to green without waiting, and there is no moment to run the test gate before production is affected. Add the hook to the aws_ecs_service (hashicorp/aws 6.x):\n\n{PAUSE_HOOK_HCL}"),
        );
        return d;
    }
    if cfg.gate.is_some() && cfg.gate_url.is_none() && svc.test_url.is_none() {
        d.attribute_error(
            AttributePath::root(attr::TEST_GATE),
            "No test listener",
            format!("Service {cluster}/{service} names no test listener rule (`load_balancer {{ advanced_configuration {{ test_listener_rule = ... }} }}`), so the gate has nowhere to send its requests. Add one, or set `test_gate {{ url = ... }}`."),
        );
        return d;
    }
    if let (Some(written), Some(theirs)) = (&cfg.appspec.container_name, &svc.container_name) {
        if written != theirs {
            d.attribute_error(
                AttributePath::root(attr::CONTAINER_NAME),
                "Not the service's load balancer container",
                format!("Service {cluster}/{service} sends load balancer traffic to container {theirs:?}, but `container_name` says {written:?}. On the ECS-native engine ECS routes to the aws_ecs_service's `load_balancer {{ container_name }}` (there is no AppSpec to change it per rollout): remove `container_name`, or write {theirs:?}."),
            );
        }
    }
    if let (Some(written), Some(theirs)) = (cfg.appspec.container_port, svc.container_port) {
        if written != theirs {
            d.attribute_error(
                AttributePath::root(attr::CONTAINER_PORT),
                "Not the service's load balancer port",
                format!("Service {cluster}/{service} sends load balancer traffic to port {theirs}, but `container_port` says {written}. On the ECS-native engine ECS routes to the aws_ecs_service's `load_balancer {{ container_port }}` (there is no AppSpec to change it per rollout): remove `container_port`, or write {theirs}."),
            );
        }
    }
    if let (Source::Json(td), None, Some(name)) = (
        &cfg.source,
        &cfg.appspec.container_name,
        &svc.container_name,
    ) {
        if !taskdef::container_names(td).contains(name) {
            d.attribute_error(AttributePath::root(attr::TASK_DEFINITION), "Load balancer container missing", format!("The service's load balancer sends traffic to container {name:?}, which this task definition does not have. Add it, or set `container_name`."));
        }
    }
    d
}

/// Marks what the service would tell as unknown until apply: the plan could not read it (it does not
/// exist yet, or its names are unknown). Terraform plans again during apply and fills these in then; what
/// depends on what serves production is left to
/// [`leave_production_facts_to_apply`](super::plan_finish::leave_production_facts_to_apply).
pub fn fill_unknown_service(state: &mut State) {
    state.test_listener_url = Field::Unknown;
    if state.container_name.is_unset() {
        state.container_name = Field::Unknown;
    }
    if state.container_port.is_unset() {
        state.container_port = Field::Unknown;
    }
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
