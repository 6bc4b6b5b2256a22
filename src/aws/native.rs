//! Reading an ECS service that deploys itself (the `ECS` controller with a `BLUE_GREEN`, `LINEAR` or
//! `CANARY` strategy): what it serves, whether it holds test traffic at a PAUSE hook for the gate, its
//! deployment alarms and its test listener. The ECS-native engine's counterpart of `group.rs`.

use super::client::Aws;
use super::error::{AwsError, ErrorKind};
use super::sdk::Service;

/// The strategies ECS runs as blue/green-style deployments (aws-sdk-ecs 1.157 `DeploymentStrategy`;
/// `ROLLING` has no test traffic and no traffic shift).
pub const NATIVE_STRATEGIES: [&str; 3] = ["BLUE_GREEN", "LINEAR", "CANARY"];

/// The stage the gate runs at: test traffic is on green, production still on blue.
pub const GATE_STAGE: &str = "POST_TEST_TRAFFIC_SHIFT";

/// A native service as a rollout needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct NativeService {
    /// Its cluster.
    pub cluster: String,
    /// Its name.
    pub service: String,
    /// The revision it serves.
    pub live_task_definition: Option<String>,
    /// The revision it was last pointed at (UpdateService), which an in-flight deployment deploys.
    pub requested_task_definition: Option<String>,
    /// Its current service deployment, when it has one.
    pub current_deployment: Option<String>,
    /// True when a PAUSE hook holds the deployment at `POST_TEST_TRAFFIC_SHIFT`.
    pub pauses_after_test_traffic: bool,
    /// Its deployment alarms, when enabled.
    pub alarms: Vec<String>,
    /// `<scheme>://<host>:<port>` of the test listener, when one is configured and readable.
    pub test_url: Option<String>,
    /// The production listener rule (ALB) or listener (NLB) ECS moves, when configured.
    pub production_rule: Option<String>,
    /// The load balancer container.
    pub container_name: Option<String>,
    /// The load balancer container port.
    pub container_port: Option<i64>,
}

/// Why a service cannot be driven by the native engine, each a case the caller words on its attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum NativeError {
    /// No such service in the cluster.
    ServiceNotFound,
    /// The service is on another controller, or on the ECS controller with a strategy that does not
    /// shift traffic.
    NotNative {
        /// Its controller.
        controller: String,
        /// Its strategy (ECS's default is `ROLLING`).
        strategy: String,
    },
    /// Reading failed.
    Read(AwsError),
}

impl Aws {
    /// The service `cluster`/`service`, checked to be on a native blue/green, linear or canary strategy.
    pub async fn native_service(
        &self,
        cluster: &str,
        service: &str,
    ) -> Result<NativeService, NativeError> {
        let svc = self
            .readers
            .service(&self.reads, cluster, service)
            .await
            .map_err(|err| match err.kind {
                // A cluster that does not exist has no services either (ClusterNotFoundException).
                ErrorKind::NotFound => NativeError::ServiceNotFound,
                _ => NativeError::Read(err),
            })?
            .filter(|s| s.status() != Some("INACTIVE"))
            .ok_or(NativeError::ServiceNotFound)?;
        let controller = svc
            .deployment_controller()
            .map(|d| d.r#type().as_str().to_string())
            .unwrap_or_else(|| "ECS".into());
        let config = svc.deployment_configuration();
        let strategy = config
            .and_then(|c| c.strategy())
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "ROLLING".into());
        if controller != "ECS" || !NATIVE_STRATEGIES.contains(&strategy.as_str()) {
            return Err(NativeError::NotNative {
                controller,
                strategy,
            });
        }
        let pauses_after_test_traffic = config.is_some_and(|c| {
            c.lifecycle_hooks().iter().any(|h| {
                h.target_type().map(|t| t.as_str()) == Some("PAUSE")
                    && h.lifecycle_stages()
                        .iter()
                        .any(|s| s.as_str() == GATE_STAGE)
            })
        });
        let alarms = config
            .and_then(|c| c.alarms())
            .filter(|a| a.enable())
            .map(|a| a.alarm_names().to_vec())
            .unwrap_or_default();
        let lb = svc.load_balancers().first();
        let test_rule = lb
            .and_then(|l| l.advanced_configuration())
            .and_then(|a| a.test_listener_rule())
            .filter(|r| !r.is_empty());
        let production_rule = lb
            .and_then(|l| l.advanced_configuration())
            .and_then(|a| a.production_listener_rule())
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        let test_url = match test_rule {
            Some(rule) => self.listener_url(&listener_of(rule)).await,
            None => None,
        };
        Ok(NativeService {
            cluster: cluster.to_string(),
            service: service.to_string(),
            live_task_definition: self.serving(&svc).await,
            requested_task_definition: svc.task_definition().map(str::to_string),
            current_deployment: svc.current_service_deployment().map(str::to_string),
            pauses_after_test_traffic,
            alarms,
            test_url,
            production_rule,
            container_name: lb.and_then(|l| l.container_name()).map(str::to_string),
            container_port: lb.and_then(|l| l.container_port()).map(i64::from),
        })
    }
}

