//! ELBv2 listener rules (CreateRule, DescribeRules, ModifyRule, DeleteRule) with weighted forward
//! actions, routed on the real loopback listeners: ECS-native blue/green moves traffic by rewriting the
//! weights of a production and a test listener rule.

use serde_json::{json, Value};

use crate::dataplane::{RuleCondition, RuleSpec, WeightedTargetGroup};
use crate::emu::Emu;
use crate::protocol::ApiError;
use crate::services::params::{list, opt_num, opt_str, req_str, strings};
use crate::world::World;

use super::state::Rule;

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::client("ValidationError", message)
}

fn rule_not_found() -> ApiError {
    ApiError::client("RuleNotFound", "One or more rules not found")
}

/// The rule operations; None for every other ELBv2 operation.
pub async fn handle(emu: &Emu, op: &str, input: &Value) -> Option<Result<Value, ApiError>> {
    Some(match op {
        "CreateRule" => create_rule(emu, input),
        "ModifyRule" => modify_rule(emu, input),
        "DeleteRule" => delete_rule(emu, input),
        "DescribeRules" => describe_rules(emu, input).await,
        _ => return None,
    })
}

/// Reads a forward action (ForwardConfig.TargetGroups, or TargetGroupArn alone).
fn parse_actions(world: &World, actions: &[Value]) -> Result<Vec<(String, u32)>, ApiError> {
    if actions.len() != 1 || opt_str(&actions[0], "Type") != Some("forward") {
        return Err(validation(
            "The emulator's listener rules take exactly one forward action",
        ));
    }
    let action = &actions[0];
    let mut forward = Vec::new();
    for tg in list(&action["ForwardConfig"], "TargetGroups") {
        let arn = req_str(&tg, "TargetGroupArn", "ValidationError")?;
        forward.push((arn, opt_num(&tg, "Weight").unwrap_or(1.0) as u32));
    }
    if forward.is_empty() {
        forward.push((req_str(action, "TargetGroupArn", "ValidationError")?, 1));
    }
    for (arn, weight) in &forward {
        if !world.target_groups.contains_key(arn) {
            return Err(ApiError::client(
                "TargetGroupNotFound",
                format!("Target groups '{arn}' not found"),
            ));
        }
        if *weight > 999 {
            return Err(validation("Weight must be between 0 and 999"));
        }
    }
    Ok(forward)
}

fn values(condition: &Value, config: &str) -> Vec<String> {
    let nested = strings(&condition[config], "Values");
    if nested.is_empty() {
        strings(condition, "Values")
    } else {
        nested
    }
}

/// Reads a rule's conditions into what the listener matches.
fn parse_conditions(conditions: &[Value]) -> Result<Vec<RuleCondition>, ApiError> {
    conditions
        .iter()
        .map(|c| match opt_str(c, "Field") {
            Some("path-pattern") => Ok(RuleCondition::Path(values(c, "PathPatternConfig"))),
            Some("host-header") => Ok(RuleCondition::Host(values(c, "HostHeaderConfig"))),
            Some("http-request-method") => {
                Ok(RuleCondition::Method(values(c, "HttpRequestMethodConfig")))
            }
            Some("http-header") => Ok(RuleCondition::Header(
                opt_str(&c["HttpHeaderConfig"], "HttpHeaderName")
                    .unwrap_or_default()
                    .to_ascii_lowercase(),
                values(c, "HttpHeaderConfig"),
            )),
            other => Err(validation(format!(
                "The emulator does not route on condition field {other:?}"
            ))),
        })
        .collect()
}

/// DescribeRules' shape of a rule.
pub fn rule_json(rule: &Rule) -> Value {
    let mut action = json!({
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": rule.forward.iter().map(|(arn, w)| json!({"TargetGroupArn": arn, "Weight": w})).collect::<Vec<_>>(),
            "TargetGroupStickinessConfig": {"Enabled": false},
        },
    });
    if rule.forward.len() == 1 {
        action["TargetGroupArn"] = json!(rule.forward[0].0);
    }
    json!({
        "RuleArn": rule.arn,
        "Priority": rule.priority.to_string(),
        "Conditions": rule.conditions,
        "Actions": [action],
        "IsDefault": false,
    })
}

/// Pushes a listener's rules to its port.
pub fn push_rules(emu: &Emu, world: &World, listener_arn: &str) {
    let specs = world
        .native
        .rules
        .values()
        .filter(|r| r.listener_arn == listener_arn)
        .map(|r| RuleSpec {
            rule_arn: r.arn.clone(),
            priority: r.priority,
            conditions: parse_conditions(&r.conditions).unwrap_or_default(),
            forward: r
                .forward
                .iter()
                .map(|(arn, weight)| WeightedTargetGroup {
                    target_group_arn: arn.clone(),
                    target_group_dimension: world.target_group_dimension(arn),
                    weight: *weight,
                })
                .collect(),
        })
        .collect();
    emu.data().set_rules(listener_arn, specs);
}

