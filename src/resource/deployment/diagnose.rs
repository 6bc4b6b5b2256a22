//! The resource's words for what AWS said: a deployment group that cannot be driven, on the attribute that
//! names it; alarms already firing; the HCL that makes a group hold traffic for the gate.

use crate::aws::{Aws, FiringAlarm, GroupError, GroupInfo, Purpose};
use crate::plugin::diagnostics::{AttributePath, Diagnostics};

use super::model::attr;

/// The exact HCL that makes a deployment group hold traffic for the gate.
pub const HOLD_TRAFFIC_HCL: &str = r#"resource "aws_codedeploy_deployment_group" "this" {
  # ...
  blue_green_deployment_config {
    deployment_ready_option {
      action_on_timeout    = "STOP_DEPLOYMENT"
      wait_time_in_minutes = 60
    }
    # ...
  }
}"#;

/// A group that cannot be read or driven, as a diagnostic on the attribute that names it.
pub fn group_error(application: &str, group: &str, err: &GroupError) -> Diagnostics {
    let mut d = Diagnostics::new();
    let on_group = AttributePath::root(attr::DEPLOYMENT_GROUP_NAME);
    match err {
        GroupError::ApplicationNotFound => d.attribute_error(
            AttributePath::root(attr::APPLICATION_NAME),
            "CodeDeploy application not found",
            format!("There is no CodeDeploy application {application:?} in this account and region."),
        ),
        GroupError::GroupNotFound => d.attribute_error(
            on_group,
            "Deployment group not found",
            format!("Application {application:?} has no deployment group {group:?}."),
        ),
        GroupError::NotEcs { platform } => d.attribute_error(
            on_group,
            "Not an ECS deployment group",
            format!(
                "{group:?} deploys to {}; ecsbg_deployment needs an ECS blue/green group.",
                platform.as_deref().unwrap_or("an unknown platform")
            ),
        ),
        GroupError::NotBlueGreen => d.attribute_error(
            on_group,
            "Not a blue/green deployment group",
            format!("{group:?} is not configured for BLUE_GREEN deployments."),
        ),
        GroupError::NoService => d.attribute_error(
            on_group,
            "No ECS service",
            format!("{group:?} names no ECS service."),
        ),
        GroupError::ServiceNotFound { cluster, service } => d.attribute_error(
            on_group,
            "ECS service not found",
            format!("The group's service {cluster}/{service} does not exist."),
        ),
        GroupError::WrongController { cluster, service, controller } => d.attribute_error(
            on_group,
            "Service not on the CODE_DEPLOY controller",
            format!("{cluster}/{service} uses the {controller} deployment controller; blue/green through CodeDeploy needs `deployment_controller {{ type = \"CODE_DEPLOY\" }}` on the aws_ecs_service."),
        ),
        GroupError::Group(err) => d.error(
            "Cannot read the deployment group",
            format!("Reading {application}/{group} failed: {err}"),
        ),
        GroupError::Service(err) => d.attribute_error(on_group, "Cannot read the ECS service", err.to_string()),
    }
    d
}

/// Alarms in ALARM, in one line: `alarm 'a' is in ALARM (reason); alarm 'b' …`.
pub fn firing_alarms(firing: &[FiringAlarm]) -> String {
    firing
        .iter()
        .map(|a| format!("alarm '{}' is in ALARM ({})", a.name, a.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The diagnostic for a request that reaches AWS before Terraform configured the provider.
pub fn not_configured() -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        "Provider not configured",
        "The ecsbg provider was asked to reach AWS before Terraform configured it. This is a bug; please report it.",
    );
    d
}

/// The configured AWS layer and the group read for `purpose`, or the diagnostics saying why not. Every
/// operation starts here.
pub async fn connect(
    aws: Option<Aws>,
    application: &str,
    group: &str,
    purpose: Purpose,
) -> Result<(Aws, GroupInfo), Diagnostics> {
    let aws = aws.ok_or_else(not_configured)?;
    match aws.deployment_group(application, group, purpose).await {
        Ok(info) => Ok((aws, info)),
        Err(err) => Err(group_error(application, group, &err)),
    }
}
