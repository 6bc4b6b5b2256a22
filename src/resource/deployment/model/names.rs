//! The names a rollout is addressed by and watched with: application, deployment group, deployment config,
//! alarms, and the environment names plan summaries must never show.

use super::attr;
use super::values::{string, strings};
use crate::plugin::diagnostics::{AttributePath, Diagnostics};
use crate::plugin::value::Value;

/// The configuration's names, checked.
#[derive(Clone, Debug, Default)]
pub struct Names {
    /// CodeDeploy application.
    pub application_name: String,
    /// CodeDeploy deployment group.
    pub deployment_group_name: String,
    /// ECS cluster and service of a service that deploys itself (the ECS-native engine); None: CodeDeploy.
    pub native: Option<(String, String)>,
    /// Deployment config override.
    pub deployment_config_name: Option<String>,
    /// Alarms (empty: the group's).
    pub alarms: Vec<String>,
    /// Environment variable names whose values plan summaries never show (beyond the names that look secret).
    pub sensitive_environment: Vec<String>,
}

/// The most alarms CodeDeploy takes: "A maximum of 10 alarms can be added" (CodeDeploy API reference,
/// AlarmConfiguration `alarms`, https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_AlarmConfiguration.html;
/// more is `AlarmsLimitExceededException`).
const MAX_ALARMS: usize = 10;

/// The most alarms the ECS-native engine takes. ECS is not given them (the service's own deployment alarms,
/// which ECS watches, are set on the `aws_ecs_service`; its model puts no limit on `alarmNames`): the
/// provider watches them itself, and CloudWatch `DescribeAlarms` reads at most 100 `AlarmNames` a call, so
/// every poll of the rollout reads them all at once.
const MAX_NATIVE_ALARMS: usize = 100;

/// Too many `alarms` for the engine the configuration addresses: the error's detail, or None.
fn too_many_alarms(count: usize, native: bool) -> Option<String> {
    if native && count > MAX_NATIVE_ALARMS {
        Some(format!("{count} alarms; on the ECS-native engine the provider watches them itself (they are not passed to ECS) and reads them with one CloudWatch DescribeAlarms call, which takes at most {MAX_NATIVE_ALARMS} names. List at most {MAX_NATIVE_ALARMS}."))
    } else if !native && count > MAX_ALARMS {
        Some(format!("{count} alarms; CodeDeploy watches at most {MAX_ALARMS} per deployment (AlarmsLimitExceededException). List at most {MAX_ALARMS}."))
    } else {
        None
    }
}

/// CodeDeploy names: 1 to 100 characters (application, deployment group, deployment config).
fn check_codedeploy_name(v: &Value, path: AttributePath, what: &str, diags: &mut Diagnostics) {
    if let Some(name) = v.as_str() {
        if name.trim().is_empty() || name.chars().count() > 100 {
            diags.attribute_error(
                path,
                "Invalid name",
                format!("{what} {name:?} must be 1 to 100 characters long and not blank."),
            );
        }
    }
}

/// Reads and checks the names.
pub fn parse(config: &Value, diags: &mut Diagnostics) -> Names {
    let root = AttributePath::root;
    super::engine::check(config, diags);
    check_codedeploy_name(
        config.get(attr::APPLICATION_NAME),
        root(attr::APPLICATION_NAME),
        "The application name",
        diags,
    );
    check_codedeploy_name(
        config.get(attr::DEPLOYMENT_GROUP_NAME),
        root(attr::DEPLOYMENT_GROUP_NAME),
        "The deployment group name",
        diags,
    );
    check_codedeploy_name(
        config.get(attr::DEPLOYMENT_CONFIG_NAME),
        root(attr::DEPLOYMENT_CONFIG_NAME),
        "The deployment config name",
        diags,
    );
    let alarm_count = config.get(attr::ALARMS).as_list().map_or(0, <[Value]>::len);
    if let Some(detail) = too_many_alarms(alarm_count, super::engine::addresses_native(config)) {
        diags.attribute_error(root(attr::ALARMS), "Too many alarms", detail);
    }
    let mut seen_alarms = std::collections::BTreeSet::new();
    for (i, alarm) in config
        .get("alarms")
        .as_list()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if let Some(name) = alarm.as_str() {
            let path = root(attr::ALARMS).index(i);
            if name.trim().is_empty() || name.chars().count() > 255 {
                diags.attribute_error(
                    path,
                    "Invalid alarm name",
                    format!("{name:?} is not a CloudWatch alarm name (1 to 255 characters)."),
                );
            } else if !seen_alarms.insert(name.to_string()) {
                diags.attribute_error(
                    path,
                    "Duplicate alarm",
                    format!("Alarm {name:?} is listed twice."),
                );
            }
        }
    }
    for (i, name) in config
        .get("sensitive_environment")
        .as_list()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if name.as_str().is_some_and(|n| n.trim().is_empty()) {
            diags.attribute_error(
                root(attr::SENSITIVE_ENVIRONMENT).index(i),
                "Invalid environment variable name",
                "A blank name hides nothing: list the names of the container environment variables whose values must not be shown.",
            );
        }
    }
    Names {
        application_name: string(config.get(attr::APPLICATION_NAME)).unwrap_or_default(),
        deployment_group_name: string(config.get(attr::DEPLOYMENT_GROUP_NAME)).unwrap_or_default(),
        native: string(config.get(attr::CLUSTER_NAME)).zip(string(config.get(attr::SERVICE_NAME))),
        deployment_config_name: string(config.get(attr::DEPLOYMENT_CONFIG_NAME)),
        alarms: strings(config.get(attr::ALARMS)),
        sensitive_environment: strings(config.get(attr::SENSITIVE_ENVIRONMENT)),
    }
}

#[cfg(test)]
mod tests {
    use super::too_many_alarms;

    #[test]
    fn the_alarm_limit_is_the_engines() {
        assert_eq!(too_many_alarms(10, false), None);
        assert!(
            too_many_alarms(11, false).is_some_and(|d| d.contains("CodeDeploy watches at most 10"))
        );
        assert_eq!(
            too_many_alarms(11, true),
            None,
            "ECS-native has no CodeDeploy limit"
        );
        assert_eq!(too_many_alarms(100, true), None);
        let native = too_many_alarms(101, true).unwrap_or_default();
        assert!(
            native.contains("at most 100") && !native.contains("CodeDeploy"),
            "{native}"
        );
    }
}
