//! Validating and defaulting what CreateService/UpdateService say about native deployments: the strategy
//! and its step settings, lifecycle hooks, alarms and `loadBalancers[].advancedConfiguration`, with the
//! ranges and rules of the ECS model (aws-sdk-ecs 1.157 `DeploymentConfiguration`, `DeploymentLifecycleHook`).

use serde_json::{json, Value};

use crate::protocol::ApiError;
use crate::services::params::{list, opt_num, opt_str, strings};
use crate::world::World;

use super::state::Traffic;

/// Strategies that the native engine runs (ROLLING stays with the plain ECS path).
pub const NATIVE: [&str; 3] = ["BLUE_GREEN", "LINEAR", "CANARY"];

const HOOK_STAGES: [&str; 8] = [
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
];

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid(message)
}

/// The strategy a request names, if any.
pub fn strategy(input: &Value) -> Option<&str> {
    opt_str(&input["deploymentConfiguration"], "strategy")
}

/// True when a request puts a service on a native strategy.
pub fn is_native(input: &Value) -> bool {
    let controller = input["deploymentController"]["type"]
        .as_str()
        .unwrap_or("ECS");
    controller == "ECS" && strategy(input).is_some_and(|s| NATIVE.contains(&s))
}

fn range(v: Option<f64>, lo: f64, hi: f64, what: &str) -> Result<(), ApiError> {
    match v {
        Some(n) if !(lo..=hi).contains(&n) => Err(invalid(format!(
            "{what} must be between {lo} and {hi}, got {n}."
        ))),
        _ => Ok(()),
    }
}

/// Checks a `deploymentConfiguration` and fills in ECS's defaults.
pub fn deployment_configuration(given: &Value) -> Result<Value, ApiError> {
    let mut config = if given.is_object() {
        given.clone()
    } else {
        json!({})
    };
    let strategy = opt_str(&config, "strategy")
        .unwrap_or("ROLLING")
        .to_string();
    if !["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"].contains(&strategy.as_str()) {
        return Err(invalid(format!(
            "deploymentConfiguration.strategy {strategy:?} is not one of ROLLING, BLUE_GREEN, LINEAR, CANARY."
        )));
    }
    config["strategy"] = json!(strategy);
    config
        .as_object_mut()
        .map(|m| m.entry("maximumPercent").or_insert(json!(200)));
    config
        .as_object_mut()
        .map(|m| m.entry("minimumHealthyPercent").or_insert(json!(100)));
    range(
        opt_num(&config, "bakeTimeInMinutes"),
        0.0,
        1440.0,
        "bakeTimeInMinutes",
    )?;
    if strategy != "ROLLING" && config.get("bakeTimeInMinutes").is_none() {
        config["bakeTimeInMinutes"] = json!(0);
    }
    if strategy == "LINEAR" {
        let linear = &mut config["linearConfiguration"];
        if !linear.is_object() {
            *linear = json!({});
        }
        let step = opt_num(linear, "stepPercent").unwrap_or(10.0);
        range(Some(step), 3.0, 100.0, "linearConfiguration.stepPercent")?;
        if ((step * 10.0).round() - step * 10.0).abs() > 1e-9 {
            return Err(invalid(
                "linearConfiguration.stepPercent must be a multiple of 0.1.",
            ));
        }
        linear["stepPercent"] = json!(step);
        let bake = opt_num(linear, "stepBakeTimeInMinutes").unwrap_or(6.0);
        range(
            Some(bake),
            0.0,
            1440.0,
            "linearConfiguration.stepBakeTimeInMinutes",
        )?;
        linear["stepBakeTimeInMinutes"] = json!(bake as i64);
    }
    if strategy == "CANARY" {
        let canary = &mut config["canaryConfiguration"];
        if !canary.is_object() {
            *canary = json!({});
        }
        let pct = opt_num(canary, "canaryPercent").unwrap_or(5.0);
        range(Some(pct), 0.1, 100.0, "canaryConfiguration.canaryPercent")?;
        canary["canaryPercent"] = json!(pct);
        let bake = opt_num(canary, "canaryBakeTimeInMinutes").unwrap_or(10.0);
        range(
            Some(bake),
            0.0,
            1440.0,
            "canaryConfiguration.canaryBakeTimeInMinutes",
        )?;
        canary["canaryBakeTimeInMinutes"] = json!(bake as i64);
    }
    let alarms = &config["alarms"];
    if alarms.is_object()
        && (alarms.get("alarmNames").is_none()
            || alarms.get("enable").is_none()
            || alarms.get("rollback").is_none())
    {
        return Err(invalid(
            "deploymentConfiguration.alarms needs alarmNames, enable and rollback.",
        ));
    }
    let breaker = &config["deploymentCircuitBreaker"];
    if breaker.is_object() && (breaker.get("enable").is_none() || breaker.get("rollback").is_none())
    {
        return Err(invalid(
            "deploymentConfiguration.deploymentCircuitBreaker needs enable and rollback.",
        ));
    }
    let hooks = list(&config, "lifecycleHooks");
    let mut normalized = Vec::new();
    let (mut pauses, mut lambdas) = (0, 0);
    for (i, hook) in hooks.iter().enumerate() {
        normalized.push(lifecycle_hook(i, hook)?);
        if normalized[i]["targetType"] == "PAUSE" {
            pauses += 1;
        } else {
            lambdas += 1;
        }
    }
    if pauses > 10 || lambdas > 10 {
        return Err(invalid(
            "A service can have at most 10 PAUSE and 10 AWS_LAMBDA lifecycle hooks.",
        ));
    }
    if !hooks.is_empty() {
        config["lifecycleHooks"] = json!(normalized);
    }
    Ok(config)
}

