//! CreateService, UpdateService and DescribeServices for services on a native strategy: the plain ECS
//! handlers do the service and its tasks; this module validates the native settings, records revisions,
//! starts service deployments and adds the native members to the answers.

use serde_json::{json, Value};

use crate::clock::Clock;
use crate::emu::Emu;
use crate::protocol::ApiError;
use crate::services::ecs;
use crate::services::params::{list, opt_bool, opt_str, req_str};
use crate::world::World;

use super::config::{deployment_configuration, is_native, traffic, NATIVE};
use super::revisions::{deployment_arn, new_revision};
use super::rules::set_route_weights;
use super::shapes::decorate;
use super::state::{NativeService, ServiceDeployment, Traffic};

fn cluster_name(input: &Value) -> String {
    opt_str(input, "cluster")
        .map(|c| c.rsplit('/').next().unwrap_or(c).to_string())
        .unwrap_or_else(|| "default".to_string())
}

fn service_name(reference: &str) -> String {
    reference
        .rsplit('/')
        .next()
        .unwrap_or(reference)
        .to_string()
}

/// Adds the native members to every native service in a DescribeServices/CreateService/UpdateService answer.
fn decorated(emu: &Emu, mut out: Value) -> Value {
    let world = emu.world();
    let fix = |v: &mut Value| {
        let key = (
            v["clusterArn"]
                .as_str()
                .map(service_name)
                .unwrap_or_default(),
            v["serviceName"].as_str().unwrap_or_default().to_string(),
        );
        if let Some(service) = world.services.get(&key) {
            decorate(&world, service, v);
        }
    };
    if let Some(Value::Array(services)) = out.get_mut("services") {
        services.iter_mut().for_each(fix);
    }
    if let Some(service) = out.get_mut("service") {
        fix(service);
    }
    out
}

/// Puts a service under the native engine: its settings, its serving revision, and both rules on it.
fn adopt(
    emu: &Emu,
    world: &mut World,
    key: &(String, String),
    config: Value,
    traffic: Option<Traffic>,
) {
    let Some(primary) = world.services.get(key).and_then(|s| s.primary()).cloned() else {
        return;
    };
    world.native.services.insert(
        key.clone(),
        NativeService {
            config: config.clone(),
            traffic: traffic.clone(),
            revisions: Vec::new(),
            deployments: Vec::new(),
        },
    );
    let revision = new_revision(
        world,
        key,
        &primary.id,
        &primary.task_definition,
        &primary.target_group_arn,
    );
    if let Some(t) = &traffic {
        // A service leaving CodeDeploy may serve from either target group (CodeDeploy alternates them):
        // the idle one is whichever of the two the serving task set is not registered with.
        let idle = if primary.target_group_arn == t.alternate {
            t.primary.clone()
        } else {
            t.alternate.clone()
        };
        for rule in [&t.production_rule, &t.test_rule] {
            let weights = [(primary.target_group_arn.clone(), 100), (idle.clone(), 0)];
            set_route_weights(emu, world, rule, &weights);
        }
    }
    let now = Clock::now_epoch();
    let arn = deployment_arn(world, key);
    world.native.deployments.insert(
        arn.clone(),
        ServiceDeployment {
            arn: arn.clone(),
            service: key.clone(),
            sources: Vec::new(),
            target: revision,
            status: "SUCCESSFUL".into(),
            status_reason: None,
            stage: None,
            created_at: now,
            started_at: Some(now),
            finished_at: Some(now),
            stopped_at: None,
            updated_at: now,
            config,
            rollback: None,
            alarms: ("MONITORING_COMPLETE".into(), Vec::new()),
            circuit_breaker: ("MONITORING_COMPLETE".into(), 0),
            hooks: Vec::new(),
            test_weight: 100.0,
            production_weight: 100.0,
            stop: None,
        },
    );
    if let Some(native) = world.native.services.get_mut(key) {
        native.deployments.push(arn);
    }
}

/// CreateService on a native strategy; None when the request is not one.
pub async fn create_service(emu: &Emu, input: &Value) -> Option<Result<Value, ApiError>> {
    let controller = input["deploymentController"]["type"]
        .as_str()
        .unwrap_or("ECS");
    let strategy = opt_str(&input["deploymentConfiguration"], "strategy");
    if controller != "ECS" && strategy.is_some_and(|s| NATIVE.contains(&s)) {
        return Some(Err(ApiError::invalid(format!(
            "deploymentConfiguration.strategy {} needs the ECS deployment controller, not {controller}.",
            strategy.unwrap_or_default()
        ))));
    }
    if !is_native(input) {
        return None;
    }
    Some(create(emu, input).await)
}

