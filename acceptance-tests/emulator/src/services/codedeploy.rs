//! AWS CodeDeploy for ECS: applications, deployment groups (with AWS's blue/green validation), deployment
//! configs, deployments and their targets, Continue/Stop and hook status reports.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::deployment_config::{config, config_json};
use super::params::{list, opt_bool, opt_num, opt_str, page, req_str, strings};
use crate::clock::Clock;
use crate::emu::Emu;
use crate::protocol::{ApiError, Service};
use crate::world::{Control, Deployment, LifecycleEvent, World};

/// Dispatches one CodeDeploy operation.
pub async fn handle(emu: &Emu, op: &str, input: &Value) -> Result<Value, ApiError> {
    match op {
        "CreateApplication" => create_application(emu, input),
        "GetApplication" => get_application(emu, input),
        "CreateDeploymentGroup" => create_deployment_group(emu, input),
        "GetDeploymentGroup" => get_deployment_group(emu, input),
        "BatchGetDeploymentGroups" => batch_get_deployment_groups(emu, input),
        "UpdateDeploymentGroup" => update_deployment_group(emu, input),
        "DeleteDeploymentGroup" => delete_deployment_group(emu, input),
        "CreateDeploymentConfig" => create_deployment_config(emu, input),
        "GetDeploymentConfig" => get_deployment_config(emu, input),
        "CreateDeployment" => create_deployment(emu, input),
        "GetDeployment" => get_deployment(emu, input),
        "BatchGetDeployments" => batch_get_deployments(emu, input),
        "ListDeployments" => list_deployments(emu, input),
        "ListDeploymentTargets" => list_deployment_targets(emu, input),
        "GetDeploymentTarget" => get_deployment_target(emu, input),
        "BatchGetDeploymentTargets" => batch_get_deployment_targets(emu, input),
        "ContinueDeployment" => continue_deployment(emu, input),
        "StopDeployment" => stop_deployment(emu, input),
        "PutLifecycleEventHookExecutionStatus" => put_hook_status(emu, input),
        "GetApplicationRevision" => get_application_revision(emu, input),
        _ => Err(ApiError::unknown_operation(Service::CodeDeploy, op)),
    }
}

fn err(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::client(code, message)
}

fn create_application(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "applicationName", "ApplicationNameRequiredException")?;
    let platform = opt_str(input, "computePlatform")
        .unwrap_or("Server")
        .to_string();
    let mut world = emu.world();
    if world.applications.contains_key(&name) {
        return Err(err(
            "ApplicationAlreadyExistsException",
            format!("The application {name} already exists with the IAM user or AWS account."),
        ));
    }
    let id = format!("{:08x}-1111-4000-8000-{:012x}", world.next(), world.next());
    world.applications.insert(name.clone(), json!({"applicationId": id, "applicationName": name, "createTime": Clock::now_epoch(), "linkedToGitHub": false, "computePlatform": platform}));
    Ok(json!({"applicationId": id}))
}

fn get_application(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "applicationName", "ApplicationNameRequiredException")?;
    let world = emu.world();
    let app = world
        .applications
        .get(&name)
        .cloned()
        .ok_or_else(|| app_missing(&name))?;
    Ok(json!({"application": app}))
}

fn app_missing(name: &str) -> ApiError {
    err(
        "ApplicationDoesNotExistException",
        format!("No application found for name: {name}"),
    )
}

fn group_missing(name: &str) -> ApiError {
    err(
        "DeploymentGroupDoesNotExistException",
        format!("No Deployment Group found for name: {name}"),
    )
}

