//! A native blue/green world built through the emulator's own APIs with the real SDK clients: two target
//! groups, a load balancer with a production and a test listener, a listener rule on each, and an ECS
//! service on the `ECS` controller whose deployments move those rules' weights.

#![allow(dead_code)]

use std::time::Duration;

use aws_sdk_ecs::types::{
    AdvancedConfiguration, DeploymentConfiguration, DeploymentController, DeploymentControllerType,
    DeploymentLifecycleHook, DeploymentLifecycleHookAction, DeploymentLifecycleHookStage,
    DeploymentLifecycleHookTargetType, DeploymentStrategy, LoadBalancer, ServiceDeployment,
    StopServiceDeploymentStopType,
};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, ForwardActionConfig, PathPatternConditionConfig, RuleCondition,
    TargetGroupTuple,
};

use crate::common::{eventually, register_web, Clients};

/// What the world is made of.
pub struct World {
    pub blue_tg: String,
    pub green_tg: String,
    pub load_balancer: String,
    pub production_url: String,
    pub test_url: String,
    pub production_rule: String,
    pub test_rule: String,
    pub production_listener: String,
    pub test_listener: String,
    pub v1: String,
}

/// The service's name (cluster `demo`).
pub const SERVICE: &str = "native";

fn forward(blue: &str, green: &str) -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .forward_config(
            ForwardActionConfig::builder()
                .target_groups(
                    TargetGroupTuple::builder()
                        .target_group_arn(blue)
                        .weight(100)
                        .build(),
                )
                .target_groups(
                    TargetGroupTuple::builder()
                        .target_group_arn(green)
                        .weight(0)
                        .build(),
                )
                .build(),
        )
        .build()
}

/// Creates the load balancer, target groups, listeners and rules, and registers v1.
pub async fn build(c: &Clients) -> World {
    let mut tgs = Vec::new();
    for name in ["nat-blue", "nat-green"] {
        let out = c
            .elbv2
            .create_target_group()
            .name(name)
            .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
            .port(80)
            .health_check_path("/health")
            .send()
            .await
            .expect("target group");
        tgs.push(
            out.target_groups()[0]
                .target_group_arn()
                .expect("arn")
                .to_string(),
        );
    }
    let lb = c
        .elbv2
        .create_load_balancer()
        .name("native")
        .send()
        .await
        .expect("load balancer");
    let lb_arn = lb.load_balancers()[0]
        .load_balancer_arn()
        .expect("arn")
        .to_string();
    let mut urls = Vec::new();
    let mut rules = Vec::new();
    let mut listeners: Vec<String> = Vec::new();
    for _ in ["production", "test"] {
        let listener = c
            .elbv2
            .create_listener()
            .load_balancer_arn(&lb_arn)
            .port(0)
            .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
            .default_actions(
                Action::builder()
                    .r#type(ActionTypeEnum::Forward)
                    .target_group_arn(&tgs[0])
                    .build(),
            )
            .send()
            .await
            .expect("listener");
        let listener = &listener.listeners()[0];
        listeners.push(listener.listener_arn().expect("listener arn").to_string());
        urls.push(format!(
            "http://127.0.0.1:{}",
            listener.port().expect("port")
        ));
        let rule = c
            .elbv2
            .create_rule()
            .listener_arn(listener.listener_arn().expect("arn"))
            .priority(1)
            .conditions(
                RuleCondition::builder()
                    .field("path-pattern")
                    .path_pattern_config(PathPatternConditionConfig::builder().values("/*").build())
                    .build(),
            )
            .actions(forward(&tgs[0], &tgs[1]))
            .send()
            .await
            .expect("rule");
        rules.push(rule.rules()[0].rule_arn().expect("rule arn").to_string());
    }
    let v1 = register_web(c, "ghcr.io/acme/web:v1", &[("MESSAGE", "native v1")]).await;
    World {
        blue_tg: tgs[0].clone(),
        green_tg: tgs[1].clone(),
        load_balancer: lb_arn,
        production_url: urls[0].clone(),
        test_url: urls[1].clone(),
        production_rule: rules[0].clone(),
        test_rule: rules[1].clone(),
        production_listener: listeners[0].clone(),
        test_listener: listeners[1].clone(),
        v1,
    }
}

