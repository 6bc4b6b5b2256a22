//! Elastic Load Balancing v2: load balancers whose listeners are real ports on 127.0.0.1, target groups,
//! weighted forward actions and target health.

use serde_json::{json, Value};

use super::params::{list, opt_num, opt_str, page, req_str, strings};
use crate::dataplane::{ListenerSpec, WeightedTargetGroup};
use crate::emu::Emu;
use crate::protocol::ApiError;
use crate::world::{Listener, World, ACCOUNT, REGION};

/// Dispatches one ELBv2 operation.
pub async fn handle(emu: &Emu, op: &str, input: &Value) -> Result<Value, ApiError> {
    match op {
        "CreateLoadBalancer" => create_load_balancer(emu, input),
        "CreateTargetGroup" => create_target_group(emu, input),
        "CreateListener" => create_listener(emu, input).await,
        "ModifyListener" => modify_listener(emu, input),
        "DescribeLoadBalancers" => describe_load_balancers(emu, input),
        "DescribeTargetGroups" => describe_target_groups(emu, input),
        "DescribeListeners" => describe_listeners(emu, input),
        "DescribeRules" => describe_rules(emu, input),
        "DescribeTargetHealth" => describe_target_health(emu, input),
        _ => super::elbv2_stage::handle(emu, op, input),
    }
}

fn iso(epoch: f64) -> String {
    chrono::DateTime::from_timestamp(epoch as i64, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::client("ValidationError", message)
}

fn create_load_balancer(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "Name", "ValidationError")?;
    let mut world = emu.world();
    if world
        .load_balancers
        .values()
        .any(|lb| lb["LoadBalancerName"] == name)
    {
        return Err(ApiError::client(
            "DuplicateLoadBalancerName",
            "A load balancer with the same name already exists",
        ));
    }
    let id = world.hex_id();
    let kind = opt_str(input, "Type").unwrap_or("application").to_string();
    let short = if kind == "network" { "net" } else { "app" };
    let arn =
        format!("arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/{short}/{name}/{id}");
    let lb = json!({
        "LoadBalancerArn": arn,
        "DNSName": "127.0.0.1",
        "CanonicalHostedZoneId": "Z35SXDOTRQ7X7K",
        "CreatedTime": iso(crate::clock::Clock::now_epoch()),
        "LoadBalancerName": name,
        "Scheme": opt_str(input, "Scheme").unwrap_or("internet-facing"),
        "VpcId": "vpc-emulator",
        "State": {"Code": "active"},
        "Type": kind,
        "AvailabilityZones": super::elbv2_stage::availability_zones(input),
        "SecurityGroups": strings(input, "SecurityGroups"),
        "IpAddressType": "ipv4",
    });
    world.load_balancers.insert(arn, lb.clone());
    Ok(json!({"LoadBalancers": [lb]}))
}

fn create_target_group(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "Name", "ValidationError")?;
    let mut world = emu.world();
    if world
        .target_groups
        .values()
        .any(|tg| tg["TargetGroupName"] == name)
    {
        return Err(ApiError::client(
            "DuplicateTargetGroupName",
            "A target group with the same name already exists",
        ));
    }
    let id = world.hex_id();
    let arn = format!("arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/{name}/{id}");
    let mut tg = json!({
        "TargetGroupArn": arn,
        "TargetGroupName": name,
        "Protocol": opt_str(input, "Protocol").unwrap_or("HTTP"),
        "Port": opt_num(input, "Port").unwrap_or(80.0) as i64,
        "VpcId": opt_str(input, "VpcId").unwrap_or("vpc-emulator"),
        "HealthCheckProtocol": "HTTP",
        "HealthCheckPort": "traffic-port",
        "HealthCheckEnabled": true,
        "HealthCheckIntervalSeconds": 30,
        "HealthCheckTimeoutSeconds": 5,
        "HealthyThresholdCount": 5,
        "UnhealthyThresholdCount": 2,
        "HealthCheckPath": opt_str(input, "HealthCheckPath").unwrap_or("/"),
        "Matcher": {"HttpCode": "200"},
        "LoadBalancerArns": [],
        "TargetType": opt_str(input, "TargetType").unwrap_or("ip"),
        "IpAddressType": "ipv4",
    });
    super::elbv2_stage::set_health_check(&mut tg, input);
    world.target_groups.insert(arn, tg.clone());
    Ok(json!({"TargetGroups": [tg]}))
}