/// AWS's validation of an ECS blue/green deployment group.
fn validate_group(world: &World, group: &Value) -> Result<(), ApiError> {
    if opt_str(group, "serviceRoleArn").is_none() {
        return Err(err(
            "RoleRequiredException",
            "Role ARN is required for ECS deployment groups.",
        ));
    }
    let style = &group["deploymentStyle"];
    if style["deploymentType"] != "BLUE_GREEN"
        || style["deploymentOption"] != "WITH_TRAFFIC_CONTROL"
    {
        return Err(err("InvalidDeploymentStyleException", "ECS deployment groups only support deploymentType BLUE_GREEN with deploymentOption WITH_TRAFFIC_CONTROL."));
    }
    let services = list(group, "ecsServices");
    let service = services.first().ok_or_else(|| {
        err(
            "InvalidECSServiceException",
            "An ECS service is required for ECS deployment groups.",
        )
    })?;
    if services.len() > 1 {
        return Err(err(
            "ECSServiceMappingLimitExceededException",
            "A deployment group can be associated with only one ECS service.",
        ));
    }
    let cluster = req_str(service, "clusterName", "InvalidECSServiceException")?;
    let name = req_str(service, "serviceName", "InvalidECSServiceException")?;
    let svc = world
        .services
        .get(&(cluster.clone(), name.clone()))
        .ok_or_else(|| {
            err(
                "InvalidECSServiceException",
                format!("ECS service {cluster}:{name} does not exist."),
            )
        })?;
    if svc.controller != "CODE_DEPLOY" {
        return Err(err("InvalidECSServiceException", format!("Deployment group's ECS service must be configured for a CODE_DEPLOY deployment controller; {cluster}:{name} uses {}.", svc.controller)));
    }
    let pairs = list(&group["loadBalancerInfo"], "targetGroupPairInfoList");
    let pair = pairs.first().ok_or_else(|| {
        err(
            "InvalidTargetGroupPairException",
            "A target group pair is required for ECS deployment groups.",
        )
    })?;
    let tgs = list(pair, "targetGroups");
    if tgs.len() != 2 {
        return Err(err(
            "InvalidTargetGroupPairException",
            "A target group pair must contain exactly two target groups.",
        ));
    }
    for tg in &tgs {
        let tg_name = opt_str(tg, "name").unwrap_or_default();
        if world.target_group_by_name(tg_name).is_none() {
            return Err(err(
                "InvalidTargetGroupPairException",
                format!("Target group {tg_name} does not exist."),
            ));
        }
    }
    let prod = strings(&pair["prodTrafficRoute"], "listenerArns");
    if prod.len() != 1 || !world.listeners.contains_key(&prod[0]) {
        return Err(err(
            "InvalidTargetGroupPairException",
            "The production traffic route must name one existing listener.",
        ));
    }
    for l in strings(&pair["testTrafficRoute"], "listenerArns") {
        if !world.listeners.contains_key(&l) {
            return Err(err(
                "InvalidTargetGroupPairException",
                format!("Test listener {l} does not exist."),
            ));
        }
    }
    let bg = &group["blueGreenDeploymentConfiguration"];
    let ready = &bg["deploymentReadyOption"];
    if ready["actionOnTimeout"] == "CONTINUE_DEPLOYMENT"
        && opt_num(ready, "waitTimeInMinutes").unwrap_or(0.0) > 0.0
    {
        return Err(err("InvalidBlueGreenDeploymentConfigurationException", "A waitTimeInMinutes value is not supported when actionOnTimeout is CONTINUE_DEPLOYMENT."));
    }
    if opt_num(ready, "waitTimeInMinutes").unwrap_or(0.0) > 7200.0 {
        return Err(err(
            "InvalidBlueGreenDeploymentConfigurationException",
            "waitTimeInMinutes can be at most 7200 (120 hours) for ECS.",
        ));
    }
    let terminate = &bg["terminateBlueInstancesOnDeploymentSuccess"];
    if terminate["action"] == "KEEP_ALIVE" {
        return Err(err(
            "InvalidBlueGreenDeploymentConfigurationException",
            "The KEEP_ALIVE action is not supported for ECS deployment groups.",
        ));
    }
    if opt_num(terminate, "terminationWaitTimeInMinutes").unwrap_or(0.0) > 2880.0 {
        return Err(err(
            "InvalidBlueGreenDeploymentConfigurationException",
            "terminationWaitTimeInMinutes can be at most 2880.",
        ));
    }
    if let Some(name) = opt_str(group, "deploymentConfigName") {
        if config(world, name).is_none() {
            return Err(err(
                "DeploymentConfigDoesNotExistException",
                format!("No deployment configuration found for name: {name}"),
            ));
        }
    }
    Ok(())
}

fn normalize_group(application: &str, name: &str, id: &str, input: &Value) -> Value {
    let mut group = input.clone();
    if let Value::Object(m) = &mut group {
        m.remove("currentDeploymentGroupName");
        m.remove("newDeploymentGroupName");
        m.insert("applicationName".into(), json!(application));
        m.insert("deploymentGroupName".into(), json!(name));
        m.insert("deploymentGroupId".into(), json!(id));
        m.insert("computePlatform".into(), json!("ECS"));
        m.entry("deploymentConfigName")
            .or_insert(json!("CodeDeployDefault.ECSAllAtOnce"));
        m.entry("alarmConfiguration")
            .or_insert(json!({"enabled": false, "ignorePollAlarmFailure": false, "alarms": []}));
        m.entry("autoRollbackConfiguration")
            .or_insert(json!({"enabled": false, "events": []}));
        m.entry("triggerConfigurations").or_insert(json!([]));
        fill_blue_green_defaults(m);
    }
    group
}

