//! Elastic Load Balancing v2, the calls hashicorp/aws makes beyond what a rollout needs: attributes of load
//! balancers, target groups and listeners (AWS's defaults, stored as set), tags, target group changes and
//! deletes. Shapes from botocore `elbv2/2015-12-01/service-2.json`; defaults as AWS documents them for an
//! application load balancer and an HTTP target group.

use serde_json::{json, Value};

use super::params::{list, opt_num, opt_str, req_str, strings};
use crate::emu::Emu;
use crate::protocol::{ApiError, Service};

/// Dispatches the ELBv2 operations a stage built by hashicorp/aws needs.
pub fn handle(emu: &Emu, op: &str, input: &Value) -> Result<Value, ApiError> {
    match op {
        "DescribeLoadBalancerAttributes" => {
            attributes(emu, input, "LoadBalancerArn", Kind::LoadBalancer, &[])
        }
        "ModifyLoadBalancerAttributes" => attributes(
            emu,
            input,
            "LoadBalancerArn",
            Kind::LoadBalancer,
            &list(input, "Attributes"),
        ),
        "DescribeTargetGroupAttributes" => {
            attributes(emu, input, "TargetGroupArn", Kind::TargetGroup, &[])
        }
        "ModifyTargetGroupAttributes" => attributes(
            emu,
            input,
            "TargetGroupArn",
            Kind::TargetGroup,
            &list(input, "Attributes"),
        ),
        "DescribeListenerAttributes" => attributes(emu, input, "ListenerArn", Kind::Listener, &[]),
        "ModifyListenerAttributes" => attributes(
            emu,
            input,
            "ListenerArn",
            Kind::Listener,
            &list(input, "Attributes"),
        ),
        "DescribeCapacityReservation" => describe_capacity_reservation(emu, input),
        "ModifyTargetGroup" => modify_target_group(emu, input),
        "DescribeTags" => describe_tags(emu, input),
        "AddTags" => add_tags(emu, input),
        "RemoveTags" => remove_tags(emu, input),
        "DeleteListener" => delete_listener(emu, input),
        "DeleteLoadBalancer" => delete_load_balancer(emu, input),
        "DeleteTargetGroup" => delete_target_group(emu, input),
        _ => Err(ApiError::unknown_operation(Service::Elbv2, op)),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    LoadBalancer,
    TargetGroup,
    Listener,
}

/// AWS's attribute defaults: an application load balancer, an HTTP target group of IP targets, an HTTP
/// listener.
fn defaults(kind: Kind) -> &'static [(&'static str, &'static str)] {
    match kind {
        Kind::LoadBalancer => &[
            ("access_logs.s3.enabled", "false"),
            ("access_logs.s3.bucket", ""),
            ("access_logs.s3.prefix", ""),
            ("client_keep_alive.seconds", "3600"),
            ("connection_logs.s3.enabled", "false"),
            ("connection_logs.s3.bucket", ""),
            ("connection_logs.s3.prefix", ""),
            ("deletion_protection.enabled", "false"),
            ("idle_timeout.timeout_seconds", "60"),
            ("load_balancing.cross_zone.enabled", "true"),
            ("routing.http.desync_mitigation_mode", "defensive"),
            ("routing.http.drop_invalid_header_fields.enabled", "false"),
            ("routing.http.preserve_host_header.enabled", "false"),
            (
                "routing.http.x_amzn_tls_version_and_cipher_suite.enabled",
                "false",
            ),
            ("routing.http.xff_client_port.enabled", "false"),
            ("routing.http.xff_header_processing.mode", "append"),
            ("routing.http2.enabled", "true"),
            ("waf.fail_open.enabled", "false"),
            ("zonal_shift.config.enabled", "false"),
        ],
        Kind::TargetGroup => &[
            ("deregistration_delay.timeout_seconds", "300"),
            ("load_balancing.algorithm.anomaly_mitigation", "off"),
            ("load_balancing.algorithm.type", "round_robin"),
            (
                "load_balancing.cross_zone.enabled",
                "use_load_balancer_configuration",
            ),
            ("slow_start.duration_seconds", "0"),
            ("stickiness.app_cookie.cookie_name", ""),
            ("stickiness.app_cookie.duration_seconds", "86400"),
            ("stickiness.enabled", "false"),
            ("stickiness.lb_cookie.duration_seconds", "86400"),
            ("stickiness.type", "lb_cookie"),
            (
                "target_group_health.dns_failover.minimum_healthy_targets.count",
                "1",
            ),
            (
                "target_group_health.dns_failover.minimum_healthy_targets.percentage",
                "off",
            ),
            (
                "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count",
                "1",
            ),
            (
                "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage",
                "off",
            ),
        ],
        Kind::Listener => &[],
    }
}

