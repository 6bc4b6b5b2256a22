//! Amazon ECS: task definitions (with the defaults ECS fills in), clusters, services on the CODE_DEPLOY
//! controller with their task sets, whose tasks are real HTTP servers.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::params::{list, opt_num, opt_str, page, req_str, strings};
use crate::clock::Clock;
use crate::dataplane::TaskSpec;
use crate::emu::Emu;
use crate::protocol::ApiError;
use crate::world::{Service, TaskSet, World, ACCOUNT, REGION};

fn client_error(message: impl Into<String>) -> ApiError {
    ApiError::client("ClientException", message)
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidParameterException", message)
}

/// Dispatches one ECS operation.
pub async fn handle(emu: &Emu, op: &str, input: &Value) -> Result<Value, ApiError> {
    match op {
        "RegisterTaskDefinition" => register_task_definition(emu, input),
        "DescribeTaskDefinition" => describe_task_definition(emu, input),
        "DeregisterTaskDefinition" => deregister_task_definition(emu, input),
        "ListTaskDefinitions" => list_task_definitions(emu, input),
        "CreateService" => create_service(emu, input).await,
        "DescribeServices" => describe_services(emu, input),
        "UpdateService" => update_service(emu, input).await,
        "DescribeTaskSets" => describe_task_sets(emu, input),
        "ListTasks" => super::tasks::list_tasks(emu, input),
        "DescribeTasks" => super::tasks::describe_tasks(emu, input),
        _ => super::ecs_stage::handle(emu, op, input),
    }
}

fn cluster_name(reference: Option<&str>) -> String {
    reference
        .map(|c| c.rsplit('/').next().unwrap_or(c).to_string())
        .unwrap_or_else(|| "default".to_string())
}