/// CodeDeploy always answers both waits of an ECS group, with zero for a wait never set: the AWS CLI's
/// `aws ecs deploy` reads `deploymentReadyOption.waitTimeInMinutes` and
/// `terminateBlueInstancesOnDeploymentSuccess.terminationWaitTimeInMinutes` without a fallback.
fn fill_blue_green_defaults(group: &mut serde_json::Map<String, Value>) {
    let bg = group
        .entry("blueGreenDeploymentConfiguration")
        .or_insert(json!({}));
    let Value::Object(bg) = bg else { return };
    let ready = bg.entry("deploymentReadyOption").or_insert(json!({}));
    if let Value::Object(ready) = ready {
        ready
            .entry("actionOnTimeout")
            .or_insert(json!("CONTINUE_DEPLOYMENT"));
        ready.entry("waitTimeInMinutes").or_insert(json!(0));
    }
    let terminate = bg
        .entry("terminateBlueInstancesOnDeploymentSuccess")
        .or_insert(json!({}));
    if let Value::Object(terminate) = terminate {
        terminate.entry("action").or_insert(json!("TERMINATE"));
        terminate
            .entry("terminationWaitTimeInMinutes")
            .or_insert(json!(0));
    }
}

fn create_deployment_group(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let app = req_str(input, "applicationName", "ApplicationNameRequiredException")?;
    let name = req_str(
        input,
        "deploymentGroupName",
        "DeploymentGroupNameRequiredException",
    )?;
    let mut world = emu.world();
    if !world.applications.contains_key(&app) {
        return Err(app_missing(&app));
    }
    if world.groups.contains_key(&(app.clone(), name.clone())) {
        return Err(err(
            "DeploymentGroupAlreadyExistsException",
            format!("A deployment group named {name} already exists for application {app}"),
        ));
    }
    validate_group(&world, input)?;
    let id = format!("{:08x}-2222-4000-8000-{:012x}", world.next(), world.next());
    world.groups.insert(
        (app.clone(), name.clone()),
        normalize_group(&app, &name, &id, input),
    );
    Ok(json!({"deploymentGroupId": id}))
}

fn get_deployment_group(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let app = req_str(input, "applicationName", "ApplicationNameRequiredException")?;
    let name = req_str(
        input,
        "deploymentGroupName",
        "DeploymentGroupNameRequiredException",
    )?;
    let world = emu.world();
    if !world.applications.contains_key(&app) {
        return Err(app_missing(&app));
    }
    let group = world
        .groups
        .get(&(app, name.clone()))
        .cloned()
        .ok_or_else(|| group_missing(&name))?;
    Ok(json!({"deploymentGroupInfo": group}))
}

/// Up to 100 groups of one application; missing ones are named in `errorMessage`, as CodeDeploy does.
fn batch_get_deployment_groups(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let app = req_str(input, "applicationName", "ApplicationNameRequiredException")?;
    let names = strings(input, "deploymentGroupNames");
    if names.is_empty() {
        return Err(err(
            "DeploymentGroupNameRequiredException",
            "The deployment group names must be specified.",
        ));
    }
    if names.len() > 100 {
        return Err(err(
            "BatchLimitExceededException",
            "The maximum number of names or IDs allowed for this request (100) was exceeded.",
        ));
    }
    let world = emu.world();
    if !world.applications.contains_key(&app) {
        return Err(app_missing(&app));
    }
    let mut infos = Vec::new();
    let mut missing = Vec::new();
    for name in &names {
        match world.groups.get(&(app.clone(), name.clone())) {
            Some(group) => infos.push(group.clone()),
            None => missing.push(name.clone()),
        }
    }
    let mut out = json!({"deploymentGroupsInfo": infos});
    if !missing.is_empty() {
        out["errorMessage"] = json!(format!(
            "Deployment groups do not exist: {}",
            missing.join(", ")
        ));
    }
    Ok(out)
}

