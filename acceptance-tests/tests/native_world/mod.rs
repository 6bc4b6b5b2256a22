//! The world the ECS-native acceptance tests (`native_rollout.rs`, `native_coverage.rs`) share: service
//! `demo/native` on the ECS controller behind an ALB (listener rules) or an NLB (listeners), its v1, the
//! resource's HCL, and the assertions every test makes after an apply.
#![allow(dead_code)] // each test file uses its own part of it

use aws_sdk_ecs::types::{
    AdvancedConfiguration, ContainerDefinition, DeploymentAlarms, DeploymentConfiguration,
    DeploymentController, DeploymentControllerType, DeploymentLifecycleHook,
    DeploymentLifecycleHookStage, DeploymentLifecycleHookTargetType, DeploymentStrategy,
    KeyValuePair, LoadBalancer, PortMapping,
};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, ForwardActionConfig, LoadBalancerTypeEnum, PathPatternConditionConfig,
    ProtocolEnum, RuleCondition, TargetGroupTuple,
};
use ecsbg_acceptance::emulator::{demo_seed, http_get, Running};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{flat, Run, Workspace, PROVIDER_HEADER};

pub const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");
/// An emulated minute per real second: the service's one-minute bake is a second.
pub const SCALE: f64 = 60.0;

/// The native world: URLs of the production and test listeners and the v1 revision.
pub struct World {
    /// `http://127.0.0.1:<port>` of the production listener.
    pub production_url: String,
    /// `http://127.0.0.1:<port>` of the test listener.
    pub test_url: String,
    /// The load balancer's ARN.
    pub load_balancer: String,
    /// `productionListenerRule`: a listener rule (ALB) or the production listener (NLB).
    pub production_rule: String,
    /// `testListenerRule`: a listener rule (ALB) or the test listener (NLB).
    pub test_rule: String,
    /// The primary target group (blue at the first rollout).
    pub blue_tg: String,
    /// The alternate target group (green at the first rollout).
    pub green_tg: String,
    /// The v1 task definition's ARN.
    pub v1: String,
}

/// How the service deploys (`deploymentConfiguration`) and what it sits behind.
#[derive(Clone, Debug)]
pub struct Setup {
    /// `BLUE_GREEN`, `LINEAR` (10 % steps a minute apart) or `CANARY`.
    pub strategy: DeploymentStrategy,
    /// `canaryPercent` and `canaryBakeTimeInMinutes` for `CANARY`.
    pub canary: (f64, i32),
    /// `bakeTimeInMinutes`.
    pub bake_minutes: i32,
    /// A PAUSE hook at POST_TEST_TRAFFIC_SHIFT (what a `test_gate` needs).
    pub pause: bool,
    /// Lambda hooks: (function name, stage).
    pub lambda_hooks: Vec<(String, DeploymentLifecycleHookStage)>,
    /// `deploymentConfiguration.alarms` (enabled, with rollback) of the service itself.
    pub service_alarms: Vec<String>,
    /// Behind a Network Load Balancer: the rule fields carry the listeners themselves.
    pub nlb: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            strategy: DeploymentStrategy::BlueGreen,
            canary: (5.0, 10),
            bake_minutes: 1,
            pause: false,
            lambda_hooks: Vec::new(),
            service_alarms: Vec::new(),
            nlb: false,
        }
    }
}

impl Setup {
    /// The service's `deploymentConfiguration`.
    fn deployment_configuration(&self) -> anyhow::Result<DeploymentConfiguration> {
        let mut config = DeploymentConfiguration::builder()
            .bake_time_in_minutes(self.bake_minutes)
            .strategy(self.strategy.clone());
        if self.strategy == DeploymentStrategy::Linear {
            config = config.linear_configuration(
                aws_sdk_ecs::types::LinearConfiguration::builder()
                    .step_percent(10.0)
                    .step_bake_time_in_minutes(1)
                    .build(),
            );
        }
        if self.strategy == DeploymentStrategy::Canary {
            config = config.canary_configuration(
                aws_sdk_ecs::types::CanaryConfiguration::builder()
                    .canary_percent(self.canary.0)
                    .canary_bake_time_in_minutes(self.canary.1)
                    .build(),
            );
        }
        if self.pause {
            config = config.lifecycle_hooks(
                DeploymentLifecycleHook::builder()
                    .target_type(DeploymentLifecycleHookTargetType::Pause)
                    .lifecycle_stages(DeploymentLifecycleHookStage::PostTestTrafficShift)
                    .build(),
            );
        }
        for (function, stage) in &self.lambda_hooks {
            config = config.lifecycle_hooks(
                DeploymentLifecycleHook::builder()
                    .target_type(DeploymentLifecycleHookTargetType::AwsLambda)
                    .hook_target_arn(format!(
                        "arn:aws:lambda:us-east-1:123456789012:function:{function}"
                    ))
                    .role_arn("arn:aws:iam::123456789012:role/ecs-hooks")
                    .lifecycle_stages(stage.clone())
                    .build(),
            );
        }
        if !self.service_alarms.is_empty() {
            config = config.alarms(
                DeploymentAlarms::builder()
                    .set_alarm_names(Some(self.service_alarms.clone()))
                    .enable(true)
                    .rollback(true)
                    .build()?,
            );
        }
        Ok(config.build())
    }
}