/// Fills in what ECS adds to a registered task definition.
fn with_defaults(mut td: Value, arn: &str, revision: usize) -> Value {
    let network_mode = td["networkMode"].as_str().unwrap_or("bridge").to_string();
    let Value::Object(map) = &mut td else {
        return td;
    };
    map.insert("taskDefinitionArn".into(), json!(arn));
    map.insert("revision".into(), json!(revision));
    map.insert("status".into(), json!("ACTIVE"));
    map.insert("networkMode".into(), json!(network_mode));
    map.entry("volumes").or_insert_with(|| json!([]));
    map.entry("placementConstraints")
        .or_insert_with(|| json!([]));
    let fargate = map
        .get("requiresCompatibilities")
        .and_then(Value::as_array)
        .is_some_and(|c| c.iter().any(|x| x == "FARGATE"));
    map.insert(
        "compatibilities".into(),
        if fargate {
            json!(["EC2", "FARGATE"])
        } else {
            json!(["EC2"])
        },
    );
    map.insert(
        "requiresAttributes".into(),
        json!([{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.18"}]),
    );
    map.insert("registeredAt".into(), json!(Clock::now_epoch()));
    map.insert(
        "registeredBy".into(),
        json!(format!("arn:aws:iam::{ACCOUNT}:root")),
    );
    for v in ["cpu", "memory"] {
        if let Some(n) = map.get(v).and_then(Value::as_f64) {
            map.insert(v.into(), json!(format!("{}", n as i64)));
        }
    }
    if let Some(Value::Array(containers)) = map.get_mut("containerDefinitions") {
        for c in containers.iter_mut() {
            let Value::Object(c) = c else { continue };
            c.entry("essential").or_insert(json!(true));
            c.entry("cpu").or_insert(json!(0));
            for key in [
                "portMappings",
                "environment",
                "mountPoints",
                "volumesFrom",
                "systemControls",
            ] {
                c.entry(key).or_insert_with(|| json!([]));
            }
            if let Some(Value::Array(ports)) = c.get_mut("portMappings") {
                for p in ports.iter_mut() {
                    let Value::Object(p) = p else { continue };
                    p.entry("protocol").or_insert(json!("tcp"));
                    if network_mode == "awsvpc" {
                        if let Some(port) = p.get("containerPort").cloned() {
                            p.entry("hostPort").or_insert(port);
                        }
                    }
                }
            }
        }
    }
    td
}

fn register_task_definition(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let family = req_str(input, "family", "ClientException")?;
    if !family
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        || family.len() > 255
    {
        return Err(client_error("Family contains invalid characters. Up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed."));
    }
    let containers = list(input, "containerDefinitions");
    if containers.is_empty() {
        return Err(client_error("Container list cannot be empty."));
    }
    for c in &containers {
        if opt_str(c, "name").is_none() {
            return Err(client_error("Container.name should not be null or empty."));
        }
        if opt_str(c, "image").is_none() {
            return Err(client_error("Container.image should not be null or empty."));
        }
    }
    let fargate = strings(input, "requiresCompatibilities")
        .iter()
        .any(|c| c == "FARGATE");
    if fargate && input["networkMode"] != "awsvpc" {
        return Err(client_error("Fargate only supports network mode 'awsvpc'."));
    }
    if fargate && (input.get("cpu").is_none() || input.get("memory").is_none()) {
        return Err(client_error("Task definition does not support launch_type FARGATE: cpu and memory are required at task level."));
    }
    let mut td = input.clone();
    let tags = td.as_object_mut().and_then(|m| m.remove("tags"));
    let mut world = emu.world();
    let revisions = world.task_definitions.entry(family.clone()).or_default();
    let revision = revisions.len() + 1;
    let arn = format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:{revision}");
    let td = with_defaults(td, &arn, revision);
    revisions.push(td.clone());
    if let Some(Value::Array(tags)) = tags {
        world.tags.insert(arn, tags.clone());
    }
    Ok(json!({"taskDefinition": td, "tags": input.get("tags").cloned().unwrap_or(json!([]))}))
}

fn describe_task_definition(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let reference = req_str(input, "taskDefinition", "ClientException")?;
    let world = emu.world();
    let td = world
        .task_definition(&reference)
        .cloned()
        .ok_or_else(|| client_error("Unable to describe task definition."))?;
    let mut out = json!({"taskDefinition": td});
    if strings(input, "include").iter().any(|i| i == "TAGS") {
        let arn = td["taskDefinitionArn"].as_str().unwrap_or_default();
        out["tags"] = json!(world.tags.get(arn).cloned().unwrap_or_default());
    }
    Ok(out)
}

fn deregister_task_definition(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let reference = req_str(input, "taskDefinition", "ClientException")?;
    let (family, rev) = reference
        .rsplit(":task-definition/")
        .next()
        .and_then(|s| s.split_once(':'))
        .and_then(|(f, r)| Some((f.to_string(), r.parse::<usize>().ok()?)))
        .ok_or_else(|| client_error("The specified revision does not exist."))?;
    let mut world = emu.world();
    let td = world
        .task_definitions
        .get_mut(&family)
        .and_then(|revs| revs.get_mut(rev.wrapping_sub(1)))
        .ok_or_else(|| client_error("The specified task definition does not exist."))?;
    td["status"] = json!("INACTIVE");
    td["deregisteredAt"] = json!(Clock::now_epoch());
    Ok(json!({"taskDefinition": td.clone()}))
}

fn list_task_definitions(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let prefix = opt_str(input, "familyPrefix");
    let status = opt_str(input, "status").unwrap_or("ACTIVE");
    let world = emu.world();
    let mut arns: Vec<String> = world
        .task_definitions
        .iter()
        .filter(|(family, _)| prefix.is_none_or(|p| family.starts_with(p)))
        .flat_map(|(_, revs)| revs.iter())
        .filter(|td| status == "ALL" || td["status"] == status)
        .filter_map(|td| td["taskDefinitionArn"].as_str().map(str::to_string))
        .collect();
    if opt_str(input, "sort") == Some("DESC") {
        arns.reverse();
    }
    let size = opt_num(input, "maxResults").unwrap_or(100.0) as usize;
    let (items, next) = page(&arns, opt_str(input, "nextToken"), size);
    let mut out = json!({"taskDefinitionArns": items});
    if let Some(next) = next {
        out["nextToken"] = json!(next);
    }
    Ok(out)
}

/// Starts `count` tasks of a task definition serving the load balancer container.
pub async fn start_tasks(
    emu: &Emu,
    task_definition: &Value,
    container: &str,
    health_check_path: &str,
    cluster: &str,
    count: usize,
) -> Result<Vec<(String, std::net::SocketAddr)>, ApiError> {
    let environment: BTreeMap<String, String> = task_definition["containerDefinitions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == container))
        .map(|c| {
            list(c, "environment")
                .iter()
                .filter_map(|e| {
                    Some((
                        opt_str(e, "name")?.to_string(),
                        e["value"].as_str().unwrap_or_default().to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let td_arn = task_definition["taskDefinitionArn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let doom = crate::task_failures::doom_of(task_definition, container);
    let mut tasks = Vec::new();
    for _ in 0..count {
        let n = emu.world().next();
        let task_arn = format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task/{cluster}/{n:032x}");
        let addr = emu
            .data()
            .start_task(TaskSpec {
                task_arn: task_arn.clone(),
                task_definition_arn: td_arn.clone(),
                container_name: container.to_string(),
                environment: environment.clone(),
                health_check_path: health_check_path.to_string(),
                never_healthy: doom.is_some(),
            })
            .await
            .map_err(|e| ApiError {
                status: 500,
                code: "ServerException".into(),
                message: format!("cannot start a task: {e}"),
            })?;
        if let Some(doom) = &doom {
            crate::task_failures::schedule(emu, cluster, &task_arn, doom.clone(), replace);
        }
        tasks.push((task_arn, addr));
    }
    Ok(tasks)
}

/// Launches what a task set is short of after one of its tasks stopped (handed to the failures' timers,
/// boxed: a replacement schedules its own failure, so the future would otherwise contain itself).
fn replace(
    emu: Emu,
    cluster: String,
    service: String,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    Box::pin(async move {
        if let Err(e) = rescale(&emu, &cluster, &service).await {
            tracing::warn!(service, "replacing a stopped task failed: {}", e.message);
        }
    })
}

/// The health check path of a target group.
pub fn health_check_path(world: &World, target_group_arn: &str) -> String {
    world
        .target_groups
        .get(target_group_arn)
        .and_then(|tg| tg["HealthCheckPath"].as_str())
        .unwrap_or("/")
        .to_string()
}

async fn create_service(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let cluster = cluster_name(opt_str(input, "cluster"));
    let name = req_str(input, "serviceName", "InvalidParameterException")?;
    let controller = input["deploymentController"]["type"]
        .as_str()
        .unwrap_or("ECS")
        .to_string();
    let desired = opt_num(input, "desiredCount").unwrap_or(0.0) as i64;
    let load_balancers = list(input, "loadBalancers");
    let (td, tg, container, port, health) = {
        let world = emu.world();
        if !world.clusters.contains_key(&cluster) {
            return Err(ApiError::client(
                "ClusterNotFoundException",
                "Cluster not found.",
            ));
        }
        if world
            .services
            .contains_key(&(cluster.clone(), name.clone()))
        {
            return Err(invalid("Creation of service was not idempotent."));
        }
        let reference = req_str(input, "taskDefinition", "InvalidParameterException")?;
        let td = world
            .task_definition(&reference)
            .cloned()
            .ok_or_else(|| invalid("TaskDefinition not found."))?;
        let lb = load_balancers.first().cloned().unwrap_or(Value::Null);
        let tg = opt_str(&lb, "targetGroupArn")
            .unwrap_or_default()
            .to_string();
        if controller == "CODE_DEPLOY" && tg.is_empty() {
            return Err(invalid("A load balancer is required for services with the CODE_DEPLOY deployment controller."));
        }
        if !tg.is_empty() && !world.target_groups.contains_key(&tg) {
            return Err(invalid(format!(
                "Unable to assume role and validate the specified targetGroupArn: {tg}"
            )));
        }
        let container = opt_str(&lb, "containerName")
            .unwrap_or_default()
            .to_string();
        let port = opt_num(&lb, "containerPort").unwrap_or(0.0) as i64;
        let health = health_check_path(&world, &tg);
        (td, tg, container, port, health)
    };
    let tasks = start_tasks(
        emu,
        &td,
        &container,
        &health,
        &cluster,
        desired.max(0) as usize,
    )
    .await?;
    emu.data()
        .set_targets(&tg, tasks.iter().map(|(_, a)| *a).collect());
    let now = Clock::now_epoch();
    let mut world = emu.world();
    let n = world.next();
    let arn = format!("arn:aws:ecs:{REGION}:{ACCOUNT}:service/{cluster}/{name}");
    let task_set = TaskSet {
        id: format!("ecs-svc/{:019}", n * 7_919),
        arn: format!(
            "arn:aws:ecs:{REGION}:{ACCOUNT}:task-set/{cluster}/{name}/ecs-svc/{:019}",
            n * 7_919
        ),
        status: "PRIMARY".into(),
        task_definition: td["taskDefinitionArn"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        external_id: None,
        started_by: None,
        scale: 100.0,
        target_group_arn: tg,
        container_name: container,
        container_port: port,
        tasks,
        created_at: now,
        updated_at: now,
    };
    let service = Service {
        arn,
        name: name.clone(),
        cluster: cluster.clone(),
        desired_count: desired,
        controller,
        load_balancers,
        network_configuration: input
            .get("networkConfiguration")
            .cloned()
            .unwrap_or(Value::Null),
        launch_type: opt_str(input, "launchType")
            .unwrap_or("FARGATE")
            .to_string(),
        platform_version: opt_str(input, "platformVersion").map(str::to_string),
        task_sets: vec![task_set],
        created_at: now,
    };
    super::ecs_stage::remember_service_options(&mut world, &service.arn, input);
    let mut out = service_json(&world, &service);
    super::ecs_stage::add_service_options(&world, &service.arn, true, &mut out);
    world.services.insert((cluster, name), service);
    Ok(json!({"service": out}))
}

/// DescribeServices' shape of a task set.
pub fn task_set_json(service: &Service, ts: &TaskSet) -> Value {
    let count = ((service.desired_count as f64) * ts.scale / 100.0).ceil() as i64;
    let mut v = json!({
        "id": ts.id,
        "taskSetArn": ts.arn,
        "serviceArn": service.arn,
        "clusterArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{}", service.cluster),
        "status": ts.status,
        "taskDefinition": ts.task_definition,
        "computedDesiredCount": count,
        "pendingCount": 0,
        "runningCount": ts.tasks.len(),
        "createdAt": ts.created_at,
        "updatedAt": ts.updated_at,
        "launchType": service.launch_type,
        "loadBalancers": [{"targetGroupArn": ts.target_group_arn, "containerName": ts.container_name, "containerPort": ts.container_port}],
        "scale": {"value": ts.scale, "unit": "PERCENT"},
        "stabilityStatus": "STEADY_STATE",
        "stabilityStatusAt": ts.updated_at,
    });
    if let Some(id) = &ts.external_id {
        v["externalId"] = json!(id);
    }
    if let Some(by) = &ts.started_by {
        v["startedBy"] = json!(by);
    }
    if !service.network_configuration.is_null() {
        v["networkConfiguration"] = service.network_configuration.clone();
    }
    if let Some(pv) = &service.platform_version {
        v["platformVersion"] = json!(pv);
    }
    v
}

/// DescribeServices' shape of a service; task definition and load balancers follow the primary task set.
pub fn service_json(_world: &World, service: &Service) -> Value {
    let primary = service.primary();
    let running: usize = service.task_sets.iter().map(|t| t.tasks.len()).sum();
    let mut load_balancers = service.load_balancers.clone();
    if let (Some(p), Some(Value::Object(first))) = (primary, load_balancers.first_mut()) {
        first.insert("targetGroupArn".into(), json!(p.target_group_arn));
    }
    let mut v = json!({
        "serviceArn": service.arn,
        "serviceName": service.name,
        "clusterArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{}", service.cluster),
        "loadBalancers": load_balancers,
        "status": "ACTIVE",
        "desiredCount": service.desired_count,
        "runningCount": running,
        "pendingCount": 0,
        "launchType": service.launch_type,
        "deploymentController": {"type": service.controller},
        "createdAt": service.created_at,
        "schedulingStrategy": "REPLICA",
        "deployments": ecs_deployments(service, primary, running),
        "events": [],
    });
    if let Some(p) = primary {
        v["taskDefinition"] = json!(p.task_definition);
    }
    if service.controller == "CODE_DEPLOY" {
        v["taskSets"] = Value::Array(
            service
                .task_sets
                .iter()
                .map(|ts| task_set_json(service, ts))
                .collect(),
        );
    }
    if !service.network_configuration.is_null() {
        v["networkConfiguration"] = service.network_configuration.clone();
    }
    if let Some(pv) = &service.platform_version {
        v["platformVersion"] = json!(pv);
    }
    v
}

/// An ECS-controlled service shows its rollout as one PRIMARY deployment (what `aws ecs wait services-stable`
/// counts); a CODE_DEPLOY service shows none, its state is in its task sets (as on AWS: boto/botocore#2865).
fn ecs_deployments(service: &Service, primary: Option<&TaskSet>, running: usize) -> Value {
    let Some(p) = primary.filter(|_| service.controller == "ECS") else {
        return json!([]);
    };
    json!([{
        "id": p.id,
        "status": "PRIMARY",
        "taskDefinition": p.task_definition,
        "desiredCount": service.desired_count,
        "pendingCount": 0,
        "runningCount": running,
        "failedTasks": 0,
        "createdAt": p.created_at,
        "updatedAt": p.updated_at,
        "launchType": service.launch_type,
        "rolloutState": "COMPLETED",
        "rolloutStateReason": format!("ECS deployment {} completed.", p.id),
    }])
}

fn describe_services(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let cluster = cluster_name(opt_str(input, "cluster"));
    let names = strings(input, "services");
    let with_tags = strings(input, "include").iter().any(|i| i == "TAGS");
    if names.is_empty() || names.len() > 10 {
        return Err(invalid("services can have between 1 and 10 items."));
    }
    let world = emu.world();
    if !world.clusters.contains_key(&cluster) {
        return Err(ApiError::client(
            "ClusterNotFoundException",
            "Cluster not found.",
        ));
    }
    let mut services = Vec::new();
    let mut failures = Vec::new();
    for reference in names {
        let name = reference
            .rsplit('/')
            .next()
            .unwrap_or(&reference)
            .to_string();
        match world.services.get(&(cluster.clone(), name.clone())) {
            Some(s) => {
                let mut v = service_json(&world, s);
                super::ecs_stage::add_service_options(&world, &s.arn, with_tags, &mut v);
                services.push(v);
            }
            None if super::ecs_stage::inactive_service(&world, &cluster, &name).is_some() => {
                services.extend(super::ecs_stage::inactive_service(&world, &cluster, &name));
            }
            None => failures.push(json!({"arn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:service/{cluster}/{name}"), "reason": "MISSING"})),
        }
    }
    Ok(json!({"services": services, "failures": failures}))
}

async fn update_service(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let cluster = cluster_name(opt_str(input, "cluster"));
    let name = req_str(input, "service", "InvalidParameterException")?;
    let name = name.rsplit('/').next().unwrap_or(&name).to_string();
    {
        let mut world = emu.world();
        if !world
            .services
            .contains_key(&(cluster.clone(), name.clone()))
        {
            return Err(ApiError::client(
                "ServiceNotFoundException",
                "Service not found.",
            ));
        }
        super::ecs_controller::switch(&mut world, &(cluster.clone(), name.clone()), input)?;
        let service = world
            .services
            .get_mut(&(cluster.clone(), name.clone()))
            .ok_or_else(|| ApiError::client("ServiceNotFoundException", "Service not found."))?;
        if service.controller == "CODE_DEPLOY" {
            if input.get("taskDefinition").is_some_and(|v| !v.is_null()) {
                return Err(invalid("Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment."));
            }
            for field in [
                "networkConfiguration",
                "platformVersion",
                "loadBalancers",
                "capacityProviderStrategy",
            ] {
                if input.get(field).is_some_and(|v| !v.is_null()) {
                    return Err(invalid(format!("Unable to update {field} on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.")));
                }
            }
        }
        if let Some(n) = opt_num(input, "desiredCount") {
            service.desired_count = n as i64;
        }
        let arn = service.arn.clone();
        super::ecs_stage::update_service_options(&mut world, &arn, input);
    }
    rescale(emu, &cluster, &name).await?;
    let world = emu.world();
    let service = world
        .services
        .get(&(cluster, name))
        .ok_or_else(|| ApiError::client("ServiceNotFoundException", "Service not found."))?;
    let mut out = service_json(&world, service);
    super::ecs_stage::add_service_options(&world, &service.arn, false, &mut out);
    Ok(json!({"service": out}))
}

/// Brings every task set's running tasks to its scale of the desired count.
pub async fn rescale(emu: &Emu, cluster: &str, name: &str) -> Result<(), ApiError> {
    let key = (cluster.to_string(), name.to_string());
    let plan: Vec<(String, usize, usize, Value, String, String)> = {
        let world = emu.world();
        let Some(service) = world.services.get(&key) else {
            return Ok(());
        };
        service
            .task_sets
            .iter()
            .filter_map(|ts| {
                let want = ((service.desired_count as f64) * ts.scale / 100.0).ceil() as usize;
                let td = world.task_definition(&ts.task_definition)?.clone();
                Some((
                    ts.id.clone(),
                    ts.tasks.len(),
                    want,
                    td,
                    ts.container_name.clone(),
                    health_check_path(&world, &ts.target_group_arn),
                ))
            })
            .collect()
    };
    for (id, have, want, td, container, health) in plan {
        if want > have {
            let started = start_tasks(emu, &td, &container, &health, cluster, want - have).await?;
            let mut world = emu.world();
            if let Some(ts) = world
                .services
                .get_mut(&key)
                .and_then(|s| s.task_sets.iter_mut().find(|t| t.id == id))
            {
                ts.tasks.extend(started);
                emu.data().set_targets(
                    &ts.target_group_arn,
                    ts.tasks.iter().map(|(_, a)| *a).collect(),
                );
            }
        } else if want < have {
            let mut world = emu.world();
            if let Some(ts) = world
                .services
                .get_mut(&key)
                .and_then(|s| s.task_sets.iter_mut().find(|t| t.id == id))
            {
                for (arn, _) in ts.tasks.drain(want..) {
                    emu.data().stop_task(&arn);
                }
                emu.data().set_targets(
                    &ts.target_group_arn,
                    ts.tasks.iter().map(|(_, a)| *a).collect(),
                );
            }
        }
    }
    Ok(())
}

fn describe_task_sets(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let cluster = cluster_name(opt_str(input, "cluster"));
    let name = req_str(input, "service", "InvalidParameterException")?;
    let name = name.rsplit('/').next().unwrap_or(&name).to_string();
    let wanted = strings(input, "taskSets");
    let world = emu.world();
    let service = world
        .services
        .get(&(cluster, name))
        .ok_or_else(|| ApiError::client("ServiceNotFoundException", "Service not found."))?;
    let sets: Vec<Value> = service
        .task_sets
        .iter()
        .filter(|ts| wanted.is_empty() || wanted.iter().any(|w| *w == ts.id || *w == ts.arn))
        .map(|ts| task_set_json(service, ts))
        .collect();
    Ok(json!({"taskSets": sets, "failures": []}))
}