fn update_deployment_group(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let app = req_str(input, "applicationName", "ApplicationNameRequiredException")?;
    let current = req_str(
        input,
        "currentDeploymentGroupName",
        "DeploymentGroupNameRequiredException",
    )?;
    let mut world = emu.world();
    let mut group = world
        .groups
        .get(&(app.clone(), current.clone()))
        .cloned()
        .ok_or_else(|| group_missing(&current))?;
    if let (Value::Object(g), Value::Object(changes)) = (&mut group, input) {
        for (k, v) in changes {
            if ![
                "applicationName",
                "currentDeploymentGroupName",
                "newDeploymentGroupName",
            ]
            .contains(&k.as_str())
            {
                g.insert(k.clone(), v.clone());
            }
        }
    }
    validate_group(&world, &group)?;
    let new_name = opt_str(input, "newDeploymentGroupName")
        .unwrap_or(&current)
        .to_string();
    let id = group["deploymentGroupId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    world.groups.remove(&(app.clone(), current));
    world.groups.insert(
        (app.clone(), new_name.clone()),
        normalize_group(&app, &new_name, &id, &group),
    );
    Ok(json!({"hooksNotCleanedUp": []}))
}

fn delete_deployment_group(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let app = req_str(input, "applicationName", "ApplicationNameRequiredException")?;
    let name = req_str(
        input,
        "deploymentGroupName",
        "DeploymentGroupNameRequiredException",
    )?;
    emu.world().groups.remove(&(app, name));
    Ok(json!({"hooksNotCleanedUp": []}))
}

fn create_deployment_config(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(
        input,
        "deploymentConfigName",
        "DeploymentConfigNameRequiredException",
    )?;
    let mut world = emu.world();
    if config(&world, &name).is_some() {
        return Err(err(
            "DeploymentConfigAlreadyExistsException",
            format!("A deployment configuration named {name} already exists."),
        ));
    }
    let routing = &input["trafficRoutingConfig"];
    let (kind, pct, minutes) =
        match routing["type"].as_str() {
            Some("TimeBasedCanary") => (
                "TimeBasedCanary",
                opt_num(&routing["timeBasedCanary"], "canaryPercentage"),
                opt_num(&routing["timeBasedCanary"], "canaryInterval"),
            ),
            Some("TimeBasedLinear") => (
                "TimeBasedLinear",
                opt_num(&routing["timeBasedLinear"], "linearPercentage"),
                opt_num(&routing["timeBasedLinear"], "linearInterval"),
            ),
            Some("AllAtOnce") => ("AllAtOnce", Some(0.0), Some(0.0)),
            _ => return Err(err(
                "InvalidTrafficRoutingConfigurationException",
                "trafficRoutingConfig.type must be TimeBasedCanary, TimeBasedLinear or AllAtOnce.",
            )),
        };
    let (Some(pct), Some(minutes)) = (pct, minutes) else {
        return Err(err(
            "InvalidTrafficRoutingConfigurationException",
            "The percentage and interval are required.",
        ));
    };
    if kind != "AllAtOnce" && !(1.0..=99.0).contains(&pct) {
        return Err(err(
            "InvalidTrafficRoutingConfigurationException",
            "The percentage must be between 1 and 99.",
        ));
    }
    let info = config_json(&name, kind, pct, minutes);
    let id = info["deploymentConfigId"].clone();
    world.configs.insert(name, info);
    Ok(json!({"deploymentConfigId": id}))
}

fn get_deployment_config(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(
        input,
        "deploymentConfigName",
        "DeploymentConfigNameRequiredException",
    )?;
    let world = emu.world();
    let info = config(&world, &name).ok_or_else(|| {
        err(
            "DeploymentConfigDoesNotExistException",
            format!("No deployment configuration found for name: {name}"),
        )
    })?;
    Ok(json!({"deploymentConfigInfo": info}))
}

/// Parses an AppSpec (JSON or YAML) into its ECS properties.
fn parse_appspec(
    content: &str,
) -> Result<(String, String, i64, BTreeMap<String, String>), ApiError> {
    let invalid = |m: &str| {
        err(
            "InvalidRevisionException",
            format!("The AppSpec file is invalid: {m}"),
        )
    };
    let spec: Value = match serde_json::from_str(content) {
        Ok(v) => v,
        Err(_) => serde_yaml::from_str(content).map_err(|e| invalid(&e.to_string()))?,
    };
    let resources = spec
        .get("Resources")
        .or_else(|| spec.get("resources"))
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("Resources is required"))?;
    let target = resources
        .iter()
        .find_map(|r| r.as_object().and_then(|o| o.values().next()).cloned())
        .ok_or_else(|| invalid("a TargetService resource is required"))?;
    if target["Type"] != "AWS::ECS::Service" {
        return Err(invalid("the resource Type must be AWS::ECS::Service"));
    }
    let props = &target["Properties"];
    let td = opt_str(props, "TaskDefinition")
        .ok_or_else(|| invalid("TaskDefinition is required"))?
        .to_string();
    let lb = &props["LoadBalancerInfo"];
    let container = opt_str(lb, "ContainerName")
        .ok_or_else(|| invalid("LoadBalancerInfo.ContainerName is required"))?
        .to_string();
    let port = opt_num(lb, "ContainerPort")
        .ok_or_else(|| invalid("LoadBalancerInfo.ContainerPort is required"))?
        as i64;
    let mut hooks = BTreeMap::new();
    for h in list(&spec, "Hooks") {
        if let Some(o) = h.as_object() {
            for (event, f) in o {
                if ![
                    "BeforeInstall",
                    "AfterInstall",
                    "AfterAllowTestTraffic",
                    "BeforeAllowTraffic",
                    "AfterAllowTraffic",
                ]
                .contains(&event.as_str())
                {
                    return Err(invalid(&format!(
                        "{event} is not a lifecycle event that allows hooks"
                    )));
                }
                hooks.insert(event.clone(), f.as_str().unwrap_or_default().to_string());
            }
        }
    }
    Ok((td, container, port, hooks))
}

