//! Plan-time checks that what the configuration names exists: alarms, hook functions, the deployment
//! config (and that it is for ECS). A typo is an error on its attribute at plan, never a failed apply.

use crate::aws::Aws;
use crate::plugin::diagnostics::{AttributePath, Diagnostics};

use super::model::{attr, Config};

/// The alarms, hook functions and deployment config the configuration names must exist; None when they
/// do (or cannot be checked: a missing permission is logged, and CodeDeploy reports at apply).
pub async fn check(aws: &Aws, cfg: &Config) -> Option<Diagnostics> {
    let mut d = Diagnostics::new();
    for (i, name) in cfg.names.alarms.iter().enumerate() {
        match aws.alarm(name).await {
            Ok(Some(_)) => {}
            Ok(None) => d.attribute_error(
                AttributePath::root(attr::ALARMS).index(i),
                "Unknown alarm",
                format!("CloudWatch has no metric alarm {name:?} in this account and region, so CodeDeploy could not watch it."),
            ),
            Err(err) => tracing::warn!(alarm = %name, error = %err, "could not check the alarm"),
        }
    }
    for (event, function) in cfg.hooks.in_order() {
        let Some((attribute, _)) = attr::HOOK_EVENTS.iter().find(|(_, e)| *e == event) else {
            continue;
        };
        match aws.function_exists(function).await {
            Ok(true) => {}
            Ok(false) => d.attribute_error(
                AttributePath::root(attr::HOOKS).attr(attribute),
                "Unknown Lambda function",
                format!("Lambda has no function {function:?} in this account and region, so CodeDeploy's {event} lifecycle event would fail and roll the deployment back. Deploy the function first, or fix the name."),
            ),
            // Without lambda:GetFunction the check cannot be made; CodeDeploy still reports a missing
            // function in the lifecycle event at apply.
            Err(err) => tracing::warn!(function = %function, error = %err, "could not check the hook function"),
        }
    }
    if let Some(name) = &cfg.names.deployment_config_name {
        let path = AttributePath::root(attr::DEPLOYMENT_CONFIG_NAME);
        match aws.deployment_config_platform(name).await {
            Ok(None) => d.attribute_error(
                path,
                "Unknown deployment config",
                format!("CodeDeploy has no deployment config {name:?}. The predefined ECS ones are CodeDeployDefault.ECSAllAtOnce, ECSCanary10Percent5Minutes, ECSCanary10Percent15Minutes, ECSLinear10PercentEvery1Minutes and ECSLinear10PercentEvery3Minutes."),
            ),
            Ok(Some(platform)) if !platform.is_empty() && platform != "ECS" => d.attribute_error(
                path,
                "Not an ECS deployment config",
                format!("{name:?} is for the {platform} compute platform; an ECS deployment group needs an ECS config."),
            ),
            Ok(Some(_)) => {}
            Err(err) => tracing::warn!(config = %name, error = %err, "could not check the deployment config"),
        }
    }
    d.has_errors().then_some(d)
}
