//! The ECS-native engine's calls: start a service deployment (UpdateService), read it
//! (ListServiceDeployments, DescribeServiceDeployments), answer a PAUSE hook (ContinueServiceDeployment)
//! and stop it (StopServiceDeployment). Views are plain values so the engine never sees SDK types.

use aws_sdk_ecs::types::{
    DeploymentLifecycleHookAction, ServiceDeployment, ServiceDeploymentStatus,
    StopServiceDeploymentStopType,
};

use super::client::Aws;
use super::error::AwsError;
use super::sdk::Service;

/// A lifecycle hook run, as `lifecycleHookDetails[]` shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct HookView {
    /// ECS's id for this run (`ecs-pause-…` for PAUSE hooks).
    pub id: String,
    /// `PAUSE` or `AWS_LAMBDA`.
    pub target_type: String,
    /// The Lambda function, for Lambda hooks.
    pub target_arn: Option<String>,
    /// `AWAITING_ACTION`, `IN_PROGRESS`, `SUCCEEDED`, `FAILED`, `TIMED_OUT`.
    pub status: String,
    /// When the hook times out (RFC 3339), for a hook still waiting or running.
    pub expires_at: Option<String>,
    /// What ECS does when it times out: `CONTINUE` or `ROLLBACK`.
    pub timeout_action: Option<String>,
}

/// The deployment circuit breaker's state, as `deploymentCircuitBreaker` shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakerView {
    /// `DISABLED`, `MONITORING`, `MONITORING_COMPLETE` or `TRIGGERED`.
    pub status: String,
    /// Tasks that failed to start so far.
    pub failure_count: i32,
    /// Failures at which it trips.
    pub threshold: i32,
}

/// A service deployment as the native engine follows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceDeploymentView {
    /// Its ARN.
    pub arn: String,
    /// `PENDING`, `IN_PROGRESS`, `SUCCESSFUL`, `ROLLBACK_…`, `STOP_…`.
    pub status: String,
    /// ECS's words on the status.
    pub status_reason: Option<String>,
    /// The stage it is in.
    pub stage: Option<String>,
    /// Its hook runs.
    pub hooks: Vec<HookView>,
    /// Why it rolled back, when it did.
    pub rollback_reason: Option<String>,
    /// The revision a rollback goes back to.
    pub rollback_revision: Option<String>,
    /// The share of production traffic (percent) the target revision is asked to get now.
    pub production_weight: Option<f64>,
    /// The share of test traffic (percent) the target revision is asked to get now.
    pub test_weight: Option<f64>,
    /// The circuit breaker, when ECS reports one.
    pub breaker: Option<BreakerView>,
    /// Deployment alarms that fired.
    pub triggered_alarms: Vec<String>,
    /// The revision it deploys.
    pub target_revision: Option<String>,
    /// When it was created (epoch seconds).
    pub created: Option<f64>,
}

impl ServiceDeploymentView {
    /// True once ECS will do nothing more with it.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self.status.as_str(),
            "SUCCESSFUL" | "STOPPED" | "ROLLBACK_SUCCESSFUL" | "ROLLBACK_FAILED"
        )
    }

    /// True once the deployment is being rolled back or stopped (by ECS or by a StopServiceDeployment):
    /// there is nothing left to stop or continue.
    pub fn is_ending(&self) -> bool {
        self.status.starts_with("ROLLBACK_") || self.status.starts_with("STOP")
    }

    /// True once production traffic is (being) moved to green and not being moved back.
    pub fn production_shifted(&self) -> bool {
        let shifted = matches!(
            self.stage.as_deref(),
            Some(
                "PRODUCTION_TRAFFIC_SHIFT"
                    | "POST_PRODUCTION_TRAFFIC_SHIFT"
                    | "BAKE_TIME"
                    | "CLEAN_UP"
            )
        );
        shifted && !self.status.starts_with("ROLLBACK")
    }

    fn from_sdk(d: &ServiceDeployment) -> Option<ServiceDeploymentView> {
        Some(ServiceDeploymentView {
            arn: d.service_deployment_arn()?.to_string(),
            status: d
                .status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            status_reason: d.status_reason().map(str::to_string),
            stage: d.lifecycle_stage().map(|s| s.as_str().to_string()),
            hooks: d
                .lifecycle_hook_details()
                .iter()
                .map(|h| HookView {
                    id: h.hook_id().unwrap_or_default().to_string(),
                    target_type: h
                        .target_type()
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_default(),
                    target_arn: h.target_arn().map(str::to_string),
                    status: h
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    expires_at: h
                        .expires_at()
                        .and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok()),
                    timeout_action: h.timeout_action().map(|a| a.as_str().to_string()),
                })
                .collect(),
            rollback_reason: d.rollback().and_then(|r| r.reason()).map(str::to_string),
            rollback_revision: d
                .rollback()
                .and_then(|r| r.service_revision_arn())
                .map(str::to_string),
            production_weight: d
                .target_service_revision()
                .and_then(|r| r.requested_production_traffic_weight()),
            test_weight: d
                .target_service_revision()
                .and_then(|r| r.requested_test_traffic_weight()),
            breaker: d.deployment_circuit_breaker().map(|b| BreakerView {
                status: b
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                failure_count: b.failure_count(),
                threshold: b.threshold(),
            }),
            triggered_alarms: d
                .alarms()
                .map(|a| a.triggered_alarm_names().to_vec())
                .unwrap_or_default(),
            target_revision: d
                .target_service_revision()
                .and_then(|r| r.arn())
                .map(str::to_string),
            created: d.created_at().map(|t| t.as_secs_f64()),
        })
    }
}