fn sha256_hex(content: &str) -> String {
    crate::sha256::hex(content.as_bytes())
}

fn create_deployment(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let app = req_str(input, "applicationName", "ApplicationNameRequiredException")?;
    let group_name = req_str(
        input,
        "deploymentGroupName",
        "DeploymentGroupNameRequiredException",
    )?;
    let revision = &input["revision"];
    if revision["revisionType"] != "AppSpecContent" {
        return Err(err(
            "InvalidRevisionException",
            "ECS deployments need a revision of type AppSpecContent.",
        ));
    }
    let content = opt_str(&revision["appSpecContent"], "content")
        .ok_or_else(|| {
            err(
                "InvalidRevisionException",
                "appSpecContent.content is required",
            )
        })?
        .to_string();
    let (td, container, port, hooks) = parse_appspec(&content)?;
    if !td.starts_with("arn:") {
        return Err(err(
            "InvalidRevisionException",
            "The AppSpec file is invalid: TaskDefinition must be a full task definition ARN",
        ));
    }
    let mut world = emu.world();
    if !world.applications.contains_key(&app) {
        return Err(app_missing(&app));
    }
    let group = world
        .groups
        .get(&(app.clone(), group_name.clone()))
        .cloned()
        .ok_or_else(|| group_missing(&group_name))?;
    if let Some(active) = world.active_deployment(&app, &group_name) {
        return Err(err(
            "DeploymentLimitExceededException",
            format!(
                "The Deployment Group '{group_name}' already has an active Deployment '{}'",
                active.id
            ),
        ));
    }
    let config_name = opt_str(input, "deploymentConfigName")
        .or(opt_str(&group, "deploymentConfigName"))
        .unwrap_or("CodeDeployDefault.ECSAllAtOnce")
        .to_string();
    if config(&world, &config_name).is_none() {
        return Err(err(
            "DeploymentConfigDoesNotExistException",
            format!("No deployment configuration found for name: {config_name}"),
        ));
    }
    let service = &group["ecsServices"][0];
    let cluster = opt_str(service, "clusterName")
        .unwrap_or_default()
        .to_string();
    let service_name = opt_str(service, "serviceName")
        .unwrap_or_default()
        .to_string();
    let target_arn = world
        .services
        .get(&(cluster.clone(), service_name.clone()))
        .map(|s| s.arn.clone())
        .unwrap_or_default();
    let id = world.deployment_id();
    let sha = sha256_hex(&content);
    let now = Clock::now_epoch();
    world
        .revisions
        .entry((app.clone(), sha.clone()))
        .or_insert((content.clone(), now));
    let alarm_override = input
        .get("overrideAlarmConfiguration")
        .is_some_and(|v| !v.is_null());
    let deployment = Deployment {
        id: id.clone(),
        application: app,
        group: group_name,
        config: config_name,
        status: "Created".into(),
        creator: "user".into(),
        sha256: sha,
        task_definition: td,
        container: (container, port),
        hooks,
        description: opt_str(input, "description").map(str::to_string),
        error: None,
        rollback_info: None,
        alarm_configuration: if alarm_override {
            input["overrideAlarmConfiguration"].clone()
        } else {
            group["alarmConfiguration"].clone()
        },
        alarm_override,
        auto_rollback: input
            .get("autoRollbackConfiguration")
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or_else(|| group["autoRollbackConfiguration"].clone()),
        create_time: now,
        start_time: None,
        complete_time: None,
        events: LifecycleEvent::all_pending(),
        target_status: "Pending".into(),
        task_sets: (None, None),
        green_weight: 0.0,
        control: Control::default(),
        hook_executions: BTreeMap::new(),
        status_messages: Vec::new(),
        target_id: format!("{cluster}:{service_name}"),
        target_arn,
        target_updated: now,
    };
    world.deployments.insert(id.clone(), deployment);
    world.deployment_order.push(id.clone());
    drop(world);
    tokio::spawn(crate::lifecycle::run(emu.clone(), id.clone()));
    Ok(json!({"deploymentId": id}))
}