fn not_found(kind: Kind) -> ApiError {
    match kind {
        Kind::LoadBalancer => ApiError::client(
            "LoadBalancerNotFound",
            "One or more load balancers not found",
        ),
        Kind::TargetGroup => {
            ApiError::client("TargetGroupNotFound", "One or more target groups not found")
        }
        Kind::Listener => ApiError::client("ListenerNotFound", "One or more listeners not found"),
    }
}

/// Describe (no `changes`) or Modify (`changes`) a resource's attributes; both answer every attribute.
fn attributes(
    emu: &Emu,
    input: &Value,
    key: &str,
    kind: Kind,
    changes: &[Value],
) -> Result<Value, ApiError> {
    let arn = req_str(input, key, "ValidationError")?;
    let mut world = emu.world();
    let exists = match kind {
        Kind::LoadBalancer => world.load_balancers.contains_key(&arn),
        Kind::TargetGroup => world.target_groups.contains_key(&arn),
        Kind::Listener => world.listeners.contains_key(&arn),
    };
    if !exists {
        return Err(not_found(kind));
    }
    let stored = world.attributes.entry(arn).or_insert_with(|| {
        json!(defaults(kind)
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect::<Vec<_>>())
    });
    for change in changes {
        let Some(name) = opt_str(change, "Key") else {
            continue;
        };
        if kind != Kind::Listener && !defaults(kind).iter().any(|(k, _)| *k == name) {
            return Err(ApiError::client(
                "InvalidConfigurationRequest",
                format!("Key {name} not valid"),
            ));
        }
        let value = change.get("Value").cloned().unwrap_or(json!(""));
        if let Value::Array(items) = stored {
            match items.iter_mut().find(|i| i["Key"] == name) {
                Some(item) => item["Value"] = value,
                None => items.push(json!({"Key": name, "Value": value})),
            }
        }
    }
    Ok(json!({"Attributes": stored.clone()}))
}

fn describe_capacity_reservation(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "LoadBalancerArn", "ValidationError")?;
    if !emu.world().load_balancers.contains_key(&arn) {
        return Err(not_found(Kind::LoadBalancer));
    }
    Ok(json!({"CapacityReservationState": []}))
}

fn modify_target_group(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "TargetGroupArn", "ValidationError")?;
    let mut world = emu.world();
    let tg = world
        .target_groups
        .get_mut(&arn)
        .ok_or_else(|| not_found(Kind::TargetGroup))?;
    set_health_check(tg, input);
    Ok(json!({"TargetGroups": [tg.clone()]}))
}

/// The health check members CreateTargetGroup and ModifyTargetGroup set, over what the group has.
pub fn set_health_check(tg: &mut Value, input: &Value) {
    for key in ["HealthCheckProtocol", "HealthCheckPort", "HealthCheckPath"] {
        if let Some(v) = opt_str(input, key) {
            tg[key] = json!(v);
        }
    }
    for key in [
        "HealthCheckIntervalSeconds",
        "HealthCheckTimeoutSeconds",
        "HealthyThresholdCount",
        "UnhealthyThresholdCount",
    ] {
        if let Some(v) = opt_num(input, key) {
            tg[key] = json!(v as i64);
        }
    }
    if let Some(enabled) = super::params::opt_bool(input, "HealthCheckEnabled") {
        tg["HealthCheckEnabled"] = json!(enabled);
    }
    if let Some(code) = opt_str(&input["Matcher"], "HttpCode") {
        tg["Matcher"] = json!({"HttpCode": code});
    }
}