/// The short id of a service deployment ARN (`…:service-deployment/<cluster>/<service>/<id>`), for messages.
pub fn short_id(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

impl Aws {
    /// Points the service at `task_definition` and starts a service deployment (forced, so even to the
    /// revision it already runs); its ARN, from the service's `currentServiceDeployment` (else the newest
    /// listed).
    pub async fn update_service_task_definition(
        &self,
        cluster: &str,
        service: &str,
        task_definition: &str,
    ) -> Result<String, AwsError> {
        let out = self
            .sdk
            .ecs
            .update_service()
            .cluster(cluster)
            .service(service)
            .task_definition(task_definition)
            // Without it, pointing the service at the revision it already runs (a redeploy for
            // `redeploy_triggers`) starts no deployment, and the last, finished one would be followed.
            .force_new_deployment(true)
            .send()
            .await
            .map_err(|err| self.sdk.error(Service::Ecs, "UpdateService", err))?;
        if let Some(arn) = out.service().and_then(|s| s.current_service_deployment()) {
            return Ok(arn.to_string());
        }
        self.service_deployments(cluster, service, false)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                AwsError::malformed("ECS", "UpdateService", "no service deployment was started")
            })
    }

    /// The service's deployments, newest first (only the unfinished ones with `in_flight`).
    pub async fn service_deployments(
        &self,
        cluster: &str,
        service: &str,
        in_flight: bool,
    ) -> Result<Vec<String>, AwsError> {
        let mut call = self
            .sdk
            .ecs
            .list_service_deployments()
            .cluster(cluster)
            .service(service);
        if in_flight {
            for status in [
                ServiceDeploymentStatus::Pending,
                ServiceDeploymentStatus::InProgress,
                ServiceDeploymentStatus::StopRequested,
                ServiceDeploymentStatus::RollbackRequested,
                ServiceDeploymentStatus::RollbackInProgress,
            ] {
                call = call.status(status);
            }
        }
        let out = call
            .send()
            .await
            .map_err(|err| self.sdk.error(Service::Ecs, "ListServiceDeployments", err))?;
        let mut briefs: Vec<_> = out
            .service_deployments()
            .iter()
            .filter_map(|b| {
                Some((
                    b.created_at().map(|t| t.as_secs_f64()),
                    b.service_deployment_arn()?.to_string(),
                ))
            })
            .collect();
        briefs.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        Ok(briefs.into_iter().map(|(_, arn)| arn).collect())
    }

    /// One service deployment; `Ok(None)` when ECS does not know it.
    pub async fn service_deployment(
        &self,
        arn: &str,
    ) -> Result<Option<ServiceDeploymentView>, AwsError> {
        let out = self
            .sdk
            .ecs
            .describe_service_deployments()
            .service_deployment_arns(arn)
            .send()
            .await
            .map_err(|err| {
                self.sdk
                    .error(Service::Ecs, "DescribeServiceDeployments", err)
            })?;
        Ok(out
            .service_deployments()
            .iter()
            .find_map(ServiceDeploymentView::from_sdk))
    }

    /// Answers a PAUSE hook: `CONTINUE`, or `ROLLBACK` when `rollback`.
    pub async fn continue_service_deployment(
        &self,
        arn: &str,
        hook_id: &str,
        rollback: bool,
    ) -> Result<(), AwsError> {
        let action = if rollback {
            DeploymentLifecycleHookAction::Rollback
        } else {
            DeploymentLifecycleHookAction::Continue
        };
        self.sdk
            .ecs
            .continue_service_deployment()
            .service_deployment_arn(arn)
            .hook_id(hook_id)
            .action(action)
            .send()
            .await
            .map_err(|err| {
                self.sdk
                    .error(Service::Ecs, "ContinueServiceDeployment", err)
            })?;
        Ok(())
    }

    /// Stops a service deployment with rollback.
    pub async fn stop_service_deployment(&self, arn: &str) -> Result<(), AwsError> {
        self.sdk
            .ecs
            .stop_service_deployment()
            .service_deployment_arn(arn)
            .stop_type(StopServiceDeploymentStopType::Rollback)
            .send()
            .await
            .map_err(|err| self.sdk.error(Service::Ecs, "StopServiceDeployment", err))?;
        Ok(())
    }
}