/// GetDeployment's shape.
pub fn deployment_json(world: &World, d: &Deployment) -> Value {
    let group = world
        .groups
        .get(&(d.application.clone(), d.group.clone()))
        .cloned()
        .unwrap_or(Value::Null);
    let mut v = json!({
        "applicationName": d.application,
        "deploymentGroupName": d.group,
        "deploymentConfigName": d.config,
        "deploymentId": d.id,
        "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"sha256": d.sha256}},
        "status": d.status,
        "createTime": d.create_time,
        "creator": d.creator,
        "ignoreApplicationStopFailures": false,
        "autoRollbackConfiguration": d.auto_rollback,
        "updateOutdatedInstancesOnly": false,
        "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        "instanceTerminationWaitTimeStarted": false,
        "blueGreenDeploymentConfiguration": group["blueGreenDeploymentConfiguration"],
        "loadBalancerInfo": group["loadBalancerInfo"],
        "fileExistsBehavior": "DISALLOW",
        "deploymentStatusMessages": d.status_messages,
        "computePlatform": "ECS",
    });
    if d.alarm_override {
        v["overrideAlarmConfiguration"] = d.alarm_configuration.clone();
    }
    if let Some(t) = d.start_time {
        v["startTime"] = json!(t);
    }
    if let Some(t) = d.complete_time {
        v["completeTime"] = json!(t);
    }
    if let Some((code, message)) = &d.error {
        v["errorInformation"] = json!({"code": code, "message": message});
    }
    if let Some(r) = &d.rollback_info {
        v["rollbackInfo"] = r.clone();
    }
    if let Some(desc) = &d.description {
        v["description"] = json!(desc);
    }
    if d.is_terminal() {
        let succeeded = i64::from(d.status == "Succeeded");
        v["deploymentOverview"] = json!({"Pending": 0, "InProgress": 0, "Succeeded": succeeded, "Failed": 1 - succeeded, "Skipped": 0, "Ready": 0});
    }
    v
}

fn deployment<'a>(world: &'a World, input: &Value) -> Result<&'a Deployment, ApiError> {
    let id = req_str(input, "deploymentId", "DeploymentIdRequiredException")?;
    if !id.starts_with("d-") || id.len() != 11 {
        return Err(err(
            "InvalidDeploymentIdException",
            format!("Specified DeploymentId is not in the valid format: {id}"),
        ));
    }
    world.deployments.get(&id).ok_or_else(|| {
        err(
            "DeploymentDoesNotExistException",
            format!("The deployment {id} could not be found."),
        )
    })
}

fn get_deployment(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let world = emu.world();
    let d = deployment(&world, input)?;
    Ok(json!({"deploymentInfo": deployment_json(&world, d)}))
}

fn batch_get_deployments(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let ids = strings(input, "deploymentIds");
    if ids.len() > 25 {
        return Err(err(
            "BatchLimitExceededException",
            "The maximum number of names or IDs allowed for this request (25) was exceeded.",
        ));
    }
    let world = emu.world();
    let infos: Vec<Value> = ids
        .iter()
        .filter_map(|id| world.deployments.get(id))
        .map(|d| deployment_json(&world, d))
        .collect();
    Ok(json!({"deploymentsInfo": infos}))
}

