//! The AppSpec's settings for the green task set: container and port, platform version, network
//! configuration and capacity provider strategy.

use super::attr;
use super::values::{string, strings};
use crate::plugin::diagnostics::{AttributePath, Diagnostics};
use crate::plugin::value::Value;
use crate::rollout::appspec::{CapacityProviderItem, NetworkConfiguration};

/// The most subnets an awsvpc configuration takes: "There's a limit of 16 subnets that can be specified"
/// (ECS API reference, AwsVpcConfiguration `subnets`,
/// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AwsVpcConfiguration.html).
const MAX_SUBNETS: usize = 16;

/// The most security groups an awsvpc configuration takes: "There's a limit of 5 security groups that can be
/// specified" (ECS API reference, AwsVpcConfiguration `securityGroups`, as above).
const MAX_SECURITY_GROUPS: usize = 5;

/// The AppSpec settings as configured (None: the service's).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppSpecSettings {
    /// AppSpec container name.
    pub container_name: Option<String>,
    /// AppSpec container port.
    pub container_port: Option<i64>,
    /// AppSpec platform version.
    pub platform_version: Option<String>,
    /// AppSpec network configuration.
    pub network_configuration: Option<NetworkConfiguration>,
    /// AppSpec capacity provider strategy.
    pub capacity_provider_strategy: Vec<CapacityProviderItem>,
}

/// Reads and checks the AppSpec settings.
pub fn parse(config: &Value, diags: &mut Diagnostics) -> AppSpecSettings {
    let root = AttributePath::root;
    let container_port = match config.get(attr::CONTAINER_PORT) {
        Value::Number(n) => match n.as_i64() {
            Some(p) if (1..=65535).contains(&p) => Some(p),
            _ => {
                diags.attribute_error(
                    root(attr::CONTAINER_PORT),
                    "Invalid container port",
                    format!("{n} is not a port number between 1 and 65535."),
                );
                None
            }
        },
        _ => None,
    };

    let network_configuration = match config.get(attr::NETWORK_CONFIGURATION) {
        Value::Map(_) => {
            let n = config.get(attr::NETWORK_CONFIGURATION);
            let assign = string(n.get("assign_public_ip"));
            if let Some(a) = &assign {
                if a != "ENABLED" && a != "DISABLED" {
                    diags.attribute_error(
                        root(attr::NETWORK_CONFIGURATION).attr("assign_public_ip"),
                        "Invalid assign_public_ip",
                        format!("{a:?} must be \"ENABLED\" or \"DISABLED\"."),
                    );
                }
            }
            let subnets = strings(n.get("subnets"));
            if subnets.is_empty() && !n.get("subnets").is_unknown() {
                diags.attribute_error(
                    root(attr::NETWORK_CONFIGURATION).attr("subnets"),
                    "No subnets",
                    "The green task set needs at least one subnet.",
                );
            }
            for (list, max, what) in [
                ("subnets", MAX_SUBNETS, "subnets"),
                ("security_groups", MAX_SECURITY_GROUPS, "security groups"),
            ] {
                let count = strings(n.get(list)).len();
                if count > max {
                    diags.attribute_error(
                        root(attr::NETWORK_CONFIGURATION).attr(list),
                        "Too many ids",
                        format!(
                            "{count} {what}; an awsvpc network configuration takes at most {max}."
                        ),
                    );
                }
            }
            for (list, prefix, what) in [
                ("subnets", "subnet-", "subnet"),
                ("security_groups", "sg-", "security group"),
            ] {
                for (i, id) in strings(n.get(list)).iter().enumerate() {
                    if !id.starts_with(prefix) || id.len() <= prefix.len() {
                        diags.attribute_error(
                            root(attr::NETWORK_CONFIGURATION).attr(list).index(i),
                            "Invalid id",
                            format!("{id:?} is not a {what} id (\"{prefix}…\")."),
                        );
                    }
                }
            }
            Some(NetworkConfiguration {
                subnets,
                security_groups: strings(n.get("security_groups")),
                assign_public_ip: assign,
            })
        }
        _ => None,
    };

    for (i, c) in config
        .get("capacity_provider_strategy")
        .as_list()
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let path = root(attr::CAPACITY_PROVIDER_STRATEGY).index(i);
        if c.get("capacity_provider")
            .as_str()
            .is_some_and(|n| n.trim().is_empty())
        {
            diags.attribute_error(
                path.clone().attr("capacity_provider"),
                "Invalid capacity provider",
                "The capacity provider name is blank.",
            );
        }
        if let Some(w) = c.get("weight").as_i64() {
            if !(0..=1000).contains(&w) {
                diags.attribute_error(
                    path.clone().attr("weight"),
                    "Invalid weight",
                    format!("{w} is outside 0 to 1000."),
                );
            }
        }
        if let Some(b) = c.get("base").as_i64() {
            if !(0..=100_000).contains(&b) {
                diags.attribute_error(
                    path.attr("base"),
                    "Invalid base",
                    format!("{b} is outside 0 to 100000."),
                );
            }
        }
    }
    let capacity_provider_strategy = config
        .get("capacity_provider_strategy")
        .as_list()
        .unwrap_or_default()
        .iter()
        .map(|c| CapacityProviderItem {
            capacity_provider: string(c.get("capacity_provider")).unwrap_or_default(),
            weight: c.get("weight").as_i64().unwrap_or(1),
            base: c.get("base").as_i64().unwrap_or(0),
        })
        .collect();

    AppSpecSettings {
        container_name: string(config.get(attr::CONTAINER_NAME)),
        container_port,
        platform_version: string(config.get(attr::PLATFORM_VERSION)),
        network_configuration,
        capacity_provider_strategy,
    }
}