/// `AvailabilityZones` of a new load balancer: one zone per subnet given (`Subnets` or `SubnetMappings`).
pub fn availability_zones(input: &Value) -> Value {
    let mut subnets = strings(input, "Subnets");
    subnets.extend(
        list(input, "SubnetMappings")
            .iter()
            .filter_map(|m| opt_str(m, "SubnetId").map(str::to_string)),
    );
    let zones = ["a", "b", "c", "d", "e", "f"];
    json!(subnets
        .iter()
        .enumerate()
        .map(|(i, subnet)| json!({
            "ZoneName": format!("{}{}", crate::world::REGION, zones[i % zones.len()]),
            "SubnetId": subnet,
            "LoadBalancerAddresses": [],
        }))
        .collect::<Vec<_>>())
}

fn resource_exists(world: &crate::world::World, arn: &str) -> bool {
    world.load_balancers.contains_key(arn)
        || world.target_groups.contains_key(arn)
        || world.listeners.contains_key(arn)
        || world.native.rules.contains_key(arn)
}

fn describe_tags(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arns = strings(input, "ResourceArns");
    let world = emu.world();
    let mut descriptions = Vec::new();
    for arn in arns {
        if !resource_exists(&world, &arn) {
            return Err(ApiError::client(
                if arn.contains(":targetgroup/") {
                    "TargetGroupNotFound"
                } else if arn.contains(":listener-rule/") {
                    "RuleNotFound"
                } else if arn.contains(":listener/") {
                    "ListenerNotFound"
                } else {
                    "LoadBalancerNotFound"
                },
                format!("Resource {arn} not found"),
            ));
        }
        let tags = world.tags.get(&arn).cloned().unwrap_or_default();
        descriptions.push(json!({"ResourceArn": arn, "Tags": tags}));
    }
    Ok(json!({"TagDescriptions": descriptions}))
}

fn add_tags(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arns = strings(input, "ResourceArns");
    let new = list(input, "Tags");
    let mut world = emu.world();
    for arn in arns {
        if !resource_exists(&world, &arn) {
            return Err(ApiError::client(
                "LoadBalancerNotFound",
                format!("Resource {arn} not found"),
            ));
        }
        let tags = world.tags.entry(arn).or_default();
        for tag in &new {
            tags.retain(|t| t["Key"] != tag["Key"]);
            tags.push(
                json!({"Key": tag["Key"], "Value": tag.get("Value").cloned().unwrap_or(json!(""))}),
            );
        }
    }
    Ok(json!({}))
}

fn remove_tags(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arns = strings(input, "ResourceArns");
    let keys = strings(input, "TagKeys");
    let mut world = emu.world();
    for arn in arns {
        if let Some(tags) = world.tags.get_mut(&arn) {
            tags.retain(|t| !keys.iter().any(|k| t["Key"] == *k));
        }
    }
    Ok(json!({}))
}

fn delete_listener(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "ListenerArn", "ValidationError")?;
    let mut world = emu.world();
    if world.listeners.remove(&arn).is_none() {
        return Err(not_found(Kind::Listener));
    }
    world.attributes.remove(&arn);
    world.tags.remove(&arn);
    emu.data().close_listener(&arn);
    Ok(json!({}))
}

fn delete_load_balancer(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "LoadBalancerArn", "ValidationError")?;
    let mut world = emu.world();
    // Deleting a load balancer that does not exist succeeds, as on AWS.
    if world.load_balancers.remove(&arn).is_some() {
        let listeners: Vec<String> = world
            .listeners
            .values()
            .filter(|l| l.load_balancer_arn == arn)
            .map(|l| l.arn.clone())
            .collect();
        for listener in listeners {
            world.listeners.remove(&listener);
            emu.data().close_listener(&listener);
        }
        for tg in world.target_groups.values_mut() {
            if let Value::Array(lbs) = &mut tg["LoadBalancerArns"] {
                lbs.retain(|l| l != &arn);
            }
        }
        world.attributes.remove(&arn);
        world.tags.remove(&arn);
    }
    Ok(json!({}))
}

fn delete_target_group(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "TargetGroupArn", "ValidationError")?;
    let mut world = emu.world();
    if world
        .listeners
        .values()
        .any(|l| l.forward.iter().any(|(tg, _)| tg == &arn))
    {
        return Err(ApiError::client(
            "ResourceInUse",
            format!("Target group '{arn}' is currently in use by a listener or a rule"),
        ));
    }
    world.target_groups.remove(&arn);
    world.attributes.remove(&arn);
    world.tags.remove(&arn);
    Ok(json!({}))
}