fn list_deployments(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let app = opt_str(input, "applicationName");
    let group = opt_str(input, "deploymentGroupName");
    let statuses = strings(input, "includeOnlyStatuses");
    const KNOWN: [&str; 8] = [
        "Created",
        "Queued",
        "InProgress",
        "Baking",
        "Succeeded",
        "Failed",
        "Stopped",
        "Ready",
    ];
    if let Some(bad) = statuses.iter().find(|s| !KNOWN.contains(&s.as_str())) {
        return Err(err(
            "InvalidDeploymentStatusException",
            format!("Invalid deployment status: {bad}"),
        ));
    }
    let world = emu.world();
    if let Some(app) = app {
        if !world.applications.contains_key(app) {
            return Err(app_missing(app));
        }
        if let Some(group) = group {
            if !world
                .groups
                .contains_key(&(app.to_string(), group.to_string()))
            {
                return Err(group_missing(group));
            }
        }
    } else if group.is_some() {
        return Err(err(
            "ApplicationNameRequiredException",
            "The application name must be specified when a deployment group name is given.",
        ));
    }
    let ids: Vec<String> = world
        .deployment_order
        .iter()
        .rev()
        .filter_map(|id| world.deployments.get(id))
        .filter(|d| app.is_none_or(|a| d.application == a) && group.is_none_or(|g| d.group == g))
        .filter(|d| statuses.is_empty() || statuses.contains(&d.status))
        .map(|d| d.id.clone())
        .collect();
    let (items, next) = page(&ids, opt_str(input, "nextToken"), 100);
    let mut out = json!({"deployments": items});
    if let Some(next) = next {
        out["nextToken"] = json!(next);
    }
    Ok(out)
}

fn list_deployment_targets(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let world = emu.world();
    let d = deployment(&world, input)?;
    if d.status == "Created" {
        return Err(err(
            "DeploymentNotStartedException",
            format!("The deployment {} has not started.", d.id),
        ));
    }
    Ok(json!({"targetIds": [d.target_id]}))
}

/// The ECS target's shape.
pub fn target_json(world: &World, d: &Deployment) -> Value {
    let service = world.services.values().find(|s| s.arn == d.target_arn);
    let mut task_sets = Vec::new();
    if let Some(service) = service {
        for (label, id, weight) in [
            ("Blue", &d.task_sets.0, 100.0 - d.green_weight),
            ("Green", &d.task_sets.1, d.green_weight),
        ] {
            let Some(ts) = id
                .as_ref()
                .and_then(|id| service.task_sets.iter().find(|t| &t.id == id))
            else {
                continue;
            };
            let tg_name = world
                .target_groups
                .get(&ts.target_group_arn)
                .and_then(|tg| tg["TargetGroupName"].as_str())
                .unwrap_or_default();
            let desired = ((service.desired_count as f64) * ts.scale / 100.0).ceil() as i64;
            task_sets.push(json!({
                "identifer": ts.id,
                "desiredCount": desired,
                "pendingCount": 0,
                "runningCount": ts.tasks.len(),
                "status": ts.status,
                "trafficWeight": weight,
                "targetGroup": {"name": tg_name},
                "taskSetLabel": label,
            }));
        }
    }
    let events: Vec<Value> = d
        .events
        .iter()
        .map(|e| {
            let mut v = json!({"lifecycleEventName": e.name, "status": e.status});
            if let Some(t) = e.start {
                v["startTime"] = json!(t);
            }
            if let Some(t) = e.end {
                v["endTime"] = json!(t);
            }
            if let Some(diag) = &e.diagnostics {
                v["diagnostics"] = diag.clone();
            }
            v
        })
        .collect();
    json!({
        "deploymentTargetType": "ECSTarget",
        "ecsTarget": {
            "deploymentId": d.id,
            "targetId": d.target_id,
            "targetArn": d.target_arn,
            "lastUpdatedAt": d.target_updated,
            "lifecycleEvents": events,
            "status": d.target_status,
            "taskSetsInfo": task_sets,
        }
    })
}

fn get_deployment_target(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let world = emu.world();
    let d = deployment(&world, input)?;
    let target = req_str(input, "targetId", "DeploymentTargetIdRequiredException")?;
    if d.status == "Created" {
        return Err(err(
            "DeploymentNotStartedException",
            format!("The deployment {} has not started.", d.id),
        ));
    }
    if target != d.target_id {
        return Err(err(
            "DeploymentTargetDoesNotExistException",
            format!("The target {target} does not exist in deployment {}.", d.id),
        ));
    }
    Ok(json!({"deploymentTarget": target_json(&world, d)}))
}