/// ECS, ELBv2 and CloudWatch clients on the emulator.
pub async fn clients(
    emu: &Running,
) -> (
    aws_sdk_ecs::Client,
    aws_sdk_elasticloadbalancingv2::Client,
    aws_sdk_cloudwatch::Client,
) {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(emu.emulator.endpoint_url())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            "x", "x", None, None, "test",
        ))
        .load()
        .await;
    (
        aws_sdk_ecs::Client::new(&config),
        aws_sdk_elasticloadbalancingv2::Client::new(&config),
        aws_sdk_cloudwatch::Client::new(&config),
    )
}

/// Two target groups, a load balancer with a production and a test listener, a weighted rule on each,
/// v1 of family `native`, and service `demo/native` on the ECS controller with a BLUE_GREEN strategy
/// (a PAUSE hook at POST_TEST_TRAFFIC_SHIFT when `pause`).
pub fn build(emu: &Running, pause: bool, bake_minutes: i32) -> anyhow::Result<World> {
    build_with(emu, pause, bake_minutes, false)
}

/// [`build`], LINEAR in 10 % steps a minute apart when `linear`.
pub fn build_with(
    emu: &Running,
    pause: bool,
    bake_minutes: i32,
    linear: bool,
) -> anyhow::Result<World> {
    let strategy = if linear {
        DeploymentStrategy::Linear
    } else {
        DeploymentStrategy::BlueGreen
    };
    build_setup(
        emu,
        &Setup {
            strategy,
            bake_minutes,
            pause,
            ..Setup::default()
        },
    )
}

/// A weighted forward: blue 100, green 0.
fn all_to_blue(tgs: &[String]) -> Action {
    let forward = ForwardActionConfig::builder()
        .target_groups(
            TargetGroupTuple::builder()
                .target_group_arn(&tgs[0])
                .weight(100)
                .build(),
        )
        .target_groups(
            TargetGroupTuple::builder()
                .target_group_arn(&tgs[1])
                .weight(0)
                .build(),
        )
        .build();
    Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .forward_config(forward)
        .build()
}

/// A `/*` rule at priority 1 on `listener_arn` forwarding weighted to `tgs` ([`all_to_blue`]), as
/// `aws_lb_listener_rule` would create it: what ECS moves behind an ALB. Returns the rule's ARN.
pub async fn weighted_rule(
    elbv2: &aws_sdk_elasticloadbalancingv2::Client,
    listener_arn: &str,
    tgs: &[String],
) -> anyhow::Result<String> {
    let rule = elbv2
        .create_rule()
        .listener_arn(listener_arn)
        .priority(1)
        .conditions(
            RuleCondition::builder()
                .field("path-pattern")
                .path_pattern_config(PathPatternConditionConfig::builder().values("/*").build())
                .build(),
        )
        .actions(all_to_blue(tgs))
        .send()
        .await?;
    Ok(rule.rules()[0].rule_arn().unwrap_or_default().to_string())
}