async fn create(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let config = deployment_configuration(&input["deploymentConfiguration"])?;
    let traffic = traffic(&emu.world(), &list(input, "loadBalancers"))?;
    let out = ecs::handle(emu, "CreateService", input).await?;
    let key = (
        cluster_name(input),
        req_str(input, "serviceName", "InvalidParameterException")?,
    );
    adopt(emu, &mut emu.world(), &key, config, traffic);
    Ok(decorated(emu, out))
}

/// UpdateService of a native service (or one moving to a native strategy); None otherwise.
pub async fn update_service(emu: &Emu, input: &Value) -> Option<Result<Value, ApiError>> {
    let key = (
        cluster_name(input),
        service_name(opt_str(input, "service").unwrap_or_default()),
    );
    let known = emu.world().native.services.contains_key(&key);
    let moving =
        opt_str(&input["deploymentConfiguration"], "strategy").is_some_and(|s| NATIVE.contains(&s));
    if !known && !moving {
        return None;
    }
    let controller = opt_str(&input["deploymentController"], "type")
        .map(str::to_string)
        .or_else(|| emu.world().services.get(&key).map(|s| s.controller.clone()))
        .unwrap_or_else(|| "ECS".into());
    if moving && controller != "ECS" {
        return Some(Err(ApiError::invalid(format!(
            "deploymentConfiguration.strategy {} needs the ECS deployment controller, not {controller}.",
            opt_str(&input["deploymentConfiguration"], "strategy").unwrap_or_default()
        ))));
    }
    Some(update(emu, input, key, known).await)
}

async fn update(
    emu: &Emu,
    input: &Value,
    key: (String, String),
    known: bool,
) -> Result<Value, ApiError> {
    let new_config = match input.get("deploymentConfiguration") {
        Some(c) if c.is_object() => Some(deployment_configuration(c)?),
        _ => None,
    };
    let new_traffic = match input.get("loadBalancers") {
        Some(Value::Array(lbs)) => Some((lbs.clone(), traffic(&emu.world(), lbs)?)),
        _ => None,
    };
    let target_td = {
        let world = emu.world();
        match opt_str(input, "taskDefinition") {
            Some(reference) => Some(
                world
                    .task_definition(reference)
                    .and_then(|td| td["taskDefinitionArn"].as_str().map(str::to_string))
                    .ok_or_else(|| ApiError::invalid("TaskDefinition not found."))?,
            ),
            None => None,
        }
    };
    let mut plain = input.clone();
    if let Value::Object(map) = &mut plain {
        for k in ["taskDefinition", "deploymentConfiguration", "loadBalancers"] {
            map.remove(k);
        }
    }
    ecs::handle(emu, "UpdateService", &plain).await?;
    let deploy_td = {
        let mut world = emu.world();
        if let Some((lbs, _)) = &new_traffic {
            if let Some(s) = world.services.get_mut(&key) {
                s.load_balancers = lbs.clone();
            }
        }
        if !known {
            let config = new_config.clone().unwrap_or_else(|| json!({}));
            let lbs = world
                .services
                .get(&key)
                .map(|s| s.load_balancers.clone())
                .unwrap_or_default();
            let t = match &new_traffic {
                Some((_, t)) => t.clone(),
                None => traffic(&world, &lbs)?,
            };
            adopt(emu, &mut world, &key, config, t);
        }
        if let Some(native) = world.native.services.get_mut(&key) {
            if let Some(c) = new_config {
                native.config = c;
            }
            if let Some((_, t)) = new_traffic {
                native.traffic = t;
            }
        }
        let current = world
            .services
            .get(&key)
            .and_then(|s| s.primary())
            .map(|p| p.task_definition.clone())
            .unwrap_or_default();
        let force = opt_bool(input, "forceNewDeployment").unwrap_or(false);
        match target_td {
            Some(td) if td != current || force => Some(td),
            None if force => Some(current),
            _ => None,
        }
    };
    if let Some(td) = deploy_td {
        super::start::start(emu, &key, &td)?;
    }
    let world = emu.world();
    let service = world
        .services
        .get(&key)
        .ok_or_else(|| ApiError::client("ServiceNotFoundException", "Service not found."))?;
    let out = json!({"service": ecs::service_json(&world, service)});
    drop(world);
    Ok(decorated(emu, out))
}

/// DescribeServices with the native members added.
pub async fn describe_services(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let out = ecs::handle(emu, "DescribeServices", input).await?;
    Ok(decorated(emu, out))
}
