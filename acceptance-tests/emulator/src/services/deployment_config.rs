//! Deployment configs, predefined and custom, and how each moves traffic: the CodeDeploy API serves them
//! and the lifecycle engine routes by them, so they live apart from both.

use serde_json::{json, Value};

use super::params::opt_num;
use crate::world::World;

/// How a deployment config moves traffic.
#[derive(Clone, Debug, PartialEq)]
pub enum Routing {
    /// Everything at once.
    AllAtOnce,
    /// `percentage`, then the rest after `interval_minutes`.
    Canary {
        /// First step.
        percentage: f64,
        /// Wait before the rest.
        interval_minutes: f64,
    },
    /// `percentage` more every `interval_minutes`.
    Linear {
        /// Step size.
        percentage: f64,
        /// Wait between steps.
        interval_minutes: f64,
    },
}

/// CodeDeploy's predefined ECS configs (name, routing type, percentage, minutes).
const PREDEFINED: [(&str, &str, f64, f64); 5] = [
    ("CodeDeployDefault.ECSAllAtOnce", "AllAtOnce", 0.0, 0.0),
    (
        "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
        "TimeBasedLinear",
        10.0,
        1.0,
    ),
    (
        "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
        "TimeBasedLinear",
        10.0,
        3.0,
    ),
    (
        "CodeDeployDefault.ECSCanary10Percent5Minutes",
        "TimeBasedCanary",
        10.0,
        5.0,
    ),
    (
        "CodeDeployDefault.ECSCanary10Percent15Minutes",
        "TimeBasedCanary",
        10.0,
        15.0,
    ),
];

pub fn config_json(name: &str, kind: &str, pct: f64, minutes: f64) -> Value {
    let mut routing = json!({"type": kind});
    match kind {
        "TimeBasedCanary" => {
            routing["timeBasedCanary"] =
                json!({"canaryPercentage": pct as i64, "canaryInterval": minutes as i64})
        }
        "TimeBasedLinear" => {
            routing["timeBasedLinear"] =
                json!({"linearPercentage": pct as i64, "linearInterval": minutes as i64})
        }
        _ => {}
    }
    json!({"deploymentConfigId": format!("{:08x}-0000-4000-8000-000000000000", name.len()), "deploymentConfigName": name, "createTime": 1_500_000_000.0, "computePlatform": "ECS", "trafficRoutingConfig": routing})
}

/// CodeDeploy's predefined configs for EC2/on-premises servers (by name, minimum healthy hosts): an ECS
/// group cannot use them, but a configuration may name one by mistake.
const PREDEFINED_SERVER: [(&str, &str, i64); 3] = [
    ("CodeDeployDefault.OneAtATime", "HOST_COUNT", 1),
    ("CodeDeployDefault.HalfAtATime", "FLEET_PERCENT", 50),
    ("CodeDeployDefault.AllAtOnce", "HOST_COUNT", 0),
];

/// A deployment config by name (predefined or custom).
pub fn config(world: &World, name: &str) -> Option<Value> {
    PREDEFINED
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(n, k, p, m)| config_json(n, k, *p, *m))
        .or_else(|| {
            PREDEFINED_SERVER
                .iter()
                .find(|(n, ..)| *n == name)
                .map(|(n, kind, value)| {
                    json!({"deploymentConfigId": format!("{:08x}-0000-4000-8000-000000000001", n.len()), "deploymentConfigName": n, "createTime": 1_500_000_000.0, "computePlatform": "Server", "minimumHealthyHosts": {"type": kind, "value": value}})
                })
        })
        .or_else(|| world.configs.get(name).cloned())
}

/// How a config moves traffic.
pub fn routing(config: &Value) -> Routing {
    let r = &config["trafficRoutingConfig"];
    match r["type"].as_str() {
        Some("TimeBasedCanary") => Routing::Canary {
            percentage: opt_num(&r["timeBasedCanary"], "canaryPercentage").unwrap_or(10.0),
            interval_minutes: opt_num(&r["timeBasedCanary"], "canaryInterval").unwrap_or(5.0),
        },
        Some("TimeBasedLinear") => Routing::Linear {
            percentage: opt_num(&r["timeBasedLinear"], "linearPercentage").unwrap_or(10.0),
            interval_minutes: opt_num(&r["timeBasedLinear"], "linearInterval").unwrap_or(1.0),
        },
        _ => Routing::AllAtOnce,
    }
}