/// A PAUSE hook at `stages`, timing out after a day.
pub fn pause_hook(stages: &[DeploymentLifecycleHookStage]) -> DeploymentLifecycleHook {
    DeploymentLifecycleHook::builder()
        .target_type(DeploymentLifecycleHookTargetType::Pause)
        .set_lifecycle_stages(Some(stages.to_vec()))
        .build()
}

/// A deployment configuration with `strategy` and a one-minute bake.
pub fn configuration(
    strategy: DeploymentStrategy,
) -> aws_sdk_ecs::types::builders::DeploymentConfigurationBuilder {
    DeploymentConfiguration::builder()
        .strategy(strategy)
        .bake_time_in_minutes(1)
}

/// Creates the service on the `ECS` controller with `config`, two tasks of v1 behind the rules.
pub async fn create_service(c: &Clients, w: &World, config: DeploymentConfiguration) {
    create_service_routed(c, w, config, &w.production_rule, &w.test_rule).await
}

/// Creates the service with `production` and `test` as the advanced configuration's "rules" (listener
/// rule ARNs for an ALB, listener ARNs for an NLB).
pub async fn create_service_routed(
    c: &Clients,
    w: &World,
    config: DeploymentConfiguration,
    production: &str,
    test: &str,
) {
    c.ecs
        .create_service()
        .cluster("demo")
        .service_name(SERVICE)
        .task_definition(&w.v1)
        .desired_count(2)
        .deployment_controller(
            DeploymentController::builder()
                .r#type(DeploymentControllerType::Ecs)
                .build()
                .expect("controller"),
        )
        .deployment_configuration(config)
        .load_balancers(
            LoadBalancer::builder()
                .target_group_arn(&w.blue_tg)
                .container_name("web")
                .container_port(80)
                .advanced_configuration(
                    AdvancedConfiguration::builder()
                        .alternate_target_group_arn(&w.green_tg)
                        .production_listener_rule(production)
                        .test_listener_rule(test)
                        .role_arn("arn:aws:iam::123456789012:role/ecs-infrastructure")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("create service");
}

/// UpdateService to `task_definition`; returns the service deployment it started.
pub async fn update(c: &Clients, task_definition: &str) -> String {
    let out = c
        .ecs
        .update_service()
        .cluster("demo")
        .service(SERVICE)
        .task_definition(task_definition)
        .send()
        .await
        .expect("update service");
    out.service()
        .and_then(|s| s.current_service_deployment())
        .expect("current service deployment")
        .to_string()
}

/// DescribeServiceDeployments of one deployment.
pub async fn describe(c: &Clients, arn: &str) -> ServiceDeployment {
    c.ecs
        .describe_service_deployments()
        .service_deployment_arns(arn)
        .send()
        .await
        .expect("describe service deployments")
        .service_deployments()
        .first()
        .cloned()
        .expect("the deployment")
}

/// Waits for the deployment's status.
pub async fn wait_status(c: &Clients, arn: &str, wanted: &str) -> ServiceDeployment {
    eventually(
        Duration::from_secs(60),
        &format!("{arn} {wanted}"),
        || async {
            let d = describe(c, arn).await;
            (d.status().map(|s| s.as_str()) == Some(wanted)).then_some(d)
        },
    )
    .await
}

/// Waits for a PAUSE hook in AWAITING_ACTION at `stage` and returns its id.
pub async fn awaiting_hook(c: &Clients, arn: &str, stage: &str) -> (String, ServiceDeployment) {
    eventually(
        Duration::from_secs(60),
        &format!("a hook awaiting action at {stage}"),
        || async {
            let d = describe(c, arn).await;
            let id = d
                .lifecycle_hook_details()
                .iter()
                .find(|h| h.status().map(|s| s.as_str()) == Some("AWAITING_ACTION"))
                .and_then(|h| h.hook_id())
                .map(str::to_string)?;
            (d.lifecycle_stage().map(|s| s.as_str()) == Some(stage)).then_some((id, d))
        },
    )
    .await
}

/// The production or test rule's (blue, green) weights, as DescribeRules shows them.
pub async fn weights(c: &Clients, w: &World, rule: &str) -> (i32, i32) {
    let out = c
        .elbv2
        .describe_rules()
        .rule_arns(rule)
        .send()
        .await
        .expect("describe rules");
    let groups = out.rules()[0].actions()[0]
        .forward_config()
        .map(|f| f.target_groups().to_vec())
        .unwrap_or_default();
    let weight = |tg: &str| {
        groups
            .iter()
            .find(|g| g.target_group_arn() == Some(tg))
            .and_then(|g| g.weight())
            .unwrap_or(0)
    };
    (weight(&w.blue_tg), weight(&w.green_tg))
}

/// The bodies of `n` requests to `url`.
pub async fn bodies(url: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(crate::common::get(url).await.1);
    }
    out
}

/// Creates the service on a BLUE_GREEN configuration with a PAUSE hook at `stage`: the shape most
/// tests hold a deployment in.
pub async fn create_paused_service(c: &Clients, w: &World, stage: DeploymentLifecycleHookStage) {
    let config = configuration(DeploymentStrategy::BlueGreen)
        .lifecycle_hooks(pause_hook(&[stage]))
        .build();
    create_service(c, w, config).await
}

/// Registers v2 of `web` (answering "native v2") and deploys it; returns (v2's ARN, the service
/// deployment's ARN).
pub async fn deploy_v2(c: &Clients) -> (String, String) {
    let v2 = register_web(c, "ghcr.io/acme/web:v2", &[("MESSAGE", "native v2")]).await;
    let arn = update(c, &v2).await;
    (v2, arn)
}

/// ContinueServiceDeployment of `hook` with `action` (none: ECS's default, CONTINUE).
pub async fn continue_hook(
    c: &Clients,
    arn: &str,
    hook: &str,
    action: Option<DeploymentLifecycleHookAction>,
) {
    c.ecs
        .continue_service_deployment()
        .service_deployment_arn(arn)
        .hook_id(hook)
        .set_action(action)
        .send()
        .await
        .expect("continue service deployment");
}

/// StopServiceDeployment of `arn` with `stop_type`.
pub async fn stop(c: &Clients, arn: &str, stop_type: StopServiceDeploymentStopType) {
    c.ecs
        .stop_service_deployment()
        .service_deployment_arn(arn)
        .stop_type(stop_type)
        .send()
        .await
        .expect("stop service deployment");
}

/// DescribeServices of the service: the list is empty when it does not exist.
pub async fn describe_service(c: &Clients) -> Vec<aws_sdk_ecs::types::Service> {
    c.ecs
        .describe_services()
        .cluster("demo")
        .services(SERVICE)
        .send()
        .await
        .expect("describe services")
        .services()
        .to_vec()
}

/// ListServiceDeployments of the service, newest first.
pub async fn list_deployments(c: &Clients) -> Vec<aws_sdk_ecs::types::ServiceDeploymentBrief> {
    c.ecs
        .list_service_deployments()
        .cluster("demo")
        .service(SERVICE)
        .send()
        .await
        .expect("list service deployments")
        .service_deployments()
        .to_vec()
}

/// How many of `n` requests to `url` green (v2) answered: the share a traffic shift has moved.
pub async fn v2_answers(url: &str, n: usize) -> usize {
    bodies(url, n)
        .await
        .iter()
        .filter(|b| *b == "native v2")
        .count()
}

/// The SDK clients on a started `emulator` and the world [`build`] makes there: every test's first step.
pub async fn world_on(
    emulator: ecsbg_emulator::Emulator,
) -> (ecsbg_emulator::Emulator, Clients, World) {
    let c = crate::common::clients(&emulator).await;
    let w = build(&c).await;
    (emulator, c, w)
}