/// The traffic side: two target groups and a load balancer with a production and a test listener. Behind
/// an ALB each listener gets a weighted rule (the "rules" are rule ARNs); behind an NLB the listeners
/// forward weighted themselves (the "rules" are listener ARNs). (target groups, listener URLs, rules, LB).
async fn traffic(
    elbv2: &aws_sdk_elasticloadbalancingv2::Client,
    nlb: bool,
) -> anyhow::Result<(Vec<String>, Vec<String>, Vec<String>, String)> {
    let protocol = if nlb {
        ProtocolEnum::Tcp
    } else {
        ProtocolEnum::Http
    };
    let mut tgs = Vec::new();
    for name in ["nat-blue", "nat-green"] {
        let out = elbv2
            .create_target_group()
            .name(name)
            .protocol(protocol.clone())
            .port(80)
            .health_check_path("/health")
            .send()
            .await?;
        tgs.push(
            out.target_groups()[0]
                .target_group_arn()
                .unwrap_or_default()
                .to_string(),
        );
    }
    let kind = if nlb {
        LoadBalancerTypeEnum::Network
    } else {
        LoadBalancerTypeEnum::Application
    };
    let lb = elbv2
        .create_load_balancer()
        .name("native")
        .r#type(kind)
        .send()
        .await?;
    let lb_arn = lb.load_balancers()[0]
        .load_balancer_arn()
        .unwrap_or_default()
        .to_string();
    let (mut urls, mut rules) = (Vec::new(), Vec::new());
    for _ in ["production", "test"] {
        let default = if nlb {
            all_to_blue(&tgs)
        } else {
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(&tgs[0])
                .build()
        };
        let out = elbv2
            .create_listener()
            .load_balancer_arn(&lb_arn)
            .port(0)
            .protocol(protocol.clone())
            .default_actions(default)
            .send()
            .await?;
        let listener = &out.listeners()[0];
        let listener_arn = listener.listener_arn().unwrap_or_default().to_string();
        urls.push(format!(
            "http://127.0.0.1:{}",
            listener.port().unwrap_or_default()
        ));
        if nlb {
            rules.push(listener_arn);
            continue;
        }
        rules.push(weighted_rule(elbv2, &listener_arn, &tgs).await?);
    }
    Ok((tgs, urls, rules, lb_arn))
}

/// The traffic side ([`traffic`]), v1 of family `native`, and service `demo/native` on the ECS controller
/// deploying as `setup` says.
pub fn build_setup(emu: &Running, setup: &Setup) -> anyhow::Result<World> {
    let world = build_without_service(emu, setup.nlb)?;
    create_service(emu, &world, setup)?;
    Ok(world)
}