impl Aws {
    /// The target groups production traffic goes to through `rule` (a listener-rule ARN, or an NLB's
    /// listener ARN), with their weights.
    pub async fn rule_forwarding(&self, rule: &str) -> Result<Vec<(String, i32)>, AwsError> {
        if !rule.contains(":listener-rule/") {
            return self.listener_forwarding(rule).await;
        }
        let out = self
            .reads
            .elbv2
            .describe_rules()
            .rule_arns(rule)
            .send()
            .await
            .map_err(|e| self.reads.error(Service::Elbv2, "DescribeRules", e))?;
        let action = out.rules().first().and_then(|r| {
            r.actions()
                .iter()
                .find(|a| a.forward_config().is_some() || a.target_group_arn().is_some())
        });
        let weighted: Vec<(String, i32)> = action
            .and_then(|a| a.forward_config())
            .map(|f| {
                f.target_groups()
                    .iter()
                    .filter_map(|t| {
                        Some((t.target_group_arn()?.to_string(), t.weight().unwrap_or(1)))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !weighted.is_empty() {
            return Ok(weighted);
        }
        Ok(action
            .and_then(|a| a.target_group_arn())
            .map(|t| vec![(t.to_string(), 1)])
            .unwrap_or_default())
    }

    /// The revision production is on: the PRIMARY deployment's (after a rollback ECS makes blue PRIMARY
    /// again), except while a service deployment has not yet shifted production traffic (or is rolling
    /// back), when the ACTIVE one's (blue) still serves.
    async fn serving(&self, svc: &aws_sdk_ecs::types::Service) -> Option<String> {
        let by_status = |status: &str| {
            svc.deployments()
                .iter()
                .find(|d| d.status() == Some(status))
                .and_then(|d| d.task_definition())
                .map(str::to_string)
        };
        let primary = by_status("PRIMARY").or_else(|| svc.task_definition().map(str::to_string));
        let (Some(active), Some(current)) = (by_status("ACTIVE"), svc.current_service_deployment())
        else {
            return primary;
        };
        match self.service_deployment(current).await {
            Ok(Some(d)) if !d.is_terminal() && !d.production_shifted() => Some(active),
            _ => primary,
        }
    }
}

/// The listener a "rule" of `advancedConfiguration` belongs to: an ALB listener-rule ARN
/// (`…:listener-rule/app/<lb>/<id>/<listener>/<rule>`) names its listener; an NLB's field already holds a
/// listener ARN.
pub fn listener_of(rule: &str) -> String {
    match rule.rsplit_once('/') {
        Some((listener, _)) if rule.contains(":listener-rule/") => {
            listener.replacen(":listener-rule/", ":listener/", 1)
        }
        _ => rule.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::listener_of;

    #[test]
    fn a_rule_arn_names_its_listener_and_a_listener_arn_stays() {
        assert_eq!(
            listener_of(
                "arn:aws:elasticloadbalancing:us-east-1:1:listener-rule/app/lb/abc/def/123"
            ),
            "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/lb/abc/def"
        );
        assert_eq!(
            listener_of("arn:aws:elasticloadbalancing:us-east-1:1:listener/net/lb/abc/def"),
            "arn:aws:elasticloadbalancing:us-east-1:1:listener/net/lb/abc/def"
        );
    }
}
