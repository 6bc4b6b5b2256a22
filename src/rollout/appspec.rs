//! The AppSpec CodeDeploy runs for an ECS blue/green deployment, built from the resource's settings.
//!
//! Built as JSON (CodeDeploy accepts JSON or YAML) with a stable key order, so the same inputs always give the
//! same content and the same SHA-256 — which is how the provider recognises its own in-flight deployment after
//! an interrupted apply.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// `AwsvpcConfiguration` of the AppSpec; all or none (omitted = the service's current configuration).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetworkConfiguration {
    /// Subnet ids.
    pub subnets: Vec<String>,
    /// Security group ids.
    pub security_groups: Vec<String>,
    /// `ENABLED` or `DISABLED`.
    pub assign_public_ip: Option<String>,
}

/// One `CapacityProviderStrategy` item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapacityProviderItem {
    /// Capacity provider name, e.g. `FARGATE_SPOT`.
    pub capacity_provider: String,
    /// Relative weight.
    pub weight: i64,
    /// Tasks placed here first.
    pub base: i64,
}

/// Lambda functions CodeDeploy invokes at the lifecycle events that allow hooks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hooks {
    /// Before the green task set is created.
    pub before_install: Option<String>,
    /// After the green task set is created.
    pub after_install: Option<String>,
    /// After the test listener points at green: the usual place for tests.
    pub after_allow_test_traffic: Option<String>,
    /// Before production traffic moves.
    pub before_allow_traffic: Option<String>,
    /// After production traffic has moved.
    pub after_allow_traffic: Option<String>,
}

impl Hooks {
    /// The hooks that are set, in lifecycle order, with their AppSpec event names.
    pub fn in_order(&self) -> Vec<(&'static str, &str)> {
        [
            ("BeforeInstall", &self.before_install),
            ("AfterInstall", &self.after_install),
            ("AfterAllowTestTraffic", &self.after_allow_test_traffic),
            ("BeforeAllowTraffic", &self.before_allow_traffic),
            ("AfterAllowTraffic", &self.after_allow_traffic),
        ]
        .into_iter()
        .filter_map(|(event, f)| f.as_deref().map(|f| (event, f)))
        .collect()
    }
}

/// Everything the AppSpec says about one deployment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppSpec {
    /// Full ARN of the task definition to deploy (CodeDeploy requires the ARN).
    pub task_definition_arn: String,
    /// The container the load balancer sends traffic to.
    pub container_name: String,
    /// Its port.
    pub container_port: i64,
    /// Fargate platform version.
    pub platform_version: Option<String>,
    /// awsvpc network configuration for the green task set.
    pub network_configuration: Option<NetworkConfiguration>,
    /// Capacity provider strategy for the green task set.
    pub capacity_provider_strategy: Vec<CapacityProviderItem>,
    /// Lifecycle hooks.
    pub hooks: Hooks,
}

impl AppSpec {
    /// The AppSpec as CodeDeploy reads it.
    pub fn to_json(&self) -> Value {
        let mut properties = Map::new();
        properties.insert("TaskDefinition".into(), json!(self.task_definition_arn));
        properties.insert(
            "LoadBalancerInfo".into(),
            json!({"ContainerName": self.container_name, "ContainerPort": self.container_port}),
        );
        if let Some(version) = &self.platform_version {
            properties.insert("PlatformVersion".into(), json!(version));
        }
        if let Some(network) = &self.network_configuration {
            let mut awsvpc = Map::new();
            awsvpc.insert("Subnets".into(), json!(network.subnets));
            awsvpc.insert("SecurityGroups".into(), json!(network.security_groups));
            if let Some(public) = &network.assign_public_ip {
                awsvpc.insert("AssignPublicIp".into(), json!(public));
            }
            properties.insert(
                "NetworkConfiguration".into(),
                json!({"AwsvpcConfiguration": awsvpc}),
            );
        }
        if !self.capacity_provider_strategy.is_empty() {
            properties.insert(
                "CapacityProviderStrategy".into(),
                Value::Array(
                    self.capacity_provider_strategy
                        .iter()
                        .map(|c| json!({"Base": c.base, "CapacityProvider": c.capacity_provider, "Weight": c.weight}))
                        .collect(),
                ),
            );
        }
        let mut spec = Map::new();
        spec.insert("version".into(), json!("0.0"));
        spec.insert(
            "Resources".into(),
            json!([{"TargetService": {"Type": "AWS::ECS::Service", "Properties": properties}}]),
        );
        let hooks = self.hooks.in_order();
        if !hooks.is_empty() {
            spec.insert(
                "Hooks".into(),
                Value::Array(
                    hooks
                        .into_iter()
                        .map(|(event, f)| json!({event: f}))
                        .collect(),
                ),
            );
        }
        Value::Object(spec)
    }

    /// The content string sent as `appSpecContent.content`.
    pub fn content(&self) -> String {
        self.to_json().to_string()
    }

    /// Lower-case hex SHA-256 of [`content`](Self::content), sent as `appSpecContent.sha256`.
    pub fn sha256(&self) -> String {
        let digest = Sha256::digest(self.content().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web() -> AppSpec {
        AppSpec {
            task_definition_arn: "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7".into(),
            container_name: "web".into(),
            container_port: 80,
            ..AppSpec::default()
        }
    }

    #[test]
    fn minimal_appspec_has_the_required_shape() {
        assert_eq!(
            web().to_json(),
            json!({
                "version": "0.0",
                "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {
                    "TaskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
                    "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 80}
                }}}]
            })
        );
    }

    #[test]
    fn optional_properties_and_hooks_in_lifecycle_order() {
        let spec = AppSpec {
            platform_version: Some("1.4.0".into()),
            network_configuration: Some(NetworkConfiguration {
                subnets: vec!["subnet-1".into()],
                security_groups: vec!["sg-1".into()],
                assign_public_ip: Some("DISABLED".into()),
            }),
            capacity_provider_strategy: vec![CapacityProviderItem {
                capacity_provider: "FARGATE_SPOT".into(),
                weight: 1,
                base: 0,
            }],
            hooks: Hooks {
                after_allow_traffic: Some("CodeDeployHook_smoke".into()),
                before_install: Some("CodeDeployHook_prepare".into()),
                ..Hooks::default()
            },
            ..web()
        };
        let json = spec.to_json();
        let props = &json["Resources"][0]["TargetService"]["Properties"];
        assert_eq!(props["PlatformVersion"], "1.4.0");
        assert_eq!(
            props["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"][0],
            "subnet-1"
        );
        assert_eq!(
            props["CapacityProviderStrategy"][0]["CapacityProvider"],
            "FARGATE_SPOT"
        );
        assert_eq!(
            json["Hooks"],
            json!([{"BeforeInstall": "CodeDeployHook_prepare"}, {"AfterAllowTraffic": "CodeDeployHook_smoke"}])
        );
    }

    #[test]
    fn same_inputs_same_digest_different_inputs_different_digest() {
        assert_eq!(web().sha256(), web().sha256());
        assert_eq!(web().sha256().len(), 64);
        let other = AppSpec {
            container_port: 8080,
            ..web()
        };
        assert_ne!(web().sha256(), other.sha256());
    }
}