/// The traffic side ([`traffic`], behind an NLB when `nlb`) and v1 of family `native`; no service yet
/// (what a configuration creating the service in the same apply starts from).
pub fn build_without_service(emu: &Running, nlb: bool) -> anyhow::Result<World> {
    emu.block_on(async {
        let (ecs, elbv2, _) = clients(emu).await;
        let (tgs, urls, rules, lb_arn) = traffic(&elbv2, nlb).await?;
        let v1 = ecs
            .register_task_definition()
            .family("native")
            .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
            .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
            .cpu("256")
            .memory("512")
            .container_definitions(
                ContainerDefinition::builder()
                    .name("web")
                    .image("ghcr.io/acme/web:v1")
                    .port_mappings(PortMapping::builder().container_port(80).build())
                    .environment(
                        KeyValuePair::builder()
                            .name("MESSAGE")
                            .value("Hello from v1")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await?
            .task_definition()
            .and_then(|t| t.task_definition_arn())
            .unwrap_or_default()
            .to_string();
        Ok(World {
            production_url: urls[0].clone(),
            test_url: urls[1].clone(),
            load_balancer: lb_arn,
            production_rule: rules[0].clone(),
            test_rule: rules[1].clone(),
            blue_tg: tgs[0].clone(),
            green_tg: tgs[1].clone(),
            v1,
        })
    })
}

/// Service `demo/native` on `w`'s v1 and traffic side, ECS controller, deploying as `setup` says (its
/// `nlb` is `w`'s already), as hashicorp/aws's `aws_ecs_service` would create it.
pub fn create_service(emu: &Running, w: &World, setup: &Setup) -> anyhow::Result<()> {
    emu.block_on(async {
        let (ecs, _, _) = clients(emu).await;
        ecs.create_service()
            .cluster("demo")
            .service_name("native")
            .task_definition(&w.v1)
            .desired_count(2)
            .deployment_controller(
                DeploymentController::builder()
                    .r#type(DeploymentControllerType::Ecs)
                    .build()?,
            )
            .deployment_configuration(setup.deployment_configuration()?)
            .load_balancers(
                LoadBalancer::builder()
                    .target_group_arn(&w.blue_tg)
                    .container_name("web")
                    .container_port(80)
                    .advanced_configuration(
                        AdvancedConfiguration::builder()
                            .alternate_target_group_arn(&w.green_tg)
                            .production_listener_rule(&w.production_rule)
                            .test_listener_rule(&w.test_rule)
                            .role_arn("arn:aws:iam::123456789012:role/ecs-infrastructure")
                            .build(),
                    )
                    .build(),
            )
            .send()
            .await?;
        anyhow::Ok(())
    })
}

/// `native` at `version`, with `extra` HCL inside the resource.
pub fn config(version: &str, extra: &str) -> String {
    config_with_ports(version, "{ containerPort = 80 }", extra)
}

/// [`config`] with the container's `port_mappings` (HCL list items) as given.
pub fn config_with_ports(version: &str, port_mappings: &str, extra: &str) -> String {
    service_config("native", version, port_mappings, extra)
}

/// The resource for service `demo/<name>` with a task definition of family `<name>` at `version` (its
/// container `web` with `port_mappings`, HCL list items), with `extra` HCL inside the resource.
pub fn service_config(name: &str, version: &str, port_mappings: &str, extra: &str) -> String {
    format!(
        r#"{PROVIDER_HEADER}
resource "ecsbg_deployment" "web" {{
  cluster_name = "demo"
  service_name = "{name}"
  task_definition = jsonencode({{
    family = "{name}", networkMode = "awsvpc", requiresCompatibilities = ["FARGATE"], cpu = "256", memory = "512"
    containerDefinitions = [{{ name = "web", image = "ghcr.io/acme/web:{version}", portMappings = [{port_mappings}],
      environment = [{{ name = "MESSAGE", value = "Hello from {version}" }}] }}]
  }})
{extra}}}
"#
    )
}

/// A `test_gate` whose HTTP check wants `body` from the test listener.
pub fn gate(body: &str) -> String {
    format!("  test_gate {{\n    http {{\n      path       = \"/\"\n      body_regex = \"{body}\"\n      attempts   = 2\n      interval   = \"200ms\"\n    }}\n  }}\n")
}

/// A stage with [`build`]'s world, v1 adopted by an apply that deployed nothing.
pub fn serving_v1(pause: bool, bake_minutes: i32) -> anyhow::Result<(Stage, World)> {
    let stage = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    let world = build(&stage.emu, pause, bake_minutes)?;
    let adopt = stage.ws.apply(&config("v1", ""))?;
    assert!(adopt.stdout.contains("1 added"), "{}", adopt.output());
    assert_eq!(
        stage.emu.calls("ecs.UpdateService"),
        0,
        "adopting must not deploy"
    );
    Ok((stage, world))
}

/// One attribute of `ecsbg_deployment.web` in state.
pub fn state(ws: &Workspace, key: &str) -> anyhow::Result<serde_json::Value> {
    Ok(ws.resource_values("ecsbg_deployment.web")?[key].clone())
}

/// What `url`'s root answers.
pub fn body(url: &str) -> String {
    http_get(&format!("{url}/")).1
}

/// Alarm `native-404s` on the load balancer's target 4XX count: five in a minute puts it in ALARM.
pub fn put_404_alarm(emu: &Running, w: &World) -> anyhow::Result<()> {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic};
    let dimension = w
        .load_balancer
        .split_once(":loadbalancer/")
        .map(|(_, d)| d.to_string())
        .unwrap_or_default();
    emu.block_on(async {
        let (_, _, cloudwatch) = clients(emu).await;
        cloudwatch
            .put_metric_alarm()
            .alarm_name("native-404s")
            .namespace("AWS/ApplicationELB")
            .metric_name("HTTPCode_Target_4XX_Count")
            .dimensions(
                Dimension::builder()
                    .name("LoadBalancer")
                    .value(dimension)
                    .build(),
            )
            .statistic(Statistic::Sum)
            .period(60)
            .evaluation_periods(1)
            .threshold(5.0)
            .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
            .treat_missing_data("notBreaching")
            .send()
            .await
    })?;
    Ok(())
}

/// Puts [`put_404_alarm`] in place and spawns the apply of v2 watching it (`extra` HCL beside).
pub fn spawn_alarmed_apply(
    emu: &Running,
    ws: &Workspace,
    w: &World,
    extra: &str,
) -> anyhow::Result<std::process::Child> {
    put_404_alarm(emu, w)?;
    ws.spawn_apply(&config(
        "v2",
        &format!("  alarms = [\"native-404s\"]\n{extra}"),
    ))
}

/// Twenty requests for a missing page (enough 404s to put `native-404s` in ALARM), then the apply's end.
pub fn provoke_404s_then_wait(
    child: std::process::Child,
    production_url: &str,
) -> anyhow::Result<Run> {
    for _ in 0..20 {
        http_get(&format!("{production_url}/missing"));
    }
    Ok(Run::from(child.wait_with_output()?))
}

/// Asserts `run` failed and its output (line breaks folded) says every one of `words`.
pub fn assert_failed_saying(run: &Run, words: &[&str]) {
    assert_ne!(run.code, 0, "{}", run.output());
    let said = flat(&run.output());
    for words in words {
        assert!(said.contains(words), "{words:?} missing: {}", run.output());
    }
}

/// Asserts production answers v1 again and state records the v1 revision.
pub fn assert_back_on_v1(ws: &Workspace, w: &World) -> anyhow::Result<()> {
    assert_eq!(body(&w.production_url), "Hello from v1");
    assert_eq!(state(ws, "task_definition_arn")?, w.v1.as_str());
    Ok(())
}