/// Rewrites the weights of what `advancedConfiguration` names: a listener rule (ALB), or a listener (NLB,
/// where the "rule" fields carry listener ARNs).
pub fn set_route_weights(emu: &Emu, world: &mut World, arn: &str, weights: &[(String, u32)]) {
    if world.native.rules.contains_key(arn) {
        set_rule_weights(emu, world, arn, weights);
    } else if world.listeners.contains_key(arn) {
        crate::services::elbv2::set_weights(emu, world, arn, weights);
    }
}

/// The weighted forward of a listener rule or listener.
pub fn route_weights(world: &World, arn: &str) -> Option<Vec<(String, u32)>> {
    world
        .native
        .rules
        .get(arn)
        .map(|r| r.forward.clone())
        .or_else(|| world.listeners.get(arn).map(|l| l.forward.clone()))
}

/// Rewrites a rule's forward weights (what ECS does to the production and test rules) and routes by them.
pub fn set_rule_weights(emu: &Emu, world: &mut World, rule_arn: &str, weights: &[(String, u32)]) {
    let Some(rule) = world.native.rules.get_mut(rule_arn) else {
        return;
    };
    rule.forward = weights.to_vec();
    let listener = rule.listener_arn.clone();
    push_rules(emu, world, &listener);
}

fn create_rule(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let listener_arn = req_str(input, "ListenerArn", "ValidationError")?;
    let priority = opt_num(input, "Priority")
        .filter(|p| (1.0..=50000.0).contains(p))
        .ok_or_else(|| validation("Priority must be between 1 and 50000"))?
        as u32;
    let conditions = list(input, "Conditions");
    if conditions.is_empty() {
        return Err(validation("A rule must have at least one condition"));
    }
    parse_conditions(&conditions)?;
    let mut world = emu.world();
    if !world.listeners.contains_key(&listener_arn) {
        return Err(ApiError::client(
            "ListenerNotFound",
            "One or more listeners not found",
        ));
    }
    if world
        .native
        .rules
        .values()
        .any(|r| r.listener_arn == listener_arn && r.priority == priority)
    {
        return Err(ApiError::client(
            "PriorityInUse",
            format!("Priority '{priority}' is currently in use"),
        ));
    }
    let forward = parse_actions(&world, &list(input, "Actions"))?;
    let id = world.hex_id();
    let arn = format!(
        "{}/{id}",
        listener_arn.replacen(":listener/", ":listener-rule/", 1)
    );
    let rule = Rule {
        arn: arn.clone(),
        listener_arn: listener_arn.clone(),
        priority,
        conditions,
        forward,
    };
    let out = rule_json(&rule);
    world.native.rules.insert(arn, rule);
    push_rules(emu, &world, &listener_arn);
    Ok(json!({"Rules": [out]}))
}

fn modify_rule(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "RuleArn", "ValidationError")?;
    let mut world = emu.world();
    let conditions = list(input, "Conditions");
    parse_conditions(&conditions)?;
    let actions = list(input, "Actions");
    let forward = if actions.is_empty() {
        None
    } else {
        Some(parse_actions(&world, &actions)?)
    };
    let rule = world
        .native
        .rules
        .get_mut(&arn)
        .ok_or_else(rule_not_found)?;
    if !conditions.is_empty() {
        rule.conditions = conditions;
    }
    if let Some(forward) = forward {
        rule.forward = forward;
    }
    let (out, listener) = (rule_json(rule), rule.listener_arn.clone());
    push_rules(emu, &world, &listener);
    Ok(json!({"Rules": [out]}))
}

fn delete_rule(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "RuleArn", "ValidationError")?;
    let mut world = emu.world();
    // A deleted service (gone from the world, its native record kept for its deployments' history)
    // no longer holds its rules.
    if world.native.services.iter().any(|(key, s)| {
        world.services.contains_key(key)
            && s.traffic
                .as_ref()
                .is_some_and(|t| t.production_rule == arn || t.test_rule == arn)
    }) {
        return Err(ApiError::client(
            "ResourceInUse",
            format!("Rule '{arn}' is in use by an Amazon ECS service"),
        ));
    }
    let rule = world.native.rules.remove(&arn).ok_or_else(rule_not_found)?;
    push_rules(emu, &world, &rule.listener_arn);
    Ok(json!({}))
}

async fn describe_rules(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let wanted = strings(input, "RuleArns");
    if !wanted.is_empty() {
        let world = emu.world();
        let rules = wanted
            .iter()
            .map(|arn| world.native.rules.get(arn).map(rule_json))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(rule_not_found)?;
        return Ok(json!({"Rules": rules}));
    }
    let listener_arn = req_str(input, "ListenerArn", "ValidationError")?;
    let defaults = crate::services::elbv2::handle(emu, "DescribeRules", input).await?;
    let world = emu.world();
    let mut rules: Vec<&Rule> = world
        .native
        .rules
        .values()
        .filter(|r| r.listener_arn == listener_arn)
        .collect();
    rules.sort_by_key(|r| r.priority);
    let mut out: Vec<Value> = rules.into_iter().map(rule_json).collect();
    out.extend(list(&defaults, "Rules"));
    Ok(json!({"Rules": out}))
}
