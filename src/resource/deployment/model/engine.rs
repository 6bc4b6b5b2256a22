//! Which engine a configuration addresses: CodeDeploy (`application_name` + `deployment_group_name`, a
//! service on the `CODE_DEPLOY` controller) or ECS-native (`cluster_name` + `service_name`, a service on
//! the `ECS` controller with a `BLUE_GREEN`, `LINEAR` or `CANARY` strategy). A whole pair is required,
//! checked at validate time so a half-named target never reaches AWS; with a deployment group, the cluster
//! and service may be written too and must then be the group's (checked at plan).

use super::attr;
use crate::plugin::diagnostics::{AttributePath, Diagnostics};
use crate::plugin::value::Value;

/// Attributes only CodeDeploy's AppSpec or deployment group use; the native engine refuses them rather
/// than ignore them.
const CODEDEPLOY_ONLY: [&str; 5] = [
    attr::DEPLOYMENT_CONFIG_NAME,
    attr::PLATFORM_VERSION,
    attr::NETWORK_CONFIGURATION,
    attr::CAPACITY_PROVIDER_STRATEGY,
    attr::HOOKS,
];

/// True when the configuration names a cluster or service and no CodeDeploy application or group: the
/// ECS-native engine (values may still be unknown).
pub fn addresses_native(config: &Value) -> bool {
    let set = |name: &str| !config.get(name).is_null();
    !set(attr::APPLICATION_NAME)
        && !set(attr::DEPLOYMENT_GROUP_NAME)
        && (set(attr::CLUSTER_NAME) || set(attr::SERVICE_NAME))
}

/// Which engine the configuration addresses: exactly one of the pairs `application_name` +
/// `deployment_group_name` (CodeDeploy) and `cluster_name` + `service_name` (ECS-native) must be set.
pub fn check(config: &Value, diags: &mut Diagnostics) {
    let set = |name: &str| !config.get(name).is_null();
    let codedeploy = [attr::APPLICATION_NAME, attr::DEPLOYMENT_GROUP_NAME];
    let native = [attr::CLUSTER_NAME, attr::SERVICE_NAME];
    let uses_codedeploy = codedeploy.iter().any(|n| set(n));
    let uses_native = native.iter().any(|n| set(n));
    let pair = match (uses_codedeploy, uses_native) {
        (false, false) => {
            diags.attribute_error(
                AttributePath::root(attr::SERVICE_NAME),
                "No deployment target",
                "Name what to deploy: `cluster_name` and `service_name` for a service on the ECS controller with a BLUE_GREEN, LINEAR or CANARY strategy, or `application_name` and `deployment_group_name` for a service deployed through CodeDeploy.",
            );
            None
        }
        // With a deployment group, `cluster_name`/`service_name` may be written too (as
        // `terraform plan -generate-config-out` does); the plan checks they are the group's.
        (true, _) => Some(codedeploy),
        (false, true) => Some(native),
    };
    if let Some([first, second]) = pair {
        for (missing, other) in [(first, second), (second, first)] {
            if !set(missing) {
                diags.attribute_error(
                    AttributePath::root(missing),
                    "Missing attribute",
                    format!("`{missing}` is required with `{other}`."),
                );
            }
        }
    }
    if pair == Some(native) {
        for name in CODEDEPLOY_ONLY {
            let value = config.get(name);
            let empty_list = value.as_list().is_some_and(<[Value]>::is_empty);
            if !value.is_null() && !empty_list {
                diags.attribute_error(
                    AttributePath::root(name),
                    "Not used by the ECS-native engine",
                    format!("`{name}` belongs to CodeDeploy's AppSpec and deployment group. A service that ECS deploys itself takes these settings from the aws_ecs_service (its network configuration, capacity provider strategy, platform version and `deployment_configuration`, including Lambda `lifecycle_hook`s); remove `{name}` here."),
                );
            }
        }
    }
    for name in native {
        if config
            .get(name)
            .as_str()
            .is_some_and(|v| v.trim().is_empty() || v.chars().count() > 255)
        {
            diags.attribute_error(
                AttributePath::root(name),
                "Invalid name",
                format!("`{name}` must be 1 to 255 characters long and not blank."),
            );
        }
    }
}