fn lifecycle_hook(i: usize, hook: &Value) -> Result<Value, ApiError> {
    let at = format!("deploymentConfiguration.lifecycleHooks[{i}]");
    let mut hook = hook.clone();
    let target_type = opt_str(&hook, "targetType")
        .unwrap_or("AWS_LAMBDA")
        .to_string();
    hook["targetType"] = json!(target_type);
    let stages = strings(&hook, "lifecycleStages");
    if stages.is_empty() {
        return Err(invalid(format!("{at}.lifecycleStages is required.")));
    }
    for stage in &stages {
        if !HOOK_STAGES.contains(&stage.as_str()) {
            return Err(invalid(format!(
                "{at}.lifecycleStages: {stage} is not a hookable lifecycle stage."
            )));
        }
    }
    match target_type.as_str() {
        "AWS_LAMBDA" => {
            for field in ["hookTargetArn", "roleArn"] {
                if opt_str(&hook, field).is_none() {
                    return Err(invalid(format!(
                        "{at}.{field} is required for an AWS_LAMBDA hook."
                    )));
                }
            }
        }
        "PAUSE" => {
            for field in ["hookTargetArn", "roleArn", "hookDetails"] {
                if hook.get(field).is_some_and(|v| !v.is_null()) {
                    return Err(invalid(format!(
                        "{at}.{field} is only for AWS_LAMBDA hooks."
                    )));
                }
            }
            if let Some(s) = stages
                .iter()
                .find(|s| *s == "TEST_TRAFFIC_SHIFT" || *s == "PRODUCTION_TRAFFIC_SHIFT")
            {
                return Err(invalid(format!("{at}: a PAUSE hook cannot run at {s}.")));
            }
        }
        other => {
            return Err(invalid(format!(
                "{at}.targetType {other:?} is not one of AWS_LAMBDA, PAUSE."
            )))
        }
    }
    let timeout = &mut hook["timeoutConfiguration"];
    if !timeout.is_object() {
        *timeout = json!({});
    }
    let minutes = opt_num(timeout, "timeoutInMinutes").unwrap_or(1440.0);
    let max = if target_type == "PAUSE" {
        20160.0
    } else {
        1440.0
    };
    range(
        Some(minutes),
        1.0,
        max,
        &format!("{at}.timeoutConfiguration.timeoutInMinutes"),
    )?;
    timeout["timeoutInMinutes"] = json!(minutes as i64);
    let action = opt_str(timeout, "action").unwrap_or("ROLLBACK").to_string();
    if action != "ROLLBACK" && action != "CONTINUE" {
        return Err(invalid(format!(
            "{at}.timeoutConfiguration.action {action:?} is not one of CONTINUE, ROLLBACK."
        )));
    }
    timeout["action"] = json!(action);
    Ok(hook)
}

/// Reads `loadBalancers[0].advancedConfiguration` (an empty `testListenerRule` is absent, as AWS treats it).
pub fn traffic(world: &World, load_balancers: &[Value]) -> Result<Option<Traffic>, ApiError> {
    if load_balancers.len() > 1 {
        return Err(invalid(
            "Multiple target groups are not supported for blue/green deployments.",
        ));
    }
    let Some(lb) = load_balancers.first() else {
        return Ok(None);
    };
    let advanced = &lb["advancedConfiguration"];
    let primary = opt_str(lb, "targetGroupArn")
        .unwrap_or_default()
        .to_string();
    if !advanced.is_object() {
        return Err(invalid(
            "loadBalancers[0].advancedConfiguration is required for a blue/green, linear or canary deployment with a load balancer.",
        ));
    }
    let field = |k: &str| opt_str(advanced, k).unwrap_or_default().to_string();
    let traffic = Traffic {
        primary,
        alternate: field("alternateTargetGroupArn"),
        production_rule: field("productionListenerRule"),
        test_rule: field("testListenerRule"),
    };
    for (name, arn) in [
        ("alternateTargetGroupArn", &traffic.alternate),
        ("productionListenerRule", &traffic.production_rule),
        ("roleArn", &field("roleArn")),
    ] {
        if arn.is_empty() {
            return Err(invalid(format!(
                "loadBalancers[0].advancedConfiguration.{name} is required."
            )));
        }
    }
    if !world.target_groups.contains_key(&traffic.alternate) {
        return Err(invalid(format!(
            "The alternate target group {} does not exist.",
            traffic.alternate
        )));
    }
    if traffic.alternate == traffic.primary {
        return Err(invalid(
            "alternateTargetGroupArn must differ from targetGroupArn.",
        ));
    }
    for (name, arn) in [
        ("productionListenerRule", &traffic.production_rule),
        ("testListenerRule", &traffic.test_rule),
    ] {
        if !arn.is_empty()
            && !world.native.rules.contains_key(arn)
            && !world.listeners.contains_key(arn)
        {
            return Err(invalid(format!(
                "loadBalancers[0].advancedConfiguration.{name} {arn} is neither a listener rule nor a listener."
            )));
        }
    }
    Ok(Some(traffic))
}