/// Reads `DefaultActions` into a weighted forward list.
fn parse_forward(world: &World, actions: &[Value]) -> Result<Vec<(String, u32)>, ApiError> {
    let action = actions
        .first()
        .ok_or_else(|| validation("A default action is required"))?;
    if opt_str(action, "Type") != Some("forward") {
        return Err(validation(
            "Only forward actions are supported by the emulator",
        ));
    }
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

/// DescribeListeners' shape.
pub fn listener_json(listener: &Listener) -> Value {
    let mut action = json!({
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": listener.forward.iter().map(|(arn, w)| json!({"TargetGroupArn": arn, "Weight": w})).collect::<Vec<_>>(),
            "TargetGroupStickinessConfig": {"Enabled": false},
        },
    });
    if listener.forward.len() == 1 {
        action["TargetGroupArn"] = json!(listener.forward[0].0);
    }
    json!({
        "ListenerArn": listener.arn,
        "LoadBalancerArn": listener.load_balancer_arn,
        "Port": listener.port,
        "Protocol": listener.protocol,
        "DefaultActions": [action],
    })
}

/// Pushes a listener's forward action to the network and records the target groups' load balancer.
pub fn apply_forward(emu: &Emu, world: &mut World, listener_arn: &str) {
    let Some(listener) = world.listeners.get(listener_arn).cloned() else {
        return;
    };
    let weighted = listener
        .forward
        .iter()
        .map(|(arn, weight)| WeightedTargetGroup {
            target_group_arn: arn.clone(),
            target_group_dimension: world.target_group_dimension(arn),
            weight: *weight,
        })
        .collect();
    emu.data().set_forward(listener_arn, weighted);
    for (arn, _) in &listener.forward {
        if let Some(Value::Array(lbs)) = world
            .target_groups
            .get_mut(arn)
            .map(|tg| &mut tg["LoadBalancerArns"])
        {
            if !lbs.iter().any(|l| l == &listener.load_balancer_arn) {
                lbs.push(json!(listener.load_balancer_arn));
            }
        }
    }
}

/// Sets a listener's weights by target group (used by CodeDeploy's traffic shifts).
pub fn set_weights(emu: &Emu, world: &mut World, listener_arn: &str, weights: &[(String, u32)]) {
    if let Some(listener) = world.listeners.get_mut(listener_arn) {
        listener.forward = weights.to_vec();
    }
    apply_forward(emu, world, listener_arn);
}

async fn create_listener(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let lb_arn = req_str(input, "LoadBalancerArn", "ValidationError")?;
    let requested = opt_num(input, "Port").unwrap_or(0.0) as u16;
    let (arn, dimension, forward) = {
        let mut world = emu.world();
        if !world.load_balancers.contains_key(&lb_arn) {
            return Err(ApiError::client(
                "LoadBalancerNotFound",
                "One or more load balancers not found",
            ));
        }
        if requested != 0 && world.listeners.values().any(|l| l.port == requested) {
            return Err(ApiError::client(
                "DuplicateListener",
                "A listener already exists on this port for this load balancer",
            ));
        }
        let forward = parse_forward(&world, &list(input, "DefaultActions"))?;
        let id = world.hex_id();
        let rest = lb_arn
            .split_once(":loadbalancer/")
            .map(|(_, r)| r.to_string())
            .unwrap_or_default();
        let arn = format!("arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/{rest}/{id}");
        (arn, rest, forward)
    };
    let port = emu
        .data()
        .bind_listener(ListenerSpec {
            listener_arn: arn.clone(),
            port: requested,
            load_balancer_dimension: dimension,
        })
        .await
        .map_err(|e| {
            ApiError::client(
                "DuplicateListener",
                format!("cannot bind port {requested} on 127.0.0.1: {e}"),
            )
        })?;
    let mut world = emu.world();
    let listener = Listener {
        arn: arn.clone(),
        load_balancer_arn: lb_arn,
        port,
        protocol: opt_str(input, "Protocol").unwrap_or("HTTP").to_string(),
        forward,
    };
    world.listeners.insert(arn.clone(), listener.clone());
    apply_forward(emu, &mut world, &arn);
    Ok(json!({"Listeners": [listener_json(&listener)]}))
}

fn modify_listener(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "ListenerArn", "ValidationError")?;
    let mut world = emu.world();
    if !world.listeners.contains_key(&arn) {
        return Err(ApiError::client(
            "ListenerNotFound",
            "One or more listeners not found",
        ));
    }
    let actions = list(input, "DefaultActions");
    if !actions.is_empty() {
        let forward = parse_forward(&world, &actions)?;
        set_weights(emu, &mut world, &arn, &forward);
    }
    let listener =
        world.listeners.get(&arn).cloned().ok_or_else(|| {
            ApiError::client("ListenerNotFound", "One or more listeners not found")
        })?;
    Ok(json!({"Listeners": [listener_json(&listener)]}))
}

