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

/// What a plan can do with the deployment group it names.
pub enum AtPlan {
    /// The group exists and can be driven.
    Ready(Aws, GroupInfo),
    /// The application or group does not exist yet: a warning, and a plan with the group's facts unknown
    /// (this configuration may create them; apply checks again before anything is registered or deployed).
    NotYet(Aws, Diagnostics),
    /// The group exists but cannot be driven, or cannot be read: errors.
    Failed(Diagnostics),
}

/// The group read for a plan. A missing application or group is not an error at plan: the same
/// configuration may create it (`aws_codedeploy_app`, `aws_codedeploy_deployment_group`) in this apply.
pub async fn connect_at_plan(aws: Option<Aws>, application: &str, group: &str) -> AtPlan {
    let Some(aws) = aws else {
        return AtPlan::Failed(not_configured());
    };
    match aws
        .deployment_group(application, group, Purpose::Plan)
        .await
    {
        Ok(info) => AtPlan::Ready(aws, info),
        Err(GroupError::ApplicationNotFound) => {
            let mut d = Diagnostics::new();
            d.attribute_warning(
                AttributePath::root(attr::APPLICATION_NAME),
                "CodeDeploy application not found now",
                format!("There is no CodeDeploy application {application:?} in this account and region now. If this configuration creates it (aws_codedeploy_app), fine: the apply checks again before anything is registered or deployed, and fails then if it is still missing."),
            );
            AtPlan::NotYet(aws, d)
        }
        Err(GroupError::GroupNotFound) => {
            let mut d = Diagnostics::new();
            d.attribute_warning(
                AttributePath::root(attr::DEPLOYMENT_GROUP_NAME),
                "Deployment group not found now",
                format!("Application {application:?} has no deployment group {group:?} now. If this configuration creates it (aws_codedeploy_deployment_group), fine: the apply checks again before anything is registered or deployed, and fails then if it is still missing."),
            );
            AtPlan::NotYet(aws, d)
        }
        Err(err) => AtPlan::Failed(group_error(application, group, &err)),
    }
}

/// A test gate needs a group that holds production traffic while it runs; the error when it does not.
pub fn gate_without_hold(
    group_name: &str,
    has_gate: bool,
    group: &GroupInfo,
) -> Option<Diagnostics> {
    if !has_gate || group.holds_traffic {
        return None;
    }
    let mut d = Diagnostics::new();
    d.attribute_error(
        AttributePath::root(attr::TEST_GATE),
        "The deployment group does not hold traffic for tests",
        format!("Deployment group {group_name:?} moves production traffic to green at once (deployment_ready_option CONTINUE_DEPLOYMENT), so there is no moment to run the test gate before production is affected. Make the group hold traffic:\n\n{HOLD_TRAFFIC_HCL}"),
    );
    Some(d)
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