fn batch_get_deployment_targets(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let world = emu.world();
    let d = deployment(&world, input)?;
    let ids = strings(input, "targetIds");
    if ids.len() > 25 {
        return Err(err("DeploymentTargetListSizeExceededException", "The maximum number of targets that can be associated with a deployment (25) was exceeded."));
    }
    if let Some(bad) = ids.iter().find(|t| **t != d.target_id) {
        return Err(err(
            "DeploymentTargetDoesNotExistException",
            format!("The target {bad} does not exist in deployment {}.", d.id),
        ));
    }
    let targets: Vec<Value> = ids.iter().map(|_| target_json(&world, d)).collect();
    Ok(json!({"deploymentTargets": targets}))
}

fn continue_deployment(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let wait = opt_str(input, "deploymentWaitType")
        .unwrap_or("READY_WAIT")
        .to_string();
    let mut world = emu.world();
    let id = deployment(&world, input)?.id.clone();
    let d = world
        .deployments
        .get_mut(&id)
        .ok_or_else(|| err("DeploymentDoesNotExistException", "gone"))?;
    if d.is_terminal() {
        return Err(err(
            "DeploymentAlreadyCompletedException",
            format!("The deployment {id} has already completed."),
        ));
    }
    match wait.as_str() {
        "READY_WAIT" if d.status == "Ready" => d.control.continue_ready = true,
        "TERMINATION_WAIT" if d.events.iter().all(|e| e.status == "Succeeded") => {
            d.control.continue_termination = true
        }
        "READY_WAIT" | "TERMINATION_WAIT" => {
            return Err(err(
                "DeploymentIsNotInReadyStateException",
                format!("The deployment {id} is not in a ready state."),
            ))
        }
        other => {
            return Err(err(
                "InvalidDeploymentWaitTypeException",
                format!("The wait type {other} is invalid."),
            ))
        }
    }
    drop(world);
    emu.inner.steer.notify_waiters();
    Ok(json!({}))
}

fn stop_deployment(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let rollback = opt_bool(input, "autoRollbackEnabled");
    let mut world = emu.world();
    let id = deployment(&world, input)?.id.clone();
    let d = world
        .deployments
        .get_mut(&id)
        .ok_or_else(|| err("DeploymentDoesNotExistException", "gone"))?;
    if d.is_terminal() {
        return Err(err(
            "DeploymentAlreadyCompletedException",
            format!("The deployment {id} has already completed."),
        ));
    }
    d.control.stop.get_or_insert(rollback);
    drop(world);
    emu.inner.steer.notify_waiters();
    Ok(json!({"status": "Pending", "statusMessage": "Stop request is pending"}))
}

fn put_hook_status(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let exec = req_str(
        input,
        "lifecycleEventHookExecutionId",
        "InvalidLifecycleEventHookExecutionIdException",
    )?;
    let status = req_str(
        input,
        "status",
        "InvalidLifecycleEventHookExecutionStatusException",
    )?;
    if status != "Succeeded" && status != "Failed" {
        return Err(err(
            "InvalidLifecycleEventHookExecutionStatusException",
            format!("The status {status} is invalid; use Succeeded or Failed."),
        ));
    }
    let mut world = emu.world();
    let id = deployment(&world, input)?.id.clone();
    let d = world
        .deployments
        .get_mut(&id)
        .ok_or_else(|| err("DeploymentDoesNotExistException", "gone"))?;
    let slot = d.hook_executions.get_mut(&exec).ok_or_else(|| {
        err(
            "InvalidLifecycleEventHookExecutionIdException",
            format!("The lifecycle event hook execution id {exec} is invalid."),
        )
    })?;
    if slot.is_some() {
        return Err(err(
            "LifecycleEventAlreadyCompletedException",
            format!("The lifecycle event {exec} has already completed."),
        ));
    }
    *slot = Some(status);
    drop(world);
    emu.inner.steer.notify_waiters();
    Ok(json!({"lifecycleEventHookExecutionId": exec}))
}

fn get_application_revision(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let app = req_str(input, "applicationName", "ApplicationNameRequiredException")?;
    let sha = opt_str(&input["revision"]["appSpecContent"], "sha256")
        .unwrap_or_default()
        .to_string();
    let world = emu.world();
    if !world.applications.contains_key(&app) {
        return Err(app_missing(&app));
    }
    let (content, first) = world
        .revisions
        .get(&(app.clone(), sha.clone()))
        .cloned()
        .ok_or_else(|| {
            err(
                "RevisionDoesNotExistException",
                "No application revision found for the given revision.",
            )
        })?;
    Ok(json!({
        "applicationName": app,
        "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"content": content, "sha256": sha}},
        "revisionInfo": {"firstUsedTime": first, "lastUsedTime": first, "registerTime": first, "deploymentGroups": []},
    }))
}