fn describe_load_balancers(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arns = strings(input, "LoadBalancerArns");
    let names = strings(input, "Names");
    let world = emu.world();
    let found: Vec<Value> = world
        .load_balancers
        .values()
        .filter(|lb| arns.is_empty() || arns.iter().any(|a| lb["LoadBalancerArn"] == *a))
        .filter(|lb| names.is_empty() || names.iter().any(|n| lb["LoadBalancerName"] == *n))
        .cloned()
        .collect();
    if (!arns.is_empty() && found.len() < arns.len())
        || (!names.is_empty() && found.len() < names.len())
    {
        return Err(ApiError::client(
            "LoadBalancerNotFound",
            "One or more load balancers not found",
        ));
    }
    let size = opt_num(input, "PageSize").unwrap_or(400.0) as usize;
    let (items, next) = page(&found, opt_str(input, "Marker"), size);
    let mut out = json!({"LoadBalancers": items});
    if let Some(next) = next {
        out["NextMarker"] = json!(next);
    }
    Ok(out)
}

fn describe_target_groups(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arns = strings(input, "TargetGroupArns");
    let names = strings(input, "Names");
    let lb = opt_str(input, "LoadBalancerArn");
    let world = emu.world();
    let found: Vec<Value> = world
        .target_groups
        .values()
        .filter(|tg| arns.is_empty() || arns.iter().any(|a| tg["TargetGroupArn"] == *a))
        .filter(|tg| names.is_empty() || names.iter().any(|n| tg["TargetGroupName"] == *n))
        .filter(|tg| {
            lb.is_none_or(|lb| {
                tg["LoadBalancerArns"]
                    .as_array()
                    .is_some_and(|l| l.iter().any(|x| x == lb))
            })
        })
        .cloned()
        .collect();
    if (!arns.is_empty() && found.len() < arns.len())
        || (!names.is_empty() && found.len() < names.len())
    {
        return Err(ApiError::client(
            "TargetGroupNotFound",
            "One or more target groups not found",
        ));
    }
    let size = opt_num(input, "PageSize").unwrap_or(400.0) as usize;
    let (items, next) = page(&found, opt_str(input, "Marker"), size);
    let mut out = json!({"TargetGroups": items});
    if let Some(next) = next {
        out["NextMarker"] = json!(next);
    }
    Ok(out)
}

fn describe_listeners(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arns = strings(input, "ListenerArns");
    let lb = opt_str(input, "LoadBalancerArn");
    let world = emu.world();
    if let Some(lb) = lb {
        if !world.load_balancers.contains_key(lb) {
            return Err(ApiError::client(
                "LoadBalancerNotFound",
                "One or more load balancers not found",
            ));
        }
    }
    let found: Vec<Value> = world
        .listeners
        .values()
        .filter(|l| arns.is_empty() || arns.contains(&l.arn))
        .filter(|l| lb.is_none_or(|lb| l.load_balancer_arn == lb))
        .map(listener_json)
        .collect();
    if !arns.is_empty() && found.len() < arns.len() {
        return Err(ApiError::client(
            "ListenerNotFound",
            "One or more listeners not found",
        ));
    }
    let size = opt_num(input, "PageSize").unwrap_or(400.0) as usize;
    let (items, next) = page(&found, opt_str(input, "Marker"), size);
    let mut out = json!({"Listeners": items});
    if let Some(next) = next {
        out["NextMarker"] = json!(next);
    }
    Ok(out)
}

fn describe_rules(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "ListenerArn", "ValidationError")?;
    let world = emu.world();
    let listener = world
        .listeners
        .get(&arn)
        .ok_or_else(|| ApiError::client("ListenerNotFound", "One or more listeners not found"))?;
    let actions = listener_json(listener)["DefaultActions"].clone();
    let rule_arn = arn.replace(":listener/", ":listener-rule/") + "/default";
    Ok(
        json!({"Rules": [{"RuleArn": rule_arn, "Priority": "default", "Conditions": [], "Actions": actions, "IsDefault": true}]}),
    )
}

fn describe_target_health(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let arn = req_str(input, "TargetGroupArn", "ValidationError")?;
    if !emu.world().target_groups.contains_key(&arn) {
        return Err(ApiError::client(
            "TargetGroupNotFound",
            "One or more target groups not found",
        ));
    }
    let descriptions: Vec<Value> = emu
        .data()
        .target_health(&arn)
        .into_iter()
        .map(|t| {
            let mut health = json!({"State": t.state});
            if let Some(reason) = t.reason {
                health["Reason"] = json!(reason);
                health["Description"] = json!("Health checks failed");
            }
            json!({"Target": {"Id": t.addr.ip().to_string(), "Port": t.addr.port()}, "HealthCheckPort": t.addr.port().to_string(), "TargetHealth": health})
        })
        .collect();
    Ok(json!({"TargetHealthDescriptions": descriptions}))
}
